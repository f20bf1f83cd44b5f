import { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';
import {
  RateLimiterMemory,
  RateLimiterRedis,
  RLWrapperTimeouts,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import type { TLogger } from '../logger.ts';

export interface RateLimitOptions {
  /** Counter namespace, e.g. 'signin:account'. */
  keyPrefix: string;
  /** Allowed events per window. */
  points: number;
  /** Window length in seconds. */
  duration: number;
  /** Once exhausted, block for this many seconds. */
  blockDuration?: number;
}

type Handler = (message: unknown) => void;

/**
 * A rate-limit call to Redis that takes longer than this (ms) is answered by this instance's
 * in-process counters instead: a Redis that is down or stuck must not hold a gate, a channel or a
 * sign-in (limits are then per instance until it is back).
 */
const REDIS_LIMIT_TIMEOUT_MS = 250;

/**
 * Everything app instances must share: pub/sub, rate-limit counters and the Socket.IO adapter.
 * Redis-backed when REDIS_URL is set, in-process otherwise; chosen once at boot.
 */
export interface SharedState {
  readonly kind: 'redis' | 'memory';
  publish(channel: string, message: unknown): Promise<void>;
  /** Returns an unsubscribe function. */
  subscribe(channel: string, handler: Handler): () => void;
  /** Shared counters; with Redis, they fall back to per-instance counters while Redis does not answer. */
  rateLimiter(opts: RateLimitOptions): Pick<RateLimiterAbstract, 'consume' | 'get' | 'reward' | 'delete' | 'penalty'>;
  /** Socket.IO adapter factory; undefined means Socket.IO's default in-memory adapter. */
  socketAdapter(): ReturnType<typeof createAdapter> | undefined;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export function createSharedState(opts: { redisUrl?: string; prefix?: string; logger: TLogger }): SharedState {
  return opts.redisUrl ? createRedisState(opts.redisUrl, opts.prefix ?? 'tw', opts.logger) : createMemoryState();
}

function createMemoryState(): SharedState {
  const bus = new EventEmitter();
  bus.setMaxListeners(0);
  return {
    kind: 'memory',
    async publish(channel, message) {
      // Deliver asynchronously, as Redis would, so publishers never depend on synchronous delivery.
      const copy = structuredClone(message);
      queueMicrotask(() => bus.emit(channel, copy));
    },
    subscribe(channel, handler) {
      bus.on(channel, handler);
      return () => bus.off(channel, handler);
    },
    rateLimiter: (o) => new RateLimiterMemory(o),
    socketAdapter: () => undefined,
    ping: async () => true,
    close: async () => {
      bus.removeAllListeners();
    },
  };
}

function createRedisState(url: string, prefix: string, logger: TLogger): SharedState {
  // Separate connections: a subscribed connection can run no other command, and the adapter's
  // blocking XREAD must not delay rate-limit calls.
  const connect = (role: string, extra: { enableReadyCheck?: boolean } = {}) => {
    const r = new Redis(url, { maxRetriesPerRequest: 2, enableOfflineQueue: true, lazyConnect: false, ...extra });
    r.on('error', (err) => logger.warn({ role, err: err.message }, 'redis connection error'));
    return r;
  };
  const cmd = connect('command');
  const pub = connect('publish');
  // No ready check on the subscriber: its INFO could follow a SUBSCRIBE flushed from the offline
  // queue and be refused ("Connection in subscriber mode"), and the subscriptions were then lost.
  const sub = connect('subscribe', { enableReadyCheck: false });
  let adapterClient: Redis | undefined;
  const handlers = new Map<string, Set<Handler>>();
  const full = (channel: string) => `${prefix}:${channel}`;
  sub.on('message', (ch: string, raw: string) => {
    const set = handlers.get(ch);
    if (!set) return;
    let msg: unknown;
    try {
      msg = JSON.parse(raw);
    } catch {
      logger.warn({ channel: ch }, 'dropped a malformed pub/sub message');
      return;
    }
    for (const h of set) h(msg);
  });
  return {
    kind: 'redis',
    async publish(channel, message) {
      await pub.publish(full(channel), JSON.stringify(message));
    },
    subscribe(channel, handler) {
      const ch = full(channel);
      let set = handlers.get(ch);
      if (!set) {
        set = new Set();
        handlers.set(ch, set);
        sub.subscribe(ch).catch((err) => logger.error({ channel: ch, err: err.message }, 'redis subscribe failed'));
      }
      set.add(handler);
      return () => {
        set.delete(handler);
        if (set.size === 0) {
          handlers.delete(ch);
          sub.unsubscribe(ch).catch(() => {});
        }
      };
    },
    rateLimiter: (o) =>
      new RLWrapperTimeouts({
        limiter: new RateLimiterRedis({
          storeClient: cmd,
          ...o,
          keyPrefix: `${prefix}:rl:${o.keyPrefix}`,
          // While the connection is down, go to the insurance counters at once instead of queueing.
          rejectIfRedisNotReady: true,
          insuranceLimiter: new RateLimiterMemory(o),
        }),
        timeoutMs: REDIS_LIMIT_TIMEOUT_MS,
      }),
    socketAdapter() {
      adapterClient ??= connect('socket.io-adapter');
      // The Streams adapter resumes after a Redis restart instead of crashing the process.
      return createAdapter(adapterClient, {
        streamName: `${prefix}:socket.io`,
        channelPrefix: `${prefix}:socket.io`,
        onlyPlaintext: true,
      });
    },
    async ping() {
      try {
        return (await cmd.ping()) === 'PONG';
      } catch {
        return false;
      }
    },
    async close() {
      await Promise.allSettled([cmd, pub, sub, adapterClient].filter((c): c is Redis => !!c).map((c) => c.quit()));
    },
  };
}
