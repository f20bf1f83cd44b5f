'use client';
import { useEffect } from 'react';

/**
 * How often an unattended screen renews its sign-in (ms). Sessions last 14 hours
 * (server/auth/next-auth-options.ts); renewing every half hour leaves a wide margin for a network
 * that is down for hours.
 */
export const SESSION_RENEW_MS = 30 * 60_000;

/** Where a screen whose sign-in is gone goes: the sign-in page, coming back here afterwards. */
export function goToSignIn(): void {
  window.location.assign(`/sign-in?next=${encodeURIComponent(window.location.pathname + window.location.search)}`);
}

/**
 * Keeps the sign-in of a screen that nobody touches (the wall display, a kiosk) alive while it is
 * open: next-auth's session endpoint issues a fresh session cookie each time it is read, so a wall
 * that runs for days does not fall back to the sign-in page when its first session ends. A
 * disabled or deleted account still ends it: the endpoint then answers without a user and the
 * screen goes to the sign-in page. A failed request (network down) or an answer that the account
 * could not be checked (database down) is simply tried again later.
 */
export function useSessionKeepAlive(intervalMs = SESSION_RENEW_MS): void {
  useEffect(() => {
    let stopped = false;
    const renew = async () => {
      try {
        const res = await fetch('/api/auth/session', { credentials: 'same-origin', cache: 'no-store' });
        if (!res.ok) return;
        const body = (await res.json()) as { user?: unknown; unavailable?: boolean } | null;
        // `unavailable`: the server could not check the account just now (its database is down).
        if (!stopped && !body?.user && !body?.unavailable) goToSignIn();
      } catch {
        // Offline or the server is restarting: the next round renews it.
      }
    };
    const id = setInterval(renew, intervalMs);
    return () => {
      stopped = true;
      clearInterval(id);
    };
  }, [intervalMs]);
}
