import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createDatabase, type Database } from '../../db/client.ts';
import { migrate } from '../../db/migrate.ts';
import { plainTicketType, upsertTicketType } from '../../db/queries/sales.ts';
import { readVenueClock } from '../../db/queries/scans.ts';
import { DEMO_VENUE } from '../../db/seed/demo-venue.ts';
import { newTicketCode } from '../../lib/ticket-code.ts';
import { addDays, localTime } from '../../lib/venue-time.ts';
import { CLI_ACTOR } from '../../server/services/actor.ts';
import { createDevice } from '../../server/services/admin.ts';
import { seedDemo } from '../../server/services/seed.ts';
import { mixPlan, type MixPlan } from './scan-mix.ts';

/** Tickets inserted per statement: one unnest round trip per chunk keeps the setup in seconds. */
const TICKET_CHUNK = 25_000;
/**
 * Zone capacity during the benchmark (people). The demo zones hold 400 to 3,000 people, so a run of
 * a few hundred thousand admissions would turn into `capacity` rejections after the first seconds;
 * the benchmark measures the decision path, not a full park.
 */
const BENCH_ZONE_CAPACITY = 1_000_000_000;

export interface BenchDevice {
  id: number;
  token: string;
  gateCode: string;
  /** Direction of its scans. */
  direction: 'in' | 'out';
}

export interface BenchDb {
  name: string;
  url: string;
  db: Database;
  venueId: number;
  typeId: number;
  timescale: boolean;
  devices: BenchDevice[];
  /** Shared mixes: BENCH ticket codes, each admissible once today (empty otherwise). */
  codes: string[];
  /** Per-device mixes: each device's fresh tickets, placed for its gate (in device order; empty otherwise). */
  pools: string[][];
  /** Drops the database (idempotent). */
  drop(): Promise<void>;
}

/** Refuses anything but this machine: the benchmark sends traffic only to 127.0.0.1. */
export function assertLocalUrl(url: string, what: string): void {
  const host = new URL(url).hostname;
  if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host)) {
    throw new Error(`${what} points at ${host}: the benchmark only talks to 127.0.0.1`);
  }
}

/**
 * Creates `tw_bench_<random>` on the server in baseUrl, migrates it, seeds the demo venue, adds a
 * single-entry ticket type BENCH, opens the attractions all day, creates `tickets` tickets valid
 * today and registers one device per role of the mix. A shared mix gets BENCH tickets that nobody
 * used yet; a per-device mix (graph) splits them over the devices, each of the ticket types its
 * role names and placed where its gate finds them (inside today in a zone, with rides used
 * earlier), with the zones' occupancy and the venue's entries to match. On failure the database
 * is dropped before throwing.
 */
export async function createBenchDb(opts: {
  baseUrl: string;
  dataDir: string;
  tickets: number;
  /** The devices' roles (bench/lib/scan-mix.ts); default the entry mix over `devices` devices. */
  plan?: MixPlan;
  devices?: number;
  log: (m: string) => void;
}): Promise<BenchDb> {
  const plan = opts.plan ?? mixPlan('entry', opts.devices ?? 16);
  const name = `tw_bench_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: opts.baseUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const u = new URL(opts.baseUrl);
  u.pathname = `/${name}`;
  const url = u.toString();
  const db = await createDatabase({ databaseUrl: url, max: 4 });
  let dropped = false;
  const drop = async () => {
    if (dropped) return;
    dropped = true;
    await db.close().catch(() => {});
    const a = new pg.Client({ connectionString: opts.baseUrl });
    await a.connect();
    try {
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    } finally {
      await a.end();
    }
  };

  try {
    const { timescale } = await migrate(db);
    await seedDemo(db, opts.dataDir, CLI_ACTOR);
    const venue = await db.query<{ id: number }>('SELECT id FROM venues WHERE code = $1', [DEMO_VENUE.code]);
    const venueId = venue.rows[0].id;
    await db.query('UPDATE zones SET capacity = $2 WHERE venue_id = $1', [venueId, BENCH_ZONE_CAPACITY]);

    const typeId = await upsertTicketType(
      db,
      plainTicketType(venueId, 'BENCH', {
        name_zh: '压测票',
        name_en: 'Benchmark ticket',
        price_fen: 100,
        draws_day_quota: false,
        sort: 99,
      }),
    );

    // Opening hours (08:00 to 17:30, lifts 08:30 to 16:30) would make a run depend on the time of
    // day: opens = closes means open all day.
    await db.query('UPDATE attractions SET closes = opens WHERE venue_id = $1', [venueId]);

    // Valid from yesterday to tomorrow (venue business days): a run that crosses the daily reset
    // still admits.
    const clock = await readVenueClock(db, venueId);
    const today = localTime(new Date(), clock.timezone, clock.resetMinute).day;
    const channel = await db.query<{ id: number }>('SELECT id FROM channels WHERE venue_id = $1 ORDER BY id LIMIT 1', [
      venueId,
    ]);
    const order = await db.query<{ id: number }>(
      `INSERT INTO orders (venue_id, channel_id, ref, request_hash, amount_fen, paid_at) VALUES ($1, $2, 'BENCH-SETUP', 'bench', 0, now()) RETURNING id`,
      [venueId, channel.rows[0].id],
    );
    const orderId = order.rows[0].id;
    const codes: string[] = [];
    const pools: string[][] = [];
    const t0 = performance.now();
    if (plan.shared) {
      for (let done = 0; done < opts.tickets; done += TICKET_CHUNK) {
        const chunk = Array.from({ length: Math.min(TICKET_CHUNK, opts.tickets - done) }, () => newTicketCode());
        await db.query(
          `INSERT INTO tickets (order_id, venue_id, type_id, code, visit_date, valid_from, valid_to, price_fen)
           SELECT $1, $2, $3, c, $4::date, $5::date, $6::date, 100 FROM unnest($7::text[]) AS c`,
          [orderId, venueId, typeId, today, addDays(today, -1), addDays(today, 1), chunk],
        );
        codes.push(...chunk);
      }
    } else {
      const ids = async (sql: string) =>
        new Map((await db.query<{ id: number; code: string }>(sql, [venueId])).rows.map((r) => [r.code, r.id]));
      const types = await ids('SELECT id, code FROM ticket_types WHERE venue_id = $1');
      const zones = await ids('SELECT id, code FROM zones WHERE venue_id = $1');
      const attractions = await ids('SELECT id, code FROM attractions WHERE venue_id = $1');
      const attractionPoints = new Map(DEMO_VENUE.attractions.map((a) => [a.code, a.points]));
      const perDevice = Math.floor(opts.tickets / plan.roles.length);
      for (const role of plan.roles) {
        const pool: string[] = [];
        const placed = role.placedIn !== null;
        const zoneId = placed ? zones.get(role.placedIn!) : null;
        if (zoneId === undefined) throw new Error(`mix: unknown zone ${role.placedIn}`);
        const pointsEach = role.ridden ? role.ridden.rides * (attractionPoints.get(role.ridden.attraction) ?? 0) : 0;
        for (let done = 0; done < perDevice; done += TICKET_CHUNK) {
          const n = Math.min(TICKET_CHUNK, perDevice - done);
          const chunk = Array.from({ length: n }, () => newTicketCode());
          const typeCodes = chunk.map((_, i) => role.types[(done + i) % role.types.length]);
          const typeIds = typeCodes.map((c) => {
            const id = types.get(c);
            if (id === undefined) throw new Error(`mix: unknown ticket type ${c}`);
            return id;
          });
          // Inside today since 30 minutes, in the zone the role's gate finds them in.
          await db.query(
            `INSERT INTO tickets (order_id, venue_id, type_id, code, visit_date, valid_from, valid_to, price_fen,
                                  entries, entries_on_day, entries_day, inside, zone_id, first_entry_at, last_scan_at, moved_at, points_used)
             SELECT $1, $2, u.type_id, u.code, $3::date, $4::date, $5::date, 100,
                    $6, $6, $7::date, $8, $9, $10, $10, $10, u.points
             FROM unnest($11::text[], $12::int[], $13::int[]) AS u(code, type_id, points)`,
            [
              orderId,
              venueId,
              today,
              addDays(today, -1),
              addDays(today, 1),
              placed ? 1 : 0,
              placed ? today : null,
              placed,
              zoneId,
              placed ? new Date(Date.now() - 30 * 60_000) : null,
              chunk,
              typeIds,
              typeCodes.map((c) => (c === 'POINTS' ? pointsEach : 0)),
            ],
          );
          if (role.ridden)
            await db.query(
              `INSERT INTO ticket_rides (ticket_id, attraction_id, rides, last_ride_at)
               SELECT id, $2, $3, now() - interval '20 minutes' FROM tickets WHERE code = ANY($1::text[])`,
              [chunk, attractions.get(role.ridden.attraction), role.ridden.rides],
            );
          pool.push(...chunk);
        }
        pools.push(pool);
      }
      // The zones hold the people placed in them, and the venue counted their entries.
      await db.query(
        `INSERT INTO occupancy (zone_id, day, count)
         SELECT zone_id, $2::date, count(*) FROM tickets WHERE venue_id = $1 AND inside AND entries_day = $2::date GROUP BY zone_id
         ON CONFLICT (zone_id, day) DO UPDATE SET count = EXCLUDED.count`,
        [venueId, today],
      );
      await db.query(
        `INSERT INTO daily_counters (venue_id, day, entries)
         SELECT $1, $2::date, count(*) FROM tickets WHERE venue_id = $1 AND inside AND entries_day = $2::date
         ON CONFLICT (venue_id, day) DO UPDATE SET entries = EXCLUDED.entries`,
        [venueId, today],
      );
      await db.query('ANALYZE ticket_rides');
    }
    await db.query('ANALYZE tickets');
    const total = codes.length + pools.reduce((a, p) => a + p.length, 0);
    opts.log(
      `${total.toLocaleString('en-US')} tickets valid ${addDays(today, -1)}..${addDays(today, 1)} in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );

    const devices: BenchDevice[] = [];
    for (const role of plan.roles) {
      const d = await createDevice(db, CLI_ACTOR, { gate: role.gate, venue: DEMO_VENUE.code });
      devices.push({ id: d.id, token: d.token, gateCode: role.gate, direction: role.direction });
    }
    return { name, url, db, venueId, typeId, timescale, devices, codes, pools, drop };
  } catch (err) {
    await drop().catch(() => {});
    throw err;
  }
}

/** History rows inserted per statement (each must finish inside the pool's statement timeout). */
const HISTORY_CHUNK = 200_000;
/** History ends this long before the run (minutes): outside every live window (5 and 10 minutes). */
const HISTORY_GAP_MIN = 15;
/** History spans this long before that (hours): an earlier part of the same day. */
const HISTORY_SPAN_H = 6;

/**
 * Fills gate_scans with `rows` earlier scans (scan ids `hist.*`, spread over the entry gates), so a
 * run sees a table of a realistic size instead of an empty one: statements that scan the whole table
 * show their real cost.
 */
export async function preloadHistory(bench: BenchDb, rows: number, log: (m: string) => void): Promise<void> {
  if (rows <= 0) return;
  const t0 = performance.now();
  const device = bench.devices[0].id;
  for (let from = 1; from <= rows; from += HISTORY_CHUNK) {
    const to = Math.min(rows, from + HISTORY_CHUNK - 1);
    await bench.db.query(
      `WITH g AS (SELECT array_agg(id ORDER BY id) AS ids, array_agg(zone_id ORDER BY id) AS zones, count(*)::int AS n
                  FROM gates WHERE venue_id = $1 AND direction = 'in')
       INSERT INTO gate_scans (at, received_at, venue_id, zone_id, gate_id, device_id, scan_id, ticket_id, type_id, direction, result, reason)
       SELECT t, t, $1, g.zones[1 + i % g.n], g.ids[1 + i % g.n], $2, 'hist.' || i, NULL, $3, 'in',
              CASE WHEN i % 10 = 0 THEN 'reject' ELSE 'admit' END, CASE WHEN i % 10 = 0 THEN 'used' END
       FROM g, generate_series($4::int, $5::int) AS i,
            LATERAL (SELECT now() - make_interval(mins => $6) - (i::float8 / $7) * make_interval(hours => $8) AS t) AS x`,
      [bench.venueId, device, bench.typeId, from, to, HISTORY_GAP_MIN, rows, HISTORY_SPAN_H],
    );
  }
  await bench.db.query('VACUUM ANALYZE gate_scans');
  log(
    `${rows.toLocaleString('en-US')} earlier scans in gate_scans (${HISTORY_SPAN_H} h ending ${HISTORY_GAP_MIN} min ago) in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
}
