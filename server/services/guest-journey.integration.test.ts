import { randomUUID } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../db/migrate.ts';
import { setTypeRides } from '../../db/queries/attractions.ts';
import { upsertHotel, upsertRatePlan, upsertRoom, upsertRoomType } from '../../db/queries/hotel.ts';
import { findUserForSignIn } from '../../db/queries/users.ts';
import type { TScanAck } from '../../lib/schemas/scan.ts';
import { addDays } from '../../lib/venue-time.ts';
import { connectSocket, startTestApp } from '../../tests/helpers/app.ts';
import { backends, type TestDb } from '../../tests/helpers/backends.ts';
import { createSecondVenue } from '../../tests/helpers/second-venue.ts';
import { addTicketType, venueToday } from '../../tests/helpers/venue.ts';
import type { App } from '../app.ts';
import { CLI_ACTOR, type TActor } from './actor.ts';
import { createDevice } from './admin.ts';
import { refundAtDesk, sellAtWindow } from './front-desk.ts';
import { guestJourney } from './guest-journey.ts';
import { book, checkIn, checkOut, postExtra, postRefund, stayDetail, suggestRooms } from './hotel.ts';
import { runNightAudit } from './hotel-audit.ts';
import { seedDemo } from './seed.ts';
import { idWithCheck } from '../../tests/helpers/id-card.ts';

/**
 * One guest's journey on every backend: a guest buys at the window by phone (a real-name ticket
 * with a ropeway ride, and another order with a ticket refunded later), is admitted at the main
 * gate and rides the ropeway, then stays at a lodge booked under another phone and registered by
 * the same ID number: check-in, a minibar line, the night audit, check-out. Another visitor whose
 * phone ends in the same 4 digits is not in it: only full keys match.
 */

const GUEST_ID = idWithCheck('53010219880817004');

describe.each(backends())('guest journey on $name', (backend) => {
  let t: TestDb;
  let app: App;
  let venueId: number;
  let desk: TActor;
  let shiftId: number;
  const sockets: Socket[] = [];
  const today = venueToday();

  async function gate(code: string): Promise<Socket> {
    const { token } = await createDevice(t.db, CLI_ACTOR, { gate: code });
    const s = await connectSocket(`${app.url}/gates`, { auth: { token } });
    sockets.push(s);
    return s;
  }
  const scan = (s: Socket, code: string) =>
    s.emitWithAck('scan', {
      id: randomUUID(),
      code,
      direction: 'in',
      at: new Date().toISOString(),
    }) as Promise<TScanAck>;

  beforeAll(async () => {
    t = await backend.create();
    await migrate(t.db);
    await seedDemo(t.db, `/tmp/tw-journey-${backend.name}-${process.pid}`, CLI_ACTOR);
    venueId = (await t.db.query<{ id: number }>("SELECT id FROM venues WHERE code = 'YUNLING'")).rows[0].id;
    // Open all day, so the test does not depend on when it runs.
    await t.db.query("UPDATE attractions SET opens = '00:00', closes = '00:00'");
    const ropeway = (await t.db.query<{ id: number }>("SELECT id FROM attractions WHERE code = 'ROPEWAY'")).rows[0].id;
    const named = await addTicketType(t.db, venueId, 'J-NAMED', {
      draws_day_quota: false,
      price_fen: 20000,
      real_name: true,
      entry_policy: 'multi',
    });
    await setTypeRides(t.db, named, [{ attractionId: ropeway, rides: 2, shareFen: 500 }]);
    await addTicketType(t.db, venueId, 'J-ADULT', { draws_day_quota: false, price_fen: 10000 });
    const u = (await findUserForSignIn(t.db, 'frontdesk@demo.tidewatch'))!;
    desk = { kind: 'user', id: u.id, label: u.email };
    // The demo seed opens the demo cashier's shift at WINDOW-1: the sales go on it.
    shiftId = (
      await t.db.query<{ id: number }>('SELECT id FROM shifts WHERE closed_at IS NULL AND user_id = $1', [u.id])
    ).rows[0].id;
    app = await startTestApp(t.db);
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await app?.close();
    await t?.cleanup();
  });

  /** A lodge of the test's own (its business date moves with the night audit). */
  async function makeLodge() {
    const windowId = (await t.db.query<{ id: number }>("SELECT id FROM channels WHERE code = 'WINDOW-1'")).rows[0].id;
    const hotelId = await upsertHotel(t.db, {
      venue_id: venueId,
      code: `J-${backend.name.length}`,
      name_zh: '测试山庄',
      name_en: 'Test lodge',
      zone_id: null,
      channel_id: windowId,
      business_date: today,
    });
    const typeId = await upsertRoomType(t.db, {
      hotel_id: hotelId,
      code: 'STD',
      name_zh: '标准间',
      name_en: 'Standard',
      max_adults: 2,
      max_children: 1,
      bed: 'twin',
      rate_fen: 40000,
      weekend_rate_fen: 40000,
      holiday_rate_fen: null,
      sort: 0,
    });
    await upsertRoom(t.db, { hotel_id: hotelId, type_id: typeId, number: '101', floor: 1 });
    await upsertRatePlan(t.db, {
      hotel_id: hotelId,
      code: 'RO',
      name_zh: '仅住宿',
      name_en: 'Room only',
      kind: 'room_only',
      breakfast_fen: 0,
      ticket_type_ids: [],
      child_ticket_type_id: null,
      free_cancel_hours: 24,
      cancel_fee_pct: 100,
      no_show_fee_pct: 100,
      ticket_credit_pct: 100,
      active: true,
      sort: 0,
    });
    return hotelId;
  }

  it('gathers one guest by full phone and ID index: orders, gates and rides, a refund, a stay from check-in to check-out, in order', async () => {
    const rt = app.runtime;
    const sale = (items: unknown[], phone: string, amount: number) =>
      sellAtWindow(rt, desk, {
        shiftId,
        ref: `j-${randomUUID()}`,
        items,
        phone,
        amount,
        payments: [{ method: 'cash', amount }],
      });
    // The guest: a real-name ticket by phone, and a second order by the same phone.
    const first = await sale(
      [{ type: 'J-NAMED', qty: 1, date: today, holders: [{ name: '杨丽', idNumber: GUEST_ID }] }],
      '138 0013 8888',
      200,
    );
    const second = await sale([{ type: 'J-ADULT', qty: 1, date: today }], '13800138888', 100);
    // Someone else: the same last 4 digits, another phone.
    const other = await sale([{ type: 'J-ADULT', qty: 1, date: today }], '139 0000 8888', 100);

    const named = first.order.tickets[0];
    expect(await scan(await gate('MG-01'), named.code)).toMatchObject({ result: 'admit' });
    expect(await scan(await gate('RL-01'), named.code)).toMatchObject({ result: 'admit' });
    await refundAtDesk(rt, desk, { orderId: second.order.id, ticketIds: [second.order.tickets[0].id], shiftId });

    // The lodge, booked under another phone; the guest registers at check-in with the same ID.
    const hotelId = await makeLodge();
    const booked = await book(rt, desk, venueId, {
      venueId,
      hotelId,
      ref: `jb-${randomUUID()}`,
      roomType: 'STD',
      ratePlan: 'RO',
      checkIn: today,
      checkOut: addDays(today, 1),
      adults: 1,
      guest: { name: '杨丽', phone: '137 0000 1111' },
    });
    const stayId = booked.stay.id;
    const [room] = await suggestRooms(t.db, venueId, { venueId, stayId });
    await checkIn(rt, desk, venueId, {
      venueId,
      stayId,
      roomId: room.id,
      guests: [{ name: '杨丽', idNumber: GUEST_ID }],
      deposit: { method: 'cash', amount: 500 },
    });
    await postExtra(rt, desk, venueId, {
      venueId,
      stayId,
      category: 'minibar',
      descriptionZh: '矿泉水',
      descriptionEn: 'Mineral water',
      qty: 1,
      amount: 10,
    });
    await runNightAudit(rt, desk, venueId, { venueId, hotelId, businessDate: today });
    // Room 400 + minibar 10 − deposit 500: 90 back from the deposit, then out.
    const stay = await stayDetail(t.db, venueId, stayId);
    const deposit = stay.folio.find((l) => l.kind === 'deposit')!;
    await postRefund(rt, desk, venueId, {
      venueId,
      stayId,
      paymentId: deposit.paymentId!,
      amount: -stay.balance,
      reason: 'deposit back',
    });
    await checkOut(rt, desk, venueId, { venueId, stayId });

    const journey = await guestJourney(t.db, { venueId, anchor: `o-${first.order.id}` });
    expect(journey.orders.map((o) => o.id)).toEqual([first.order.id, second.order.id, booked.stay.orderId]);
    expect(journey.orders.map((o) => o.id)).not.toContain(other.order.id);
    expect(journey.matched).toEqual({ ordersByPhone: 2, ordersById: 1, ordersByHolder: 1, staysById: 1 });
    expect(journey.phone).toBe('138****8888');
    expect(journey.names).toContain('杨丽');
    expect(journey.idNumbers).toEqual([`530102********${GUEST_ID.slice(14)}`]);
    // The ID number never appears in the clear, nor the phone.
    const raw = JSON.stringify(journey);
    expect(raw).not.toContain(GUEST_ID);
    expect(raw).not.toContain('13800138888');

    const kinds = journey.entries.map((e) => e.kind);
    const at = journey.entries.map((e) => e.at);
    expect(at).toEqual([...at].sort());
    // In the order it happened: the two orders, the gate and the ropeway, the refund, the stay.
    const firstOf = (kind: string, from = 0) => kinds.indexOf(kind as never, from);
    const steps = [
      firstOf('order'),
      firstOf('entry'),
      firstOf('ride'),
      firstOf('refund'),
      firstOf('checkIn'),
      firstOf('folio'),
      firstOf('checkOut'),
    ];
    expect(steps.every((s) => s >= 0)).toBe(true);
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
    const entry = journey.entries.find((e) => e.kind === 'entry')!;
    expect(entry).toMatchObject({ orderId: first.order.id, detail: 'MG-01' });
    expect(journey.entries.find((e) => e.kind === 'ride')!.what?.en).toBe('Yunling Ropeway');
    expect(journey.entries.find((e) => e.kind === 'refund' && e.orderId === second.order.id)!.amount).toBe(-100);
    expect(journey.entries.find((e) => e.kind === 'checkIn')).toMatchObject({
      stayId,
      place: { en: 'Test lodge 101' },
    });
    expect(journey.entries.filter((e) => e.kind === 'folio').map((e) => [e.what?.en, e.amount])).toEqual([
      ['Mineral water', 10],
      [expect.any(String), 400],
    ]);
    // The deposit and its refund are payments rows of the reservation, shown once each.
    expect(
      journey.entries
        .filter((e) => e.orderId === booked.stay.orderId && (e.kind === 'payment' || e.kind === 'refund'))
        .map((e) => e.amount),
    ).toEqual([500, -90]);
    // The rebook/replace/refund trail: the ticket refund is in as a change.
    expect(journey.entries.some((e) => e.kind === 'change' && e.detail === 'ticket.refund')).toBe(true);

    // From the stay guest: the same person, the ticket through its holder's ID.
    const guestId = (
      await t.db.query<{ id: number }>('SELECT id FROM stay_guests WHERE stay_id = $1 AND guest_no = 1', [stayId])
    ).rows[0].id;
    const fromStay = await guestJourney(t.db, { venueId, anchor: `s-${guestId}` });
    expect(fromStay.orders.map((o) => o.id)).toEqual([first.order.id, booked.stay.orderId]);
    expect(fromStay.entries.some((e) => e.kind === 'ride')).toBe(true);

    // The other visitor's journey is theirs alone.
    const theirs = await guestJourney(t.db, { venueId, anchor: `o-${other.order.id}` });
    expect(theirs.orders.map((o) => o.id)).toEqual([other.order.id]);
    expect(theirs.entries.map((e) => e.kind)).toEqual(['order', 'payment']);
  });

  it('answers a typed error for a bad anchor and not found for a record of another venue', async () => {
    await expect(guestJourney(t.db, { venueId, anchor: '13800138888' })).rejects.toMatchObject({ code: 'invalid' });
    await expect(guestJourney(t.db, { venueId, anchor: 'o-0' })).rejects.toMatchObject({ code: 'invalid' });
    await expect(guestJourney(t.db, { venueId })).rejects.toMatchObject({ code: 'invalid' });
    await expect(guestJourney(t.db, { venueId, anchor: 'o-999999999' })).rejects.toMatchObject({ code: 'not_found' });
    const b = await createSecondVenue(t.db, 'VENUE-J');
    await expect(guestJourney(t.db, { venueId, anchor: `o-${b.orderId}` })).rejects.toMatchObject({
      code: 'not_found',
    });
    await expect(guestJourney(t.db, { venueId, anchor: `t-${b.ticketId}` })).rejects.toMatchObject({
      code: 'not_found',
    });
  });
});
