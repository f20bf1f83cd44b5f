// Live fan-out benchmark: 500 signed-in screens on /live while gates scan at fixed rates.
// Measures scan-to-screen latency (scan sent -> a screen shows an entries total that includes it)
// and the server's CPU per delivered update, against a raw `ws` broadcast server replaying the
// same messages to the same number of clients in the same run. Usage and results:
// docs/benchmarks-fanout.md.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { encode } from 'next-auth/jwt';
import { assertLocalUrl } from './lib/bench-db.ts';
import { connectGates, disconnectGates, TicketFeed, type GateConn } from './lib/gate-load.ts';
import { machineCpuSeconds, processCpuSeconds, startServerChild, type ServerChild } from './lib/server-child.ts';
import { fmt, Samples, table, type LatencySummary } from './lib/stats.ts';
import { processCpu } from './fanout/proc.ts';
import { breakDown, FANOUT_CATEGORY, findProfile, type ProfileBreakdown } from './fanout/profile.ts';
import { AdmitOrder, runScans, type ScanPhase } from './fanout/scan-load.ts';
import { connectScreens, subscribeScreens, type LiveEvent, type ScreenPool } from './fanout/screens.ts';
import { createEmbeddedFanoutDb, createPostgresFanoutDb, type FanoutDb } from './fanout/venue-db.ts';
import { startWsBaseline, type WsBaseline } from './fanout/ws-baseline.ts';
import type { ReplayItem } from './fanout/ws-broadcast-server.ts';
import { numArg } from './lib/args.ts';

/** Issue target: scan-to-screen p99 at most 1 s (ms). */
const TARGET_P99_MS = 1_000;
/** Other processes using more than this many cores during a phase make its numbers suspect. */
const DISTURBED_CORES = 0.25;
/** After a phase's last scan is acknowledged, screens get this long to receive the update that includes it (ms). */
const SETTLE_MS = 1_500;
/** counters:update a screen can log per second of run (the hub flushes every 250 ms; x2 headroom). */
const LOG_PER_S = 8;
/** Server CPU sampling period inside a window (ms); /proc counts in 10 ms ticks. */
const CPU_SAMPLE_MS = 1_000;
/** Unmeasured scans before the first window, at the highest rate (s). */
const WARMUP_S = 3;
const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
/** A database index of its own, so the run's Socket.IO stream does not mix with a dev server's `tw:socket.io`. */
const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379/14';

const USAGE = `npm run bench:fanout -- [options]
  --screens <n>         signed-in screens on /live, all watching the demo venue (default 500)
  --rates <a,b>         offered scan rates, scans/s (default 50,200)
  --duration <s>        measured window per rate with screens subscribed (default 15)
  --warmup <s>          unmeasured lead-in before each window (default 2)
  --reference <s>       per rate, a window before any screen connects: the same scans without
                        screens, for the server's CPU and ack latency they cost alone (default 10; 0 skips)
  --devices <n>         gate devices sending the scans (default 4)
  --redis               run the server with REDIS_URL (default ${DEFAULT_REDIS_URL}; the Redis Streams adapter)
  --embedded            PGlite in a temp directory instead of a PostgreSQL database
  --profile             run the server under the V8 CPU profiler: prints where its CPU went in each
                        window and the CPU of the Socket.IO broadcast alone per delivered update
                        (the profiler itself costs the server some CPU: use the plain run's totals)
  --cpu-prof <dir>      like --profile, and keep the profile in <dir>
Environment: DATABASE_URL (default ${DEFAULT_DATABASE_URL}); a database tw_bench_<random> is created on it and dropped.`;

const { values: args } = parseArgs({
  options: {
    screens: { type: 'string', default: '500' },
    rates: { type: 'string', default: '50,200' },
    duration: { type: 'string', default: '15' },
    warmup: { type: 'string', default: '2' },
    reference: { type: 'string', default: '10' },
    devices: { type: 'string', default: '4' },
    redis: { type: 'boolean', default: false },
    embedded: { type: 'boolean', default: false },
    'cpu-prof': { type: 'string' },
    profile: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}

const num = (name: string, v: string | undefined, min: number, max: number) => numArg(name, v, min, max);

const opts = {
  screens: num('screens', args.screens, 1, 5_000),
  rates: String(args.rates)
    .split(',')
    .map((r) => num('rates', r, 1, 2_000)),
  durationS: num('duration', args.duration, 1, 300),
  warmupS: num('warmup', args.warmup, 0, 30),
  referenceS: num('reference', args.reference, 0, 300),
  devices: num('devices', args.devices, 1, 64),
  redisUrl: args.redis ? process.env.REDIS_URL || DEFAULT_REDIS_URL : undefined,
  embedded: !!args.embedded,
  cpuProfDir: args['cpu-prof'] ? path.resolve(args['cpu-prof']) : undefined,
  profile: !!args.profile || !!args['cpu-prof'],
  databaseUrl: process.env.DATABASE_URL || DEFAULT_DATABASE_URL,
};

const log = (m: string) => console.log(m);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// ---- CPU accounting from /proc (synchronous, so it can be read exactly at a window's edges) ----

interface CpuSnap {
  t: number;
  server: number;
  /** The server's main (JavaScript) thread alone. */
  serverMain: number;
  /** CPU seconds per PostgreSQL pid. */
  postgres: Map<number, number>;
  bench: number;
  machine: number;
}

interface CpuShare {
  wallS: number;
  /** CPU seconds of the server (or baseline) process over the window (the profiler's thread excluded). */
  serverS: number;
  /** CPU seconds of its main thread over the window. */
  serverMainS: number;
  /** Cores busy on average. */
  server: number;
  /** Standard error of `server`, from its per-second samples (NaN when not sampled). */
  serverSe: number;
  postgres: number;
  bench: number;
  other: number;
}

function snapCpu(serverPid: number, pgPids: number[]): CpuSnap {
  const b = process.cpuUsage();
  const postgres = new Map<number, number>();
  for (const pid of pgPids) postgres.set(pid, processCpuSeconds(pid));
  const server = processCpu(serverPid);
  return {
    t: performance.now(),
    server: server.process,
    serverMain: server.main,
    postgres,
    bench: (b.user + b.system) / 1e6,
    machine: machineCpuSeconds(),
  };
}

/**
 * Cores used between two snapshots. `laterPg` are PostgreSQL pids found after the window: the pool
 * opens and closes backends (idle timeout), so a backend born in the window counts in full.
 */
function cpuBetween(a: CpuSnap, b: CpuSnap, laterPg: number[] = []): CpuShare {
  const wallS = (b.t - a.t) / 1000;
  let pgS = 0;
  // A backend gone by the end reads 0 and is left out (its CPU in the window is lost).
  for (const [pid, s] of b.postgres) if (s > 0) pgS += s - (a.postgres.get(pid) ?? s);
  for (const pid of laterPg) if (!a.postgres.has(pid)) pgS += processCpuSeconds(pid);
  const server = (b.server - a.server) / wallS;
  const postgres = pgS / wallS;
  const bench = (b.bench - a.bench) / wallS;
  const machine = (b.machine - a.machine) / wallS;
  return {
    wallS,
    serverS: b.server - a.server,
    serverMainS: b.serverMain - a.serverMain,
    server,
    serverSe: NaN,
    postgres,
    bench,
    other: Math.max(0, machine - server - postgres - bench),
  };
}

/** Standard error of the mean of per-interval rates, weighting intervals by their length. */
function standardError(rates: { v: number; w: number }[]): number {
  if (rates.length < 3) return NaN;
  const wSum = rates.reduce((a, r) => a + r.w, 0);
  const mean = rates.reduce((a, r) => a + r.v * r.w, 0) / wSum;
  const variance = rates.reduce((a, r) => a + r.w * (r.v - mean) ** 2, 0) / wSum;
  return Math.sqrt(variance / (rates.length - 1));
}

/** PostgreSQL processes working for the run: the server's backends and the shared background processes. */
async function postgresPids(bench: FanoutDb): Promise<number[]> {
  if (!bench.db) return [];
  const r = await bench.db.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity
     WHERE (datname = current_database() AND application_name = 'tidewatch') OR (datname IS NULL AND backend_type <> 'client backend')`,
  );
  return r.rows.map((x) => x.pid);
}

/**
 * Runs one scan phase and measures the server's CPU over its window (from /proc, read exactly at
 * the window's edges), with an optional hook for other snapshots at the same edges.
 */
async function measuredScans(
  bench: FanoutDb,
  serverPid: number,
  phase: Omit<Parameters<typeof runScans>[0], 'onWindow'>,
  onWindow?: (edge: 'start' | 'end') => void,
): Promise<{ scans: ScanPhase; cpu: CpuShare; windowUs: { fromUs: number; toUs: number } }> {
  const pgPids = await postgresPids(bench);
  // Monotonic µs, the clock of V8 CPU profiles, to find the window's samples in the server's profile.
  const windowUs = { fromUs: 0, toUs: 0 };
  const hrUs = () => Number(process.hrtime.bigint() / 1000n);
  let a: CpuSnap | undefined;
  let b: CpuSnap | undefined;
  // Per-second samples of the server's CPU: their spread says how far the window's mean can be trusted.
  const perSecond: { v: number; w: number }[] = [];
  let last = { t: 0, cpu: 0 };
  let sampler: NodeJS.Timeout | undefined;
  const sample = () => {
    const now = { t: performance.now(), cpu: processCpu(serverPid).process };
    const dt = (now.t - last.t) / 1000;
    if (dt > 0.2) perSecond.push({ v: (now.cpu - last.cpu) / dt, w: dt });
    last = now;
  };
  const scans = await runScans({
    ...phase,
    onWindow: (edge) => {
      if (edge === 'start') {
        a = snapCpu(serverPid, pgPids);
        windowUs.fromUs = hrUs();
        last = { t: a.t, cpu: a.server };
        sampler = setInterval(sample, CPU_SAMPLE_MS);
      } else {
        clearInterval(sampler);
        b = snapCpu(serverPid, [...a!.postgres.keys()]);
        windowUs.toUs = hrUs();
        sample();
      }
      onWindow?.(edge);
    },
  });
  clearInterval(sampler);
  return {
    scans,
    cpu: { ...cpuBetween(a!, b!, await postgresPids(bench)), serverSe: standardError(perSecond) },
    windowUs,
  };
}

/** Cores busy in a window; `server` is the process being measured, PostgreSQL only when it runs apart. */
function cpuText(c: CpuShare, names: { server: string; postgres: boolean }): string {
  return (
    `CPU (cores busy): ${names.server} ${c.server.toFixed(2)}${Number.isFinite(c.serverSe) ? ` (± ${(2 * c.serverSe).toFixed(2)})` : ''}, ` +
    `${names.postgres ? `postgres ${c.postgres.toFixed(2)}, ` : ''}load generator ${c.bench.toFixed(2)}, other processes ${c.other.toFixed(2)}`
  );
}

// ---- scan-to-screen latency ----

/**
 * For every admitted scan sent in the window and every screen: the time from sending the scan to
 * the first counters:update on that screen whose entries total includes it. A screen that never
 * showed it counts as missing (Infinity, so it lands in the tail).
 */
function scanToScreen(phase: ScanPhase, pool: ScreenPool): { samples: Samples; missing: number; early: number } {
  const samples = new Samples(phase.window.n * pool.screens.length);
  let missing = 0;
  let early = 0;
  for (const screen of pool.screens) {
    const logged = screen.log;
    for (let i = 0; i < phase.window.n; i++) {
      const k = logged.firstAtLeast(phase.window.total[i]);
      if (k < 0) {
        missing++;
        samples.add(Infinity);
        continue;
      }
      const ms = logged.times[k] - phase.window.sendAt[i];
      // A total that includes a scan cannot reach a screen before the scan was sent.
      if (ms < 0) early++;
      samples.add(ms);
    }
  }
  return { samples, missing, early };
}

/** Send-to-ack times of the window's admitted scans (ms). */
function ackLatency(phase: ScanPhase): LatencySummary {
  const samples = new Samples(phase.window.n);
  for (let i = 0; i < phase.window.n; i++) samples.add(phase.window.ackMs[i]);
  return samples.summary();
}

/** Server emit (`at`) to screen handler, for the counters:update that arrived between `from` and `to` (ms). */
function emitToScreen(pool: ScreenPool, from: number, to: number): LatencySummary {
  let n = 0;
  for (const s of pool.screens)
    for (let k = 0; k < s.log.n; k++) if (s.log.times[k] >= from && s.log.times[k] < to) n++;
  const samples = new Samples(n);
  for (const s of pool.screens)
    for (let k = 0; k < s.log.n; k++) if (s.log.times[k] >= from && s.log.times[k] < to) samples.add(s.log.delays[k]);
  return samples.summary();
}

function latencyText(s: LatencySummary): string {
  return `p50 ${fmt(s.p50)} ms, p90 ${fmt(s.p90)} ms, p99 ${fmt(s.p99)} ms, max ${fmt(s.max)} ms`;
}

function outcomeText(r: ScanPhase): string {
  const o = r.outcomes;
  return `sent ${fmt(r.sent)}: admit ${fmt(o.admit)}, reject ${fmt(o.reject)}, unavailable ${fmt(o.unavailable)}, error ${fmt(o.error)}, timeout ${fmt(o.timeout)}${r.unsettled ? `, UNSETTLED ${fmt(r.unsettled)}` : ''}; pacer lag max ${fmt(r.maxPacerLagMs, 1)} ms`;
}

interface FanoutResult {
  rate: number;
  scans: ScanPhase;
  cpu: CpuShare;
  delivered: number;
  byEvent: Record<LiveEvent, number>;
  usPerUpdate: number;
  windowUs: { fromUs: number; toUs: number };
  /** From the server's CPU profile: the Socket.IO broadcast's share of its busy time, and that CPU per delivered update. */
  fanoutShare?: number;
  fanoutUsPerUpdate?: number;
  latency: LatencySummary;
  ack: LatencySummary;
  emit: LatencySummary;
  missing: number;
  early: number;
  loopDelayP99Ms: number;
}

/** Deletes the keys the run left in its own Redis database (only the default one, which the run owns). */
async function cleanRedis(url: string): Promise<void> {
  if (url !== DEFAULT_REDIS_URL) return;
  const r = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
  r.on('error', () => {});
  try {
    await r.connect();
    for await (const keys of r.scanStream({ match: 'tw:*', count: 500 }))
      if ((keys as string[]).length) await r.del(...(keys as string[]));
  } finally {
    r.disconnect();
  }
}

async function main(): Promise<number> {
  if (!opts.embedded) assertLocalUrl(opts.databaseUrl, 'DATABASE_URL');
  if (opts.redisUrl) assertLocalUrl(opts.redisUrl, 'REDIS_URL');
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'tw-fanout-'));
  let bench: FanoutDb | undefined;
  let server: ServerChild | undefined;
  let gates: GateConn[] = [];
  let pool: ScreenPool | undefined;
  let baseline: WsBaseline | undefined;
  let interrupted = false;
  const cleanup = async () => {
    pool?.close();
    pool = undefined;
    disconnectGates(gates);
    gates = [];
    await baseline?.stop().catch((err) => log(`could not stop the ws baseline: ${(err as Error).message}`));
    await server?.stop().catch((err) => log(`could not stop the server: ${(err as Error).message}`));
    await bench?.drop().catch((err) => log(`could not drop ${bench?.name}: ${(err as Error).message}`));
    if (opts.redisUrl)
      await cleanRedis(opts.redisUrl).catch((err) => log(`could not clean Redis: ${(err as Error).message}`));
    rmSync(tmp, { recursive: true, force: true });
  };
  const onSignal = () => {
    if (interrupted) return;
    interrupted = true;
    log('interrupted: stopping the children and dropping the benchmark database');
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    const started = performance.now();
    const loadBefore = os.loadavg();
    // Every scan presents a fresh ticket: reference and fan-out windows, warm-ups, and a margin.
    const tickets =
      Math.ceil(Math.max(...opts.rates) * WARMUP_S) +
      opts.rates.reduce(
        (a, r) =>
          a +
          Math.ceil(r * (opts.warmupS + opts.durationS)) +
          (opts.referenceS ? Math.ceil(r * (opts.warmupS + opts.referenceS)) : 0),
        0,
      ) +
      1_000;
    log(
      `setting up ${opts.embedded ? `an embedded PGlite database in ${tmp}` : `a fresh database on ${opts.databaseUrl.replace(/\/\/([^:/@]+):([^@]+)@/, '//$1:***@')}`} ...`,
    );
    bench = opts.embedded
      ? await createEmbeddedFanoutDb({ dir: path.join(tmp, 'data'), tickets, devices: opts.devices, log })
      : await createPostgresFanoutDb({
          baseUrl: opts.databaseUrl,
          dataDir: path.join(tmp, 'seed'),
          tickets,
          devices: opts.devices,
          log,
        });
    let pgVersion = 'PGlite';
    if (bench.db)
      pgVersion = `PostgreSQL ${(await bench.db.query<{ v: string }>(`SELECT current_setting('server_version') AS v`)).rows[0].v}`;

    const secret = randomBytes(32).toString('base64url');
    const profDir = opts.profile ? (opts.cpuProfDir ?? path.join(tmp, 'prof')) : undefined;
    server = await startServerChild({
      env: {
        NODE_ENV: 'production',
        DATABASE_URL: bench.url ?? '',
        REDIS_URL: opts.redisUrl ?? '',
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        NEXTAUTH_SECRET: secret,
        TIDEWATCH_ID_KEY: bench.url ? randomBytes(32).toString('hex') : '',
        TIDEWATCH_DATA_DIR: bench.dataDir ?? path.join(tmp, 'server'),
        TIDEWATCH_INSTANCE_ID: 'bench-fanout',
      },
      nodeArgs: profDir ? ['--cpu-prof', '--cpu-prof-dir', profDir] : [],
      log,
    });
    const health = (await (await fetch(`${server.url}/api/health`)).json()) as {
      database?: { kind?: string; timescale?: boolean };
      redis?: { configured?: boolean; ok?: boolean };
    };
    log(
      `server pid ${server.pid} at ${server.url} (database ${health.database?.kind}, timescale ${health.database?.timescale ? 'yes' : 'no'}, redis ${health.redis?.configured ? `yes, ok=${health.redis.ok}` : 'no'})`,
    );

    gates = await connectGates(server.url, bench.devices);
    log(`${gates.length} gate devices on ${[...new Set(bench.devices.map((d) => d.gateCode))].join(', ')}`);
    const feed = new TicketFeed(bench.codes, 0);
    const order = new AdmitOrder();

    // 0. Warm-up: the first scans compile the ingest path and fill the pool; measure none of that.
    await runScans({
      gates,
      feed,
      prefix: 'warm.',
      rate: Math.max(...opts.rates),
      warmupS: WARMUP_S,
      durationS: 0,
      order,
    });

    // 1. Reference: the same scans with no screen connected. The hub still reads the counters
    //    and emits them every 250 ms (to an empty room); what the fan-out windows add on top is
    //    what 500 screens cost: their deliveries, pings and the sweeps' per-screen user checks.
    const reference = new Map<number, CpuShare>();
    const referenceUs = new Map<number, { fromUs: number; toUs: number }>();
    for (const rate of opts.referenceS > 0 ? opts.rates : []) {
      log(`\nreference: ${fmt(rate)} scans/s, no screens, ${opts.warmupS} s warm-up + ${opts.referenceS} s measured`);
      const { scans, cpu, windowUs } = await measuredScans(bench, server.pid, {
        gates,
        feed,
        prefix: `ref${rate}.`,
        rate,
        warmupS: opts.warmupS,
        durationS: opts.referenceS,
        order,
      });
      reference.set(rate, cpu);
      referenceUs.set(rate, windowUs);
      log(`  ${outcomeText(scans)}`);
      log(`  scan ack latency ${latencyText(ackLatency(scans))}`);
      log(
        `  ${cpuText(cpu, { server: bench.kind === 'pglite' ? 'server (with PGlite)' : 'server', postgres: bench.kind === 'postgres' })}`,
      );
      if (scans.firstError) log(`  first error: ${scans.firstError}`);
    }

    // 2. Screens: the cookie next-auth sets after the demo operator signs in, signed with the
    //    server's secret; then subscribe. The snapshot's entries total is where admissions count from.
    const cookie = `next-auth.session-token=${await encode({ token: { sub: String(bench.operatorId) }, secret })}`;
    const runS = opts.rates.length * (opts.warmupS + opts.durationS) + 60;
    let t0 = performance.now();
    pool = await connectScreens({
      url: server.url,
      cookie,
      count: opts.screens,
      logCapacity: Math.ceil(runS * LOG_PER_S),
    });
    log(
      `\n${fmt(pool.screens.length)} screens connected to /live in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    t0 = performance.now();
    await subscribeScreens(pool, bench.venueId);
    const snapshotTotals = new Set(pool.screens.map((s) => s.snapshotEntries));
    const base = Math.max(...pool.screens.map((s) => s.snapshotEntries ?? 0));
    order.base = base;
    order.admitted = 0;
    log(
      `${fmt(pool.screens.length)} screens subscribed to venue ${bench.venueId} in ${((performance.now() - t0) / 1000).toFixed(1)} s (snapshot entries ${fmt(base)}${snapshotTotals.size > 1 ? `; WARNING: snapshots disagree: ${[...snapshotTotals].join(', ')}` : ''})`,
    );
    await sleep(1_000);

    // 3. Fan-out: scans at each rate, every screen subscribed.
    const results: FanoutResult[] = [];
    let replayWindow: { start: number; end: number } | undefined;
    for (const rate of opts.rates) {
      log(
        `\nfan-out: ${fmt(rate)} scans/s to ${fmt(pool.screens.length)} subscribed screens, ${opts.warmupS} s warm-up + ${opts.durationS} s measured`,
      );
      const loop = monitorEventLoopDelay({ resolution: 10 });
      let d0: Record<LiveEvent, number> | undefined;
      let d1: Record<LiveEvent, number> | undefined;
      const screens = pool;
      const { scans, cpu, windowUs } = await measuredScans(
        bench,
        server.pid,
        { gates, feed, prefix: `fan${rate}.`, rate, warmupS: opts.warmupS, durationS: opts.durationS, order },
        (edge) => {
          if (edge === 'start') {
            d0 = screens.delivered.snapshot();
            loop.enable();
          } else {
            d1 = screens.delivered.snapshot();
            loop.disable();
          }
        },
      );
      await sleep(SETTLE_MS);
      const byEvent = Object.fromEntries(
        Object.keys(d1!).map((k) => [k, d1![k as LiveEvent] - d0![k as LiveEvent]]),
      ) as Record<LiveEvent, number>;
      const delivered = Object.values(byEvent).reduce((x, y) => x + y, 0);
      const ref = reference.get(rate);
      const { samples, missing, early } = scanToScreen(scans, pool);
      const res: FanoutResult = {
        rate,
        scans,
        cpu,
        delivered,
        byEvent,
        usPerUpdate: (cpu.serverS * 1e6) / delivered,
        windowUs,
        latency: samples.summary(),
        ack: ackLatency(scans),
        emit: emitToScreen(pool, scans.windowStart, scans.windowEnd),
        missing,
        early,
        loopDelayP99Ms: loop.percentile(99) / 1e6,
      };
      results.push(res);
      replayWindow = { start: scans.windowStart, end: scans.windowEnd };
      log(`  ${outcomeText(scans)}`);
      if (scans.firstError) log(`  first error: ${scans.firstError}`);
      log(
        `  delivered to screens in the window: ${fmt(delivered)} (${Object.entries(byEvent)
          .filter(([, n]) => n)
          .map(([e, n]) => `${e} ${fmt(n)}`)
          .join(
            ', ',
          )}) = ${fmt(delivered / cpu.wallS)}/s, ${fmt(delivered / cpu.wallS / pool.screens.length, 2)}/s per screen`,
      );
      log(
        `  ${cpuText(cpu, { server: bench.kind === 'pglite' ? 'server (with PGlite)' : 'server', postgres: bench.kind === 'postgres' })}`,
      );
      log(
        `  server CPU per delivered update: ${fmt(res.usPerUpdate, 1)} µs (all the server's work in the window / updates delivered)${ref ? `; the same scans without screens: ${ref.server.toFixed(2)} cores` : ''}`,
      );
      log(
        `  scan-to-screen over ${fmt(scans.window.n)} scans x ${fmt(pool.screens.length)} screens (n=${fmt(res.latency.count)}): ${latencyText(res.latency)}${missing ? `; ${fmt(missing)} never shown` : ''}${early ? `; ${fmt(early)} ANOMALOUS (shown before sent)` : ''}`,
      );
      log(
        `    of which: scan ack ${latencyText(res.ack)}; server emit -> screen handler ${latencyText(res.emit)} (the rest waits for the 250 ms flush and its database read)`,
      );
      log(
        `    load generator event-loop delay p99 ${fmt(res.loopDelayP99Ms, 1)} ms (all screens share this process: they read updates late by up to this much)`,
      );
    }

    // 4. Baseline: screen 0's messages of the last fan-out window, replayed at their original
    //    times by a raw ws server to as many raw ws clients. The Tidewatch server and its screens
    //    are stopped first so the baseline runs on the same, otherwise quiet machine.
    const recorded = pool.recorded.filter((e) => e.t >= replayWindow!.start && e.t < replayWindow!.end);
    const items: ReplayItem[] = recorded.map((e) => ({
      offsetMs: e.t - replayWindow!.start,
      event: e.event,
      payload: e.payload,
    }));
    const meanBytes =
      items.reduce((a, e) => a + JSON.stringify([e.event, e.payload]).length, 0) / Math.max(1, items.length);
    const screenCount = pool.screens.length;
    const disconnects = pool.disconnects;
    const disconnectReason = pool.firstDisconnectReason;
    const malformed = pool.delivered.malformed;
    const dropped = pool.screens.reduce((a, s) => a + s.log.dropped, 0);
    const days = new Set(pool.screens.flatMap((s) => [...s.days]));
    pool.close();
    pool = undefined;
    disconnectGates(gates);
    gates = [];
    const serverLogLines = server.logLines();
    await server.stop();
    server = undefined;

    // Where the server's CPU went in each window, from its V8 profile (written as it exits).
    const profileFile = profDir ? findProfile(profDir) : undefined;
    if (profDir && !profileFile) log(`\nno CPU profile found in ${profDir}: the server did not exit cleanly`);
    if (profileFile) {
      const refRates = [...referenceUs.keys()];
      const parts = breakDown(profileFile, [
        ...refRates.map((r) => referenceUs.get(r)!),
        ...results.map((r) => r.windowUs),
      ]);
      const refParts = parts.slice(0, refRates.length);
      const fanParts = parts.slice(refRates.length);
      results.forEach((r, i) => {
        const share = fanParts[i].rows.find((x) => x.category === FANOUT_CATEGORY)?.share ?? 0;
        r.fanoutShare = share;
        // The profile samples the main thread: its share of that thread's CPU.
        r.fanoutUsPerUpdate = (share * r.cpu.serverMainS * 1e6) / r.delivered;
      });
      const categories = [...new Set(parts.flatMap((p) => p.rows.map((x) => x.category)))];
      const busiest = (c: string) => Math.max(...parts.map((p) => p.rows.find((x) => x.category === c)?.us ?? 0));
      categories.sort((a, b) => busiest(b) - busiest(a));
      const header = [
        'server main thread, share of busy time',
        ...refRates.map((r) => `${fmt(r)}/s no screens`),
        ...results.map((r) => `${fmt(r.rate)}/s ${fmt(screenCount)} screens`),
      ];
      const cell = (p: ProfileBreakdown, c: string) => {
        const row = p.rows.find((x) => x.category === c);
        return row ? `${(row.share * 100).toFixed(1)}%` : '-';
      };
      const cores = (p: ProfileBreakdown, wall: number) => `${(p.busyUs / 1e6 / wall).toFixed(2)} cores`;
      const rows = [
        ...categories.map((c) => [c, ...refParts.map((p) => cell(p, c)), ...fanParts.map((p) => cell(p, c))]),
        [
          'busy main thread (profile)',
          ...refParts.map((p, i) => cores(p, reference.get(refRates[i])!.wallS)),
          ...fanParts.map((p, i) => cores(p, results[i].cpu.wallS)),
        ],
      ];
      log(`\nwhere the server's CPU went (V8 profile, ${path.basename(profileFile)}):\n${table(header, rows)}`);
      for (const [i, p] of fanParts.entries()) {
        if (p.otherLeaves.length)
          log(
            `  ${fmt(results[i].rate)}/s "other JavaScript" leaves: ${p.otherLeaves.map((l) => `${l.name} ${fmt(l.us / 1000)} ms`).join(', ')}`,
          );
      }
    }

    log(
      `\nbaseline: raw ws broadcast server, ${fmt(screenCount)} ws clients, replaying screen 0's ${fmt(items.length)} messages of the ${fmt(opts.rates.at(-1)!)}/s window (mean ${fmt(meanBytes)} bytes of JSON)`,
    );
    baseline = await startWsBaseline({ count: screenCount });
    await sleep(500);
    const received0 = baseline.received();
    const ba = snapCpu(baseline.pid, []);
    const replayed = await baseline.replay(items);
    const bb = snapCpu(baseline.pid, []);
    const baseCpu = cpuBetween(ba, bb);
    const baseDelivered = baseline.received() - received0;
    const baseUs = (baseCpu.serverS * 1e6) / Math.max(1, baseDelivered);
    log(`  sent ${fmt(replayed.sends)} frames, received ${fmt(baseDelivered)} in ${baseCpu.wallS.toFixed(2)} s`);
    log(`  ${cpuText(baseCpu, { server: 'ws server', postgres: false })}`);
    log(
      `  ws server CPU per delivered message: ${fmt(baseUs, 1)} µs (${fmt(baseCpu.serverS * 1000)} ms CPU; /proc resolution 10 ms)`,
    );
    await baseline.stop();
    baseline = undefined;

    // 5. Summary.
    const rows: string[][] = [];
    for (const r of results) {
      rows.push([
        `scan-to-screen @ ${fmt(r.rate)}/s`,
        latencyText(r.latency),
        `p99 <= ${fmt(TARGET_P99_MS)} ms`,
        r.latency.p99 <= TARGET_P99_MS ? 'PASS' : 'MISS',
      ]);
    }
    for (const r of results) {
      rows.push([
        `server CPU/update @ ${fmt(r.rate)}/s`,
        `${fmt(r.usPerUpdate, 1)} µs whole server${r.fanoutUsPerUpdate !== undefined ? `, ${fmt(r.fanoutUsPerUpdate, 1)} µs in the broadcast (${(r.fanoutShare! * 100).toFixed(0)}%)` : ''}`,
        '',
        '',
      ]);
    }
    rows.push(['raw ws server CPU/message', `${fmt(baseUs, 1)} µs (all of it is the broadcast)`, '', '']);
    for (const r of results) {
      rows.push([
        `ratio Tidewatch / raw ws @ ${fmt(r.rate)}/s`,
        `${(r.usPerUpdate / baseUs).toFixed(1)}x whole server${r.fanoutUsPerUpdate !== undefined ? `, ${(r.fanoutUsPerUpdate / baseUs).toFixed(2)}x broadcast alone` : ''}`,
        '',
        '',
      ]);
    }
    log(`\n${table(['measure', 'result', 'target', ''], rows)}`);
    const cpus = os.cpus();
    log(
      `\nconditions: node ${process.version}, ${cpus.length} cores (${cpus[0]?.model.trim() ?? 'unknown'}), ${pgVersion}${bench.kind === 'postgres' ? ` (TimescaleDB ${bench.timescale ? 'yes' : 'no'})` : ' embedded in the server process'}, ` +
        `Redis ${opts.redisUrl ? `yes (${opts.redisUrl})` : 'no'}, server ${opts.profile ? 'under the V8 CPU profiler' : 'not profiled'}, ${fmt(screenCount)} screens (one process, websocket transport), ${opts.devices} gate devices, ` +
        `rates ${opts.rates.join(', ')} scans/s, ${opts.warmupS}+${opts.durationS} s per fan-out window, ${opts.referenceS ? `${opts.warmupS}+${opts.referenceS} s per no-screen reference window` : 'no reference windows'}, ` +
        `load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, run ${((performance.now() - started) / 1000).toFixed(0)} s`,
    );
    const disturbed = results.filter((r) => r.cpu.other > DISTURBED_CORES);
    if (disturbed.length)
      log(
        `WARNING: other processes used CPU during ${disturbed.map((r) => `${fmt(r.rate)}/s (${r.cpu.other.toFixed(2)} cores)`).join(', ')}: rerun when the machine is quiet.`,
      );
    if (disconnects) log(`WARNING: ${disconnects} screen(s) disconnected during the run (first: ${disconnectReason})`);
    if (malformed) log(`WARNING: ${malformed} counters:update payload(s) without counters.entries`);
    if (dropped) log(`WARNING: ${dropped} counters:update not logged (log full): latencies may be overstated`);
    if (days.size > 1)
      log(
        `WARNING: the venue day changed during the run (${[...days].join(', ')}): entries restarted, latencies are wrong; rerun`,
      );
    if (serverLogLines) log(`server logged ${serverLogLines} warning/error line(s) during the run`);
    if (opts.cpuProfDir && opts.profile) log(`server CPU profile kept in ${opts.cpuProfDir}`);
    const clean =
      results.every((r) => r.scans.outcomes.admit === r.scans.sent && r.missing === 0 && r.early === 0) &&
      !disconnects &&
      !malformed &&
      !dropped &&
      days.size <= 1;
    return clean ? 0 : 1;
  } finally {
    if (!interrupted) await cleanup();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`bench:fanout failed: ${(err as Error).stack ?? err}`);
    process.exit(1);
  },
);
