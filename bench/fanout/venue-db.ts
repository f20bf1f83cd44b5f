import path from 'node:path';
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
import { createBenchDb, type BenchDevice } from '../lib/bench-db.ts';

/** The demo user whose session the screens use: the command center's everyday role. */
const SCREEN_USER_EMAIL = 'operator@demo.tidewatch';
/** Zone capacity during the benchmark (people): the demo zones would start rejecting with `capacity`. */
const BENCH_ZONE_CAPACITY = 1_000_000_000;

export interface FanoutDb {
  kind: 'postgres' | 'pglite';
  /** PostgreSQL: the database's URL; PGlite: undefined (the server opens `dataDir`). */
  url?: string;
  /** PostgreSQL: tw_bench_<random>; PGlite: the data directory. */
  name: string;
  /** PGlite: the directory the server must use as TIDEWATCH_DATA_DIR. */
  dataDir?: string;
  /** PostgreSQL only: an open pool on the benchmark database (CPU accounting, checks). */
  db?: Database;
  venueId: number;
  operatorId: number;
  timescale: boolean;
  devices: BenchDevice[];
  codes: string[];
  /** Drops the database (PostgreSQL) or does nothing (the caller removes the temp directory). */
  drop(): Promise<void>;
}

async function operatorId(db: Database): Promise<number> {
  const r = await db.query<{ id: number }>('SELECT id FROM users WHERE email = $1', [SCREEN_USER_EMAIL]);
  if (!r.rows[0]) throw new Error(`seedDemo did not create ${SCREEN_USER_EMAIL}`);
  return r.rows[0].id;
}

/** PostgreSQL: a fresh tw_bench_<random> database prepared by the ingest benchmark's setup. */
export async function createPostgresFanoutDb(opts: {
  baseUrl: string;
  dataDir: string;
  tickets: number;
  devices: number;
  log: (m: string) => void;
}): Promise<FanoutDb> {
  const bench = await createBenchDb(opts);
  try {
    return {
      kind: 'postgres',
      url: bench.url,
      name: bench.name,
      db: bench.db,
      venueId: bench.venueId,
      operatorId: await operatorId(bench.db),
      timescale: bench.timescale,
      devices: bench.devices,
      codes: bench.codes,
      drop: bench.drop,
    };
  } catch (err) {
    await bench.drop().catch(() => {});
    throw err;
  }
}

/**
 * PGlite: the same venue, ticket type, tickets and devices as createBenchDb, written into
 * `<dir>/pg` and closed again, because only one process may open an embedded data directory and
 * the server child must be that process.
 */
export async function createEmbeddedFanoutDb(opts: {
  dir: string;
  tickets: number;
  devices: number;
  log: (m: string) => void;
}): Promise<FanoutDb> {
  const db = await createDatabase({ dataDir: opts.dir, owner: 'bench:fanout setup' });
  try {
    const { timescale } = await migrate(db);
    await seedDemo(db, path.join(opts.dir, 'seed'), CLI_ACTOR);
    const venueId = (await db.query<{ id: number }>('SELECT id FROM venues WHERE code = $1', [DEMO_VENUE.code])).rows[0]
      .id;
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
    const clock = await readVenueClock(db, venueId);
    const today = localTime(new Date(), clock.timezone, clock.resetMinute).day;
    const channel = await db.query<{ id: number }>('SELECT id FROM channels WHERE venue_id = $1 ORDER BY id LIMIT 1', [
      venueId,
    ]);
    const order = await db.query<{ id: number }>(
      `INSERT INTO orders (venue_id, channel_id, ref, request_hash, amount_fen, paid_at) VALUES ($1, $2, 'BENCH-SETUP', 'bench', 0, now()) RETURNING id`,
      [venueId, channel.rows[0].id],
    );
    const codes = Array.from({ length: opts.tickets }, () => newTicketCode());
    await db.query(
      `INSERT INTO tickets (order_id, venue_id, type_id, code, visit_date, valid_from, valid_to, price_fen)
       SELECT $1, $2, $3, c, $4::date, $5::date, $6::date, 100 FROM unnest($7::text[]) AS c`,
      [order.rows[0].id, venueId, typeId, today, addDays(today, -1), addDays(today, 1), codes],
    );
    const entryGates = DEMO_VENUE.gates.filter((g) => g.direction === 'in');
    const devices: BenchDevice[] = [];
    for (let i = 0; i < opts.devices; i++) {
      const gateCode = entryGates[i % entryGates.length].code;
      const d = await createDevice(db, CLI_ACTOR, { gate: gateCode, venue: DEMO_VENUE.code });
      devices.push({ id: d.id, token: d.token, gateCode, direction: 'in' });
    }
    opts.log(`${codes.length.toLocaleString('en-US')} tickets valid ${addDays(today, -1)}..${addDays(today, 1)}`);
    return {
      kind: 'pglite',
      name: opts.dir,
      dataDir: opts.dir,
      venueId,
      operatorId: await operatorId(db),
      timescale,
      devices,
      codes,
      drop: async () => {},
    };
  } finally {
    await db.close();
  }
}
