import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app.ts';
import { CLI_ACTOR } from '../../server/services/actor.ts';
import { seedDemo } from '../../server/services/seed.ts';
import { sessionCookie, startTestApp, trpcCall } from '../../tests/helpers/app.ts';
import { backends, type TestDb } from '../../tests/helpers/backends.ts';
import { addTicketType, venueToday } from '../../tests/helpers/venue.ts';
import { migrate } from '../migrate.ts';
import {
  ARRIVAL_BUCKETS,
  arrivalsVsSlots,
  controlAnnotations,
  findVenueClock,
  salesByChannel,
  venueCrossingsByZone,
  zoneFlows,
} from './rollups.ts';
import { ensureQuotas, insertTickets, type NewTicket } from './sales.ts';
import { writeScanFacts, type GateScanRow } from './scans.ts';

/** The visit date of the arrival tests; Asia/Shanghai is UTC+8 all year. */
const DAY = '2026-03-10';
/** An instant given as local time on DAY at the demo venue. */
const local = (hhmm: string, s = 0) => new Date(Date.parse(`${DAY}T${hhmm}:00+08:00`) + s * 1000);
/** Start of the minute-series tests, well apart from the arrival scans. */
const BASE = Date.UTC(2026, 2, 10, 6, 0, 0);
const at = (s: number) => new Date(BASE + s * 1000);
const OTHER_VENUE = 99_999;

describe.each(backends())('chart rollups on $name', (backend) => {
  let t: TestDb;
  let venueId: number;
  let zoneA: number;
  let zoneB: number;
  let gateA: number;
  let gateB: number;
  const channel = new Map<string, number>();
  const type = new Map<string, number>();
  let scanSeq = 0;

  const scan = (r: Partial<GateScanRow> & Pick<GateScanRow, 'at'>): GateScanRow => ({
    venueId,
    zoneId: zoneA,
    gateId: gateA,
    deviceId: 1,
    scanId: `rollups-${++scanSeq}`,
    ticketId: null,
    typeId: null,
    direction: 'in',
    result: 'admit',
    reason: null,
    offline: false,
    conflict: false,
    ...r,
  });

  beforeAll(async () => {
    t = await backend.create();
    await migrate(t.db);
    await seedDemo(t.db, `/tmp/tw-rollups-${backend.name}-${process.pid}`, CLI_ACTOR);
    venueId = (await t.db.query<{ id: number }>("SELECT id FROM venues WHERE code = 'YUNLING'")).rows[0].id;
    const zones = (
      await t.db.query<{ id: number; gate_id: number }>(
        'SELECT z.id, min(g.id)::int AS gate_id FROM zones z JOIN gates g ON g.zone_id = z.id WHERE z.venue_id = $1 GROUP BY z.id ORDER BY z.id LIMIT 2',
        [venueId],
      )
    ).rows;
    [zoneA, zoneB] = zones.map((z) => z.id);
    [gateA, gateB] = zones.map((z) => z.gate_id);
    for (const c of (
      await t.db.query<{ id: number; code: string }>('SELECT id, code FROM channels WHERE venue_id = $1', [venueId])
    ).rows)
      channel.set(c.code, c.id);
    for (const x of (
      await t.db.query<{ id: number; code: string }>('SELECT id, code FROM ticket_types WHERE venue_id = $1', [venueId])
    ).rows)
      type.set(x.code, x.id);
    // A slot ticket type whose holders may come 45 minutes before their slot, to test the window.
    type.set(
      'EARLY',
      await addTicketType(t.db, venueId, 'EARLY', { slot_required: true, entry_window_before_min: 45 }),
    );
  });
  afterAll(async () => t?.cleanup());

  it('counts venue entries and exits per minute, by the zone that counted them, in [from, to), for the venue only', async () => {
    await writeScanFacts(
      t.db,
      [],
      [
        scan({ at: at(10), crossing: 'entry' }),
        scan({ at: at(20), gateId: gateA, crossing: 'entry' }),
        scan({ at: at(30), direction: 'out', crossing: 'exit' }),
        scan({ at: at(40), result: 'reject', reason: 'expired' }),
        // Scanned in again while inside: the entry and the exit it implies.
        scan({ at: at(59.999), crossing: 'both', inferred: 'exit' }),
        // A move between zones is no venue crossing...
        scan({ at: at(70), zoneId: zoneB, gateId: gateB }),
        // ...unless it is a ticket seen inside without an entry: an inferred one, counted where it was seen.
        scan({ at: at(75), zoneId: zoneB, gateId: gateB, crossing: 'entry', inferred: 'entry' }),
        scan({ at: at(80), zoneId: zoneB, gateId: gateB, direction: 'out' }),
        // Only rejects in this minute: no point at all.
        scan({ at: at(130), result: 'reject', reason: 'used' }),
        // At `to`: outside the window.
        scan({ at: at(180), crossing: 'entry' }),
        scan({ at: at(15), venueId: OTHER_VENUE, crossing: 'entry' }),
      ],
      [],
    );
    const rows = await venueCrossingsByZone(t.db, venueId, at(0), at(180));
    expect(rows.map((r) => [r.bucket.getTime() - BASE, r.zoneId, r.entries, r.exits])).toEqual([
      [0, zoneA, 3, 2],
      [60_000, zoneB, 1, 0],
    ]);
    expect(await venueCrossingsByZone(t.db, venueId, at(60), at(120))).toHaveLength(1);
    expect(await venueCrossingsByZone(t.db, OTHER_VENUE, at(0), at(180))).toHaveLength(1);
  });

  it('counts the flow between zones per (from, to) pair: transfers both ways, rides that end elsewhere', async () => {
    const gates = new Map(
      (
        await t.db.query<{ id: number; code: string; zone_id: number }>(
          'SELECT id, code, zone_id FROM gates WHERE venue_id = $1',
          [venueId],
        )
      ).rows.map((g) => [g.code, g]),
    );
    const zones = new Map(
      (
        await t.db.query<{ id: number; code: string }>('SELECT id, code FROM zones WHERE venue_id = $1', [venueId])
      ).rows.map((z) => [z.code, z.id]),
    );
    const W = Date.UTC(2026, 2, 10, 9, 0, 0);
    const w = (s: number) => new Date(W + s * 1000);
    const at = (code: string, s: number, more: Partial<GateScanRow> = {}) =>
      scan({ at: w(s), gateId: gates.get(code)!.id, zoneId: gates.get(code)!.zone_id, ...more });
    await writeScanFacts(
      t.db,
      [],
      [
        // Into the gorge from the main plaza (FP-01, in) and back out (FP-02, out).
        at('FP-01', 10),
        at('FP-01', 20),
        at('FP-01', 30, { result: 'reject', reason: 'capacity' }),
        at('FP-02', 40, { direction: 'out' }),
        // The visitor center's door both ways.
        at('VC-01', 50),
        at('VC-01', 55, { direction: 'out' }),
        // Up the ropeway (RL-01) and down (RU-01): rides to the far station.
        at('RL-01', 60),
        at('RL-01', 61),
        at('RL-01', 62),
        at('RU-01', 70),
        // A ski lift ends where it began; a perimeter gate and a checkpoint join no two zones.
        at('LA-01', 80),
        at('MG-01', 90, { crossing: 'entry' }),
        at('MG-06', 95, { direction: 'out', crossing: 'exit' }),
        at('GS-01', 100),
        // Outside the window.
        at('FP-01', 900),
      ],
      [],
    );
    const flows = await zoneFlows(t.db, venueId, w(0), w(600));
    const z = (code: string) => zones.get(code)!;
    const pair = (from: string, to: string) =>
      flows.find((f) => f.fromZoneId === z(from) && f.toZoneId === z(to))?.people ?? 0;
    expect(pair('MAIN-PLAZA', 'FEIPU-GORGE')).toBe(2);
    expect(pair('FEIPU-GORGE', 'MAIN-PLAZA')).toBe(1);
    expect(pair('MAIN-PLAZA', 'VISITOR-CENTER')).toBe(1);
    expect(pair('VISITOR-CENTER', 'MAIN-PLAZA')).toBe(1);
    expect(pair('ROPEWAY-LOWER', 'ROPEWAY-UPPER')).toBe(3);
    expect(pair('ROPEWAY-UPPER', 'ROPEWAY-LOWER')).toBe(1);
    expect(flows.reduce((n, f) => n + f.people, 0)).toBe(9);
    expect(flows.every((f) => f.fromZoneId !== f.toZoneId)).toBe(true);
    expect(await zoneFlows(t.db, venueId, w(600), w(1200))).toEqual([
      { fromZoneId: z('MAIN-PLAZA'), toZoneId: z('FEIPU-GORGE'), people: 1 },
    ]);
    expect(await zoneFlows(t.db, OTHER_VENUE, w(0), w(600))).toEqual([]);
  });

  it('counts tickets sold and refunded and net revenue per minute and channel', async () => {
    const ins = (s: number, code: string, kind: 'sale' | 'refund', qty: number, fen: number, venue = venueId) =>
      t.db.query(
        `INSERT INTO sales_events (at, venue_id, channel_id, order_id, type_id, kind, qty, amount_fen, visit_date)
         VALUES ($1, $2, $3, 1, $4, $5, $6, $7, $8)`,
        [at(s), venue, channel.get(code), type.get('ADULT'), kind, qty, fen, DAY],
      );
    await ins(5, 'WECHAT', 'sale', 2, 38000);
    await ins(6, 'WECHAT', 'sale', 1, 9500);
    await ins(50, 'WECHAT', 'refund', 1, 19000);
    await ins(65, 'CTRIP', 'sale', 3, 57000);
    await ins(125, 'CTRIP', 'refund', 1, 19000);
    await ins(126, 'CTRIP', 'sale', 5, 1, OTHER_VENUE);
    await ins(200, 'WECHAT', 'sale', 9, 1);
    const rows = await salesByChannel(t.db, venueId, at(0), at(180));
    expect(
      rows.map((r) => [r.bucket.getTime() - BASE, r.channelCode, r.channelKind, r.sold, r.refunded, r.revenueFen]),
    ).toEqual([
      [0, 'WECHAT', 'online', 3, 1, 28500],
      [60_000, 'CTRIP', 'ota', 3, 0, 57000],
      [120_000, 'CTRIP', 'ota', 0, 1, -19000],
    ]);
    expect(rows[0].channelId).toBe(channel.get('WECHAT'));
  });

  it('lists control and policy changes of the venue in the window, oldest first', async () => {
    const audit = (s: number, action: string, reason: string | null, venue = venueId) =>
      t.db.query(
        `INSERT INTO audit_log (at, actor_kind, actor_label, action, venue_id, subject_kind, reason) VALUES ($1, 'user', 'manager@demo.tidewatch', $2, $3, 'venue', $4)`,
        [at(s), action, venue, reason],
      );
    await audit(40, 'policy.throttle', null);
    await audit(10, 'control.gate.close', '索道检修');
    await audit(20, 'order.refund', null);
    await audit(30, 'controls.typo', null);
    await audit(50, 'control.sales.pause', 'x', OTHER_VENUE);
    await audit(180, 'control.sales.resume', null);
    const rows = await controlAnnotations(t.db, venueId, at(0), at(180));
    expect(rows).toEqual([
      { at: at(10), action: 'control.gate.close', actorLabel: 'manager@demo.tidewatch', reason: '索道检修' },
      { at: at(40), action: 'policy.throttle', actorLabel: 'manager@demo.tidewatch', reason: null },
    ]);
  });

  describe('arrival forecast', () => {
    const tickets: { code: string; type: string; slot: [string, string] | null; day?: string; refunded?: boolean }[] = [
      // 9 tickets for 08:00-10:00, window 07:45-10:00 (9 quarter hours): one expected per quarter hour.
      ...Array.from({ length: 9 }, (_, i) => ({
        code: `R-A${i}`,
        type: 'ADULT',
        slot: ['08:00', '10:00'] as [string, string],
      })),
      { code: 'R-AREF', type: 'ADULT', slot: ['08:00', '10:00'], refunded: true },
      // 11 tickets for 10:00-12:00 coming up to 45 min early, window 09:15-12:00 (11 quarter hours).
      ...Array.from({ length: 11 }, (_, i) => ({
        code: `R-E${i}`,
        type: 'EARLY',
        slot: ['10:00', '12:00'] as [string, string],
      })),
      // 3 tickets for 12:00-14:00: a third of a visitor per quarter hour.
      ...Array.from({ length: 3 }, (_, i) => ({
        code: `R-C${i}`,
        type: 'CHILD',
        slot: ['12:00', '14:00'] as [string, string],
      })),
      { code: 'R-NOSLOT', type: 'TWO-DAY', slot: null },
      { code: 'R-OTHERDAY', type: 'ADULT', slot: ['08:00', '10:00'], day: '2026-03-11' },
    ];
    const ids = new Map<string, number>();

    beforeAll(async () => {
      await ensureQuotas(t.db, venueId, DAY);
      const order = await t.db.query<{ id: number }>(
        "INSERT INTO orders (venue_id, channel_id, ref, request_hash, amount_fen) VALUES ($1, $2, 'rollups-arrivals', 'h', 0) RETURNING id",
        [venueId, channel.get('WECHAT')],
      );
      await insertTickets(
        t.db,
        tickets.map(
          (x): NewTicket => ({
            orderId: order.rows[0].id,
            venueId,
            typeId: type.get(x.type)!,
            bundleTypeId: null,
            code: x.code,
            visitDate: x.day ?? DAY,
            validFrom: x.day ?? DAY,
            validTo: x.day ?? DAY,
            slotStart: x.slot?.[0] ?? null,
            slotEnd: x.slot?.[1] ?? null,
            quotaIds: [],
            priceFen: 1000,
          }),
        ),
      );
      for (const r of (
        await t.db.query<{ id: number; code: string }>("SELECT id, code FROM tickets WHERE code LIKE 'R-%'")
      ).rows)
        ids.set(r.code, r.id);
      await t.db.query("UPDATE tickets SET status = 'refunded', refunded_at = now() WHERE code = 'R-AREF'");

      const s = (code: string, when: Date, more: Partial<GateScanRow> = {}) =>
        scan({
          at: when,
          ticketId: ids.get(code)!,
          typeId: type.get(tickets.find((x) => x.code === code)!.type)!,
          ...more,
        });
      await writeScanFacts(
        t.db,
        [],
        [
          s('R-A0', local('07:50')),
          s('R-A0', local('09:00'), { direction: 'out' }),
          // A re-entry is not an arrival.
          s('R-A0', local('09:10')),
          s('R-A1', local('08:01'), { result: 'reject', reason: 'too_early' }),
          s('R-A1', local('08:05')),
          // Admitted at the end of the local day: the last bucket.
          s('R-A2', local('23:59', 30)),
          s('R-E0', local('09:20')),
          s('R-E1', local('09:29', 59)),
          s('R-NOSLOT', local('08:10')),
          s('R-OTHERDAY', local('08:10')),
        ],
        [],
      );
      await t.db.query(
        `UPDATE tickets t SET entries = 1, first_entry_at = f.at
         FROM (SELECT ticket_id, min(at) AS at FROM gate_scans WHERE result = 'admit' AND direction = 'in' AND ticket_id IS NOT NULL GROUP BY ticket_id) f
         WHERE f.ticket_id = t.id`,
      );
    });

    it('gives each slot of the date its capacity, valid tickets sold and tickets arrived', async () => {
      const a = await arrivalsVsSlots(t.db, venueId, DAY);
      expect(a.day).toBe(DAY);
      expect(a.timezone).toBe('Asia/Shanghai');
      expect(a.slots).toEqual([
        { start: '08:00', end: '10:00', capacity: 2500, sold: 9, arrived: 3 },
        { start: '10:00', end: '12:00', capacity: 2500, sold: 11, arrived: 2 },
        { start: '12:00', end: '14:00', capacity: 2000, sold: 3, arrived: 0 },
        { start: '14:00', end: '16:00', capacity: 1500, sold: 0, arrived: 0 },
        { start: '16:00', end: '17:30', capacity: 800, sold: 0, arrived: 0 },
      ]);
    });

    it('spreads sold slot tickets over their entry windows and counts first entries per quarter hour', async () => {
      const { curve } = await arrivalsVsSlots(t.db, venueId, DAY);
      expect(curve).toHaveLength(ARRIVAL_BUCKETS);
      expect(curve[0]).toMatchObject({ bucket: local('00:00'), time: '00:00', expected: 0, actual: 0 });
      expect(curve[ARRIVAL_BUCKETS - 1]).toMatchObject({ bucket: local('23:45'), time: '23:45', actual: 1 });
      const byTime = new Map(curve.map((b) => [b.time, b]));
      const expected = (time: string) => byTime.get(time)!.expected;
      expect(expected('07:30')).toBe(0);
      for (const time of ['07:45', '08:00', '08:30', '09:00']) expect(expected(time), time).toBeCloseTo(1, 9);
      // Both windows overlap from 09:15 to 10:00.
      for (const time of ['09:15', '09:30', '09:45']) expect(expected(time), time).toBeCloseTo(2, 9);
      for (const time of ['10:00', '11:30']) expect(expected(time), time).toBeCloseTo(1, 9);
      for (const time of ['11:45', '12:00', '13:45'])
        expect(expected(time), time).toBeCloseTo(time === '11:45' ? 1 + 1 / 3 : 1 / 3, 9);
      expect(expected('14:00')).toBe(0);
      expect(curve.reduce((n, b) => n + b.expected, 0)).toBeCloseTo(9 + 11 + 3, 9);
      expect(curve.filter((b) => b.actual > 0).map((b) => [b.time, b.actual])).toEqual([
        ['07:45', 1],
        ['08:00', 1],
        ['09:15', 2],
        ['23:45', 1],
      ]);
    });

    it('falls back to the slot templates for a date nothing was sold for', async () => {
      const a = await arrivalsVsSlots(t.db, venueId, '2026-03-20');
      expect(a.slots.map((s) => [s.start, s.end, s.capacity, s.sold])).toEqual([
        ['08:00', '10:00', 2500, 0],
        ['10:00', '12:00', 2500, 0],
        ['12:00', '14:00', 2000, 0],
        ['14:00', '16:00', 1500, 0],
        ['16:00', '17:30', 800, 0],
      ]);
      expect(a.curve.every((b) => b.expected === 0 && b.actual === 0)).toBe(true);
      await expect(arrivalsVsSlots(t.db, OTHER_VENUE, DAY)).rejects.toThrow(/venue 99999/);
    });
  });

  it('reads the venue clock, or nothing for an unknown venue', async () => {
    expect(await findVenueClock(t.db, venueId)).toEqual({ timezone: 'Asia/Shanghai', resetMinute: 240 });
    expect(await findVenueClock(t.db, OTHER_VENUE)).toBeUndefined();
  });

  describe('charts router', () => {
    let app: App;
    const user = async (email: string) =>
      (await t.db.query<{ id: number }>('SELECT id FROM users WHERE email = $1', [email])).rows[0].id;
    beforeAll(async () => {
      app = await startTestApp(t.db);
    });
    afterAll(async () => app?.close());

    it('serves the minute series and the arrival forecast to the command center, within its venues', async () => {
      const cookie = await sessionCookie(await user('operator@demo.tidewatch'));
      const now = new Date();
      await writeScanFacts(
        t.db,
        [],
        [
          scan({ at: new Date(now.getTime() - 5 * 60_000), crossing: 'entry' }),
          scan({ at: now, crossing: 'entry' }),
          // A move between zones is in no venue total, so not in the entries chart either.
          scan({ at: now, zoneId: zoneB, gateId: gateB }),
        ],
        [],
      );
      const series = await trpcCall(app.url, 'charts.series', { cookie, input: { venueId, minutes: 30 } });
      expect(series.status).toBe(200);
      const s = series.data as {
        from: string;
        to: string;
        stepMs: number;
        zones: unknown[];
        channels: { code: string }[];
        entries: { at: string; zoneId: number; entries: number }[];
        sales: unknown[];
        annotations: unknown[];
      };
      expect(Date.parse(s.to) - Date.parse(s.from)).toBe(30 * 60_000);
      expect(Date.parse(s.to)).toBeGreaterThan(now.getTime());
      expect(Date.parse(s.to) % 60_000).toBe(0);
      expect(s.stepMs).toBe(60_000);
      expect(s.zones.length).toBeGreaterThanOrEqual(8);
      expect(s.channels.map((c) => c.code)).toContain('WECHAT');
      expect(s.entries.reduce((n, e) => n + e.entries, 0)).toBe(2);
      expect(s.entries.every((e) => e.zoneId === zoneA && typeof e.at === 'string')).toBe(true);
      expect(s.sales).toEqual([]);
      expect(s.annotations).toEqual([]);

      const arrivals = await trpcCall(app.url, 'charts.arrivals', { cookie, input: { venueId } });
      expect(arrivals.status).toBe(200);
      const a = arrivals.data as { day: string; slots: unknown[]; curve: { at: string; time: string }[] };
      expect(a.day).toBe(venueToday());
      expect(a.slots).toHaveLength(5);
      expect(a.curve).toHaveLength(ARRIVAL_BUCKETS);
      const fixed = await trpcCall(app.url, 'charts.arrivals', { cookie, input: { venueId, day: DAY } });
      expect((fixed.data as { slots: { sold: number }[] }).slots.map((x) => x.sold)).toEqual([9, 11, 3, 0, 0]);
    });

    it('refuses other roles, other venues, unknown venues and bad input', async () => {
      const frontdesk = await sessionCookie(await user('frontdesk@demo.tidewatch'));
      expect((await trpcCall(app.url, 'charts.series', { cookie: frontdesk, input: { venueId } })).status).toBe(403);
      expect((await trpcCall(app.url, 'charts.series', { input: { venueId } })).status).toBe(401);
      const operator = await sessionCookie(await user('operator@demo.tidewatch'));
      expect(
        (await trpcCall(app.url, 'charts.series', { cookie: operator, input: { venueId: OTHER_VENUE } })).status,
      ).toBe(403);
      expect(
        (await trpcCall(app.url, 'charts.series', { cookie: operator, input: { venueId, minutes: 721 } })).status,
      ).toBe(400);
      expect(
        (await trpcCall(app.url, 'charts.arrivals', { cookie: operator, input: { venueId, day: '2026-02-30' } }))
          .status,
      ).toBe(400);
      const admin = await sessionCookie(await user('admin@demo.tidewatch'));
      expect(
        (await trpcCall(app.url, 'charts.arrivals', { cookie: admin, input: { venueId: OTHER_VENUE } })).status,
      ).toBe(404);
    });
  });
});
