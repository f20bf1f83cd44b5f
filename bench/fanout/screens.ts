import { io, type Socket } from 'socket.io-client';
import type { LiveClientEvents, LiveServerEvents, TSubscribeAck } from '../../lib/schemas/live.ts';

/** How long one screen may take to connect or to get its subscribe ack (ms). */
const CONNECT_TIMEOUT_MS = 20_000;
/** Screens connecting (or subscribing) at once: 500 handshakes in one burst would time out on 2 cores. */
const CONNECT_BATCH = 25;
/** Pause between connect batches (ms), so the server's event loop also serves the others. */
const CONNECT_PAUSE_MS = 20;
/** Events screen 0 keeps for the replay baseline and payload sizes (bounded). */
const MAX_RECORDED_EVENTS = 20_000;

export type LiveEvent = keyof LiveServerEvents;
const LIVE_EVENTS: LiveEvent[] = ['counters:update', 'gates:update', 'alarms:update', 'controls:update'];

/**
 * The `counters:update` a screen received, in arrival order: the arrival time (performance.now() of
 * this process), the entries total it showed, and how long it took from the server's emit (its
 * `at`, same machine and clock) to this screen's handler. Fixed capacity; overflow is counted.
 */
export class UpdateLog {
  readonly times: Float64Array;
  readonly entries: Float64Array;
  readonly delays: Float64Array;
  n = 0;
  dropped = 0;

  constructor(capacity: number) {
    this.times = new Float64Array(capacity);
    this.entries = new Float64Array(capacity);
    this.delays = new Float64Array(capacity);
  }

  add(t: number, entries: number, delayMs: number): void {
    if (this.n >= this.times.length) {
      this.dropped++;
      return;
    }
    this.times[this.n] = t;
    this.entries[this.n] = entries;
    this.delays[this.n] = delayMs;
    this.n++;
  }

  /** Index of the first update showing at least `entries`, or -1. Entries only grow within a day. */
  firstAtLeast(entries: number): number {
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.entries[mid] < entries) lo = mid + 1;
      else hi = mid;
    }
    return lo < this.n ? lo : -1;
  }
}

export interface RecordedEvent {
  t: number;
  event: LiveEvent;
  payload: unknown;
}

/** Every server-to-screen event counted across all screens, by name. */
export class Delivered {
  readonly byEvent: Record<LiveEvent, number> = {
    'counters:update': 0,
    'gates:update': 0,
    'alarms:update': 0,
    'controls:update': 0,
  };
  /** counters:update payloads without a numeric counters.entries or an `at` (should stay 0). */
  malformed = 0;
  get total(): number {
    return Object.values(this.byEvent).reduce((a, b) => a + b, 0);
  }
  snapshot(): Record<LiveEvent, number> {
    return { ...this.byEvent };
  }
}

export interface Screen {
  socket: Socket<LiveServerEvents, LiveClientEvents>;
  log: UpdateLog;
  /** entries in the subscribe snapshot. */
  snapshotEntries?: number;
  days: Set<string>;
}

export interface ScreenPool {
  screens: Screen[];
  delivered: Delivered;
  /** Screen 0's events with arrival times, for payload sizes and the replay baseline. */
  recorded: RecordedEvent[];
  /** Screens that disconnected after connecting (should stay 0). */
  disconnects: number;
  firstDisconnectReason?: string;
  close(): void;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function connectOne(url: string, cookie: string): Promise<Socket<LiveServerEvents, LiveClientEvents>> {
  return new Promise((resolve, reject) => {
    const socket: Socket<LiveServerEvents, LiveClientEvents> = io(`${url}/live`, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      timeout: CONNECT_TIMEOUT_MS,
      extraHeaders: { cookie },
    });
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => {
      socket.close();
      reject(new Error(`screen connect: ${err.message}`));
    });
  });
}

/**
 * Opens `count` screens on /live with the session cookie, in batches, over websocket only. Each
 * screen logs the entries of every `counters:update` it receives; every event is counted.
 */
export async function connectScreens(opts: {
  url: string;
  cookie: string;
  count: number;
  logCapacity: number;
}): Promise<ScreenPool> {
  const delivered = new Delivered();
  const recorded: RecordedEvent[] = [];
  const pool: ScreenPool = {
    screens: [],
    delivered,
    recorded,
    disconnects: 0,
    close() {
      for (const s of pool.screens) s.socket.close();
    },
  };
  try {
    for (let i = 0; i < opts.count; i += CONNECT_BATCH) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(CONNECT_BATCH, opts.count - i) }, () => connectOne(opts.url, opts.cookie)),
      );
      for (const socket of batch) {
        const screen: Screen = { socket, log: new UpdateLog(opts.logCapacity), days: new Set() };
        const index = pool.screens.length;
        pool.screens.push(screen);
        for (const event of LIVE_EVENTS) {
          // One listener per event name (typed map); the payload is checked where it is used.
          (socket as unknown as Socket).on(event, (payload: unknown) => {
            const t = performance.now();
            delivered.byEvent[event]++;
            if (event === 'counters:update') {
              const p = payload as { counters?: { entries?: unknown; day?: unknown }; at?: unknown } | null;
              const c = p?.counters;
              const emittedAt = typeof p?.at === 'string' ? Date.parse(p.at) : NaN;
              if (typeof c?.entries !== 'number' || Number.isNaN(emittedAt)) delivered.malformed++;
              else screen.log.add(t, c.entries, Date.now() - emittedAt);
              if (typeof c?.day === 'string') screen.days.add(c.day);
            }
            if (index === 0 && recorded.length < MAX_RECORDED_EVENTS) recorded.push({ t, event, payload });
          });
        }
        socket.on('disconnect', (reason) => {
          pool.disconnects++;
          pool.firstDisconnectReason ??= reason;
        });
      }
      await sleep(CONNECT_PAUSE_MS);
    }
  } catch (err) {
    pool.close();
    throw err;
  }
  return pool;
}

/** Subscribes every screen to the venue (in batches); resolves when all acks arrived. */
export async function subscribeScreens(pool: ScreenPool, venueId: number): Promise<void> {
  for (let i = 0; i < pool.screens.length; i += CONNECT_BATCH) {
    await Promise.all(
      pool.screens.slice(i, i + CONNECT_BATCH).map(async (screen) => {
        const ack: TSubscribeAck = await screen.socket
          .timeout(CONNECT_TIMEOUT_MS)
          .emitWithAck('subscribe', { venueId });
        if ('error' in ack) throw new Error(`subscribe to venue ${venueId}: ${ack.error.code}: ${ack.error.message}`);
        screen.snapshotEntries = ack.counters.entries;
        screen.days.add(ack.counters.day);
      }),
    );
    await sleep(CONNECT_PAUSE_MS);
  }
}
