import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../db/migrate.ts';
import { findChannel } from '../../db/queries/channels.ts';
import { ensureQuotas } from '../../db/queries/sales.ts';
import { readAvailability } from '../../db/queries/hotel.ts';
import { addDays } from '../../lib/venue-time.ts';
import { channelCall, startTestApp } from '../../tests/helpers/app.ts';
import { makeTestHotel } from '../../tests/helpers/hotel.ts';
import { backends, type TestDb } from '../../tests/helpers/backends.ts';
import { addTicketType, venueToday } from '../../tests/helpers/venue.ts';
import type { App } from '../app.ts';
import { CLI_ACTOR } from './actor.ts';
import { placeOrder, type SalesContext } from './sales.ts';
import { type DemoCredentials, seedDemo } from './seed.ts';

/**
 * Rooms through the channel protocol (docs/channel-protocol.md) on every backend, over HTTP: the
 * availability endpoint with its rates, an order of tickets and a package room sold together, a
 * full night refused with nothing of the order sold, idempotency by ref, typed bad input, and 100
 * channel orders at once for the last 3 rooms selling exactly 3. Each test has a hotel of its own
 * (the venue then has two with the demo lodge, so room lines name theirs), its business date today.
 * Last, orders drawing on the same days the other way round do not deadlock (control: without the
 * quota lock of a package order they do, on PostgreSQL).
 */

describe.each(backends())('rooms through the channel protocol on $name', (backend) => {
  let t: TestDb;
  let app: App;
  let creds: DemoCredentials;
  let venueId: number;
  let windowId: number;
  let parkTypeId: number;
  let ctripId: number;
  const today = venueToday();
  let hotelNo = 0;
  let seq = 0;
  const ref = (p: string) => `${p}-${backend.name}-${process.pid}-${++seq}`;

  const get = (path: string, channel = 'CTRIP') => channelCall(app.url, creds.channels[channel], 'GET', path);
  const post = (body: unknown, channel = 'CTRIP') =>
    channelCall(app.url, creds.channels[channel], 'POST', '/api/channels/orders', body);

  /** A hotel of its own: types [code, rooms] (2 adults, 1 child), plans RO, BB (50/guest) and PKG (the park ticket per guest and day). */
  const makeHotel = (types: [string, number][]) => {
    const code = `CH${++hotelNo}${backend.name.length}`;
    return makeTestHotel(t.db, {
      venueId,
      channelId: windowId,
      businessDate: today,
      code,
      nameZh: `渠道${code}`,
      nameEn: `Channel ${code}`,
      types,
      parkTypeId,
    });
  };

  /** What a room line costs, computed by the channel from the availability endpoint's rates. */
  async function roomAmount(
    hotel: string,
    room: { roomType: string; ratePlan: string; checkIn: string; checkOut: string; adults: number; children: number },
  ): Promise<number> {
    const av = await get(`/api/channels/hotel/availability?from=${room.checkIn}&to=${room.checkOut}`);
    expect(av.status).toBe(200);
    // biome-ignore lint/suspicious/noExplicitAny: the answer is read field by field
    const type = av.body.hotels.find((h: any) => h.code === hotel).roomTypes.find((x: any) => x.code === room.roomType);
    let sum = 0;
    for (const n of type.nights) {
      // biome-ignore lint/suspicious/noExplicitAny: as above
      const r = n.rates.find((x: any) => x.ratePlan === room.ratePlan);
      sum += r.room + room.adults * r.perAdult + room.children * r.perChild;
    }
    return Math.round(sum * 100) / 100;
  }
  const roomItem = (hotel: string, o: Record<string, unknown> = {}) => ({
    kind: 'room',
    hotel,
    roomType: 'STD',
    ratePlan: 'RO',
    checkIn: addDays(today, 1),
    checkOut: addDays(today, 2),
    guests: { adults: 1, children: 0 },
    ...o,
  });
  const parkSold = async (day: string) =>
    (
      await t.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM tickets WHERE type_id = $1 AND visit_date = $2 AND status = 'valid'",
        [parkTypeId, day],
      )
    ).rows[0].n;

  beforeAll(async () => {
    t = await backend.create();
    await migrate(t.db);
    creds = await seedDemo(t.db, `/tmp/tw-hchan-${backend.name}-${process.pid}`, CLI_ACTOR);
    venueId = (await t.db.query<{ id: number }>("SELECT id FROM venues WHERE code = 'YUNLING'")).rows[0].id;
    windowId = (await t.db.query<{ id: number }>("SELECT id FROM channels WHERE code = 'WINDOW-1'")).rows[0].id;
    parkTypeId = await addTicketType(t.db, venueId, 'HC-PARK', { price_fen: 10000 });
    ctripId = (await t.db.query<{ id: number }>("SELECT id FROM channels WHERE code = 'CTRIP'")).rows[0].id;
    app = await startTestApp(t.db);
  });
  afterAll(async () => {
    await app?.close();
    await t?.cleanup();
  });

  it('lists every hotel of the venue with its types, rooms left per night and the rates per plan', async () => {
    const h = await makeHotel([
      ['STD', 3],
      ['FAM', 2],
    ]);
    const from = addDays(today, 1);
    const to = addDays(today, 3);
    const r = await get(`/api/channels/hotel/availability?from=${from}&to=${to}`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ venue: 'YUNLING', from, to });
    // The demo lodge is listed too: every hotel of the channel's venue.
    expect(r.body.hotels.map((x: { code: string }) => x.code)).toEqual(expect.arrayContaining(['LODGE', h.code]));
    const mine = r.body.hotels.find((x: { code: string }) => x.code === h.code);
    expect(mine.ratePlans.map((p: { code: string }) => p.code).sort()).toEqual(['BB', 'PKG', 'RO']);
    expect(mine.roomTypes.map((x: { code: string; maxAdults: number }) => [x.code, x.maxAdults])).toEqual([
      ['STD', 2],
      ['FAM', 2],
    ]);
    const std = mine.roomTypes[0];
    expect(std.nights.map((n: { night: string; left: number }) => [n.night, n.left])).toEqual([
      [from, 3],
      [addDays(from, 1), 3],
    ]);
    for (const n of std.nights) {
      const rates = Object.fromEntries(
        n.rates.map((x: { ratePlan: string; perAdult: number; perChild: number }) => [x.ratePlan, x]),
      );
      expect([500, 600]).toContain(rates.RO.room);
      expect(rates.RO).toMatchObject({ perAdult: 0, perChild: 0 });
      expect(rates.BB).toMatchObject({ room: rates.RO.room, perAdult: 50, perChild: 50 });
      // The package's part is the park ticket at that day's price, per guest.
      expect(rates.PKG).toMatchObject({ room: rates.RO.room, perAdult: 100, perChild: 100 });
    }
    // The catalog points at it and stays as it was otherwise.
    const cat = await get(`/api/channels/catalog?date=${from}`);
    expect(cat.body.rooms).toEqual({ availability: '/api/channels/hotel/availability' });

    // Bad dates are typed 400s naming the field; more than 30 nights is refused.
    const bad = async (q: string, field: string) => {
      const b = await get(`/api/channels/hotel/availability${q}`);
      expect(b.status).toBe(400);
      expect(b.body.error.code).toBe('invalid');
      expect(Object.keys(b.body.error.fields)).toContain(field);
    };
    await bad(`?to=${to}`, 'from');
    await bad(`?from=2026-02-30&to=${to}`, 'from');
    await bad(`?from=${to}&to=${from}`, 'to');
    await bad(`?from=${from}&to=${addDays(from, 31)}`, 'to');
    expect((await get(`/api/channels/hotel/availability?from=${from}&to=${addDays(from, 30)}`)).status).toBe(200);
    const anon = await channelCall(
      app.url,
      'twc_nope',
      'GET',
      `/api/channels/hotel/availability?from=${from}&to=${to}`,
    );
    expect(anon.status).toBe(401);
  });

  it('sells tickets and a package room in one order, the stay on the channel, its tickets in the answer', async () => {
    const h = await makeHotel([['STD', 2]]);
    const checkIn = addDays(today, 1);
    const checkOut = addDays(today, 3);
    const room = { roomType: 'STD', ratePlan: 'PKG', checkIn, checkOut, adults: 2, children: 0 };
    const cat = await get(`/api/channels/catalog?date=${checkIn}`);
    const park = cat.body.types.find((x: { code: string }) => x.code === 'HC-PARK');
    const amount = Math.round((2 * park.price + (await roomAmount(h.code, room))) * 100) / 100;
    const before = [await parkSold(checkIn), await parkSold(addDays(checkIn, 1))];
    const r = ref('mixed');
    const body = {
      ref: r,
      // A ticket line without `kind`, as clients from before rooms send it.
      items: [
        { type: 'HC-PARK', qty: 2, date: checkIn },
        roomItem(h.code, { ratePlan: 'PKG', checkIn, checkOut, guests: { adults: 2 } }),
      ],
      customer: { name: '渠道客人', phone: '13800138000' },
      amount,
    };
    const res = await post(body);
    expect(res.status).toBe(201);
    expect(res.body.stays).toEqual([
      expect.objectContaining({
        hotel: h.code,
        roomType: 'STD',
        ratePlan: 'PKG',
        checkIn,
        checkOut,
        nights: 2,
        adults: 2,
        children: 0,
        state: 'confirmed',
      }),
    ]);
    const stayId = res.body.stays[0].stayId;
    // Two ticket-line tickets, and the package's: one per guest per day, marked with their stay.
    expect(res.body.tickets.filter((x: { stayId?: number }) => !x.stayId)).toHaveLength(2);
    const pkg = res.body.tickets.filter((x: { stayId?: number }) => x.stayId === stayId);
    expect(pkg.map((x: { date: string }) => x.date)).toEqual([
      checkIn,
      checkIn,
      addDays(checkIn, 1),
      addDays(checkIn, 1),
    ]);
    expect([await parkSold(checkIn), await parkSold(addDays(checkIn, 1))]).toEqual([before[0] + 4, before[1] + 2]);

    // The reservation is an order of the OTA's channel, for the whole amount, and the change is audited.
    const o = await t.db.query<{ channel: string; amount_fen: number; stay_order: number }>(
      `SELECT c.code AS channel, o.amount_fen::int AS amount_fen, s.order_id::int AS stay_order
       FROM orders o JOIN channels c ON c.id = o.channel_id JOIN stays s ON s.order_id = o.id WHERE s.id = $1`,
      [stayId],
    );
    expect(o.rows[0]).toEqual({ channel: 'CTRIP', amount_fen: Math.round(amount * 100), stay_order: res.body.orderId });
    const inv = await readAvailability(t.db, h.hotelId, checkIn, checkOut);
    expect(inv.map((x) => x.booked)).toEqual([1, 1]);
    const a = await t.db.query<{ actor_kind: string; action: string }>(
      "SELECT actor_kind, action FROM audit_log WHERE subject_kind = 'stay' AND subject_id = $1",
      [String(stayId)],
    );
    expect(a.rows).toEqual([{ actor_kind: 'channel', action: 'hotel.book' }]);

    // The same ref and body again: the same answer, nothing sold; another body: a mismatch.
    const again = await post(body);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(res.body);
    expect((await readAvailability(t.db, h.hotelId, checkIn, checkOut)).map((x) => x.booked)).toEqual([1, 1]);
    const other = await post({
      ...body,
      items: [body.items[0], { ...body.items[1], checkOut: addDays(checkOut, 1) }],
    });
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe('idempotency_mismatch');

    // The channel's refund gives back the ticket lines; the package's tickets stay with their stay
    // (the hotel desk cancels a stay by its rate plan's rule).
    const refund = await channelCall(app.url, creds.channels.CTRIP, 'POST', `/api/channels/orders/${r}/refund`, {});
    expect(refund.status).toBe(200);
    expect(refund.body.refunded).toHaveLength(2);
    expect(refund.body.notRefunded.map((x: { reason: string }) => x.reason)).toEqual(['stay', 'stay', 'stay', 'stay']);
    expect((await readAvailability(t.db, h.hotelId, checkIn, checkOut)).map((x) => x.booked)).toEqual([1, 1]);
  });

  it('refuses an order whose room has a full night with 409 sold_out naming it, selling nothing of it', async () => {
    const h = await makeHotel([['STD', 1]]);
    const night2 = addDays(today, 2);
    const first = {
      roomType: 'STD',
      ratePlan: 'RO',
      checkIn: night2,
      checkOut: addDays(today, 3),
      adults: 1,
      children: 0,
    };
    const sold = await post({
      ref: ref('first'),
      items: [roomItem(h.code, { checkIn: night2, checkOut: addDays(today, 3) })],
      amount: await roomAmount(h.code, first),
    });
    expect(sold.status).toBe(201);

    // Tickets and a package room for the nights of tomorrow and the day after: the second is full.
    const checkIn = addDays(today, 1);
    const room = { roomType: 'STD', ratePlan: 'PKG', checkIn, checkOut: addDays(today, 3), adults: 1, children: 0 };
    const ticketsBefore = [await parkSold(checkIn), await parkSold(night2)];
    const amount = 100 + (await roomAmount(h.code, room));
    const r = ref('full');
    const res = await post({
      ref: r,
      items: [
        { kind: 'ticket', type: 'HC-PARK', qty: 1, date: checkIn },
        roomItem(h.code, { ratePlan: 'PKG', checkIn, checkOut: addDays(today, 3) }),
      ],
      amount,
    });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('sold_out');
    expect(res.body.error.message).toContain(night2);
    expect(res.body.error.fields).toEqual({ nights: [night2] });
    // Nothing half-sold: no order, no tickets, the first night not taken.
    const orders = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM orders WHERE ref = $1', [r]);
    expect(orders.rows[0].n).toBe(0);
    expect([await parkSold(checkIn), await parkSold(night2)]).toEqual(ticketsBefore);
    expect((await readAvailability(t.db, h.hotelId, checkIn, addDays(today, 3))).map((x) => x.booked)).toEqual([0, 1]);
  });

  it('answers bad room lines with typed 400s naming the field', async () => {
    const h = await makeHotel([['STD', 1]]);
    const tomorrow = addDays(today, 1);
    const bad = async (item: unknown, field: string, amount = 500) => {
      const r = await post({ ref: ref('bad'), items: [item], amount });
      expect(r.status, JSON.stringify(r.body)).toBe(400);
      expect(r.body.error.code).toBe('invalid');
      expect(Object.keys(r.body.error.fields)).toContain(field);
    };
    await bad({ ...roomItem(h.code), kind: 'suite' }, 'items.0.kind');
    await bad(roomItem(h.code, { checkOut: tomorrow }), 'items.0.checkOut');
    await bad(roomItem(h.code, { checkOut: addDays(tomorrow, 31) }), 'items.0.checkOut');
    await bad(roomItem(h.code, { checkIn: addDays(today, -1) }), 'items.0.checkIn');
    await bad(roomItem(h.code, { roomType: 'NOPE' }), 'items.0.roomType');
    await bad(roomItem(h.code, { ratePlan: 'NOPE' }), 'items.0.ratePlan');
    await bad(roomItem(h.code, { guests: { adults: 3 } }), 'items.0.guests.adults');
    await bad(roomItem(h.code, { guests: { adults: 1, children: 2 } }), 'items.0.guests.children');
    await bad(roomItem(h.code, { guests: { adults: 0 } }), 'items.0.guests.adults');
    await bad(roomItem(h.code, { hotel: 'NOPE' }), 'items.0.hotel');
    // Two hotels at this venue (the demo lodge and this one): a line that names none is refused.
    const { hotel: _, ...unnamed } = roomItem(h.code);
    await bad(unnamed, 'items.0.hotel');
    // Priced by the hotel's rules: another amount is refused with the right one.
    await bad(roomItem(h.code), 'amount', 1);
    // A ticket line still gets its own errors.
    await bad({ type: 'HC-PARK', qty: 0, date: tomorrow }, 'items.0.qty');
    expect((await readAvailability(t.db, h.hotelId, tomorrow, addDays(tomorrow, 1)))[0].booked).toBe(0);
  });

  it('sells the last 3 rooms to exactly 3 of 100 channel orders at once', async () => {
    const h = await makeHotel([['STD', 3]]);
    const checkIn = addDays(today, 1);
    const checkOut = addDays(today, 3);
    const amount = await roomAmount(h.code, {
      roomType: 'STD',
      ratePlan: 'RO',
      checkIn,
      checkOut,
      adults: 1,
      children: 0,
    });
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, k) =>
        post({ ref: ref(`race${k}`), items: [roomItem(h.code, { checkIn, checkOut })], amount }, 'MEITUAN'),
      ),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(3);
    expect(new Set(results.filter((r) => r.status !== 201).map((r) => r.body.error?.code))).toEqual(
      new Set(['sold_out']),
    );
    expect((await readAvailability(t.db, h.hotelId, checkIn, checkOut)).map((x) => x.booked)).toEqual([3, 3]);
    const stays = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM stays WHERE hotel_id = $1', [
      h.hotelId,
    ]);
    expect(stays.rows[0].n).toBe(3);
    // The control that shows the race is real is the service's (hotel.integration.test.ts: the same
    // 100 bookings without the conditional update oversell): a channel's room takes its nights with
    // the very same statement (hotel.ts takeStayNights), so it has no other lock to disable.
    console.log(
      `hotel channel (${backend.name}): 100 channel orders for 3 rooms: ${statuses.filter((s) => s === 201).length} sold`,
    );
  });

  it('lets orders drawing on the same days the other way round wait, not deadlock; without the lock they do', async () => {
    const h = await makeHotel([['STD', 60]]);
    const channel = (await findChannel(t.db, ctripId))!;
    // Days no order touched yet, their quotas made the later day first: a package's day (d1) has
    // the higher quota id, so the package line takes it before the ticket line's d2, while an order
    // of tickets for both days takes them in id order, d2 first.
    const d1 = addDays(today, 60);
    const d2 = addDays(today, 61);
    const run = async (ctx: SalesContext, k0: number) => {
      await ensureQuotas(t.db, venueId, d2);
      await ensureQuotas(t.db, venueId, d1);
      const room = { roomType: 'STD', ratePlan: 'PKG', checkIn: d1, checkOut: addDays(d1, 1), adults: 1, children: 0 };
      const pkgAmount = 100 + (await roomAmount(h.code, room));
      const a = (k: number) =>
        placeOrder(ctx, channel, {
          ref: ref(`dlA${k0 + k}`),
          items: [
            roomItem(h.code, { ratePlan: 'PKG', checkIn: d1, checkOut: addDays(d1, 1) }),
            { type: 'HC-PARK', qty: 1, date: d2 },
          ],
          amount: pkgAmount,
        });
      const b = (k: number) =>
        placeOrder(ctx, channel, {
          ref: ref(`dlB${k0 + k}`),
          items: [
            { type: 'HC-PARK', qty: 1, date: d1 },
            { type: 'HC-PARK', qty: 1, date: d2 },
          ],
          amount: 200,
        });
      const results = await Promise.allSettled(Array.from({ length: 40 }, (_, k) => (k % 2 ? a(k) : b(k))));
      return results
        .filter((r) => r.status === 'rejected')
        .map((r) => (r as PromiseRejectedResult).reason as { code?: string; message?: string });
    };
    const withLock = await run(app.runtime.sales!, 0);
    expect(withLock).toEqual([]);
    if (backend.name !== 'postgres') return; // one connection: nothing runs at once to deadlock
    const without = await run({ ...app.runtime.sales!, skipQuotaPrelock: true }, 100);
    console.log(
      `hotel channel (postgres): 40 orders at once: with the lock ${withLock.length} failed; without it ${without.filter((e) => e.code === '40P01').length} deadlocked`,
    );
    expect(without.some((e) => e.code === '40P01')).toBe(true);
  });
});
