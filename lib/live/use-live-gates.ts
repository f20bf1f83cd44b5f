'use client';
import { useEffect, useRef, useState } from 'react';
import { io, type Socket } from 'socket.io-client';
import type { LiveClientEvents, LiveServerEvents, TAlarm, TGateStatus, TLiveCounters, TSubscribeAck } from '../schemas/live.ts';
import { goToSignIn } from './use-session-keep-alive.ts';

export type TLoadingState = 'loading' | 'loaded' | 'error';

export interface LiveGates {
  state: TLoadingState;
  /** False while the socket is down: the screen shows its data as stale. */
  connected: boolean;
  gates: TGateStatus[];
  counters?: TLiveCounters;
  alarms: TAlarm[];
  error?: string;
  updatedAt?: string;
}

/**
 * Gate states and today's counters of one venue over /live: a snapshot on (re)subscribe, then
 * coalesced updates.
 * Reconnects by itself (server restarts, network drops) and resubscribes, so it resynchronises.
 */
export function useLiveGates(venueId: number | undefined): LiveGates {
  const [live, setLive] = useState<LiveGates>({ state: 'loading', connected: false, gates: [], alarms: [] });
  const socketRef = useRef<Socket<LiveServerEvents, LiveClientEvents> | null>(null);

  useEffect(() => {
    if (!venueId) return;
    setLive({ state: 'loading', connected: false, gates: [], alarms: [] });
    // websocket only: behind a load balancer no sticky sessions are needed.
    const socket: Socket<LiveServerEvents, LiveClientEvents> = io('/live', { transports: ['websocket'], withCredentials: true, reconnectionDelayMax: 5_000 });
    socketRef.current = socket;
    const subscribe = () => {
      socket.timeout(10_000).emit('subscribe', { venueId }, (err: Error | null, res: TSubscribeAck) => {
        if (err) return setLive((s) => ({ ...s, state: s.state === 'loaded' ? 'loaded' : 'error', error: 'timeout' }));
        if ('error' in res) return setLive((s) => ({ ...s, state: 'error', error: res.error.message }));
        setLive({ state: 'loaded', connected: true, gates: res.gates, counters: res.counters, alarms: res.alarms, updatedAt: res.at });
      });
    };
    socket.on('connect', subscribe);
    socket.on('disconnect', () => setLive((s) => ({ ...s, connected: false })));
    socket.on('connect_error', (err) => {
      if (err.message === 'unauthorized') goToSignIn();
      setLive((s) => ({ ...s, connected: false }));
    });
    socket.on('gates:update', (msg) => {
      if (msg.venueId !== venueId) return;
      setLive((s) => {
        const byId = new Map(s.gates.map((g) => [g.id, g]));
        for (const g of msg.gates) byId.set(g.id, g);
        return { ...s, connected: true, gates: [...byId.values()].sort((a, b) => a.code.localeCompare(b.code)), updatedAt: msg.at };
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
