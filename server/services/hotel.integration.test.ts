import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../../db/client.ts';
import { migrate } from '../../db/migrate.ts';
import { insertAssignment, insertFolioLines, listStays, readAvailability } from '../../db/queries/hotel.ts';
import { findUserForSignIn } from '../../db/queries/users.ts';
import { addDays } from '../../lib/venue-time.ts';
import { sessionCookie, startTestApp, trpcCall } from '../../tests/helpers/app.ts';
import { makeTestHotel } from '../../tests/helpers/hotel.ts';
import { backends, type TestDb } from '../../tests/helpers/backends.ts';
import { addTicketType, venueToday } from '../../tests/helpers/venue.ts';
import type { App } from '../app.ts';
import { CLI_ACTOR, type TActor } from './actor.ts';
import { deskSearch, rebookAtDesk, refundAtDesk } from './front-desk.ts';
import {
  assignRoom,
  availability,
  blockRoom,
  book,
  cancelStay,
  checkIn,
  checkOut,
  departEarly,
  extendStay,
  hotelToday,
  markRoom,
  moveRoom,
  postCorrection,
  postExtra,
  postPayment,
  postRefund,
  releaseBlock,
  revertStay,
  roomNightLines,
  stayDetail,
  suggestRooms,
} from './hotel.ts';
import { runNightAudit } from './hotel-audit.ts';
import { DEMO_PASSWORD, seedDemo } from './seed.ts';
import { idWithCheck } from '../../tests/helpers/id-card.ts';

/**
 * The hotel on every backend: a package stay from booking to check-out (check-in with ID numbers
 * and a deposit, an extra, a room move, the night audit, an early departure that returns the night
 * and the tickets, settling and checking out), cancellation and no-show fees, reverts, extension,
 * and the three races of issue 13, each with a control that shows the race is real: 100 bookings
 * for the last 3 rooms, two desks giving one room for overlapping nights, two night audits at once.
 */

const GUEST_IDS = [idWithCheck('11010519850312001'), idWithCheck('31010419900722002')];
/** The first with a wrong check character. */
const BAD_ID = GUEST_IDS[0].slice(0, 17) + (GUEST_IDS[0][17] === '0' ? '1' : '0');

describe.each(backends())('hotel on $name', (backend) => {
  let t: TestDb;
  let app: App;
  let venueId: number;
  let windowId: number;
  let desk: TActor;
  let parkTypeId: number;
  const today = venueToday();
  const supervisor = { email: 'manager@demo.tidewatch', password: DEMO_PASSWORD };
  let hotelNo = 0;

  /** A hotel of its own per test (its business date moves): types [code, rooms], plans RO, BB and PKG. */
  const makeHotel = (types: [string, number][]) =>
    makeTestHotel(t.db, {
      venueId,
      channelId: windowId,
      businessDate: today,
      code: `T${++hotelNo}-${backend.name.length}`,
      types,
      parkTypeId,
    });

  const booking = (hotelId: number, o: Record<string, unknown> = {}) => ({
    venueId,
    hotelId,
    ref: `hb-${randomUUID()}`,
    roomType: 'STD',
    ratePlan: 'RO',
    checkIn: today,
    checkOut: addDays(today, 1),
    adults: 1,
    guest: { name: '测试客人', phone: '139 0000 0001' },
    ...o,
  });
  const auditActions = async (stayId: number) =>
    (
      await t.db.query<{ action: string }>(
        "SELECT action FROM audit_log WHERE subject_kind = 'stay' AND subject_id = $1 ORDER BY id",
        [String(stayId)],
      )
    ).rows.map((r) => r.action);

  beforeAll(async () => {
    t = await backend.create();
    await migrate(t.db);
    await seedDemo(t.db, `/tmp/tw-hotel-${backend.name}-${process.pid}`, CLI_ACTOR);
    venueId = (await t.db.query<{ id: number }>("SELECT id FROM venues WHERE code = 'YUNLING'")).rows[0].id;
    windowId = (await t.db.query<{ id: number }>("SELECT id FROM channels WHERE code = 'WINDOW-1'")).rows[0].id;
    parkTypeId = await addTicketType(t.db, venueId, 'H-PARK', { price_fen: 10000 });
    const u = (await findUserForSignIn(t.db, 'frontdesk@demo.tidewatch'))!;
    desk = { kind: 'user', id: u.id, label: u.email };
    app = await startTestApp(t.db);
  });
  afterAll(async () => {
    await app?.close();
    await t?.cleanup();
  });

  it('seeds the demo lodge: 60 rooms, its rate plans and stays around today', async () => {
    const r = await t.db.query<{ rooms: number; plans: number; stays: number }>(
      `SELECT (SELECT count(*) FROM rooms r JOIN hotels h ON h.id = r.hotel_id WHERE h.code = 'LODGE')::int AS rooms,
              (SELECT count(*) FROM rate_plans p JOIN hotels h ON h.id = p.hotel_id WHERE h.code = 'LODGE')::int AS plans,
              (SELECT count(*) FROM stays s JOIN hotels h ON h.id = s.hotel_id WHERE h.code = 'LODGE')::int AS stays`,
    );
    expect(r.rows[0]).toEqual({ rooms: 60, plans: 3, stays: 8 });
    const lodge = (await t.db.query<{ business_date: string }>("SELECT business_date FROM hotels WHERE code = 'LODGE'"))
      .rows[0];
    expect(lodge.business_date).toBe(today);
    // The seed again changes nothing.
    await seedDemo(t.db, `/tmp/tw-hotel-${backend.name}-${process.pid}`, CLI_ACTOR);
    expect((await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM stays')).rows[0].n).toBe(8);
  });

  it('takes a package stay from booking to check-out, the folio balancing to zero', async () => {
    const rt = app.runtime;
    const h = await makeHotel([['STD', 4]]);
    const input = booking(h.hotelId, {
      ratePlan: 'PKG',
      adults: 2,
      checkOut: addDays(today, 2),
      guest: { name: '林小红', phone: '138 1234 5678' },
    });
    const booked = await book(rt, desk, venueId, input);
    expect(booked.status).toBe(201);
    const stayId = booked.stay.id;
    // One ticket per guest per day, and the same ref again books nothing more.
    expect(booked.stay.tickets).toHaveLength(4);
    const again = await book(rt, desk, venueId, input);
    expect(again).toMatchObject({ status: 200, stay: { id: stayId } });
    await expect(book(rt, desk, venueId, { ...input, adults: 1 })).rejects.toMatchObject({
      code: 'idempotency_mismatch',
    });
    // The reservation is an order: the order desk finds it by the phone's last digits.
    const found = await deskSearch(rt, venueId, { venueId, q: '5678' });
    expect(found.map((o) => o.id)).toContain(booked.stay.orderId);

    // Check-in: the dirty room is refused without a supervisor, every guest is registered.
    const [room] = await suggestRooms(t.db, venueId, { venueId, stayId });
    await markRoom(rt, desk, venueId, { venueId, roomId: room.id, state: 'dirty' });
    const ci = {
      venueId,
      stayId,
      roomId: room.id,
      guests: [
        { name: '林小红', idNumber: GUEST_IDS[0] },
        { name: '林大明', idNumber: GUEST_IDS[1] },
      ],
      deposit: { method: 'cash' as const, amount: 500 },
    };
    await expect(checkIn(rt, desk, venueId, ci)).rejects.toMatchObject({ code: 'conflict' });
    await expect(
      checkIn(rt, desk, venueId, { ...ci, guests: [{ name: 'x', idNumber: BAD_ID }, ci.guests[1]] }),
    ).rejects.toMatchObject({ code: 'invalid' });
    const inHouse = await checkIn(rt, desk, venueId, {
      ...ci,
      override: { supervisor, reason: 'guest waited, room cleaned meanwhile' },
    });
    expect(inHouse.state).toBe('checked_in');
    expect(inHouse.guests.map((g) => g.idNumber)).toEqual([
      `110105********${GUEST_IDS[0].slice(14)}`,
      `310104********${GUEST_IDS[1].slice(14)}`,
    ]);
    // Package parts posted for both days (2 tickets each), the deposit taken.
    expect(inHouse.folio.map((l) => [l.kind, l.amount])).toEqual([
      ['package', 200],
      ['package', 200],
      ['deposit', -500],
    ]);
    expect(inHouse.balance).toBe(-100);
    // The desk finds the reservation by the last digits of the ID number registered at check-in.
    const byId = await deskSearch(rt, venueId, { venueId, q: GUEST_IDS[0].slice(-6) });
    expect(byId.map((o) => o.id)).toContain(booked.stay.orderId);

    await postExtra(rt, desk, venueId, {
      venueId,
      stayId,
      category: 'minibar',
      descriptionZh: '矿泉水',
      descriptionEn: 'Mineral water',
      qty: 2,
      amount: 15,
    });
    const other = h.roomIds.STD.find((id) => id !== room.id)!;
    const moved = await moveRoom(rt, desk, venueId, { venueId, stayId, roomId: other, reason: 'noise' });
    expect(moved.roomId).toBe(other);
    const old = await t.db.query<{ housekeeping: string }>('SELECT housekeeping FROM rooms WHERE id = $1', [room.id]);
    expect(old.rows[0].housekeeping).toBe('dirty');

    // The night audit posts tonight's room once and rolls the business date.
    const a1 = await runNightAudit(rt, desk, venueId, { venueId, hotelId: h.hotelId, businessDate: today });
    expect(a1).toMatchObject({ ran: true, posted: 1, noShows: 0 });
    const a2 = await runNightAudit(rt, desk, venueId, { venueId, hotelId: h.hotelId, businessDate: today });
    expect(a2).toMatchObject({ ran: false, posted: 1 });

    // Early departure the next morning: the second night and the second day's tickets are released.
    const before = await availability(t.db, venueId, {
      venueId,
      hotelId: h.hotelId,
      from: today,
      to: addDays(today, 2),
    });
    expect(before.types[0].nights.map((n) => n.booked)).toEqual([1, 1]);
    const quota = async () =>
      (
        await t.db.query<{ sold: number }>(
          'SELECT sold FROM quotas WHERE venue_id = $1 AND day = $2 AND slot_start IS NULL',
          [venueId, addDays(today, 1)],
        )
      ).rows[0].sold;
    const soldBefore = await quota();
    const left = await departEarly(rt, desk, venueId, { venueId, stayId, reason: 'weather' });
    expect(left.checkOut).toBe(addDays(today, 1));
    const after = await availability(t.db, venueId, {
      venueId,
      hotelId: h.hotelId,
      from: today,
      to: addDays(today, 2),
    });
    expect(after.types[0].nights.map((n) => n.booked)).toEqual([1, 0]);
    expect(left.tickets.filter((x) => x.status === 'refunded').map((x) => x.date)).toEqual([
      addDays(today, 1),
      addDays(today, 1),
    ]);
    expect(await quota()).toBe(soldBefore - 2);
    expect(left.folio.at(-1)).toMatchObject({ kind: 'correction', amount: -200 });
    // Room 1 night (weekday or weekend rate) + tickets 400 − credit 200 + minibar 30 − deposit 500.
    const night = left.folio.find((l) => l.kind === 'room_night')!.amount;
    expect(left.balance).toBe(night + 400 - 200 + 30 - 500);

    // Check-out refuses a balance; the guest settles it and leaves; the room goes dirty.
    await expect(checkOut(rt, desk, venueId, { venueId, stayId })).rejects.toMatchObject({ code: 'conflict' });
    const due = Math.round(left.balance * 100) / 100;
    if (due > 0)
      await postPayment(rt, desk, venueId, {
        venueId,
        stayId,
        payment: { method: 'wechat', amount: due, reference: 'WX-1' },
      });
    if (due < 0) {
      const deposit = left.folio.find((l) => l.kind === 'deposit')!;
      await postRefund(rt, desk, venueId, {
        venueId,
        stayId,
        paymentId: deposit.paymentId!,
        amount: -due,
        reason: 'change',
      });
    }
    const out = await checkOut(rt, desk, venueId, { venueId, stayId });
    expect(out).toMatchObject({ state: 'checked_out', balance: 0 });
    const rm = await t.db.query<{ housekeeping: string }>('SELECT housekeeping FROM rooms WHERE id = $1', [other]);
    expect(rm.rows[0].housekeeping).toBe('dirty');

    // Every change is audited, and the ID numbers are in no audit row.
    expect(await auditActions(stayId)).toEqual(
      expect.arrayContaining([
        'hotel.book',
        'hotel.check_in',
        'hotel.folio.extra',
        'hotel.move_room',
        'hotel.depart_early',
        'hotel.check_out',
      ]),
    );
    const leaked = await t.db.query("SELECT 1 FROM audit_log WHERE after::text LIKE '%' || $1 || '%'", [GUEST_IDS[0]]);
    expect(leaked.rows).toHaveLength(0);
    // The payments are the order's payments rows.
    const pays = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM payments WHERE order_id = $1', [
      booked.stay.orderId,
    ]);
    expect(pays.rows[0].n).toBeGreaterThanOrEqual(1);
  });

  it('applies the rate plan on cancellation and no-show, lists late arrivals, reverts and extends', async () => {
    const rt = app.runtime;
    const h = await makeHotel([['STD', 2]]);
    // Cancelling on the arrival day is inside the free window's end: 100% of the first night.
    const c = await book(rt, desk, venueId, booking(h.hotelId));
    const cancelled = await cancelStay(rt, desk, venueId, { venueId, stayId: c.stay.id });
    expect(cancelled.state).toBe('cancelled');
    expect(cancelled.folio).toMatchObject([{ kind: 'fee', amount: cancelled.rates[0].room }]);
    // A cancellation well ahead is free.
    const ahead = await book(
      rt,
      desk,
      venueId,
      booking(h.hotelId, { checkIn: addDays(today, 10), checkOut: addDays(today, 11) }),
    );
    expect((await cancelStay(rt, desk, venueId, { venueId, stayId: ahead.stay.id })).folio).toEqual([]);
    // No-show at the night audit; a package guest admitted at a gate today is a late arrival instead.
    const ns = await book(rt, desk, venueId, booking(h.hotelId));
    const late = await book(rt, desk, venueId, booking(h.hotelId, { ratePlan: 'PKG' }));
    await t.db.query('UPDATE tickets SET entries = 1, entries_day = visit_date WHERE stay_id = $1', [late.stay.id]);
    const a = await runNightAudit(rt, desk, venueId, { venueId, hotelId: h.hotelId, businessDate: today });
    expect(a).toMatchObject({ ran: true, noShows: 1, lateArrivals: [{ stayId: late.stay.id }] });
    const noShow = await stayDetail(t.db, venueId, ns.stay.id);
    expect(noShow).toMatchObject({ state: 'no_show', folio: [{ kind: 'fee' }] });
    expect((await stayDetail(t.db, venueId, late.stay.id)).lateArrival).toBe(true);
    const av = await availability(t.db, venueId, { venueId, hotelId: h.hotelId, from: today, to: addDays(today, 1) });
    expect(av.types[0].nights[0].booked).toBe(1);

    // A mistaken check-in reverted by a supervisor; a wrong password is refused.
    const d1 = addDays(today, 1);
    const s = await book(rt, desk, venueId, booking(h.hotelId, { checkIn: d1, checkOut: addDays(d1, 1) }));
    const ci = {
      venueId,
      stayId: s.stay.id,
      roomId: h.roomIds.STD[0],
      guests: [{ name: '王五', idNumber: GUEST_IDS[0] }],
      deposit: { method: 'wechat' as const, amount: 100, reference: 'WX-9' },
    };
    await checkIn(rt, desk, venueId, ci);
    await expect(
      revertStay(rt, desk, venueId, {
        venueId,
        stayId: s.stay.id,
        what: 'check_in',
        override: { supervisor: { ...supervisor, password: 'wrong-password' }, reason: 'wrong guest' },
      }),
    ).rejects.toMatchObject({ code: 'forbidden' });
    const reverted = await revertStay(rt, desk, venueId, {
      venueId,
      stayId: s.stay.id,
      what: 'check_in',
      override: { supervisor, reason: 'wrong guest' },
    });
    expect(reverted.state).toBe('confirmed');
    // Extension: one more night while a room is left; then the type is full.
    const ext = await extendStay(rt, desk, venueId, { venueId, stayId: s.stay.id, checkOut: addDays(d1, 2) });
    expect(ext.checkOut).toBe(addDays(d1, 2));
    await book(rt, desk, venueId, booking(h.hotelId, { checkIn: addDays(d1, 2), checkOut: addDays(d1, 3) }));
    await book(rt, desk, venueId, booking(h.hotelId, { checkIn: addDays(d1, 2), checkOut: addDays(d1, 3) }));
    await expect(
      extendStay(rt, desk, venueId, { venueId, stayId: s.stay.id, checkOut: addDays(d1, 3) }),
    ).rejects.toMatchObject({ code: 'sold_out' });
  });

  it('blocks rooms out of order off the availability, corrects the folio with new lines, transfers a balance to the house account', async () => {
    const rt = app.runtime;
    const h = await makeHotel([['STD', 2]]);
    const left = async () =>
      (
        await availability(t.db, venueId, { venueId, hotelId: h.hotelId, from: today, to: addDays(today, 2) })
      ).types[0].nights.map((n) => n.left);
    const [r1, r2] = h.roomIds.STD;
    // Out of service stays sellable; out of order leaves the availability until released.
    await blockRoom(rt, desk, venueId, {
      venueId,
      roomId: r1,
      kind: 'out_of_service',
      from: today,
      to: addDays(today, 2),
      reason: 'lamp',
    });
    expect(await left()).toEqual([2, 2]);
    const ooo = await blockRoom(rt, desk, venueId, {
      venueId,
      roomId: r1,
      kind: 'out_of_order',
      from: today,
      to: addDays(today, 1),
      reason: 'leak',
    });
    expect(await left()).toEqual([1, 2]);
    await expect(
      blockRoom(rt, desk, venueId, {
        venueId,
        roomId: r1,
        kind: 'out_of_order',
        from: today,
        to: addDays(today, 1),
        reason: 'again',
      }),
    ).rejects.toMatchObject({ code: 'conflict' });
    // The last room tonight sells once; the blocked room is not suggested.
    const s = await book(rt, desk, venueId, booking(h.hotelId));
    await expect(book(rt, desk, venueId, booking(h.hotelId))).rejects.toMatchObject({ code: 'sold_out' });
    expect((await suggestRooms(t.db, venueId, { venueId, stayId: s.stay.id })).map((r) => r.id)).toEqual([r2]);
    await releaseBlock(rt, desk, venueId, { venueId, blockId: ooo.id });
    expect(await left()).toEqual([1, 2]);
    // A held room is not blocked out of order.
    await assignRoom(rt, desk, venueId, { venueId, stayId: s.stay.id, roomId: r2 });
    await expect(
      blockRoom(rt, desk, venueId, {
        venueId,
        roomId: r2,
        kind: 'out_of_order',
        from: today,
        to: addDays(today, 1),
        reason: 'x',
      }),
    ).rejects.toMatchObject({ code: 'conflict' });
    // Housekeeping marks, audited as who did it.
    const hk = (await findUserForSignIn(t.db, 'housekeeping@demo.tidewatch'))!;
    await markRoom(rt, { kind: 'user', id: hk.id, label: hk.email }, venueId, {
      venueId,
      roomId: r1,
      state: 'inspected',
    });
    const marked = await t.db.query<{ actor_label: string }>(
      "SELECT actor_label FROM audit_log WHERE action = 'hotel.room.mark' AND subject_id = $1 ORDER BY id DESC LIMIT 1",
      [String(r1)],
    );
    expect(marked.rows[0].actor_label).toBe('housekeeping@demo.tidewatch');

    // An extra corrected with a new line (never an edit), at most what is left of it.
    await checkIn(rt, desk, venueId, {
      venueId,
      stayId: s.stay.id,
      guests: [{ name: '赵六', idNumber: GUEST_IDS[1] }],
      deposit: { method: 'card', amount: 100, reference: 'POS-1' },
    });
    const spa = await postExtra(rt, desk, venueId, {
      venueId,
      stayId: s.stay.id,
      category: 'spa',
      descriptionZh: '按摩',
      descriptionEn: 'Massage',
      amount: 300,
    });
    const line = spa.folio.find((l) => l.kind === 'extra')!;
    const fixed = await postCorrection(rt, desk, venueId, {
      venueId,
      stayId: s.stay.id,
      lineId: line.id,
      amount: 100,
      reason: 'wrong price',
    });
    expect(fixed.folio.find((l) => l.id === line.id)!.amount).toBe(300);
    expect(fixed.folio.at(-1)).toMatchObject({ kind: 'correction', correctionOf: line.id, amount: -100 });
    await expect(
      postCorrection(rt, desk, venueId, { venueId, stayId: s.stay.id, lineId: line.id, amount: 250, reason: 'again' }),
    ).rejects.toMatchObject({ code: 'invalid' });
    // After the night, a balance left is refused at check-out, and a supervisor transfers it.
    await runNightAudit(rt, desk, venueId, { venueId, hotelId: h.hotelId, businessDate: today });
    await expect(checkOut(rt, desk, venueId, { venueId, stayId: s.stay.id })).rejects.toMatchObject({
      code: 'conflict',
    });
    const owed = (await stayDetail(t.db, venueId, s.stay.id)).balance;
    expect(owed).toBeGreaterThan(0);
    const out = await checkOut(rt, desk, venueId, {
      venueId,
      stayId: s.stay.id,
      transfer: { supervisor, reason: 'company pays, invoice to follow' },
    });
    expect(out).toMatchObject({ state: 'checked_out', balance: 0 });
    const house = await t.db.query<{ amount_fen: number; transfer_stay_id: number }>(
      'SELECT amount_fen, transfer_stay_id FROM folio_lines WHERE hotel_id = $1 AND stay_id IS NULL',
      [h.hotelId],
    );
    expect(house.rows).toEqual([{ amount_fen: Math.round(owed * 100), transfer_stay_id: s.stay.id }]);
  });

  it("refuses refunding or rebooking a stay's tickets at the order desk: the stay changes them", async () => {
    const rt = app.runtime;
    const h = await makeHotel([['STD', 1]]);
    const s = await book(rt, desk, venueId, booking(h.hotelId, { ratePlan: 'PKG' }));
    const ids = (
      await t.db.query<{ id: number }>('SELECT id FROM tickets WHERE stay_id = $1 ORDER BY id', [s.stay.id])
    ).rows.map((r) => r.id);
    expect(ids.length).toBeGreaterThan(0);
    const orderId = s.stay.orderId;
    await expect(refundAtDesk(rt, desk, { orderId, ticketIds: ids })).rejects.toMatchObject({ code: 'conflict' });
    await expect(rebookAtDesk(rt, desk, { orderId, ticketIds: ids, date: addDays(today, 2) })).rejects.toMatchObject({
      code: 'conflict',
    });
    // Nothing changed: the tickets are still the stay's, valid.
    const after = await t.db.query<{ status: string; stay_id: number }>(
      'SELECT status, stay_id FROM tickets WHERE id = ANY($1::bigint[])',
      [ids],
    );
    expect(after.rows.every((r) => r.status === 'valid' && Number(r.stay_id) === s.stay.id)).toBe(true);
  });

  it("keeps a stay the night audit rolled past its departure on the desk's departures, marked overdue, until checked out", async () => {
    const rt = app.runtime;
    const h = await makeHotel([['STD', 1]]);
    const s = await book(rt, desk, venueId, booking(h.hotelId));
    await checkIn(rt, desk, venueId, {
      venueId,
      stayId: s.stay.id,
      roomId: h.roomIds.STD[0],
      guests: [{ name: '钱七', idNumber: GUEST_IDS[0] }],
      deposit: { method: 'cash', amount: 100 },
    });
    // The desk forgot the departure: two audits roll the hotel a day past it.
    await runNightAudit(rt, desk, venueId, { venueId, hotelId: h.hotelId, businessDate: today });
    await runNightAudit(rt, desk, venueId, { venueId, hotelId: h.hotelId, businessDate: addDays(today, 1) });
    const board = await hotelToday(t.db, venueId, { venueId, hotelId: h.hotelId });
    expect(board.businessDate).toBe(addDays(today, 2));
    expect(board.departures.map((l) => [l.id, l.overdue])).toEqual([[s.stay.id, true]]);
    expect(board.inHouse).toEqual([]);
    const owed = (await stayDetail(t.db, venueId, s.stay.id)).balance;
    await postPayment(rt, desk, venueId, { venueId, stayId: s.stay.id, payment: { method: 'cash', amount: owed } });
    await checkOut(rt, desk, venueId, { venueId, stayId: s.stay.id });
    expect((await hotelToday(t.db, venueId, { venueId, hotelId: h.hotelId })).departures).toEqual([]);
  });

  it('serves the desk and housekeeping through tRPC, each role its own procedures', async () => {
    const h = await makeHotel([['STD', 2]]);
    const hk = await sessionCookie((await findUserForSignIn(t.db, 'housekeeping@demo.tidewatch'))!.id);
    const fd = await sessionCookie(desk.id!);
    const roomId = h.roomIds.STD[0];
    const mark = await trpcCall(app.url, 'hotel.markRoom', {
      cookie: hk,
      mutation: true,
      input: { venueId, roomId, state: 'dirty' },
    });
    expect(mark).toMatchObject({ status: 200, data: { housekeeping: 'dirty' } });
    const board = await trpcCall(app.url, 'hotel.rooms', { cookie: hk, input: { venueId, hotelId: h.hotelId } });
    expect(board.status).toBe(200);
    const input = booking(h.hotelId);
    expect((await trpcCall(app.url, 'hotel.book', { cookie: hk, mutation: true, input })).status).toBe(403);
    const booked = await trpcCall(app.url, 'hotel.book', { cookie: fd, mutation: true, input });
    expect(booked).toMatchObject({ status: 200, data: { status: 201 } });
    const stayId = (booked.data as { stay: { id: number } }).stay.id;
    const read = await trpcCall(app.url, 'hotel.stay', { cookie: fd, input: { venueId, stayId } });
    expect(read).toMatchObject({ status: 200, data: { id: stayId, state: 'confirmed' } });
    // Bad input is a clear 400, never a crash.
    const bad = await trpcCall(app.url, 'hotel.book', {
      cookie: fd,
      mutation: true,
      input: { ...input, ref: `hb-${randomUUID()}`, checkOut: input.checkIn },
    });
    expect(bad.status).toBe(400);
  });

  it('extends an in-house package stay with its room, tickets and package line for the added day', async () => {
    const rt = app.runtime;
    const h = await makeHotel([['STD', 1]]);
    const s = await book(rt, desk, venueId, booking(h.hotelId, { ratePlan: 'PKG' }));
    await checkIn(rt, desk, venueId, {
      venueId,
      stayId: s.stay.id,
      roomId: h.roomIds.STD[0],
      guests: [{ name: '孙七', idNumber: GUEST_IDS[0] }],
      deposit: { method: 'cash', amount: 100 },
    });
    const ext = await extendStay(rt, desk, venueId, { venueId, stayId: s.stay.id, checkOut: addDays(today, 2) });
    expect(ext.rooms).toEqual([{ room: '100', roomId: h.roomIds.STD[0], from: today, to: addDays(today, 2) }]);
    expect(ext.tickets.map((x) => x.date)).toEqual([today, addDays(today, 1)]);
    expect(ext.folio.filter((l) => l.kind === 'package').map((l) => l.night)).toEqual([today, addDays(today, 1)]);
    const inv = await readAvailability(t.db, h.hotelId, today, addDays(today, 2));
    expect(inv.map((r) => r.booked)).toEqual([1, 1]);
    // The only room is taken for the added night: nobody else gets it.
    await expect(
      book(rt, desk, venueId, booking(h.hotelId, { checkIn: addDays(today, 1), checkOut: addDays(today, 2) })),
    ).rejects.toMatchObject({ code: 'sold_out' });
  });

  it('sells the last 3 rooms to exactly 3 of 100 bookings at once; without the lock they oversell', async () => {
    const rt = app.runtime;
    const h = await makeHotel([
      ['STD', 3],
      ['CTL', 3],
    ]);
    const results = await Promise.allSettled(
      Array.from({ length: 100 }, (_, k) =>
        book(
          rt,
          desk,
          venueId,
          booking(h.hotelId, { checkOut: addDays(today, 2), guest: { name: `客${k}`, phone: '139 0000 0002' } }),
        ),
      ),
    );
    const ok = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.code);
    expect(ok).toHaveLength(3);
    expect(new Set(refused)).toEqual(new Set(['sold_out']));
    const inv = await readAvailability(t.db, h.hotelId, today, addDays(today, 2));
    expect(inv.filter((r) => r.type_id === h.typeIds.STD).map((r) => r.booked)).toEqual([3, 3]);
    const orders = await t.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM stays WHERE hotel_id = $1 AND state = 'confirmed'",
      [h.hotelId],
    );
    expect(orders.rows[0].n).toBe(3);

    // The control: check what is left, then take a room without the conditional update. The same
    // 100 at once now sell more rooms than there are.
    const naive = async () => {
      const left = (await readAvailability(t.db, h.hotelId, today, addDays(today, 1))).find(
        (r) => r.type_id === h.typeIds.CTL,
      )!;
      if (left.rooms - left.out_of_order - left.booked <= 0) return false;
      await t.db.transaction(async (tx) => {
        await tx.query('INSERT INTO room_inventory (type_id, night) VALUES ($1, $2) ON CONFLICT DO NOTHING', [
          h.typeIds.CTL,
          today,
        ]);
        await tx.query('UPDATE room_inventory SET booked = booked + 1 WHERE type_id = $1 AND night = $2', [
          h.typeIds.CTL,
          today,
        ]);
      });
      return true;
    };
    const sold = (await Promise.all(Array.from({ length: 100 }, naive))).filter(Boolean).length;
    console.log(
      `hotel (${backend.name}): 100 bookings for 3 rooms: ${ok.length} sold; control without the lock: ${sold} sold`,
    );
    expect(sold).toBeGreaterThan(3);
  });

  it('gives a room to one of two desks assigning it for overlapping nights; without the constraint both get it', async () => {
    const rt = app.runtime;
    const h = await makeHotel([['STD', 2]]);
    const a = await book(rt, desk, venueId, booking(h.hotelId, { checkOut: addDays(today, 3) }));
    const b = await book(
      rt,
      desk,
      venueId,
      booking(h.hotelId, { checkIn: addDays(today, 2), checkOut: addDays(today, 4) }),
    );
    const room = h.roomIds.STD[0];
    const results = await Promise.allSettled([
      assignRoom(rt, desk, venueId, { venueId, stayId: a.stay.id, roomId: room }),
      assignRoom(rt, desk, venueId, { venueId, stayId: b.stay.id, roomId: room }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason.code).toBe('conflict');
    const held = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM room_assignments WHERE room_id = $1', [
      room,
    ]);
    expect(held.rows[0].n).toBe(1);

    // The control: the same inserts into a copy of the table without the exclusion constraint.
    await t.db.exec('CREATE TABLE IF NOT EXISTS room_assignments_unguarded (LIKE room_assignments INCLUDING DEFAULTS)');
    const both = await Promise.all(
      [a, b].map((s) =>
        t.db.transaction((tx) =>
          insertAssignment(
            tx,
            { stayId: s.stay.id, roomId: room, from: s.stay.checkIn, to: s.stay.checkOut, userId: null },
            'room_assignments_unguarded',
          ),
        ),
      ),
    );
    expect(both).toEqual([true, true]);
    await t.db.exec('DROP TABLE room_assignments_unguarded');
  });

  it('posts each night once when two instances run the night audit at once; without the guard twice', async () => {
    const rt = app.runtime;
    const h = await makeHotel([['STD', 3]]);
    const stays: number[] = [];
    for (const [k, id] of GUEST_IDS.entries()) {
      const s = await book(rt, desk, venueId, booking(h.hotelId, { checkOut: addDays(today, 2) }));
      await checkIn(rt, desk, venueId, {
        venueId,
        stayId: s.stay.id,
        roomId: h.roomIds.STD[k],
        guests: [{ name: `客人${k}`, idNumber: id }],
        deposit: { method: 'cash', amount: 100 },
      });
      stays.push(s.stay.id);
    }
    // A second instance: its own connection pool on PostgreSQL (PGlite is one process's database).
    const second: Database = t.url ? await createDatabase({ databaseUrl: t.url, max: 2 }) : t.db;
    try {
      const input = { venueId, hotelId: h.hotelId, businessDate: today };
      const runs = await Promise.all([
        runNightAudit(rt, desk, venueId, input),
        runNightAudit({ db: second }, CLI_ACTOR, venueId, input),
      ]);
      expect(runs.map((r) => r.ran).sort()).toEqual([false, true]);
      expect(runs.map((r) => r.posted)).toEqual([2, 2]);
    } finally {
      if (second !== t.db) await second.close();
    }
    const nights = await t.db.query<{ stay_id: number; n: number }>(
      "SELECT stay_id, count(*)::int AS n FROM folio_lines WHERE stay_id = ANY($1::bigint[]) AND kind = 'room_night' GROUP BY stay_id ORDER BY stay_id",
      [stays],
    );
    expect(nights.rows.map((r) => r.n)).toEqual([1, 1]);
    const hotel = await t.db.query<{ business_date: string }>('SELECT business_date FROM hotels WHERE id = $1', [
      h.hotelId,
    ]);
    expect(hotel.rows[0].business_date).toBe(addDays(today, 1));
    const audits = await t.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM audit_log WHERE action = 'hotel.night_audit' AND subject_id = $1",
      [String(h.hotelId)],
    );
    expect(audits.rows[0].n).toBe(1);

    // The control: the same posting without the claim and into a folio without the unique index.
    await t.db.exec('CREATE TABLE IF NOT EXISTS folio_lines_unguarded (LIKE folio_lines INCLUDING DEFAULTS)');
    const naive = async () => {
      const inHouse = await listStays(t.db, h.hotelId, { from: today, to: addDays(today, 1), states: ['checked_in'] });
      const lines = inHouse.flatMap((s) =>
        roomNightLines(s, { kind: 'room_only' }, [today], { businessDate: today, userId: null }),
      );
      return t.db.transaction((tx) => insertFolioLines(tx, lines, 'folio_lines_unguarded'));
    };
    expect(await Promise.all([naive(), naive()])).toEqual([2, 2]);
    const doubled = await t.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM folio_lines_unguarded WHERE kind = 'room_night'",
    );
    expect(doubled.rows[0].n).toBe(4);
    await t.db.exec('DROP TABLE folio_lines_unguarded');
  });
});
