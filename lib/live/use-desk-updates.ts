'use client';
import { useEffect, useRef, useState } from 'react';
import { io, type Socket } from 'socket.io-client';
import type { DeskClientEvents, DeskServerEvents, TDeskSubscribeAck } from '../schemas/live.ts';
import type { TOverrideRequestView } from '../schemas/override-request.ts';
import { OUTAGE_RETRY_MS, retryDelayOf } from './outage.ts';
import { goToSignIn } from './use-session-keep-alive.ts';

/** How long a subscription waits for its answer (ms); the server answers within its own bound first. */
const SUBSCRIBE_TIMEOUT_MS = 10_000;

/** Whether changes made elsewhere reach this screen: not yet known, heard, or not (the screen marks its data stale). */
export type TDeskLink = 'connecting' | 'live' | 'down';

export interface TDeskHandlers {
  /**
   * The venue's sales or capacity changed (at most about once a second): refetch the catalog. Also
   * called each time the subscription is back after a break, since changes made meanwhile were not heard.
   */
  onCatalog?: () => void;
  /** Supervisors only: the venue's pending override requests, whole, at each subscription and each change. */
  onOverrides?: (pending: TOverrideRequestView[]) => void;
  /** This user's own request was decided, withdrawn or ran out of time. */
  onDecided?: (request: TOverrideRequestView) => void;
  /** The subscription is back after a break: an answer may have come meanwhile, unheard. */
  onResync?: () => void;
}

/**
 * The front desk's live updates over /desk for a venue: catalog changes for the sell screen, the
 * pending override requests for a supervisor, and the answers to this user's own requests.
 * Returns 'down' while changes cannot be heard (the screen marks what it shows stale and polls),
 * 'live' once subscribed, 'connecting' before the first answer.
 * Comes back by itself from a lost network and from a server that could not check the session;
 * only a session the server refuses (`unauthorized`) goes to the sign-in page.
 */
export function useDeskUpdates(venueId: number | undefined, handlers: TDeskHandlers): TDeskLink {
  const latest = useRef(handlers);
  latest.current = handlers;
  const [link, setLink] = useState<TDeskLink>('connecting');
  useEffect(() => {
    if (!venueId) return;
    const socket: Socket<DeskServerEvents, DeskClientEvents> = io('/desk', {
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
      setLink('down');
    };
    const subscribe = () => {
      if (!socket.connected) return;
      socket
        .timeout(SUBSCRIBE_TIMEOUT_MS)
        .emit('subscribe', { venueId }, (err: Error | null, res: TDeskSubscribeAck) => {
          if (!socket.connected) return;
          const code = err ? 'timeout' : 'error' in res ? res.error.code : undefined;
          if (code || 'error' in res) {
            // forbidden/invalid would not change by asking again; the screen's own queries say so.
            if (code === 'forbidden' || code === 'invalid') return;
            broken();
            return later(OUTAGE_RETRY_MS, subscribe);
          }
          setLink('live');
          if (res.pending) latest.current.onOverrides?.(res.pending);
          if (hadBreak) {
            latest.current.onCatalog?.();
            latest.current.onResync?.();
          }
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
    socket.on('desk:catalog', (m) => {
      if (m.venueId === null || m.venueId === venueId) latest.current.onCatalog?.();
    });
    socket.on('desk:overrides', (m) => {
      if (m.venueId === venueId) latest.current.onOverrides?.(m.pending);
    });
    socket.on('desk:override-decided', (m) => latest.current.onDecided?.(m.request));
    return () => {
      clearTimeout(timer);
      socket.removeAllListeners();
      socket.disconnect();
    };
  }, [venueId]);
  return link;
}
