import { randomBytes } from 'node:crypto';
import { encode } from 'next-auth/jwt';
import { io, type Socket } from 'socket.io-client';
import type { Database } from '../../db/client.ts';
import { startApp, type App } from '../../server/app.ts';
import { loadConfig } from '../../server/config.ts';

export const TEST_SECRET = 'test-secret-test-secret-test-secret-0123';

/** Starts an instance (API, sockets, health; no Next.js pages) on a free port over the given database. */
export async function startTestApp(
  db: Database,
  opts: { redis?: boolean; redisPrefix?: string; instance?: string; env?: Record<string, string> } = {},
): Promise<App> {
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    NEXTAUTH_SECRET: TEST_SECRET,
    TIDEWATCH_DATA_DIR: `/tmp/tidewatch-test-${randomBytes(4).toString('hex')}`,
    TIDEWATCH_INSTANCE_ID: opts.instance ?? `test-${randomBytes(3).toString('hex')}`,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    TIDEWATCH_MAX_MESSAGE_BYTES: '65536',
    ...(opts.redis && process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
    ...opts.env,
  });
  return startApp({ config, db, redisPrefix: opts.redisPrefix ?? `twtest-${randomBytes(4).toString('hex')}` });
}

/** A session cookie for a user id, as next-auth would set it after sign-in. */
export async function sessionCookie(userId: number, secret = TEST_SECRET): Promise<string> {
  const token = await encode({ token: { sub: String(userId) }, secret });
  return `next-auth.session-token=${token}`;
}

/** Connects a Socket.IO client and resolves on connect, or rejects with the connect_error message. */
export function connectSocket(
  url: string,
  opts: { auth?: Record<string, unknown>; cookie?: string } = {},
): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = io(url, {
      auth: opts.auth,
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      extraHeaders: opts.cookie ? { cookie: opts.cookie } : undefined,
    });
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => {
      socket.close();
      reject(err);
    });
  });
}

/** Calls a tRPC procedure over HTTP like the browser does; returns status and parsed body. */
export async function trpcCall(
  baseUrl: string,
  path: string,
  opts: { cookie?: string; input?: unknown; mutation?: boolean } = {},
) {
  const superjsonInput = encodeURIComponent(JSON.stringify({ json: opts.input ?? null }));
  const res = opts.mutation
    ? await fetch(`${baseUrl}/api/trpc/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(opts.cookie ? { cookie: opts.cookie } : {}) },
        body: JSON.stringify({ json: opts.input ?? null }),
      })
    : await fetch(`${baseUrl}/api/trpc/${path}?input=${superjsonInput}`, {
        headers: opts.cookie ? { cookie: opts.cookie } : {},
      });
  const body = (await res.json()) as {
    result?: { data: { json: unknown } };
    error?: { json: { message: string; data: { code: string } } };
  };
  return { status: res.status, data: body.result?.data.json, error: body.error?.json };
}

/** Calls a channel endpoint with its bearer token; returns status, headers and parsed body. */
export async function channelCall(
  baseUrl: string,
  token: string,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
) {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  // biome-ignore lint/suspicious/noExplicitAny: a test reads whatever JSON the endpoint answered, field by field
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, headers: res.headers, body: json };
}
