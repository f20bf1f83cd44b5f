import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../db/migrate.ts';
import { setShowTimes } from '../../db/queries/shows.ts';
import { DEMO_VENUE } from '../../db/seed/demo-venue.ts';
import type { TScanAck } from '../../lib/schemas/scan.ts';
import { addDays, localTime } from '../../lib/venue-time.ts';
import { channelCall, connectSocket, startTestApp } from '../../tests/helpers/app.ts';
import { backends, type TestDb } from '../../tests/helpers/backends.ts';
import { venueToday } from '../../tests/helpers/venue.ts';
import type { App } from '../app.ts';
import { CLI_ACTOR } from '../services/actor.ts';
import { createDevice } from '../services/admin.ts';
import { orderDetail, rebookAtDesk } from '../services/front-desk.ts';
import { dayKind } from '../services/sales.ts';
import { seedDemo, type DemoCredentials } from '../services/seed.ts';

/**
 * Show times (演出场次, docs/zone-graph.md) end to end: the catalog lists a show's times with their
 * seats, an order of a type that includes the show names one and books a seat per ticket, a wrong,
 * ended or missing show time is a typed 400, a full show is 409 with nothing sold, a refund gives
 * the seat back and a rebooking moves it; the show's gate admits a booked ticket only around its
 * show. Sales are for tomorrow and the gate's show is moved around the venue clock's minute, so
 * nothing depends on the time of day.
 */

describe.each(backends())('show times on $name', (backend) => {
  let t: TestDb;
  let app: App;
  let creds: DemoCredentials;
  let showId: number;
  const sockets: Socket[] = [];
  const today = venueToday();
  const tomorrow = addDays(today, 1);
  let seq = 0;
  const ref = (p: string) => `${p}-${process.pid}-${++seq}`;

  const catalog = async (date: string) =>
    (await channelCall(app.url, creds.channels.WECHAT, 'GET', `/api/channels/catalog?date=${date}`)).body;
  const order = (items: unknown[], amount: number, r = ref('show')) =>
    channelCall(app.url, creds.channels.WECHAT, 'POST', '/api/channels/orders', { ref: r, items, amount });
  const sold = async (day: string, starts: string) =>
    (
      await t.db.query<{ sold: number }>(
        'SELECT sold FROM show_quotas WHERE attraction_id = $1 AND day = $2 AND starts = $3',
        [showId, day, starts],
      )
    ).rows[0]?.sold ?? 0;
  let price = 0;

  beforeAll(async () => {
    t = await backend.create();
    await migrate(t.db);
    creds = await seedDemo(t.db, `/tmp/tw-shows-${backend.name}-${process.pid}`, CLI_ACTOR);
    showId = (await t.db.query<{ id: number }>("SELECT id FROM attractions WHERE code = 'SHOW'")).rows[0].id;
    // The demo's show times (idempotent once the seed writes them itself).
    const demo = DEMO_VENUE.attractions.find((a) => a.code === 'SHOW')!;
    await setShowTimes(t.db, showId, demo.shows!, demo.doorsMin!);
    // Open all day, so the gate tests do not depend on when they run.
    await t.db.query("UPDATE attractions SET opens = '00:00', closes = '00:00' WHERE id = $1", [showId]);
    app = await startTestApp(t.db);
    price = (await catalog(tomorrow)).types.find((x: { code: string }) => x.code === 'SHOW').price;
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await app?.close();
    await t?.cleanup();
  });

  it('the catalog lists the show times of a type that includes the show, with seats left', async () => {
    const cat = await catalog(tomorrow);
    const type = (code: string) => cat.types.find((x: { code: string }) => x.code === code);
    expect(type('SHOW').shows).toEqual([
      { attraction: 'SHOW', start: '14:00', end: '15:10', remaining: 600, closed: false },
      { attraction: 'SHOW', start: '19:30', end: '20:40', remaining: 600, closed: false },
    ]);
    expect(type('SHOW').rides).toEqual([
      { attraction: 'SHOW', nameZh: '《云岭印象》', nameEn: 'Yunling Impressions', rides: 1, share: 140 },
    ]);
    expect(type('ADULT')).not.toHaveProperty('shows');
  });

  it('sells a seat per ticket, idempotent by ref; a wrong, missing or ended show time is a typed 400', async () => {
    const before = await sold(tomorrow, '19:30');
    const r = ref('seat');
    const items = [{ type: 'SHOW', qty: 2, date: tomorrow, show: '19:30' }];
    const a = await order(items, price * 2, r);
    expect(a.status).toBe(201);
    expect(a.body.tickets).toEqual([
      expect.objectContaining({ type: 'SHOW', date: tomorrow, show: '19:30' }),
      expect.objectContaining({ type: 'SHOW', date: tomorrow, show: '19:30' }),
    ]);
    const again = await order(items, price * 2, r);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(a.body);
    expect(await sold(tomorrow, '19:30')).toBe(before + 2);
    const other = await order([{ type: 'SHOW', qty: 2, date: tomorrow, show: '14:00' }], price * 2, r);
    expect(other.body.error.code).toBe('idempotency_mismatch');
    const cat = await catalog(tomorrow);
    expect(
      cat.types
        .find((x: { code: string }) => x.code === 'SHOW')
        .shows.find((s: { start: string }) => s.start === '19:30').remaining,
    ).toBe(600 - before - 2);

    const wrong = await order([{ type: 'SHOW', qty: 1, date: tomorrow, show: '10:00' }], price);
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toMatchObject({ code: 'invalid', fields: { 'items.0.show': [expect.any(String)] } });
    const missing = await order([{ type: 'SHOW', qty: 1, date: tomorrow }], price);
    expect(missing.status).toBe(400);
    expect(missing.body.error.fields).toHaveProperty(['items.0.show']);
    const malformed = await order([{ type: 'SHOW', qty: 1, date: tomorrow, show: '7pm' }], price);
    expect(malformed.status).toBe(400);
    const notAShow = await order([{ type: 'ADULT', qty: 1, date: tomorrow, slot: '10:00', show: '19:30' }], 190);
    expect(notAShow.status).toBe(400);
    expect(notAShow.body.error.fields).toHaveProperty(['items.0.show']);
    // A show of today that ended at 00:01 (the business day starts at 04:00, so it always has).
    await t.db.query(
      "INSERT INTO show_quotas (attraction_id, day, starts, ends, capacity) VALUES ($1, $2, '00:00', '00:01', 10)",
      [showId, today],
    );
    const todayPrice = (await catalog(today)).types.find((x: { code: string }) => x.code === 'SHOW').price;
    const ended = await order([{ type: 'SHOW', qty: 1, date: today, show: '00:00' }], todayPrice);
    expect(ended.status).toBe(400);
    expect(ended.body.error.message).toMatch(/ended/);
    // Gone again: the gate's test below places its own show of today around the minute now, which
    // after midnight in China may be 00:00.
    await t.db.query("DELETE FROM show_quotas WHERE attraction_id = $1 AND day = $2 AND starts = '00:00'", [
      showId,
      today,
    ]);
  });

  it('a full show is 409 sold_out and sells nothing; a refund gives the seat back', async () => {
    const day = addDays(today, 2);
    const price = (await catalog(day)).types.find((x: { code: string }) => x.code === 'SHOW').price;
    const first = await order([{ type: 'SHOW', qty: 1, date: day, show: '14:00' }], price);
    expect(first.status).toBe(201);
    // One seat left of the 14:00 show.
    await t.db.query('UPDATE show_quotas SET capacity = 2 WHERE attraction_id = $1 AND day = $2 AND starts = $3', [
      showId,
      day,
      '14:00',
    ]);
    const orders = async () => (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM orders')).rows[0].n;
    const n = await orders();
    const full = await order([{ type: 'SHOW', qty: 2, date: day, show: '14:00' }], price * 2);
    expect(full.status).toBe(409);
    expect(full.body.error.code).toBe('sold_out');
    expect(await orders()).toBe(n);
    expect(await sold(day, '14:00')).toBe(1);
    const r = ref('refund');
    const last = await order([{ type: 'SHOW', qty: 1, date: day, show: '14:00' }], price, r);
    expect(last.status).toBe(201);
    expect(await sold(day, '14:00')).toBe(2);
    const refund = await channelCall(app.url, creds.channels.WECHAT, 'POST', `/api/channels/orders/${r}/refund`, {});
    expect(refund.status).toBe(200);
    expect(refund.body.refunded).toEqual([last.body.tickets[0].code]);
    expect(await sold(day, '14:00')).toBe(1);
    // Given back once: the same refund again changes nothing.
    await channelCall(app.url, creds.channels.WECHAT, 'POST', `/api/channels/orders/${r}/refund`, {});
    expect(await sold(day, '14:00')).toBe(1);
  });

  it('rebooking to another date moves the seat to a show of that date, or refuses without one', async () => {
    const from = addDays(today, 3);
    // A date of the same day kind (price), so no difference is paid.
    const venueId = (await t.db.query<{ id: number }>("SELECT id FROM venues WHERE code = 'YUNLING'")).rows[0].id;
    let to = addDays(from, 1);
    while ((await dayKind(t.db, venueId, to)) !== (await dayKind(t.db, venueId, from))) to = addDays(to, 1);
    const fromPrice = (await catalog(from)).types.find((x: { code: string }) => x.code === 'SHOW').price;
    const o = await order([{ type: 'SHOW', qty: 1, date: from, show: '19:30' }], fromPrice);
    expect(o.status).toBe(201);
    const ticket = (
      await t.db.query<{ id: number }>('SELECT id FROM tickets WHERE code = $1', [o.body.tickets[0].code])
    ).rows[0];
    const base = { orderId: o.body.orderId, ticketIds: [ticket.id], date: to };
    await expect(rebookAtDesk(app.runtime, CLI_ACTOR, base)).rejects.toMatchObject({
      code: 'invalid',
      fields: { show: ['required'] },
    });
    await expect(rebookAtDesk(app.runtime, CLI_ACTOR, { ...base, show: '09:00' })).rejects.toMatchObject({
      code: 'invalid',
    });
    const moved = await rebookAtDesk(app.runtime, CLI_ACTOR, { ...base, show: '14:00' });
    expect(moved).toMatchObject({ date: to, show: '14:00', difference: 0 });
    expect(await sold(from, '19:30')).toBe(0);
    expect(await sold(to, '14:00')).toBe(1);
    // The order desk (and its printout) shows the show the ticket now holds.
    const detail = await orderDetail(app.runtime, o.body.orderId);
    expect(detail.tickets[0]).toMatchObject({
      date: to,
      show: { start: '14:00', end: '15:10', nameEn: 'Yunling Impressions' },
    });
  });

  it("the show's gate admits a booked ticket from its doors until the show ends; otherwise outside_slot", async () => {
    const o = await order([{ type: 'SHOW', qty: 2, date: tomorrow, show: '14:00' }], price * 2);
    const [code, other] = o.body.tickets.map((x: { code: string }) => x.code);
    const { token } = await createDevice(t.db, CLI_ACTOR, { gate: 'SH-01' });
    const gate = await connectSocket(`${app.url}/gates`, { auth: { token } });
    sockets.push(gate);
    const scan = (c: string) =>
      gate.emitWithAck('scan', {
        id: ref('s'),
        code: c,
        direction: 'in',
        at: new Date().toISOString(),
      }) as Promise<TScanAck>;
    // Valid today, and its show moved around the venue's minute now (never past midnight).
    const { minute } = localTime(new Date(), 'Asia/Shanghai', 240);
    const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
    await t.db.query(
      'UPDATE tickets SET visit_date = $2, valid_from = $2, valid_to = $2 WHERE code = ANY($1::text[])',
      [[code, other], today],
    );
    const q = (
      await t.db.query<{ id: number }>(
        "INSERT INTO show_quotas (attraction_id, day, starts, ends, capacity) VALUES ($1, $2, '00:02', '00:03', 10) RETURNING id",
        [showId, today],
      )
    ).rows[0].id;
    await t.db.query(
      'UPDATE ticket_shows SET quota_id = $2 WHERE ticket_id IN (SELECT id FROM tickets WHERE code = ANY($1::text[]))',
      [[code, other], q],
    );
    const place = (from: number, to: number) =>
      t.db.query('UPDATE show_quotas SET starts = $2, ends = $3 WHERE id = $1', [q, hhmm(from), hhmm(to)]);
    // A show that is not now, even counting its 30 minutes of doors.
    await place(...((minute < 180 ? [minute + 60, minute + 120] : [minute - 120, minute - 60]) as [number, number]));
    expect(await scan(code)).toMatchObject({ result: 'reject', reason: 'outside_slot' });
    // The show now: admitted, its one ride used.
    await place(Math.max(0, minute - 20), Math.min(1439, minute + 20));
    expect(await scan(code)).toMatchObject({ result: 'admit', ticket: { ridesLeft: 0 } });
    expect(await scan(code)).toMatchObject({ result: 'reject', reason: 'no_rides_left' });
    // Its doors: a show starting within the next 30 minutes admits already (when there is such a time today).
    if (minute < 1380) {
      await place(minute + 20, minute + 50);
      expect(await scan(other)).toMatchObject({ result: 'admit' });
    }
  });
});
