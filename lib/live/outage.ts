import type { Query, QueryFunctionContext } from '@tanstack/react-query';

/**
 * How a screen lives through an outage of its server's database or network: it keeps the last
 * answer on screen, marks it as possibly out of date, tries again by itself and clears the mark
 * when an answer comes. One set of rules for every screen (wall, controls tablet, admin).
 */

/**
 * How long a screen waits for one query before counting it as failed (ms). A frozen database
 * answers nothing and the server's own bound on a query is longer than a stale mark may wait.
 */
export const QUERY_BOUND_MS = 10_000;
/** How often a screen whose data could not be refreshed tries again (ms). */
export const OUTAGE_RETRY_MS = 3_000;
/** Bounds on a server's retry-after hint (ms): never hammer it, never wait for minutes. */
const MIN_RETRY_MS = 500;
const MAX_RETRY_MS = 30_000;

/** Pass as the tRPC options of a query so the bound also cancels its request, not just the wait. */
export const ABORTABLE = { abortOnUnmount: true } as const;

interface TRPCErrorLike {
  name?: unknown;
  data?: { code?: unknown; httpStatus?: unknown; appCode?: unknown } | null;
}

/** The server answered that it cannot serve now (its database or Redis is not answering): 503. */
export function isUnavailable(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const d = (err as TRPCErrorLike).data;
  return !!d && (d.code === 'SERVICE_UNAVAILABLE' || d.httpStatus === 503 || d.appCode === 'unavailable');
}

/**
 * No answer from the application at all: the network is down, the request hit its bound, or
 * something in front of the server (a proxy, a restart) answered instead of it.
 */
export function isUnreachable(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as TRPCErrorLike;
  if (e.name === 'TRPCClientError') return !e.data;
  return err instanceof TypeError || e.name === 'AbortError' || e.name === 'TimeoutError';
}

/** Either of the above: the request changed nothing we know of and asking again later is right. */
export function isOutage(err: unknown): boolean {
  return isUnavailable(err) || isUnreachable(err);
}

/** A server's retry hint (`retryAfterMs`, as the /live handshake sends it), kept within sane bounds. */
export function retryDelayOf(data: unknown): number {
  const ms = data && typeof data === 'object' ? (data as { retryAfterMs?: unknown }).retryAfterMs : undefined;
  return typeof ms === 'number' && Number.isFinite(ms)
    ? Math.min(MAX_RETRY_MS, Math.max(MIN_RETRY_MS, ms))
    : OUTAGE_RETRY_MS;
}

class QueryBoundExceeded extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

type TQueryOptionsLike = { queryFn?: unknown; refetchInterval?: unknown };
type TQueryFn = (ctx: QueryFunctionContext) => unknown;

/** For each query, the data it had when an attempt last failed (0: none yet). */
const failedWith = new WeakMap<Query, number>();

/**
 * True from the first failed attempt (during its retries already) until an answer comes. TanStack
 * Query resets the failure count when a new attempt starts, so the failure is remembered.
 */
function isFailing(query: Query): boolean {
  const { status, fetchFailureCount, dataUpdatedAt } = query.state;
  if (status === 'error' || fetchFailureCount > 0) failedWith.set(query, dataUpdatedAt);
  return failedWith.get(query) === dataUpdatedAt;
}

/**
 * Makes a query (tRPC `queryOptions(input, { trpc: ABORTABLE })`) outage-proof: each attempt gives
 * up after QUERY_BOUND_MS, and while it is failing it is tried again every OUTAGE_RETRY_MS (or its
 * own interval if shorter) until an answer comes, then keeps its normal interval (none, if it had
 * none). TanStack Query keeps the last data meanwhile; `useIsStale` says whether to mark it.
 */
export function outageAware<T extends TQueryOptionsLike>(opts: T, boundMs = QUERY_BOUND_MS): T {
  const fn = opts.queryFn;
  const every = typeof opts.refetchInterval === 'number' && opts.refetchInterval > 0 ? opts.refetchInterval : false;
  const queryFn: T['queryFn'] =
    typeof fn === 'function'
      ? (ctx: QueryFunctionContext) => {
          const bound = AbortSignal.timeout(boundMs);
          const signal = AbortSignal.any([ctx.signal, bound]);
          const work = Promise.resolve((fn as TQueryFn)({ ...ctx, signal }));
          // Rejects at the bound even when the request cannot be cancelled.
          const timeout = new Promise<never>((_, reject) =>
            bound.addEventListener('abort', () => reject(new QueryBoundExceeded(boundMs)), { once: true }),
          );
          return Promise.race([work, timeout]);
        }
      : fn;
  return {
    ...opts,
    queryFn,
    refetchInterval: (query: Query) => (isFailing(query) ? Math.min(OUTAGE_RETRY_MS, every || OUTAGE_RETRY_MS) : every),
  };
}
