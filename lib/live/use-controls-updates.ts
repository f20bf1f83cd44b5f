'use client';
import { useEffect, useRef, useState } from 'react';
import { io, type Socket } from 'socket.io-client';
import type { LiveClientEvents, LiveServerEvents, TSubscribeAck } from '../schemas/live.ts';
import { OUTAGE_RETRY_MS, retryDelayOf } from './outage.ts';
import { goToSignIn } from './use-session-keep-alive.ts';

/** How long a subscription waits for its answer (ms); the server answers within its own bound first. */
const SUBSCRIBE_TIMEOUT_MS = 10_000;

/**
 * Calls onChange whenever the controls of a venue change anywhere (another manager, a crowd
 * policy), over /live, so a controls screen never shows stale settings; and once more each time
 * the subscription is back after a break, since changes made meanwhile were not heard.
 * Returns false while changes made elsewhere cannot be heard (the screen marks its data stale).
 * Comes back by itself from a lost network and from a server that could not check the session;
 * only a session the server refuses (`unauthorized`) goes to the sign-in page.
 */
export function useControlsUpdates(venueId: number | undefined, onChange: () => void): boolean {
  const latest = useRef(onChange);
  latest.current = onChange;
  const [listening, setListening] = useState(true);
  useEffect(() => {
    if (!venueId) return;
    const socket: Socket<LiveServerEvents, LiveClientEvents> = io('/live', {
      transports: ['websocket'],
      withCredentials: true,
      reconnectionDelayMax: 5_000,
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    let hadBreak = false;
    const later = (ms: number, fn: () => void) => {
      clearTimeout(timer);
      timer = setTimeout(fn, ms);
    };
    const broken = () => {
      hadBreak = true;
      setListening(false);
    };
    const subscribe = () => {
      if (!socket.connected) return;
      socket.timeout(SUBSCRIBE_TIMEOUT_MS).emit('subscribe', { venueId }, (err: Error | null, res: TSubscribeAck) => {
        if (!socket.connected) return;
        const code = err ? 'timeout' : 'error' in res ? res.error.code : undefined;
        if (code) {
          // forbidden/invalid would not change by asking again; the screen's own queries say so.
          if (code === 'forbidden' || code === 'invalid') return;
          broken();
          return later(OUTAGE_RETRY_MS, subscribe);
        }
        setListening(true);
        if (hadBreak) latest.current();
        hadBreak = false;
      });
    };
    socket.on('connect', subscribe);
    socket.on('disconnect', (reason) => {
      clearTimeout(timer);
      broken();
      // The server let go of this socket: Socket.IO does not come back by itself then.
      if (reason === 'io server disconnect') later(OUTAGE_RETRY_MS, () => socket.connect());
    });
    socket.on('connect_error', (err) => {
      if (err.message === 'unauthorized') return goToSignIn();
      broken();
      // A refusal (`unavailable`: the session could not be checked) ends Socket.IO's own retries.
      if (!socket.active) later(retryDelayOf((err as Error & { data?: unknown }).data), () => socket.connect());
    });
    socket.on('controls:update', () => latest.current());
    return () => {
      clearTimeout(timer);
      socket.removeAllListeners();
      socket.disconnect();
    };
  }, [venueId]);
  return listening;
}
