'use client';
import { useEffect, useRef } from 'react';
import { io, type Socket } from 'socket.io-client';
import type { LiveClientEvents, LiveServerEvents } from '../schemas/live.ts';

/**
 * Calls onChange whenever the controls of a venue change anywhere (another manager, a crowd
 * policy), over /live, so a controls screen never shows stale settings.
 */
export function useControlsUpdates(venueId: number | undefined, onChange: () => void): void {
  const latest = useRef(onChange);
  latest.current = onChange;
  useEffect(() => {
    if (!venueId) return;
    const socket: Socket<LiveServerEvents, LiveClientEvents> = io('/live', { transports: ['websocket'], withCredentials: true });
    socket.on('connect', () => socket.emit('subscribe', { venueId }, () => {}));
    socket.on('controls:update', () => latest.current());
    return () => {
      socket.removeAllListeners();
      socket.disconnect();
    };
  }, [venueId]);
}
