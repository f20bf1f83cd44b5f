import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { QueryClient } from '@tanstack/react-query';
import { createTRPCClient, httpBatchLink } from '@trpc/client';
import { initTRPC, TRPCError } from '@trpc/server';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { createTRPCOptionsProxy } from '@trpc/tanstack-react-query';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ABORTABLE,
  isOutage,
  isUnavailable,
  isUnreachable,
  OUTAGE_RETRY_MS,
  outageAware,
  retryDelayOf,
} from './outage.ts';

/** A real tRPC server on port 0 whose procedures answer the ways an outage does. */
const t = initTRPC.create();
let hangClosed: () => void = () => {};
const router = t.router({
  ok: t.procedure.query(() => 1),
  down: t.procedure.query(() => {
    throw new TRPCError({ code: 'SERVICE_UNAVAILABLE', message: 'the database is not answering' });
  }),
  gone: t.procedure.query(() => {
    throw new TRPCError({ code: 'UNAUTHORIZED', message: 'sign in first' });
  }),
  hang: t.procedure.query(() => new Promise<number>(() => {})),
});

let server: Server;
let url: string;
beforeAll(async () => {
  const handler = createHTTPHandler({ router, basePath: '/api/trpc/' });
  server = createServer((req, res) => {
    if (req.url?.includes('hang')) res.once('close', () => hangClosed());
    handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/trpc`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const clientOf = (u: string) => createTRPCClient<typeof router>({ links: [httpBatchLink({ url: u })] });
const failure = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e,
  );

describe('telling an outage from other failures', () => {
  it('a 503 is unavailable, a refusal is neither, and no answer at all is unreachable', async () => {
    const client = clientOf(url);
    const down = await failure(client.down.query());
    expect([isUnavailable(down), isUnreachable(down), isOutage(down)]).toEqual([true, false, true]);
    const gone = await failure(client.gone.query());
    expect([isUnavailable(gone), isUnreachable(gone), isOutage(gone)]).toEqual([false, false, false]);
    // Nobody listens there: the request gets no answer from the application.
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const nothing = await failure(clientOf(`http://127.0.0.1:${port}/api/trpc`).ok.query());
    expect([isUnavailable(nothing), isUnreachable(nothing)]).toEqual([false, true]);
  });

  it('takes a retry hint within bounds', () => {
    expect(retryDelayOf({ retryAfterMs: 2_000 })).toBe(2_000);
    expect(retryDelayOf({ retryAfterMs: 1 })).toBe(500);
    expect(retryDelayOf({ retryAfterMs: 3_600_000 })).toBe(30_000);
    expect(retryDelayOf(undefined)).toBe(OUTAGE_RETRY_MS);
    expect(retryDelayOf({ retryAfterMs: 'soon' })).toBe(OUTAGE_RETRY_MS);
  });
});

describe('outageAware', () => {
  it('gives up on a request that gets no answer, cancels it, and retries often until an answer comes', async () => {
    const queryClient = new QueryClient();
    const trpc = createTRPCOptionsProxy<typeof router>({ client: clientOf(url), queryClient });
    const requestClosed = new Promise<void>((r) => (hangClosed = r));
    const hang = outageAware(trpc.hang.queryOptions(undefined, { trpc: ABORTABLE }), 200);
    const err = await failure(queryClient.fetchQuery(hang));
    expect(isOutage(err)).toBe(true);
    // The bound cancelled the request itself, not just the wait for it.
    await requestClosed;
    const interval = hang.refetchInterval as unknown as (q: unknown) => number | false;
    const hanging = queryClient.getQueryCache().find({ queryKey: hang.queryKey })!;
    expect(interval(hanging)).toBe(OUTAGE_RETRY_MS);

    // A query without an interval of its own gets none back once it has answered.
    const ok = outageAware(trpc.ok.queryOptions(undefined, { trpc: ABORTABLE }));
    await expect(queryClient.fetchQuery(ok)).resolves.toBe(1);
    const answered = queryClient.getQueryCache().find({ queryKey: ok.queryKey })!;
    expect((ok.refetchInterval as unknown as (q: unknown) => number | false)(answered)).toBe(false);
    queryClient.clear();
  });
});
