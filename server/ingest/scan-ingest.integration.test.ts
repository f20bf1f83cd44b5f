import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../db/migrate.ts';
import type { DeviceAuthRow } from '../../db/queries/devices.ts';
import { newTicketCode } from '../../lib/ticket-code.ts';
import { createPostgresTestDb, type TestDb } from '../../tests/helpers/backends.ts';
import { addTicketType, venueToday } from '../../tests/helpers/venue.ts';
import { CLI_ACTOR } from '../services/actor.ts';
import { seedDemo } from '../services/seed.ts';
import { ScanIngest } from './scan-ingest.ts';

/** Rounds of the race: each starts with one place left in the zone. */
const ROUNDS = 12;
/** Gates scanning at the same instant in each round (and batches in flight). */
const GATES = 4;

// Concurrent batches need a server with several sessions: PGlite runs one transaction at a time.
describe.runIf(process.env.DATABASE_URL)('zone capacity under concurrent scan batches on postgres', () => {
  let t: TestDb;
  let venueId: number;
  let zone: { id: number; capacity: number };
  let typeId: number;
  let orderId: number;
  const devices: DeviceAuthRow[] = [];
  const today = venueToday();
  const silent = pino({ level: 'silent' });

  async function newTickets(n: number): Promise<string[]> {
    const codes = Array.from({ length: n }, () => newTicketCode());
    await t.db.query(
      `INSERT INTO tickets (order_id, venue_id, type_id, code, visit_date, valid_from, valid_to, price_fen)
       SELECT $1, $2, $3, c, $4::date, $4::date, $4::date, 100 FROM unnest($5::text[]) AS c`,
      [orderId, venueId, typeId, today, codes],
    );
    return codes;
  }

  /** Runs the rounds; returns per round how many were admitted and the zone's count afterwards. */
  async function race(ingest: ScanIngest, tag: string): Promise<{ admitted: number; count: number }[]> {
    const out: { admitted: number; count: number }[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      await t.db.query('UPDATE occupancy SET count = $3 WHERE zone_id = $1 AND day = $2', [
        zone.id,
        today,
        zone.capacity - 1,
      ]);
      const codes = await newTickets(GATES);
      const acks = await Promise.all(
        devices.map((d, i) =>
          ingest.submit(d, [{ id: `${tag}-${round}-${i}`, code: codes[i], direction: 'in', at: new Date() }]),
        ),
      );
      const results = acks.flat();
      expect(results.every((a) => 'result' in a)).toBe(true);
      const count = (
        await t.db.query<{ count: number }>('SELECT count FROM occupancy WHERE zone_id = $1 AND day = $2', [
          zone.id,
          today,
        ])
      ).rows[0].count;
      out.push({ admitted: results.filter((a) => 'result' in a && a.result === 'admit').length, count });
    }
    await ingest.drain();
    return out;
  }

  beforeAll(async () => {
    t = await createPostgresTestDb();
    await migrate(t.db);
    await seedDemo(t.db, `/tmp/tw-scan-ingest-${process.pid}`, CLI_ACTOR);
    venueId = (await t.db.query<{ id: number }>("SELECT id FROM venues WHERE code = 'YUNLING'")).rows[0].id;
    zone = (
      await t.db.query<{ id: number; capacity: number }>("SELECT id, capacity FROM zones WHERE code = 'VISITOR-CENTER'")
    ).rows[0];
    typeId = await addTicketType(t.db, venueId, 'T-RACE');
    const channel = (
      await t.db.query<{ id: number }>('SELECT id FROM channels WHERE venue_id = $1 ORDER BY id LIMIT 1', [venueId])
    ).rows[0];
    orderId = (
      await t.db.query<{ id: number }>(
        `INSERT INTO orders (venue_id, channel_id, ref, request_hash, amount_fen, paid_at) VALUES ($1, $2, 'RACE', 'race', 0, now()) RETURNING id`,
        [venueId, channel.id],
      )
    ).rows[0].id;
    const gate = (
      await t.db.query<{ id: number }>('SELECT id FROM gates WHERE zone_id = $1 ORDER BY id LIMIT 1', [zone.id])
    ).rows[0];
    for (let i = 0; i < GATES; i++) {
      const r = await t.db.query<DeviceAuthRow>(
        `WITH d AS (INSERT INTO devices (gate_id, token_hash) VALUES ($1, $2) RETURNING id, gate_id)
         SELECT d.id, d.gate_id, g.code AS gate_code, g.venue_id, g.zone_id, g.perimeter FROM d JOIN gates g ON g.id = d.gate_id`,
        [gate.id, randomBytes(32)],
      );
      devices.push(r.rows[0]);
    }
    // The zone's occupancy row exists, so batches take the optimistic (unlocked) read.
    await t.db.query('INSERT INTO occupancy (zone_id, day, count) VALUES ($1, $2, 0) ON CONFLICT DO NOTHING', [
      zone.id,
      today,
    ]);
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  it('admits exactly one person into a zone with one place left when gates scan at the same instant', async () => {
    const ingest = new ScanIngest({ db: t.db, logger: silent, concurrency: GATES });
    const rounds = await race(ingest, 'guarded');
    expect(rounds).toEqual(new Array(ROUNDS).fill({ admitted: 1, count: zone.capacity }));
    // The batches did overlap: some were decided again with the zone locked.
    expect(ingest.optimisticRetries).toBeGreaterThan(0);
  });

  it('control: without the capacity re-check the same race overfills the zone', async () => {
    const ingest = new ScanIngest({ db: t.db, logger: silent, concurrency: GATES, recheckZones: false });
    const rounds = await race(ingest, 'unguarded');
    expect(rounds.some((r) => r.admitted > 1 && r.count > zone.capacity)).toBe(true);
  });
});
