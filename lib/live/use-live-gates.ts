'use client';
import { useEffect, useRef, useState } from 'react';
import { io, type Socket } from 'socket.io-client';
import type {
  LiveClientEvents,
  LiveServerEvents,
  TAlarm,
  TGateStatus,
  TLiveCounters,
  TSubscribeAck,
} from '../schemas/live.ts';
import { OUTAGE_RETRY_MS, retryDelayOf } from './outage.ts';
import { goToSignIn } from './use-session-keep-alive.ts';

export type TLoadingState = 'loading' | 'loaded' | 'error';

export interface LiveGates {
  state: TLoadingState;
  /** True while the socket is connected. */
  connected: boolean;
  /**
   * The data on screen may be out of date: the socket is down, the server could not check the
   * session, or the last (re)subscription found its database not answering. The data stays.
   */
  stale: boolean;
  gates: TGateStatus[];
  counters?: TLiveCounters;
  alarms: TAlarm[];
  /** Why the screen has no data (only when state is 'error'); with `stale` it is being retried. */
  error?: string;
  updatedAt?: string;
}

/** How long a subscription waits for its snapshot (ms); the server answers within its own bound first. */
const SUBSCRIBE_TIMEOUT_MS = 10_000;
/**
 * A screen takes a fresh snapshot this often (ms). Deltas lost while Redis was away (the adapter
 * drops the broadcasts it cannot publish) are made good, and a database that stopped answering
 * shows as stale on a socket that is still connected.
 */
export const RESYNC_MS = 20_000;
/** Answers after which subscribing again would get the same answer. */
const FINAL_ERRORS = new Set(['forbidden', 'invalid']);

const EMPTY: LiveGates = { state: 'loading', connected: false, stale: false, gates: [], alarms: [] };

/**
 * Gate states and today's counters of one venue over /live: a snapshot on (re)subscribe, then
 * coalesced updates, and a fresh snapshot every RESYNC_MS.
 * Reconnects by itself (server restarts, network drops, a database that could not check the
 * session) and resubscribes, so it resynchronises. Only a session the server refuses
 * (`unauthorized`) goes to the sign-in page.
 */
export function useLiveGates(venueId: number | undefined): LiveGates {
  const [live, setLive] = useState<LiveGates>(EMPTY);
  const socketRef = useRef<Socket<LiveServerEvents, LiveClientEvents> | null>(null);

  useEffect(() => {
    if (!venueId) return;
    setLive(EMPTY);
    // websocket only: behind a load balancer no sticky sessions are needed.
    const socket: Socket<LiveServerEvents, LiveClientEvents> = io('/live', {
      transports: ['websocket'],
      withCredentials: true,
      reconnectionDelayMax: 5_000,
    });
    socketRef.current = socket;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const later = (ms: number, fn: () => void) => {
      clearTimeout(timer);
      timer = setTimeout(fn, ms);
    };
    /** Keeps whatever is on screen and marks it; without data yet, says why it is missing. */
    const markStale = (why: string) =>
      setLive((s) => ({ ...s, stale: true, ...(s.state === 'loaded' ? {} : { state: 'error', error: why }) }));
    const subscribe = () => {
      if (!socket.connected) return;
      socket.timeout(SUBSCRIBE_TIMEOUT_MS).emit('subscribe', { venueId }, (err: Error | null, res: TSubscribeAck) => {
        // Disconnected meanwhile (pending acks then fail at once): the connection handlers take over.
        if (!socket.connected) return;
        const problem = err
          ? { code: 'timeout', message: 'the server did not answer the subscription' }
          : 'error' in res
            ? res.error
            : undefined;
        if (problem) {
          if (FINAL_ERRORS.has(problem.code))
            return setLive((s) => ({ ...s, state: 'error', stale: false, error: problem.message }));
          // 'unauthorized' here comes with a disconnect: the next handshake says whether to sign in.
          markStale(problem.message);
          return later(OUTAGE_RETRY_MS, subscribe);
        }
        if ('error' in res) return;
        setLive({
          state: 'loaded',
          connected: true,
          stale: false,
          gates: res.gates,
          counters: res.counters,
          alarms: res.alarms,
          updatedAt: res.at,
        });
        later(RESYNC_MS, subscribe);
      });
    };
    socket.on('connect', () => {
      setLive((s) => ({ ...s, connected: true }));
      subscribe();
    });
    socket.on('disconnect', (reason) => {
      clearTimeout(timer);
      setLive((s) => ({ ...s, connected: false, stale: s.state === 'loaded' || s.stale }));
      // The server let go of this socket (a session it no longer accepts, a shutdown): Socket.IO
      // does not come back by itself then; the next handshake says whether to sign in again.
      if (reason === 'io server disconnect') later(OUTAGE_RETRY_MS, () => socket.connect());
    });
    socket.on('connect_error', (err) => {
      setLive((s) => ({ ...s, connected: false, stale: s.state === 'loaded' || s.stale }));
      if (err.message === 'unauthorized') return goToSignIn();
      // A refusal (the session could not be checked: `unavailable`) ends Socket.IO's own retries;
      // a lost network or server does not, and the manager keeps trying by itself.
      if (!socket.active) {
        markStale((err as Error & { data?: { message?: string } }).data?.message ?? err.message);
        later(retryDelayOf((err as Error & { data?: unknown }).data), () => socket.connect());
      }
    });
    socket.on('gates:update', (msg) => {
      if (msg.venueId !== venueId) return;
      setLive((s) => {
        const byId = new Map(s.gates.map((g) => [g.id, g]));
        for (const g of msg.gates) byId.set(g.id, g);
        return { ...s, gates: [...byId.values()].sort((a, b) => a.code.localeCompare(b.code)), updatedAt: msg.at };
      });
    });
    socket.on('alarms:update', (msg) => {
      if (msg.venueId !== venueId) return;
      setLive((s) => ({ ...s, alarms: msg.alarms }));
    });
    socket.on('counters:update', (msg) => {
      if (msg.venueId !== venueId) return;
      setLive((s) => ({ ...s, counters: msg.counters, updatedAt: msg.at }));
    });
    return () => {
      clearTimeout(timer);
      socket.removeAllListeners();
      socket.disconnect();
      socketRef.current = null;
    };
  }, [venueId]);

  return live;
}

/** Re-renders every intervalMs, for "12 s ago" labels. */
export function useNow(intervalMs = 1_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(id);
  }, [intervalMs]);
  return now;
}
