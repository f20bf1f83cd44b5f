import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../db/migrate.ts';
import { findUserForSignIn } from '../../db/queries/users.ts';
import type { TScanAck } from '../../lib/schemas/scan.ts';
import type { TLiveCounters } from '../../lib/schemas/live.ts';
import { channelCall, connectSocket, sessionCookie, startTestApp } from '../../tests/helpers/app.ts';
import { backends, eventually, type TestDb } from '../../tests/helpers/backends.ts';
import { addTicketType, venueToday } from '../../tests/helpers/venue.ts';
import type { App } from '../app.ts';
import { CLI_ACTOR } from '../services/actor.ts';
import { createDevice } from '../services/admin.ts';
import { seedDemo, type DemoCredentials } from '../services/seed.ts';

const now = () => new Date().toISOString();

describe.each(backends())('sales and gate streams on $name', (backend) => {
  let t: TestDb;
  let app: App;
  let creds: DemoCredentials;
  let venueId: number;
  let shop: string;
  const sockets: Socket[] = [];
  const today = venueToday();
  let refSeq = 0;
  const ref = (p: string) => `${p}-${process.pid}-${++refSeq}`;

  /** Sells qty tickets of a type for today through the online shop; returns their codes. */
  async function buy(type: string, qty: number, extra: Record<string, unknown> = {}): Promise<string[]> {
    const cat = await channelCall(app.url, shop, 'GET', `/api/channels/catalog?date=${today}`);
    const price = cat.body.types.find((x: { code: string }) => x.code === type).price;
    const codes: string[] = [];
    for (let left = qty; left > 0; left -= 100) {
      const n = Math.min(100, left);
      const r = await channelCall(app.url, shop, 'POST', '/api/channels/orders', {
        ref: ref('buy'),
        items: [{ type, qty: n, date: today }],
        amount: price * n,
        ...extra,
      });
      expect(r.status).toBe(201);
      codes.push(...r.body.tickets.map((x: { code: string }) => x.code));
    }
    return codes;
  }

  async function device(gate: string): Promise<Socket> {
    const { token } = await createDevice(t.db, CLI_ACTOR, { gate });
    const s = await connectSocket(`${app.url}/gates`, { auth: { token } });
    sockets.push(s);
    return s;
  }

  beforeAll(async () => {
    t = await backend.create();
    await migrate(t.db);
    creds = await seedDemo(t.db, `/tmp/tw-streams-${backend.name}-${process.pid}`, CLI_ACTOR);
    shop = creds.channels.WECHAT;
    venueId = (await t.db.query<{ id: number }>("SELECT id FROM venues WHERE code = 'YUNLING'")).rows[0].id;
    await addTicketType(t.db, venueId, 'T-SINGLE');
    await addTicketType(t.db, venueId, 'T-MULTI', {
      entry_policy: 'multi',
      anti_passback: true,
      max_entries_per_day: 3,
    });
    app = await startTestApp(t.db);
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await app?.close();
    await t?.cleanup();
  });

  describe('channel protocol', () => {
    it('lists the types on sale with prices, entry policy and slots with remaining places', async () => {
      const r = await channelCall(app.url, shop, 'GET', `/api/channels/catalog?date=${today}`);
      expect(r.status).toBe(200);
      expect(r.body.types.map((x: { code: string }) => x.code)).toEqual(
        expect.arrayContaining(['ADULT', 'CHILD', 'TWO-DAY', 'COMBO', 'T-SINGLE']),
      );
      expect(r.body.slots.length).toBeGreaterThanOrEqual(4);
      expect(r.body.slots[0]).toMatchObject({ start: '08:00', remaining: expect.any(Number) });
      expect((await channelCall(app.url, shop, 'GET', '/api/channels/catalog?date=tomorrow')).status).toBe(400);
      expect((await channelCall(app.url, 'twc_nope', 'GET', `/api/channels/catalog?date=${today}`)).status).toBe(401);
    });

    it('sells an order once: a replay returns the same answer, another body under the same ref is refused', async () => {
      const body = {
        ref: ref('idem'),
        items: [{ type: 'T-SINGLE', qty: 2, date: today }],
        amount: 20,
        customer: { name: '李四', phone: '13800138000', idNumber: '11010519491231002X' },
      };
      const first = await channelCall(app.url, shop, 'POST', '/api/channels/orders', body);
      expect(first.status).toBe(201);
      expect(first.body.tickets).toHaveLength(2);
      for (const tk of first.body.tickets) expect(tk.code).toMatch(/^T[0-9A-Z]{26}$/);
      const again = await channelCall(app.url, shop, 'POST', '/api/channels/orders', body);
      expect(again.status).toBe(200);
      expect(again.body).toEqual(first.body);
      const other = await channelCall(app.url, shop, 'POST', '/api/channels/orders', {
        ...body,
        items: [{ type: 'T-SINGLE', qty: 3, date: today }],
        amount: 30,
      });
      expect(other.status).toBe(409);
      expect(other.body.error.code).toBe('idempotency_mismatch');
      const n = await t.db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM tickets t JOIN orders o ON o.id = t.order_id WHERE o.ref = $1',
        [body.ref],
      );
      expect(n.rows[0].n).toBe(2);
      // The ID-card number is stored encrypted with a blind index and shown masked, never in clear.
      const o = await t.db.query<{ id_number_masked: string; id_number_enc: Buffer; row: string }>(
        'SELECT id_number_masked, id_number_enc, o::text AS row FROM orders o WHERE ref = $1',
        [body.ref],
      );
      expect(o.rows[0].id_number_masked).toBe('110105********002X');
      expect(o.rows[0].row).not.toContain('11010519491231002X');
    });

    it('answers bad orders with 400 and field errors, selling nothing', async () => {
      const before = (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM tickets')).rows[0].n;
      const cases: [unknown, string][] = [
        [{ ref: 'x', items: [], amount: 0 }, 'items'],
        [{ ref: 'x', items: [{ type: 'T-SINGLE', qty: 0, date: today }], amount: 0 }, 'items.0.qty'],
        [{ ref: 'x', items: [{ type: 'T-SINGLE', qty: 1, date: '2026-02-30' }], amount: 10 }, 'items.0.date'],
        [{ ref: 'x', items: [{ type: 'NOPE', qty: 1, date: today }], amount: 10 }, 'items.0.type'],
        [{ ref: 'x', items: [{ type: 'T-SINGLE', qty: 1, date: today }], amount: 11 }, 'amount'],
        [{ ref: 'x', items: [{ type: 'ADULT', qty: 1, date: today }], amount: 999 }, 'items.0.slot'],
        [
          {
            ref: 'x',
            items: [{ type: 'T-SINGLE', qty: 1, date: today }],
            amount: 10,
            customer: { name: 'a', idNumber: '110105194912310021' },
          },
          'customer.idNumber',
        ],
        [{ items: [{ type: 'T-SINGLE', qty: 1, date: today }], amount: 10 }, 'ref'],
      ];
      for (const [body, field] of cases) {
        const r = await channelCall(app.url, shop, 'POST', '/api/channels/orders', body);
        expect(r.status, field).toBe(400);
        expect(r.body.error.code).toBe('invalid');
        expect(Object.keys(r.body.error.fields ?? {}), field).toContain(field);
        expect(JSON.stringify(r.body)).not.toContain('110105194912310021');
      }
      expect((await channelCall(app.url, shop, 'POST', '/api/channels/orders', '{not json')).status).toBe(400);
      expect((await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM tickets')).rows[0].n).toBe(before);
    });

    it('takes the same order over Socket.IO /channels and acknowledges with the same body', async () => {
      const s = await connectSocket(`${app.url}/channels`, { auth: { token: creds.channels['WINDOW-1'] } });
      sockets.push(s);
      const body = { ref: ref('sock'), items: [{ type: 'T-SINGLE', qty: 1, date: today }], amount: 10 };
      const a = await s.emitWithAck('order', body);
      expect(a.tickets).toHaveLength(1);
      expect(await s.emitWithAck('order', body)).toEqual(a);
      expect(await s.emitWithAck('order', { ...body, amount: 'ten' })).toMatchObject({ error: { code: 'invalid' } });
    });

    it('sells exactly 100 places to 500 buyers racing for them', async () => {
      const day = venueToday(new Date(Date.now() + 2 * 86_400_000));
      const seed = await channelCall(app.url, shop, 'POST', '/api/channels/orders', {
        ref: ref('race-seed'),
        items: [{ type: 'T-SINGLE', qty: 1, date: day }],
        amount: 10,
      });
      expect(seed.status).toBe(201);
      await t.db.query('UPDATE quotas SET capacity = 101 WHERE venue_id = $1 AND day = $2 AND slot_start IS NULL', [
        venueId,
        day,
      ]);
      const results = await Promise.all(
        Array.from({ length: 500 }, (_, i) =>
          channelCall(app.url, shop, 'POST', '/api/channels/orders', {
            ref: ref(`race${i}`),
            items: [{ type: 'T-SINGLE', qty: 1, date: day }],
            amount: 10,
          }),
        ),
      );
      expect(results.filter((r) => r.status === 201)).toHaveLength(100);
      const refused = results.filter((r) => r.status !== 201);
      expect(refused.every((r) => r.status === 409 && r.body.error.code === 'sold_out')).toBe(true);
      const q = await t.db.query<{ sold: number; tickets: number }>(
        `SELECT q.sold, (SELECT count(*)::int FROM tickets WHERE visit_date = $2 AND status = 'valid') AS tickets
         FROM quotas q WHERE venue_id = $1 AND day = $2 AND slot_start IS NULL`,
        [venueId, day],
      );
      expect(q.rows[0]).toEqual({ sold: 101, tickets: 101 });
    });

    it('control: a read-then-write quota check without the guard oversells under the same race', async () => {
      const day = venueToday(new Date(Date.now() + 3 * 86_400_000));
      await t.db.query('INSERT INTO quotas (venue_id, day, capacity) VALUES ($1, $2, 100)', [venueId, day]);
      let sold = 0;
      await Promise.all(
        Array.from({ length: 500 }, async () => {
          const q = await t.db.query<{ id: number; left: number }>(
            'SELECT id, capacity - sold AS left FROM quotas WHERE venue_id = $1 AND day = $2 AND slot_start IS NULL',
            [venueId, day],
          );
          if (q.rows[0].left < 1) return;
          await t.db.query('UPDATE quotas SET sold = sold + 1 WHERE id = $1', [q.rows[0].id]);
          sold++;
        }),
      );
      expect(sold).toBeGreaterThan(100);
    });

    it('refunds unused tickets, returns their places and audits it; used tickets stay', async () => {
      const r = ref('refund');
      const order = await channelCall(app.url, shop, 'POST', '/api/channels/orders', {
        ref: r,
        items: [{ type: 'T-SINGLE', qty: 3, date: today }],
        amount: 30,
      });
      const [a, b, c] = order.body.tickets.map((x: { code: string }) => x.code);
      const gate = await device('MG-01');
      expect(await gate.emitWithAck('scan', { id: 'refund-a', code: a, direction: 'in', at: now() })).toMatchObject({
        result: 'admit',
      });
      const soldBefore = (
        await t.db.query<{ sold: number }>(
          'SELECT sold FROM quotas WHERE venue_id = $1 AND day = $2 AND slot_start IS NULL',
          [venueId, today],
        )
      ).rows[0].sold;
      const res = await channelCall(app.url, shop, 'POST', `/api/channels/orders/${r}/refund`, {});
      expect(res.status).toBe(200);
      expect(res.body.refunded.sort()).toEqual([b, c].sort());
      expect(res.body.notRefunded).toEqual([{ code: a, reason: 'used' }]);
      expect(res.body.amount).toBe(20);
      const soldAfter = (
        await t.db.query<{ sold: number }>(
          'SELECT sold FROM quotas WHERE venue_id = $1 AND day = $2 AND slot_start IS NULL',
          [venueId, today],
        )
      ).rows[0].sold;
      expect(soldAfter).toBe(soldBefore - 2);
      expect(await gate.emitWithAck('scan', { id: 'refund-b', code: b, direction: 'in', at: now() })).toMatchObject({
        result: 'reject',
        reason: 'refunded',
      });
      const again = await channelCall(app.url, shop, 'POST', `/api/channels/orders/${r}/refund`, { codes: [b] });
      expect(again.body).toMatchObject({ refunded: [], alreadyRefunded: [b] });
      const audit = await t.db.query(
        "SELECT 1 FROM audit_log WHERE action = 'order.refund' AND actor_kind = 'channel'",
      );
      expect(audit.rows.length).toBeGreaterThanOrEqual(1);
      expect((await channelCall(app.url, shop, 'POST', '/api/channels/orders/no-such-ref/refund', {})).status).toBe(
        404,
      );
    });

    it('limits a channel to its order rate with 429 and Retry-After', async () => {
      const limited = await startTestApp(t.db, { env: { TIDEWATCH_CHANNEL_ORDERS_PER_MIN: '3' } });
      try {
        const statuses: number[] = [];
        let retryAfter: string | null = null;
        for (let i = 0; i < 5; i++) {
          const r = await channelCall(limited.url, creds.channels.CTRIP, 'POST', '/api/channels/orders', {
            ref: ref('rl'),
            items: [{ type: 'T-SINGLE', qty: 1, date: today }],
            amount: 10,
          });
          statuses.push(r.status);
          if (r.status === 429) {
            retryAfter = r.headers.get('retry-after');
            expect(r.body.error.code).toBe('rate_limited');
          }
        }
        expect(statuses).toEqual([201, 201, 201, 429, 429]);
        expect(Number(retryAfter)).toBeGreaterThan(0);
      } finally {
        await limited.close();
      }
    });
  });

  describe('device protocol', () => {
    it('admits each of 200 tickets exactly once when 8 gates scan them all at the same instant', async () => {
      const codes = await buy('T-SINGLE', 200);
      const gates = await Promise.all(
        ['MG-01', 'MG-02', 'MG-03', 'MG-04', 'MG-05', 'EG-01', 'EG-02', 'MG-08'].map(device),
      );
      const acks = await Promise.all(
        gates.flatMap((g, gi) =>
          codes.map(
            (code, ci) =>
              g.emitWithAck('scan', { id: `race-${gi}-${ci}`, code, direction: 'in', at: now() }) as Promise<TScanAck>,
          ),
        ),
      );
      const admits = acks.filter((a) => 'result' in a && a.result === 'admit');
      expect(admits).toHaveLength(200);
      expect(acks.filter((a) => 'result' in a && a.result === 'reject' && a.reason === 'used')).toHaveLength(1400);
      const perTicket = await t.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM gate_scans s JOIN tickets t ON t.id = s.ticket_id
         WHERE t.code = ANY($1::text[]) AND s.result = 'admit' GROUP BY t.id`,
        [codes],
      );
      expect(perTicket.rows.map((r) => r.n)).toEqual(new Array(200).fill(1));
    });

    it('control: the same race without the row lock admits tickets more than once', async () => {
      const codes = await buy('T-SINGLE', 50);
      let admitted = 0;
      await Promise.all(
        Array.from({ length: 8 }).flatMap(() =>
          codes.map(async (code) => {
            const r = await t.db.query<{ entries: number }>('SELECT entries FROM tickets WHERE code = $1', [code]);
            if (r.rows[0].entries >= 1) return;
            await t.db.query('UPDATE tickets SET entries = entries + 1 WHERE code = $1', [code]);
            admitted++;
          }),
        ),
      );
      expect(admitted).toBeGreaterThan(50);
    });

    it('answers a replayed scan id with the original decision and writes nothing; other content is a mismatch', async () => {
      const [code] = await buy('T-SINGLE', 1);
      const g = await device('MG-02');
      const scan = { id: 'replay-1', code, direction: 'in', at: now() };
      const first = await g.emitWithAck('scan', scan);
      expect(first).toMatchObject({ id: 'replay-1', result: 'admit' });
      const count = async () =>
        (await t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM gate_scans WHERE scan_id = 'replay-1'"))
          .rows[0].n;
      expect(await count()).toBe(1);
      expect(await g.emitWithAck('scan', scan)).toEqual(first);
      expect(await count()).toBe(1);
      expect(await g.emitWithAck('scan', { ...scan, direction: 'out' })).toMatchObject({
        id: 'replay-1',
        error: { code: 'idempotency_mismatch' },
      });
      // The same id from another device is a different scan.
      const h = await device('MG-03');
      expect(await h.emitWithAck('scan', scan)).toMatchObject({ result: 'reject', reason: 'used' });
    });

    it('records offline uploads as facts and flags an admission already made elsewhere as a conflict', async () => {
      const [code, other, third] = await buy('T-SINGLE', 3);
      const online = await device('MG-04');
      expect(await online.emitWithAck('scan', { id: 'on-1', code, direction: 'in', at: now() })).toMatchObject({
        result: 'admit',
      });
      const offline = await device('EG-04');
      const earlier = new Date(Date.now() - 60_000).toISOString();
      const res = await offline.emitWithAck('scan:batch', {
        scans: [
          { id: 'off-1', code, direction: 'in', at: earlier, local: 'admit' },
          { id: 'off-2', code: other, direction: 'in', at: earlier, local: 'admit' },
          { id: 'off-3', code: 'TXXXXXXXXXXXXXXXXXXXXXXXXXX', direction: 'in', at: earlier, local: 'reject' },
          { id: 'off-4', code: third, direction: 'in', at: earlier, local: 'reject', reason: 'outside_slot' },
        ],
      });
      expect(res.results).toEqual([
        expect.objectContaining({ id: 'off-1', result: 'admit', recorded: true, conflict: true }),
        expect.objectContaining({ id: 'off-2', result: 'admit', recorded: true }),
        expect.objectContaining({ id: 'off-3', result: 'reject', recorded: true }),
        expect.objectContaining({ id: 'off-4', result: 'reject', recorded: true }),
      ]);
      expect(res.results[1].conflict).toBeUndefined();
      const rows = await t.db.query<{ scan_id: string; offline: boolean; conflict: boolean; reason: string | null }>(
        "SELECT scan_id, offline, conflict, reason FROM gate_scans WHERE scan_id LIKE 'off-%' ORDER BY scan_id",
      );
      expect(rows.rows).toEqual([
        { scan_id: 'off-1', offline: true, conflict: true, reason: 'used' },
        { scan_id: 'off-2', offline: true, conflict: false, reason: null },
        { scan_id: 'off-3', offline: true, conflict: false, reason: 'unknown' },
        // The gate's own reason for an offline rejection is kept.
        { scan_id: 'off-4', offline: true, conflict: false, reason: 'outside_slot' },
      ]);
      // A reason belongs to an offline rejection only.
      const bad = await offline.emitWithAck('scan:batch', {
        scans: [{ id: 'off-5', code: third, direction: 'in', at: earlier, local: 'admit', reason: 'used' }],
      });
      expect(bad.error).toMatchObject({ code: 'invalid', message: expect.stringContaining('reason') });
      // The offline admission of `other` was a real entry: it cannot enter again.
      expect(await online.emitWithAck('scan', { id: 'on-2', code: other, direction: 'in', at: now() })).toMatchObject({
        result: 'reject',
        reason: 'used',
      });
    });

    it('accepts the same batch over HTTP with the device token', async () => {
      const [code] = await buy('T-SINGLE', 1);
      const { token } = await createDevice(t.db, CLI_ACTOR, { gate: 'EG-01' });
      const post = (body: unknown, auth = token) =>
        fetch(`${app.url}/api/gates/scans`, {
          method: 'POST',
          headers: { authorization: `Bearer ${auth}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      const r = await post({ scans: [{ id: 'http-1', code, direction: 'in', at: now() }] });
      expect(r.status).toBe(200);
      expect(await r.json()).toEqual({ results: [expect.objectContaining({ id: 'http-1', result: 'admit' })] });
      expect((await post({ scans: [] })).status).toBe(400);
      expect((await post({ scans: [{ id: 'x' }] }, 'twd_wrong')).status).toBe(401);
    });

    it('counts occupancy into the gate zone and out again, never below zero', async () => {
      const [code] = await buy('T-MULTI', 1);
      const zone = (await t.db.query<{ id: number }>("SELECT id FROM zones WHERE code = 'EAST-PLAZA'")).rows[0].id;
      const occ = async () =>
        (
          await t.db.query<{ count: number }>('SELECT count FROM occupancy WHERE zone_id = $1 AND day = $2', [
            zone,
            today,
          ])
        ).rows[0]?.count ?? 0;
      const g = await device('EG-02');
      const base = await occ();
      expect(await g.emitWithAck('scan', { id: 'occ-1', code, direction: 'in', at: now() })).toMatchObject({
        result: 'admit',
        ticket: { entriesLeft: 2 },
      });
      expect(await occ()).toBe(base + 1);
      expect(await g.emitWithAck('scan', { id: 'occ-2', code, direction: 'in', at: now() })).toMatchObject({
        result: 'reject',
        reason: 'passback',
      });
      expect(await g.emitWithAck('scan', { id: 'occ-3', code, direction: 'out', at: now() })).toMatchObject({
        result: 'admit',
      });
      expect(await occ()).toBe(base);
      await g.emitWithAck('scan', { id: 'occ-4', code, direction: 'out', at: now() });
      expect(await occ()).toBe(base);
      await t.db.query('UPDATE occupancy SET count = 0 WHERE zone_id = $1 AND day = $2', [zone, today]);
      expect(await g.emitWithAck('scan', { id: 'occ-5', code, direction: 'in', at: now() })).toMatchObject({
        result: 'admit',
      });
      await t.db.query('UPDATE occupancy SET count = 0 WHERE zone_id = $1 AND day = $2', [zone, today]);
      await g.emitWithAck('scan', { id: 'occ-6', code, direction: 'out', at: now() });
      expect(await occ()).toBe(0);
    });

    it('counts entries of the venue at its boundary; a ticket first seen inside is counted in, flagged as inferred', async () => {
      const [code] = await buy('T-MULTI', 1);
      const counters = async () =>
        (
          await t.db.query<{ entries: number }>('SELECT entries FROM daily_counters WHERE venue_id = $1 AND day = $2', [
            venueId,
            today,
          ])
        ).rows[0]?.entries ?? 0;
      const zoneCount = async (zone: string) =>
        (
          await t.db.query<{ count: number }>(
            'SELECT o.count FROM occupancy o JOIN zones z ON z.id = o.zone_id WHERE z.code = $1 AND o.day = $2',
            [zone, today],
          )
        ).rows[0]?.count ?? 0;
      const row = async (scanId: string) =>
        (
          await t.db.query<{ crossing: string | null; inferred: string | null }>(
            'SELECT crossing, inferred FROM gate_scans WHERE scan_id = $1',
            [scanId],
          )
        ).rows[0];
      const [e0, temple0, plaza0] = [await counters(), await zoneCount('GUSI-TEMPLE'), await zoneCount('MAIN-PLAZA')];
      // The temple is a checkpoint: it checks the ticket and moves nobody. A ticket never seen at a
      // boundary gate (its gate was offline) is inside all the same: its entry is inferred and counted.
      const temple = await device('GS-01');
      expect(await temple.emitWithAck('scan', { id: 'inner-1', code, direction: 'in', at: now() })).toMatchObject({
        result: 'admit',
      });
      expect(await counters()).toBe(e0 + 1);
      expect(await zoneCount('GUSI-TEMPLE')).toBe(temple0 + 1);
      expect(await row('inner-1')).toEqual({ crossing: 'entry', inferred: 'entry' });
      // A ticket that came in at the main gate is in the main plaza; the temple checks it and it stays there.
      const [other] = await buy('T-MULTI', 1);
      const boundary = await device('MG-03');
      expect(
        await boundary.emitWithAck('scan', { id: 'boundary-1', code: other, direction: 'in', at: now() }),
      ).toMatchObject({ result: 'admit' });
      expect(await row('boundary-1')).toEqual({ crossing: 'entry', inferred: null });
      expect(
        await temple.emitWithAck('scan', { id: 'inner-2', code: other, direction: 'in', at: now() }),
      ).toMatchObject({ result: 'admit' });
      expect(await row('inner-2')).toEqual({ crossing: null, inferred: null });
      expect(await counters()).toBe(e0 + 2);
      expect(await zoneCount('MAIN-PLAZA')).toBe(plaza0 + 1);
      expect(await zoneCount('GUSI-TEMPLE')).toBe(temple0 + 1);
    });

    it('refuses entry to a full zone with reason capacity, and still lets people out', async () => {
      const [code] = await buy('T-MULTI', 1);
      const zone = (
        await t.db.query<{ id: number; capacity: number }>(
          "SELECT id, capacity FROM zones WHERE code = 'VISITOR-CENTER'",
        )
      ).rows[0];
      await t.db.query(
        'INSERT INTO occupancy (zone_id, day, count) VALUES ($1, $2, $3) ON CONFLICT (zone_id, day) DO UPDATE SET count = $3',
        [zone.id, today, zone.capacity],
      );
      const g = await device('VC-01');
      expect(await g.emitWithAck('scan', { id: 'cap-1', code, direction: 'in', at: now() })).toMatchObject({
        result: 'reject',
        reason: 'capacity',
      });
      expect(await g.emitWithAck('scan', { id: 'cap-2', code, direction: 'out', at: now() })).toMatchObject({
        result: 'admit',
      });
    });

    it('survives thousands of malformed scans with typed errors', async () => {
      const g = await device('MG-05');
      const junk = (i: number): unknown =>
        [
          null,
          1,
          'x',
          [],
          {},
          { id: i },
          { id: 'a', code: 1, direction: 'in', at: now() },
          { id: 'b', code: 'T', direction: 'sideways', at: now() },
          { id: 'c', code: 'T', direction: 'in', at: 'noon' },
          { id: 'd'.repeat(100), code: 'T', direction: 'in', at: now() },
          { id: 'e', code: 'T', direction: 'in', at: now(), extra: true },
        ][i % 11];
      const acks = await Promise.all(Array.from({ length: 2200 }, (_, i) => g.emitWithAck('scan', junk(i))));
      expect(acks.every((a) => a.error?.code === 'invalid')).toBe(true);
      const batches = await Promise.all(
        [
          null,
          {},
          { scans: 'x' },
          { scans: [{}] },
          { scans: new Array(1001).fill({ id: 'x', code: 'T', direction: 'in', at: 1 }) },
        ].map((b) => g.emitWithAck('scan:batch', b)),
      );
      expect(batches.every((a) => a.error?.code === 'invalid')).toBe(true);
      expect(g.connected).toBe(true);
      expect(
        await g.emitWithAck('scan', { id: 'after-junk', code: 'garbage', direction: 'in', at: now() }),
      ).toMatchObject({ result: 'reject', reason: 'invalid' });
    });

    it('pushes coalesced live counters to the command center after scans and sales', async () => {
      const op = await connectSocket(`${app.url}/live`, {
        cookie: await sessionCookie((await findUserForSignIn(t.db, 'operator@demo.tidewatch'))!.id),
      });
      sockets.push(op);
      let latest: TLiveCounters | undefined;
      op.on('counters:update', (m: { counters: TLiveCounters }) => (latest = m.counters));
      const snap = await op.emitWithAck('subscribe', { venueId });
      const start: TLiveCounters = snap.counters;
      const [code] = await buy('T-SINGLE', 1);
      await eventually(() => latest && latest.sold === start.sold + 1, 'sold counter');
      const g = await device('MG-01');
      await g.emitWithAck('scan', { id: 'live-1', code, direction: 'in', at: now() });
      await eventually(() => latest && latest.entries === start.entries + 1, 'entries counter');
      const db = await t.db.query<{ entries: number }>(
        'SELECT entries FROM daily_counters WHERE venue_id = $1 AND day = $2',
        [venueId, today],
      );
      expect(latest!.entries).toBe(db.rows[0].entries);
      // Entries per minute over the last minutes: the admission just made counts.
      expect(latest!.entryRate).toBeGreaterThan(0);
      // Rejections by reason: the same single-entry ticket again, and a malformed code.
      await g.emitWithAck('scan', { id: 'live-2', code, direction: 'in', at: now() });
      await g.emitWithAck('scan', { id: 'live-3', code: 'garbage', direction: 'in', at: now() });
      await eventually(() => latest && latest.rejects === start.rejects + 2, 'reject counter');
      const before = start.rejectsByReason;
      const after = latest!.rejectsByReason;
      const grew = Object.fromEntries(
        Object.entries(after)
          .filter(([k, v]) => v !== (before[k as keyof typeof before] ?? 0))
          .map(([k, v]) => [k, v - (before[k as keyof typeof before] ?? 0)]),
      );
      expect(grew).toEqual({ used: 1, invalid: 1 });
      expect(Object.values(after).reduce((n, v) => n + v, 0)).toBe(latest!.rejects);
    });
  });
});
