// Hotel benchmark: the availability the desk and the channels read (14 nights x 20 room types) and
// the room rack's tape chart (500 rooms x 14 nights), each through its service end to end, against a
// plain SQL statement over the same tables and indexes measured in the same run, on PostgreSQL, at a
// hotel of 500 rooms with 50,000 past stays and some future ones.
// Usage and the recorded results: docs/benchmarks.md ("Hotel availability and room rack").
import os from 'node:os';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createDatabase, type Database, type Queryable } from '../db/client.ts';
import { readAvailability } from '../db/queries/hotel.ts';
import { listRackBars, listRackUnassigned } from '../db/queries/hotel-rack.ts';
import { migrate } from '../db/migrate.ts';
import { readVenueClock } from '../db/queries/scans.ts';
import { DEMO_VENUE } from '../db/seed/demo-venue.ts';
import { addDays, localTime } from '../lib/venue-time.ts';
import { CLI_ACTOR } from '../server/services/actor.ts';
import { availability } from '../server/services/hotel.ts';
import { rack } from '../server/services/hotel-rack.ts';
import { seedDemo } from '../server/services/seed.ts';
import { numArg } from './lib/args.ts';
import { assertLocalUrl } from './lib/bench-db.ts';
import { fmt, table } from './lib/stats.ts';

/** Issue target: each read answers within this at the 95th percentile on PostgreSQL (ms). */
const TARGET_P95_MS = 30;
const NIGHTS = 14;
/** Past stays are laid out one after another per room, one every this many days (1 to 3 nights each). */
const PAST_PERIOD_DAYS = 4;
const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

const USAGE = `npm run bench:hotel -- [options]
  --rooms <n>     rooms of the benchmark hotel (default 500), spread over --types types and 10 floors
  --types <n>     room types (default 20)
  --past <n>      past stays (checked out, with their room assignments; default 50000)
  --queries <n>   measured reads per kind and side (default 300), after --warmup (default 50)
  --keep          keep the database at the end (prints its name) to look at plans with psql
Environment: DATABASE_URL (default ${DEFAULT_DATABASE_URL}); a database tw_bench_hotel_<pid> is created on it and dropped.`;

const { values: args } = parseArgs({
  options: {
    rooms: { type: 'string', default: '500' },
    types: { type: 'string', default: '20' },
    past: { type: 'string', default: '50000' },
    queries: { type: 'string', default: '300' },
    warmup: { type: 'string', default: '50' },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
const opts = {
  rooms: numArg('rooms', args.rooms, 20, 20_000, true),
  types: numArg('types', args.types, 1, 200, true),
  past: numArg('past', args.past, 0, 5_000_000, true),
  queries: numArg('queries', args.queries, 10, 100_000, true),
  warmup: numArg('warmup', args.warmup, 0, 100_000, true),
  keep: !!args.keep,
  databaseUrl: process.env.DATABASE_URL || DEFAULT_DATABASE_URL,
};
if (opts.rooms < opts.types) throw new Error('--rooms must be at least --types');

const log = (m: string) => console.log(m);
const seconds = (t0: number) => `${((performance.now() - t0) / 1000).toFixed(1)} s`;

/** Nearest-rank percentile, as bench/lib/stats.ts computes its p50 and p99. */
function percentile(xs: number[], q: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] : Number.NaN;
}

interface Bench {
  venueId: number;
  hotelId: number;
  today: string;
}

/**
 * The benchmark hotel beside the demo lodge: types, rooms, one rate plan, then every stay in set-based
 * statements (an order each, as the service books them), their room assignments, the per-type
 * inventory they took, and a few out-of-order blocks. Past stays follow each other per room without
 * overlap (the exclusion constraint checks it); future ones: a third of the rooms in house, half
 * with a stay in the coming days, a quarter with one in the second week, and unassigned arrivals.
 */
async function load(c: pg.Client, venueId: number, today: string): Promise<Bench> {
  const channel = await c.query<{ id: number }>("SELECT id FROM channels WHERE venue_id = $1 AND code = 'LODGE-DESK'", [
    venueId,
  ]);
  const hotel = await c.query<{ id: number }>(
    `INSERT INTO hotels (venue_id, code, name_zh, name_en, channel_id, business_date)
     VALUES ($1, 'BENCH', '压测酒店', 'Benchmark hotel', $2, $3) RETURNING id`,
    [venueId, channel.rows[0].id, today],
  );
  const hotelId = hotel.rows[0].id;
  await c.query(
    `INSERT INTO room_types (hotel_id, code, name_zh, name_en, max_adults, bed, rate_fen, sort)
     SELECT $1, 'T' || lpad(g::text, 2, '0'), '房型' || g, 'Type ' || g, 2, 'king', 40000 + g * 1000, g
     FROM generate_series(1, $2::int) g`,
    [hotelId, opts.types],
  );
  // Room n (0-based) is of type n mod types, on floor 1 + n mod 10.
  await c.query(
    `INSERT INTO rooms (hotel_id, type_id, number, floor)
     SELECT $1, t.id, 'B' || lpad(n::text, 5, '0'), 1 + n % 10
     FROM generate_series(0, $2::int - 1) n
     JOIN room_types t ON t.hotel_id = $1 AND t.sort = 1 + n % $3::int`,
    [hotelId, opts.rooms, opts.types],
  );
  const plan = await c.query<{ id: number }>(
    `INSERT INTO rate_plans (hotel_id, code, name_zh, name_en, kind) VALUES ($1, 'RO', '仅住宿', 'Room only', 'room_only') RETURNING id`,
    [hotelId],
  );
  const perRoom = Math.ceil(opts.past / opts.rooms);
  await c.query(
    `CREATE TEMP TABLE bench_plan AS
     WITH r AS (SELECT id AS room_id, type_id, row_number() OVER (ORDER BY id)::int - 1 AS k FROM rooms WHERE hotel_id = $1),
     past AS (
       SELECT r.room_id, r.type_id, ($2::date - ($3::int * $4::int + 20) + j * $4::int + r.k % 2) AS ci, 1 + (r.k + j) % 3 AS n,
              'checked_out' AS state, r.k * $3::int + j AS seq
       FROM r CROSS JOIN generate_series(0, $3::int - 1) j WHERE r.k * $3::int + j < $5::int),
     future AS (
       SELECT room_id, type_id, $2::date - 1 AS ci, 3 AS n, 'checked_in' AS state FROM r WHERE k % 3 = 0
       UNION ALL SELECT room_id, type_id, $2::date + 3 + k % 5, 2 + k % 3, 'confirmed' FROM r WHERE k % 2 = 0
       UNION ALL SELECT room_id, type_id, $2::date + 12, 2, 'confirmed' FROM r WHERE k % 4 = 0
       UNION ALL SELECT NULL, type_id, $2::date + k % 10, 1 + k % 4, 'confirmed' FROM r WHERE k % 5 = 1)
     SELECT row_number() OVER () AS i, room_id, type_id, ci, (ci + n) AS co, state FROM
       (SELECT room_id, type_id, ci, n, state FROM past UNION ALL SELECT * FROM future) x`,
    [hotelId, today, perRoom, PAST_PERIOD_DAYS, opts.past],
  );
  await c.query(
    `INSERT INTO orders (venue_id, channel_id, ref, request_hash, amount_fen, customer_name, customer_phone, paid_at)
     SELECT $1, $2, 'BENCH-H-' || i, 'bench', 48000, '宾客' || i, '139' || lpad(i::text, 8, '0'), now() FROM bench_plan`,
    [venueId, channel.rows[0].id],
  );
  await c.query(
    `INSERT INTO stays (order_id, venue_id, hotel_id, type_id, rate_plan_id, check_in, check_out, adults, state, room_id, rates,
                        checked_in_at, checked_out_at)
     SELECT o.id, $1, $2, p.type_id, $3, p.ci, p.co, 2, p.state, p.room_id, '[]'::jsonb,
            CASE WHEN p.state <> 'confirmed' THEN p.ci::timestamptz END, CASE WHEN p.state = 'checked_out' THEN p.co::timestamptz END
     FROM bench_plan p JOIN orders o ON o.channel_id = $4 AND o.ref = 'BENCH-H-' || p.i`,
    [venueId, hotelId, plan.rows[0].id, channel.rows[0].id],
  );
  await c.query(
    `INSERT INTO room_assignments (stay_id, room_id, nights)
     SELECT id, room_id, daterange(check_in, check_out) FROM stays WHERE hotel_id = $1 AND room_id IS NOT NULL`,
    [hotelId],
  );
  await c.query(
    `INSERT INTO room_inventory (type_id, night, booked)
     SELECT s.type_id, n::date, count(*) FROM stays s, generate_series(s.check_in, s.check_out - 1, interval '1 day') n
     WHERE s.hotel_id = $1 AND s.state IN ('confirmed', 'checked_in', 'checked_out') GROUP BY 1, 2`,
    [hotelId],
  );
  // Out of order for three nights next week on rooms with no stay then (k mod 50 = 7: odd, not in house).
  await c.query(
    `WITH r AS (SELECT id, type_id, row_number() OVER (ORDER BY id)::int - 1 AS k FROM rooms WHERE hotel_id = $1),
     b AS (INSERT INTO room_blocks (room_id, kind, nights, reason)
           SELECT id, 'out_of_order', daterange($2::date + 5, $2::date + 8), '压测：维修' FROM r WHERE k % 50 = 7 RETURNING room_id)
     INSERT INTO room_inventory (type_id, night, out_of_order)
     SELECT rm.type_id, n::date, count(*) FROM b JOIN rooms rm ON rm.id = b.room_id,
            generate_series($2::date + 5, $2::date + 7, interval '1 day') n GROUP BY 1, 2
     ON CONFLICT (type_id, night) DO UPDATE SET out_of_order = room_inventory.out_of_order + EXCLUDED.out_of_order`,
    [hotelId, today],
  );
  for (const t of ['orders', 'stays', 'room_assignments', 'room_inventory', 'rooms', 'room_blocks'])
    await c.query(`VACUUM ANALYZE ${t}`);
  return { venueId, hotelId, today };
}

/** Availability written plainly: rooms per type by GROUP BY, the nights, the inventory rows (same tables, same indexes). */
const BASELINE_AVAILABILITY = `
  SELECT t.id AS type_id, n.night::date AS night, rc.rooms, COALESCE(i.out_of_order, 0) AS out_of_order, COALESCE(i.booked, 0) AS booked
  FROM room_types t
  JOIN (SELECT type_id, count(*)::int AS rooms FROM rooms WHERE hotel_id = $1 AND active GROUP BY type_id) rc ON rc.type_id = t.id
  CROSS JOIN generate_series($2::date, $3::date - 1, interval '1 day') AS n(night)
  LEFT JOIN room_inventory i ON i.type_id = t.id AND i.night = n.night::date
  WHERE t.hotel_id = $1
  ORDER BY t.sort, t.code, n.night`;

/** The tape chart written plainly: every room with the assignments touching the range and their stays, one statement. */
const BASELINE_RACK = `
  SELECT rm.id, rm.number, rm.floor, rm.housekeeping, t.code, a.nights, s.id AS stay_id, s.state, s.check_in, s.check_out, o.customer_name
  FROM rooms rm JOIN room_types t ON t.id = rm.type_id
  LEFT JOIN room_assignments a ON a.room_id = rm.id AND upper(a.nights) > $2::date AND lower(a.nights) < $3::date
  LEFT JOIN stays s ON s.id = a.stay_id
  LEFT JOIN orders o ON o.id = s.order_id
  WHERE rm.hotel_id = $1
  ORDER BY rm.floor, rm.number, lower(a.nights)`;

interface KindResult {
  label: string;
  service: number[];
  baseline: number[];
  /** Rows the service returned per read, on average. */
  rows: number;
}

/**
 * Service and baseline alternate read by read (which goes first alternates too), over first nights
 * spread from 30 days back to 30 ahead, so both see the same cache and the same load.
 */
async function measure(
  label: string,
  b: Bench,
  db: Database,
  service: (from: string) => Promise<number>,
  baselineSql: string,
): Promise<KindResult> {
  const svc: number[] = [];
  const base: number[] = [];
  let rows = 0;
  let measuredRows = 0;
  for (let q = 0; q < opts.warmup + opts.queries; q++) {
    const from = addDays(b.today, (q % 61) - 30);
    const timeService = async () => {
      const t0 = performance.now();
      rows = await service(from);
      return performance.now() - t0;
    };
    const timeBaseline = async () => {
      const t0 = performance.now();
      await db.query(baselineSql, [b.hotelId, from, addDays(from, NIGHTS)]);
      return performance.now() - t0;
    };
    let s: number;
    let sql: number;
    if (q % 2) {
      s = await timeService();
      sql = await timeBaseline();
    } else {
      sql = await timeBaseline();
      s = await timeService();
    }
    if (q >= opts.warmup) {
      measuredRows += rows;
      svc.push(s);
      base.push(sql);
    }
  }
  return { label, service: svc, baseline: base, rows: measuredRows / Math.max(1, svc.length) };
}

/** The plan of a statement, its scan and join lines only: which index serves it, how the rows are joined. */
async function indexLines(c: pg.Client, { sql, params }: Statement): Promise<string> {
  const r = await c.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${sql}`, params);
  const lines = r.rows.map((x) => x['QUERY PLAN']);
  return lines
    .filter((l) => /Index|Seq Scan|Join|Nested Loop|Memoize|Execution Time/.test(l))
    .map((l) => `    ${l.trim()}`)
    .join('\n');
}

interface Statement {
  sql: string;
  params: unknown[];
}

/** The statement a db/queries read sends (it is recorded, not run), so the plans shown are of the code measured. */
async function statementOf(read: (q: Queryable) => Promise<unknown>): Promise<Statement> {
  let got: Statement | undefined;
  await read({
    async query<T>(sql: string, params?: unknown[]) {
      got = { sql, params: params ?? [] };
      return { rows: [] as T[], rowCount: 0 };
    },
  });
  if (!got) throw new Error('the read sent no statement');
  return got;
}

async function main(): Promise<number> {
  assertLocalUrl(opts.databaseUrl, 'DATABASE_URL');
  const name = `tw_bench_hotel_${process.pid}`;
  const u = new URL(opts.databaseUrl);
  u.pathname = `/${name}`;
  const url = u.toString();
  const admin = async (sql: string) => {
    const a = new pg.Client({ connectionString: opts.databaseUrl });
    await a.connect();
    try {
      await a.query(sql);
    } finally {
      await a.end();
    }
  };
  let db: Database | undefined;
  let loader: pg.Client | undefined;
  const cleanup = async () => {
    await loader?.end().catch(() => {});
    await db?.close().catch(() => {});
    if (opts.keep) log(`kept database ${name} (drop it with: psql -c 'DROP DATABASE ${name}')`);
    else await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch((e) => log(`could not drop ${name}: ${e}`));
  };
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) return;
    interrupted = true;
    log(`interrupted: ${opts.keep ? 'keeping' : 'dropping'} the benchmark database`);
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    await admin(`CREATE DATABASE ${name}`);
    // The app's pool (its timeouts and type parsers) for the services and the baselines alike; a
    // plain client for the load and the plans.
    db = await createDatabase({ databaseUrl: url, max: 4 });
    loader = new pg.Client({ connectionString: url });
    await loader.connect();
    const t0 = performance.now();
    await migrate(db);
    await seedDemo(db, `/tmp/tw-bench-hotel-${process.pid}`, CLI_ACTOR, () => {});
    const venueId = (await db.query<{ id: number }>('SELECT id FROM venues WHERE code = $1', [DEMO_VENUE.code])).rows[0]
      .id;
    const clock = await readVenueClock(db, venueId);
    const today = localTime(new Date(), clock.timezone, clock.resetMinute).day;
    log(`database ${name}: migrated and seeded in ${seconds(t0)}; loading the hotel ...`);
    const tl = performance.now();
    const b = await load(loader, venueId, today);
    const counts = (
      await loader.query<{ rooms: string; types: string; past: string; future: string; unassigned: string }>(
        `SELECT (SELECT count(*) FROM rooms WHERE hotel_id = $1) AS rooms, (SELECT count(*) FROM room_types WHERE hotel_id = $1) AS types,
                count(*) FILTER (WHERE state = 'checked_out') AS past, count(*) FILTER (WHERE state <> 'checked_out') AS future,
                count(*) FILTER (WHERE room_id IS NULL) AS unassigned
         FROM stays WHERE hotel_id = $1`,
        [b.hotelId],
      )
    ).rows[0];
    const data = `${fmt(Number(counts.rooms))} rooms over ${counts.types} types, ${fmt(Number(counts.past))} past stays, ${fmt(Number(counts.future))} current and future (${counts.unassigned} without a room)`;
    log(`  ${data}, loaded in ${seconds(tl)}`);
    await loader.query('CHECKPOINT');

    const results = [
      await measure(
        `availability ${NIGHTS} nights x ${counts.types} types`,
        b,
        db,
        async (from) => {
          const r = await availability(db!, b.venueId, {
            venueId: b.venueId,
            hotelId: b.hotelId,
            from,
            to: addDays(from, NIGHTS),
          });
          return r.types.reduce((n, t) => n + t.nights.length, 0);
        },
        BASELINE_AVAILABILITY,
      ),
      await measure(
        `tape chart ${counts.rooms} rooms x ${NIGHTS} nights`,
        b,
        db,
        async (from) => {
          const r = await rack(db!, b.venueId, { venueId: b.venueId, hotelId: b.hotelId, from, nights: NIGHTS });
          return r.rooms.reduce((n, x) => n + x.bars.length, 0) + r.unassigned.length;
        },
        BASELINE_RACK,
      ),
    ];
    const p = percentile;
    log(
      `\n${table(
        [
          'read',
          'rows',
          'service p50',
          'p95',
          'p99',
          'SQL p50',
          'p95',
          'p99',
          'ratio p50',
          'ratio p95',
          'target p95',
          '',
        ],
        results.map((r) => [
          r.label,
          fmt(r.rows, 1),
          fmt(p(r.service, 0.5), 2),
          fmt(p(r.service, 0.95), 2),
          fmt(p(r.service, 0.99), 2),
          fmt(p(r.baseline, 0.5), 2),
          fmt(p(r.baseline, 0.95), 2),
          fmt(p(r.baseline, 0.99), 2),
          `${fmt(p(r.service, 0.5) / p(r.baseline, 0.5), 2)}x`,
          `${fmt(p(r.service, 0.95) / p(r.baseline, 0.95), 2)}x`,
          `<= ${TARGET_P95_MS} ms`,
          p(r.service, 0.95) <= TARGET_P95_MS ? 'PASS' : 'MISS',
        ]),
      )}`,
    );
    log(
      `(ms; ${opts.warmup} warm-up + ${opts.queries} measured reads per side, one at a time; rows = availability nights, or rack bars + unassigned stays, per read on average)`,
    );
    const from = b.today;
    const to = addDays(from, NIGHTS);
    const back = addDays(from, -30);
    log('\nplans (scan and join lines):');
    log(`  availability, tonight (db/queries/hotel.ts readAvailability):`);
    log(await indexLines(loader, await statementOf((q) => readAvailability(q, b.hotelId, from, to, b.venueId))));
    log('  rack bars, tonight (db/queries/hotel-rack.ts listRackBars):');
    log(await indexLines(loader, await statementOf((q) => listRackBars(q, b.hotelId, from, to))));
    log(`  rack bars, from ${back} (a fortnight of past stays, the widest read):`);
    log(await indexLines(loader, await statementOf((q) => listRackBars(q, b.hotelId, back, addDays(back, NIGHTS)))));
    log('  rack unassigned stays, tonight (listRackUnassigned):');
    log(await indexLines(loader, await statementOf((q) => listRackUnassigned(q, b.hotelId, from, to))));
    const settings = await loader.query<Record<string, string>>(
      `SELECT current_setting('server_version') AS version, current_setting('shared_buffers') AS shared_buffers,
              current_setting('work_mem') AS work_mem, current_setting('jit') AS jit`,
    );
    const cpu = os.cpus();
    log(
      `\nconditions: ${new Date().toISOString()}, node ${process.version}, ${cpu.length} cores (${cpu[0]?.model.trim() ?? 'unknown'}), ` +
        `${fmt(os.totalmem() / 2 ** 30, 1)} GiB memory, PostgreSQL ${Object.entries(settings.rows[0])
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')}; ${data}; load average ${os
          .loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')}`,
    );
    const bad = results.filter((r) => p(r.service, 0.95) > TARGET_P95_MS);
    if (bad.length) log(`MISSED the target: ${bad.map((r) => r.label).join(', ')}`);
    return bad.length ? 1 : 0;
  } finally {
    await cleanup();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
