import { expect, type APIRequestContext } from '@playwright/test';
import { io, type Socket } from 'socket.io-client';
import { venueToday } from '../helpers/venue.ts';
import type { DemoCredentials } from '../../server/services/seed.ts';

export const DEMO_PASSWORD = 'tidewatch-demo';

/** Signs in over HTTP the way next-auth's form does (CSRF token, then the credentials callback). */
export async function signIn(request: APIRequestContext, email: string, password = DEMO_PASSWORD): Promise<void> {
  const { csrfToken } = await (await request.get('/api/auth/csrf')).json();
  const res = await request.post('/api/auth/callback/credentials', {
    form: { csrfToken, email, password, json: 'true' },
  });
  if (!res.ok()) throw new Error(`sign-in as ${email} failed: ${res.status()}`);
  const state = await request.storageState();
  if (!state.cookies.some((c) => c.name.endsWith('next-auth.session-token')))
    throw new Error(`sign-in as ${email}: no session cookie`);
}

/** Calls a tRPC mutation over HTTP with the request context's cookies. */
/** A tRPC query as the signed-in request's user; fails the test unless it answers 200. */
export async function trpcQuery<T>(request: APIRequestContext, path: string, input?: unknown): Promise<T> {
  const q = input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify({ json: input }))}`;
  const res = await request.get(`/api/trpc/${path}${q}`);
  expect(res.status(), path).toBe(200);
  return (await res.json()).result.data.json as T;
}

export async function trpcMutation(request: APIRequestContext, path: string, input: unknown) {
  const res = await request.post(`/api/trpc/${path}`, { data: { json: input } });
  const body = await res.json();
  return { status: res.status(), data: body.result?.data?.json, error: body.error?.json };
}

/** The demo venue's business day (it starts at 04:00 in Asia/Shanghai). */
export const today = () => venueToday();

let seq = 0;

/** Sells TWO-DAY tickets for today through a channel, as a ticket window would; returns their codes. */
export async function sellTickets(
  api: APIRequestContext,
  creds: DemoCredentials,
  channel: string,
  qty: number,
): Promise<string[]> {
  const auth = { authorization: `Bearer ${creds.channels[channel]}` };
  const catalog = await (await api.get(`/api/channels/catalog?date=${today()}`, { headers: auth })).json();
  const price = catalog.types.find((t: { code: string }) => t.code === 'TWO-DAY').price;
  const items = [];
  for (let left = qty; left > 0; left -= 100) items.push({ type: 'TWO-DAY', qty: Math.min(100, left), date: today() });
  const res = await api.post('/api/channels/orders', {
    headers: auth,
    data: { ref: `e2e-${Date.now()}-${++seq}`, items, amount: price * qty },
  });
  expect(res.status()).toBe(201);
  return (await res.json()).tickets.map((t: { code: string }) => t.code);
}

/** Connects as the demo device of a gate over the real device protocol. */
export async function connectGate(baseURL: string, creds: DemoCredentials, code: string): Promise<Socket> {
  const s = io(`${baseURL}/gates`, {
    auth: { token: creds.devices[code] },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  await new Promise<void>((resolve, reject) => {
    s.once('connect', resolve);
    s.once('connect_error', reject);
  });
  return s;
}

/**
 * How long a wall display may take to first show its data: its venue map renders with software
 * WebGL here (SwiftShader), 5–11 s on an idle machine (measured) and more on a busy CI one, past the
 * default wait. A readiness wait, not a performance claim.
 */
export const WALL_LOAD = { timeout: 60_000 };
