// Gate-stream ingest benchmark: decided scans per second end to end through Socket.IO, against
// `psql \copy` of the same rows into the same table in the same run, and acknowledgement latency
// at fixed offered rates. Usage and the recorded results: docs/benchmarks.md.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { assertLocalUrl, createBenchDb, preloadHistory, type BenchDb } from './lib/bench-db.ts';
import { copyBaseline, type CopyResult } from './lib/copy-baseline.ts';
import { startWaitSampler, type WaitProfile } from './lib/db-sampler.ts';
import {
  connectGates,
  disconnectGates,
  runClosedLoop,
  runOpenLoop,
  TicketFeed,
  type GateConn,
  type PhaseResult,
  type ScanFeed,
} from './lib/gate-load.ts';
import {
  cpuSecondsByPid,
  machineCpuSeconds,
  postgresCpuBetween,
  postgresCpuSnapshot,
  processCpuSeconds,
  startServerChild,
  type ServerChild,
} from './lib/server-child.ts';
import { fmt, table } from './lib/stats.ts';
import { numArg } from './lib/args.ts';
import { describeMix, GraphFeed, MIX_NAMES, mixPlan, type MixName } from './lib/scan-mix.ts';

/** Issue targets on the 2-core reference machine. */
const TARGET_DECIDED_PER_S = 5_000;
const TARGET_P99_MS = 50;
/** The offered rate the p99 target applies to (scans/s). */
const TARGET_P99_RATE = 1_000;
/** Other processes using more than this many cores during a phase make its numbers suspect. */
const DISTURBED_CORES = 0.25;
/** Upper bound on scans one closed-loop second may send: keeps sample buffers bounded (scans/s). */
const MAX_SCANS_PER_S = 50_000;
const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

const USAGE = `npm run bench:ingest -- [options]
  --duration <s>        measured closed-loop throughput window (default 20)
  --warmup <s>          closed-loop warm-up before the window (default 3)
  --window <n>          scans outstanding per device in the throughput phase (default 128)
  --devices <n>         gate devices, spread over the gates of the mix (default 16)
  --mix <name>          which gates scan which tickets (bench/lib/scan-mix.ts; default entry):
                          entry      the recorded configuration: BENCH tickets at the gates whose direction
                                     is in (since 0015 they include the ropeway boarding gates and LIFT-A,
                                     where a ticket without rides is refused)
                          perimeter  BENCH tickets at the perimeter entry gates only (MG-01..05, EG-01/02)
                          graph      the zone graph on a busy day: perimeter entries and exits, transfers,
                                     the temple checkpoint, ropeway rides with COMBO tickets, lift rides with
                                     SKI-DAY, SKI-10 and POINTS tickets (demo ticket types)
  --rates <a,b>         offered rates for the latency phases, scans/s (default 1000,3000)
  --latency-duration <s> length of each latency phase after a 1 s warm-up (default 15)
  --tickets <n>         tickets created for the run (default 400000)
  --history <rows>      earlier scans put in gate_scans before the run, so whole-table statements show
                        their cost on a table of realistic size (default 0: an empty table)
  --repeat <ratio>      share of scans that repeat an already scanned ticket (default 0.1; graph mix:
                        at the entries, the ropeway and the lifts only)
  --redis               run the server with REDIS_URL (default ${DEFAULT_REDIS_URL})
  --cpu-prof <dir>      write a V8 CPU profile of the server process into <dir>
  --server-node-args=<a> extra node arguments for the server process, space-separated (experiments,
                        e.g. --server-node-args="--import ./my-patch.mjs"; loaded after tsx, so .ts imports work)
  --db-set <k=v,...>    ALTER DATABASE <bench db> SET k = v before the server starts (experiments,
                        e.g. synchronous_commit=off); printed with the conditions
  --time-statements     time the ingest statements inside the server process (bench/lib/pg-statement-timer.ts)
                        and print, after the run, statement latencies and how long each batch holds the
                        occupancy row locks (all phases together: isolate one with e.g.
                        --duration 1 --warmup 0 --rates 1000)
  --sample-waits        sample pg_stat_activity every 10 ms and print where the server's database
                        connections spend their time, per statement (throughput and latency phases)
Environment: DATABASE_URL (default ${DEFAULT_DATABASE_URL}); a database tw_bench_<random> is created on it and dropped.`;

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '3' },
    window: { type: 'string', default: '128' },
    devices: { type: 'string', default: '16' },
    mix: { type: 'string', default: 'entry' },
    rates: { type: 'string', default: '1000,3000' },
    'latency-duration': { type: 'string', default: '15' },
    tickets: { type: 'string', default: '400000' },
    repeat: { type: 'string', default: '0.1' },
    history: { type: 'string', default: '0' },
    redis: { type: 'boolean', default: false },
    'cpu-prof': { type: 'string' },
    'server-node-args': { type: 'string' },
    'sample-waits': { type: 'boolean', default: false },
    'time-statements': { type: 'boolean', default: false },
    'db-set': { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}

const num = (name: string, v: string | undefined, min: number, max: number) => numArg(name, v, min, max);

const opts = {
  durationS: num('duration', args.duration, 1, 600),
  warmupS: num('warmup', args.warmup, 0, 60),
  window: num('window', args.window, 1, 2_000),
  devices: num('devices', args.devices, 1, 500),
  mix: ((m: string) => {
    if (!(MIX_NAMES as readonly string[]).includes(m))
      throw new Error(`--mix must be one of ${MIX_NAMES.join(', ')} (got "${m}")`);
    return m as MixName;
  })(String(args.mix)),
  rates: String(args.rates)
    .split(',')
    .map((r) => num('rates', r, 1, 100_000)),
  latencyS: num('latency-duration', args['latency-duration'], 1, 600),
  tickets: num('tickets', args.tickets, 1_000, 10_000_000),
  repeat: num('repeat', args.repeat, 0, 0.9),
  history: num('history', args.history, 0, 50_000_000),
  redisUrl: args.redis ? process.env.REDIS_URL || DEFAULT_REDIS_URL : undefined,
  cpuProfDir: args['cpu-prof'] ? path.resolve(args['cpu-prof']) : undefined,
  sampleWaits: !!args['sample-waits'],
  timeStatements: !!args['time-statements'],
  serverNodeArgs: (args['server-node-args'] ?? '').split(' ').filter(Boolean),
  dbSet: (args['db-set'] ?? '')
    .split(',')
    .filter(Boolean)
    .map((kv) => {
      const m = /^([a-z_][a-z0-9_.]*)=([A-Za-z0-9_.-]+)$/.exec(kv.trim());
      if (!m) throw new Error(`--db-set takes name=value pairs separated by commas (got "${kv}")`);
      return [m[1], m[2]] as const;
    }),
  databaseUrl: process.env.DATABASE_URL || DEFAULT_DATABASE_URL,
};
const LATENCY_WARMUP_S = 1;

const log = (m: string) => console.log(m);

interface CpuShare {
  server: number;
  /** All PostgreSQL processes (every database, parallel workers included). */
  postgres: number;
  /** Of which: the server's connections to the benchmark database (while they lived). */
  postgresOurs: number;
  bench: number;
  /** Everything else on the machine (other users' work disturbs the measurement). */
  other: number;
}

/** The server's connections to the benchmark database and PostgreSQL's shared background processes. */
async function postgresPids(bench: BenchDb): Promise<number[]> {
  const r = await bench.db.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity
     WHERE (datname = current_database() AND application_name = 'tidewatch') OR (datname IS NULL AND backend_type <> 'client backend')`,
  );
  return r.rows.map((x) => x.pid);
}

/**
 * CPU used during a phase by the server process, PostgreSQL (this database's backends and the
 * background writers), this process and everything else, as cores busy on average.
 */
async function cpuMeter(bench: BenchDb, serverPid: number): Promise<() => Promise<CpuShare>> {
  const t0 = performance.now();
  const m0 = machineCpuSeconds();
  const s0 = processCpuSeconds(serverPid);
  const pg0 = postgresCpuSnapshot();
  const p0 = cpuSecondsByPid(await postgresPids(bench));
  const b0 = process.cpuUsage();
  return async () => {
    const wall = (performance.now() - t0) / 1000;
    const b = process.cpuUsage(b0);
    const server = (processCpuSeconds(serverPid) - s0) / wall;
    const postgres = postgresCpuBetween(pg0, postgresCpuSnapshot()) / wall;
    let ours = 0;
    for (const [pid, sec] of cpuSecondsByPid(await postgresPids(bench))) ours += sec - (p0.get(pid) ?? 0);
    const benchCores = (b.user + b.system) / 1e6 / wall;
    const machine = (machineCpuSeconds() - m0) / wall;
    return {
      server,
      postgres,
      postgresOurs: ours / wall,
      bench: benchCores,
      other: Math.max(0, machine - server - postgres - benchCores),
    };
  };
}

/**
 * Rows a phase left in gate_scans, by result, next to what its acknowledgements said; and the
 * transactions that wrote them (rows of one transaction share received_at = now() at its start).
 */
async function durability(
  bench: BenchDb,
  prefix: string,
  r: PhaseResult,
): Promise<{ ok: boolean; line: string; batches: string }> {
  const q = await bench.db.query<{ result: string; n: number }>(
    `SELECT result, count(*)::int AS n FROM gate_scans WHERE scan_id LIKE $1 GROUP BY result`,
    [`${prefix}%`],
  );
  const rows = Object.fromEntries(q.rows.map((x) => [x.result, x.n])) as Record<string, number | undefined>;
  const admit = rows.admit ?? 0;
  const reject = rows.reject ?? 0;
  const acked = r.outcomes.admit + r.outcomes.reject;
  const ok =
    admit === r.outcomes.admit && reject === r.outcomes.reject && r.unsettled === 0 && r.outcomes.timeout === 0;
  const b = await bench.db.query<{ n: number; mean: number; p50: number; p90: number; max: number; span: number }>(
    `SELECT count(*)::int AS n, avg(size)::float8 AS mean, percentile_cont(0.5) WITHIN GROUP (ORDER BY size)::float8 AS p50,
            percentile_cont(0.9) WITHIN GROUP (ORDER BY size)::float8 AS p90, max(size)::int AS max,
            extract(epoch FROM max(received_at) - min(received_at))::float8 AS span
     FROM (SELECT received_at, count(*) AS size FROM gate_scans WHERE scan_id LIKE $1 GROUP BY received_at) t`,
    [`${prefix}%`],
  );
  const s = b.rows[0];
  return {
    ok,
    line: `gate_scans rows ${fmt(admit + reject)} (admit ${fmt(admit)}, reject ${fmt(reject)}) vs acknowledged decisions ${fmt(acked)} (admit ${fmt(r.outcomes.admit)}, reject ${fmt(r.outcomes.reject)}): ${ok ? 'MATCH' : 'MISMATCH'}`,
    batches: `${fmt(s.n)} transactions (${fmt(s.n / Math.max(s.span, 1e-3))}/s), scans per transaction mean ${fmt(s.mean, 1)}, p50 ${fmt(s.p50)}, p90 ${fmt(s.p90)}, max ${fmt(s.max)}`,
  };
}

/** What a phase's scans were and got, per gate edge: the mix as the server decided it. */
async function byEdge(bench: BenchDb, prefix: string): Promise<string> {
  const r = await bench.db.query<{ edge: string; result: string; reason: string | null; n: number }>(
    `SELECT g.edge, s.result, s.reason, count(*)::int AS n FROM gate_scans s JOIN gates g ON g.id = s.gate_id
     WHERE s.scan_id LIKE $1 GROUP BY 1, 2, 3 ORDER BY 1, 2, 4 DESC`,
    [`${prefix}%`],
  );
  const all = r.rows.reduce((a, x) => a + x.n, 0);
  const edges = new Map<string, { n: number; parts: string[] }>();
  for (const x of r.rows) {
    const e = edges.get(x.edge) ?? { n: 0, parts: [] };
    e.n += x.n;
    e.parts.push(`${x.result === 'admit' ? 'admit' : (x.reason ?? 'reject')} ${fmt(x.n)}`);
    edges.set(x.edge, e);
  }
  return [...edges]
    .map(([edge, e]) => `${edge} ${((e.n / Math.max(1, all)) * 100).toFixed(1)}% (${e.parts.join(', ')})`)
    .join('; ');
}

/** Starts the wait sampler when asked; the returned function prints its profile. */
async function maybeSampleWaits(url: string): Promise<() => Promise<void>> {
  if (!opts.sampleWaits) return async () => {};
  const stop = await startWaitSampler(url);
  return async () => {
    const p: WaitProfile = await stop();
    const busy = p.rows.reduce((a, r) => a + r.n, 0) / Math.max(1, p.samples);
    log(`  database connections, ${fmt(p.samples)} samples, ${busy.toFixed(2)} busy on average:`);
    for (const r of p.rows.slice(0, 14)) log(`    ${(r.share * 100).toFixed(1).padStart(5)}%  ${r.key}`);
  };
}

function cpuText(c: CpuShare): string {
  return `CPU (cores busy): server ${c.server.toFixed(2)}, postgres ${c.postgres.toFixed(2)} (all databases; the server's connections ${c.postgresOurs.toFixed(2)}), load generator ${c.bench.toFixed(2)}, other processes ${c.other.toFixed(2)}`;
}

function outcomeText(r: PhaseResult): string {
  const o = r.outcomes;
  return `sent ${fmt(r.sent)}: admit ${fmt(o.admit)}, reject ${fmt(o.reject)}, unavailable ${fmt(o.unavailable)}, error ${fmt(o.error)}, timeout ${fmt(o.timeout)}${r.unsettled ? `, UNSETTLED ${fmt(r.unsettled)}` : ''}`;
}

/** Where a tail comes from: the seconds of a phase with the slowest acknowledgements. */
function slowestSeconds(secondMax: Float64Array): string {
  const worst = [...secondMax]
    .map((ms, s) => ({ s, ms }))
    .filter((x) => x.ms > 0)
    .sort((a, b) => b.ms - a.ms);
  const over = worst.filter((x) => x.ms > TARGET_P99_MS).length;
  return `slowest seconds (max ack latency): ${worst
    .slice(0, 3)
    .map((x) => `+${x.s} s ${fmt(x.ms, 0)} ms`)
    .join(', ')}; ${over} of ${worst.length} seconds had one over ${TARGET_P99_MS} ms`;
}

async function main(): Promise<number> {
  assertLocalUrl(opts.databaseUrl, 'DATABASE_URL');
  if (opts.redisUrl) assertLocalUrl(opts.redisUrl, 'REDIS_URL');
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'tw-bench-'));
  const statementTimes = path.join(tmp, 'statement-times.txt');
  let bench: BenchDb | undefined;
  let server: ServerChild | undefined;
  let gates: GateConn[] = [];
  let interrupted = false;
  const cleanup = async () => {
    disconnectGates(gates);
    gates = [];
    await server?.stop().catch((err) => log(`could not stop the server: ${(err as Error).message}`));
    // The timer writes its summary when the server exits.
    if (opts.timeStatements && existsSync(statementTimes))
      log(`\nstatements inside the server (whole run, ms):\n${readFileSync(statementTimes, 'utf8')}`);
    await bench?.drop().catch((err) => log(`could not drop ${bench?.name}: ${(err as Error).message}`));
    rmSync(tmp, { recursive: true, force: true });
  };
  const onSignal = () => {
    if (interrupted) return;
    interrupted = true;
    log('interrupted: stopping the server and dropping the benchmark database');
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    const loadBefore = os.loadavg();
    log(`setting up a fresh database on ${opts.databaseUrl.replace(/\/\/([^:/@]+):([^@]+)@/, '//$1:***@')} ...`);
    const plan = mixPlan(opts.mix, opts.devices);
    bench = await createBenchDb({
      baseUrl: opts.databaseUrl,
      dataDir: path.join(tmp, 'seed'),
      tickets: opts.tickets,
      plan,
      log,
    });
    await preloadHistory(bench, opts.history, log);
    for (const [k, v] of opts.dbSet) await bench.db.query(`ALTER DATABASE ${bench.name} SET ${k} = '${v}'`);
    // A new session, so settings changed with --db-set show as the server's connections see them.
    const probe = new pg.Client({ connectionString: bench.url });
    await probe.connect();
    const settings = await probe
      .query<{ v: string; sc: string; sb: string; fs: string }>(
        `SELECT current_setting('server_version') AS v, current_setting('synchronous_commit') AS sc,
              current_setting('shared_buffers') AS sb, current_setting('fsync') AS fs`,
      )
      .finally(() => probe.end());
    const pgInfo = settings.rows[0];
    log(
      `database ${bench.name}: ${bench.devices.length} devices on gates ${[...new Set(bench.devices.map((d) => d.gateCode))].join(', ')}`,
    );
    const mixText = describeMix(plan);
    log(`mix ${plan.name}: ${mixText}`);

    server = await startServerChild({
      env: {
        NODE_ENV: 'production',
        DATABASE_URL: bench.url,
        REDIS_URL: opts.redisUrl ?? '',
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        NEXTAUTH_SECRET: randomBytes(32).toString('base64url'),
        TIDEWATCH_ID_KEY: randomBytes(32).toString('hex'),
        TIDEWATCH_DATA_DIR: path.join(tmp, 'server'),
        TIDEWATCH_INSTANCE_ID: 'bench',
        ...(opts.timeStatements ? { TW_BENCH_STATEMENT_TIMES: statementTimes } : {}),
      },
      nodeArgs: [
        ...(opts.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', opts.cpuProfDir] : []),
        ...(opts.timeStatements
          ? [
              '--import',
              pathToFileURL(path.join(path.dirname(fileURLToPath(import.meta.url)), 'lib/pg-statement-timer.ts')).href,
            ]
          : []),
        ...opts.serverNodeArgs,
      ],
      log,
    });
    const health = (await (await fetch(`${server.url}/api/health`)).json()) as {
      database?: { timescale?: boolean };
      redis?: { configured?: boolean; ok?: boolean };
    };
    log(
      `server pid ${server.pid} at ${server.url} (timescale ${health.database?.timescale ? 'yes' : 'no'}, redis ${health.redis?.configured ? `yes, ok=${health.redis.ok}` : 'no'})`,
    );
    gates = await connectGates(server.url, bench.devices);
    const feed: ScanFeed = plan.shared
      ? new TicketFeed(bench.codes, opts.repeat)
      : new GraphFeed(bench.devices, bench.pools, plan.roles, opts.repeat);

    // Each measured phase starts after a CHECKPOINT: otherwise the WAL of the setup (or of the phase
    // before) triggers one in the middle of a phase, and its flush shows up as a latency spike that
    // belongs to the previous phase.
    const benchUrl = bench.url;
    const checkpoint = async () => {
      const c = new pg.Client({ connectionString: benchUrl });
      await c.connect();
      await c.query('CHECKPOINT').finally(() => c.end());
    };

    // 1. Throughput: closed loop, every device keeps `window` scans outstanding.
    await checkpoint();
    log(
      `\nthroughput: ${gates.length} devices x ${opts.window} outstanding, ${opts.warmupS} s warm-up + ${opts.durationS} s measured`,
    );
    let meter = await cpuMeter(bench, server.pid);
    let waits = await maybeSampleWaits(bench.url);
    const tp = await runClosedLoop({
      gates,
      feed,
      prefix: 'tp.',
      window: opts.window,
      warmupS: opts.warmupS,
      durationS: opts.durationS,
      maxScans: (opts.warmupS + opts.durationS) * MAX_SCANS_PER_S,
    });
    const tpCpu = await meter();
    const decidedPerS = tp.decidedInWindow / tp.windowS;
    const tpLat = tp.latency.summary();
    log(`  ${outcomeText(tp)}`);
    log(
      `  decided in window ${fmt(tp.decidedInWindow)} in ${tp.windowS.toFixed(2)} s = ${fmt(decidedPerS)} decided scans/s (ack latency under saturation p50 ${fmt(tpLat.p50, 1)} ms, p99 ${fmt(tpLat.p99, 1)} ms)`,
    );
    log(`  ${cpuText(tpCpu)}`);
    await waits();
    const tpDurable = await durability(bench, 'tp.', tp);
    log(`  durability: ${tpDurable.line}`);
    log(`  batches: ${tpDurable.batches}`);
    log(`  by gate edge: ${await byEdge(bench, 'tp.')}`);

    // 2. Baseline: the same rows into the same table with psql \copy.
    log('\nbaseline: psql \\copy of the throughput phase rows into gate_scans');
    const copy: CopyResult = await copyBaseline({ url: bench.url, db: bench.db, dir: tmp, scanIdPrefix: 'tp.' });
    log(
      `  ${fmt(copy.rows)} rows (${fmt(copy.csvBytes / 1e6, 1)} MB CSV) in ${copy.seconds.toFixed(2)} s = ${fmt(copy.rowsPerS)} rows/s`,
    );
    const ratio = decidedPerS / copy.rowsPerS;
    log(`  ratio end-to-end / copy = ${ratio.toFixed(3)} (${(ratio * 100).toFixed(1)}% of bulk-load speed)`);

    // 3. Latency at fixed offered rates.
    const latency: { rate: number; r: PhaseResult; cpu: CpuShare; durable: boolean }[] = [];
    for (const rate of opts.rates) {
      const prefix = `l${rate}.`;
      log(
        `\nlatency: ${fmt(rate)} scans/s offered over ${gates.length} devices, ${LATENCY_WARMUP_S} s warm-up + ${opts.latencyS} s measured`,
      );
      await checkpoint();
      meter = await cpuMeter(bench, server.pid);
      waits = await maybeSampleWaits(bench.url);
      const r = await runOpenLoop({ gates, feed, prefix, rate, warmupS: LATENCY_WARMUP_S, durationS: opts.latencyS });
      const cpu = await meter();
      const s = r.latency.summary();
      log(`  ${outcomeText(r)}`);
      log(
        `  achieved ${fmt(r.decidedInWindow / r.windowS)} decided/s; ack latency p50 ${fmt(s.p50, 1)} ms, p90 ${fmt(s.p90, 1)} ms, p99 ${fmt(s.p99, 1)} ms, max ${fmt(s.max, 1)} ms (n=${fmt(s.count)}; pacer lag max ${fmt(r.maxPacerLagMs ?? 0, 1)} ms)`,
      );
      log(`  ${slowestSeconds(r.secondMax)}`);
      log(`  ${cpuText(cpu)}`);
      await waits();
      const d = await durability(bench, prefix, r);
      log(`  durability: ${d.line}`);
      log(`  batches: ${d.batches}`);
      log(`  by gate edge: ${await byEdge(bench, prefix)}`);
      latency.push({ rate, r, cpu, durable: d.ok });
    }
    if (feed.wrapped)
      log(
        '\nnote: the run used more scans than tickets; later scans repeated codes (more rejections). Raise --tickets.',
      );

    // 4. Summary.
    const p99At = latency.find((l) => l.rate === TARGET_P99_RATE);
    const p99 = p99At?.r.latency.summary().p99;
    const rows: string[][] = [
      [
        'throughput (closed loop)',
        `${fmt(decidedPerS)} decided/s`,
        `>= ${fmt(TARGET_DECIDED_PER_S)}/s`,
        decidedPerS >= TARGET_DECIDED_PER_S ? 'PASS' : 'MISS',
      ],
      ['psql \\copy baseline', `${fmt(copy.rowsPerS)} rows/s`, '', ''],
      ['ratio end-to-end / copy', ratio.toFixed(3), '', ''],
      ...latency.map((l) => {
        const s = l.r.latency.summary();
        const target = l.rate === TARGET_P99_RATE;
        return [
          `ack latency @ ${fmt(l.rate)}/s`,
          `p50 ${fmt(s.p50, 1)} / p90 ${fmt(s.p90, 1)} / p99 ${fmt(s.p99, 1)} / max ${fmt(s.max, 1)} ms`,
          target ? `p99 <= ${TARGET_P99_MS} ms` : '',
          target ? (s.p99 <= TARGET_P99_MS ? 'PASS' : 'MISS') : '',
        ];
      }),
      [
        'durability (rows = acks)',
        [tpDurable.ok, ...latency.map((l) => l.durable)].every(Boolean) ? 'all phases match' : 'MISMATCH',
        '',
        '',
      ],
    ];
    log(`\n${table(['measure', 'result', 'target', ''], rows)}`);
    const cpu = os.cpus();
    log(
      `\nconditions: node ${process.version}, ${cpu.length} cores (${cpu[0]?.model.trim() ?? 'unknown'}), PostgreSQL ${pgInfo.v} ` +
        `(synchronous_commit=${pgInfo.sc}, fsync=${pgInfo.fs}, shared_buffers=${pgInfo.sb}), TimescaleDB ${bench.timescale ? 'yes' : 'no'}, ` +
        `Redis ${opts.redisUrl ? 'yes' : 'no'}, mix ${plan.name} (${mixText}), ${opts.serverNodeArgs.length ? `server node args "${opts.serverNodeArgs.join(' ')}", ` : ''}${opts.dbSet.length ? `database settings ${opts.dbSet.map(([k, v]) => `${k}=${v}`).join(' ')}, ` : ''}${gates.length} devices, window ${opts.window}/device, ${opts.warmupS}+${opts.durationS} s throughput, ` +
        `${LATENCY_WARMUP_S}+${opts.latencyS} s per latency rate, repeat ratio ${opts.repeat}, gate_scans history ${fmt(opts.history)} rows, CHECKPOINT before each phase, load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}`,
    );
    const disturbed = [
      ['throughput', tpCpu] as const,
      ...latency.map((l) => [`${fmt(l.rate)}/s`, l.cpu] as const),
    ].filter(([, c]) => c.other > DISTURBED_CORES);
    if (disturbed.length) {
      log(
        `WARNING: other processes used CPU during ${disturbed.map(([n, c]) => `${n} (${c.other.toFixed(2)} cores)`).join(', ')}: those numbers understate this machine; rerun when it is quiet.`,
      );
    }
    if (server.logLines()) log(`server logged ${server.logLines()} warning/error line(s) during the run`);
    if (p99 === undefined) log(`(no latency phase at ${TARGET_P99_RATE}/s: the p99 target was not checked)`);
    if (opts.cpuProfDir) log(`server CPU profile: ${opts.cpuProfDir} (written when the server exits)`);
    return tpDurable.ok && latency.every((l) => l.durable) ? 0 : 1;
  } finally {
    if (!interrupted) await cleanup();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`bench:ingest failed: ${(err as Error).stack ?? err}`);
    process.exit(1);
  },
);
