import { randomUUID } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../db/migrate.ts';
import { upsertHotel, upsertRatePlan, upsertRoom, upsertRoomType } from '../../db/queries/hotel.ts';
import { findUserForSignIn } from '../../db/queries/users.ts';
import type { TScanAck } from '../../lib/schemas/scan.ts';
import { addDays } from '../../lib/venue-time.ts';
import { connectSocket, startTestApp } from '../../tests/helpers/app.ts';
import { backends, type TestDb } from '../../tests/helpers/backends.ts';
import { addTicketType, venueToday } from '../../tests/helpers/venue.ts';
import type { App } from '../app.ts';
import { CLI_ACTOR, type TActor } from '../services/actor.ts';
import { createDevice } from '../services/admin.ts';
import { checkAtDesk } from '../services/front-desk.ts';
import { book, checkIn, departEarly, revertStay } from '../services/hotel.ts';
import { runNightAudit } from '../services/hotel-audit.ts';
import { DEMO_PASSWORD, seedDemo } from '../services/seed.ts';
import { idWithCheck } from '../../tests/helpers/id-card.ts';

/**
 * A package's park tickets are activated by the stay (issue 13): through the real device protocol,
 * a gate refuses them `not_activated` until the guest checks in at the hotel, admits them then (on
 * the stay's days only), and refuses the next day's ticket once an early departure voided it. An
 * offline gate cannot know: it admits, and its upload is recorded as a conflict `not_activated`.
 */

const GUEST_IDS = [idWithCheck('11010519850312001'), idWithCheck('31010419900722002')];

describe.each(backends())('package tickets activated by the stay on $name', (backend) => {
  let t: TestDb;
  let app: App;
  let venueId: number;
  let desk: TActor;
  let hotelId: number;
  const roomIds: number[] = [];
  let mainGateId: number;
  const sockets: Socket[] = [];
  const today = venueToday();
  let seq = 0;
  const id = (p: string) => `${p}-${process.pid}-${++seq}`;
  const now = () => new Date().toISOString();

  async function gate(code: string): Promise<Socket> {
    const { token } = await createDevice(t.db, CLI_ACTOR, { gate: code });
    const s = await connectSocket(`${app.url}/gates`, { auth: { token } });
    sockets.push(s);
    return s;
  }
  const scan = (s: Socket, code: string, direction: 'in' | 'out' = 'in') =>
    s.emitWithAck('scan', { id: id('s'), code, direction, at: now() }) as Promise<TScanAck>;
  const rejectsFor = async (reason: string) =>
    (
      await t.db.query<{ n: number }>(
        'SELECT COALESCE((rejects_by_reason->>$3)::int, 0) AS n FROM daily_counters WHERE venue_id = $1 AND day = $2',
        [venueId, today, reason],
      )
    ).rows[0]?.n ?? 0;

  beforeAll(async () => {
    t = await backend.create();
    await migrate(t.db);
    await seedDemo(t.db, `/tmp/tw-hotel-gates-${backend.name}-${process.pid}`, CLI_ACTOR);
    venueId = (await t.db.query<{ id: number }>("SELECT id FROM venues WHERE code = 'YUNLING'")).rows[0].id;
    const windowId = (await t.db.query<{ id: number }>("SELECT id FROM channels WHERE code = 'WINDOW-1'")).rows[0].id;
    mainGateId = (await t.db.query<{ id: number }>("SELECT id FROM gates WHERE code = 'MG-01'")).rows[0].id;
    // A lodge guest goes in and out of the park during the stay: multi-entry, with anti-passback.
    const parkTypeId = await addTicketType(t.db, venueId, 'HG-PARK', { price_fen: 10000, entry_policy: 'multi' });
    const u = (await findUserForSignIn(t.db, 'frontdesk@demo.tidewatch'))!;
    desk = { kind: 'user', id: u.id, label: u.email };
    // A hotel of its own (its business date moves with the night audit) with one room and a package.
    hotelId = await upsertHotel(t.db, {
      venue_id: venueId,
      code: 'HGATE',
      name_zh: '闸机测试酒店',
      name_en: 'Gate test lodge',
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
      max_children: 0,
      bed: 'twin',
      rate_fen: 40000,
      weekend_rate_fen: null,
      holiday_rate_fen: null,
      sort: 0,
    });
    for (const number of ['101', '102'])
      roomIds.push(await upsertRoom(t.db, { hotel_id: hotelId, type_id: typeId, number, floor: 1 }));
    await upsertRatePlan(t.db, {
      hotel_id: hotelId,
      code: 'PKG',
      name_zh: '住宿含门票',
      name_en: 'Room and park',
      kind: 'package',
      breakfast_fen: 0,
      ticket_type_ids: [parkTypeId],
      child_ticket_type_id: null,
      free_cancel_hours: 24,
      cancel_fee_pct: 100,
      no_show_fee_pct: 100,
      ticket_credit_pct: 100,
      active: true,
      sort: 0,
    });
    app = await startTestApp(t.db);
  });
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await app?.close();
    await t?.cleanup();
  });

  const bookPackage = (adults: number, nights: number, name: string) =>
    book(app.runtime, desk, venueId, {
      venueId,
      hotelId,
      ref: `hg-${randomUUID()}`,
      roomType: 'STD',
      ratePlan: 'PKG',
      checkIn: today,
      checkOut: addDays(today, nights),
      adults,
      guest: { name, phone: '139 0000 1313' },
    });
  const checkInAt = (stayId: number, room: number, names: string[]) =>
    checkIn(app.runtime, desk, venueId, {
      venueId,
      stayId,
      roomId: room,
      guests: names.map((name, i) => ({ name, idNumber: GUEST_IDS[i] })),
      deposit: { method: 'cash', amount: 500 },
    });
  const atDesk = (code: string) =>
    checkAtDesk(app.runtime, { gateId: mainGateId, presented: { code }, direction: 'in' });

  // Before the other test: its night audit rolls the hotel's business date past today's check-ins.
  it('a supervisor reverting the check-in takes the activation back', async () => {
    const booked = await bookPackage(1, 1, '郑禾');
    const [code] = booked.stay.tickets.map((x) => x.code);
    await checkInAt(booked.stay.id, roomIds[1], ['郑禾']);
    const main = await gate('MG-01');
    expect(await scan(main, code)).toMatchObject({ result: 'admit' });
    expect(await scan(main, code, 'out')).toMatchObject({ result: 'admit' });
    await revertStay(app.runtime, desk, venueId, {
      venueId,
      stayId: booked.stay.id,
      what: 'check_in',
      override: { supervisor: { email: 'manager@demo.tidewatch', password: DEMO_PASSWORD }, reason: 'wrong stay' },
    });
    expect(await scan(main, code)).toMatchObject({ result: 'reject', reason: 'not_activated' });
  });

  it('refuses a package ticket until check-in, admits it on its day, and refuses the day an early departure voided', async () => {
    const rt = app.runtime;
    const booked = await bookPackage(2, 2, '周山');
    const stayId = booked.stay.id;
    const codes = (day: string) => booked.stay.tickets.filter((x) => x.date === day).map((x) => x.code);
    const [mine, theirs] = codes(today);
    const [tomorrow] = codes(addDays(today, 1));
    expect([mine, theirs, tomorrow].every(Boolean)).toBe(true);

    const main = await gate('MG-01');
    const rejectsBefore = await rejectsFor('not_activated');
    // Booked, not checked in: the gate says why, and the check-in desk says the same.
    expect(await scan(main, mine)).toMatchObject({ result: 'reject', reason: 'not_activated' });
    expect(await rejectsFor('not_activated')).toBe(rejectsBefore + 1);
    expect(await atDesk(mine)).toMatchObject({ found: true, decision: { result: 'reject', reason: 'not_activated' } });

    // An offline gate cannot know: it let the second guest in; the upload is a conflict not_activated.
    const offline = await gate('MG-02');
    const upload = { id: id('off'), code: theirs, direction: 'in', at: now(), local: 'admit' };
    const { results } = (await offline.emitWithAck('scan:batch', { scans: [upload] })) as { results: TScanAck[] };
    expect(results[0]).toMatchObject({ result: 'admit', recorded: true, conflict: true });
    const row = await t.db.query<{ result: string; reason: string; conflict: boolean }>(
      'SELECT result, reason, conflict FROM gate_scans WHERE scan_id = $1',
      [upload.id],
    );
    expect(row.rows).toEqual([{ result: 'admit', reason: 'not_activated', conflict: true }]);
    // Counted in: the guest walked through, and leaves like anyone.
    expect(await scan(offline, theirs, 'out')).toMatchObject({ result: 'admit' });

    // Checked in at the hotel: today's tickets admit, tomorrow's is not valid today.
    await checkInAt(stayId, roomIds[0], ['周山', '周水']);
    expect(await atDesk(mine)).toMatchObject({ decision: { result: 'admit' } });
    expect(await scan(main, mine)).toMatchObject({ result: 'admit' });
    expect(await scan(main, theirs)).toMatchObject({ result: 'admit' });
    expect(await scan(main, tomorrow)).toMatchObject({ result: 'reject', reason: 'not_valid_today' });

    // The night audit rolls the hotel's date; the guest departs the next morning: tomorrow's ticket is void.
    await runNightAudit(rt, desk, venueId, { venueId, hotelId, businessDate: today });
    const left = await departEarly(rt, desk, venueId, { venueId, stayId, reason: 'weather' });
    expect(left.tickets.filter((x) => x.status === 'refunded').map((x) => x.code)).toContain(tomorrow);
    expect(await scan(main, tomorrow)).toMatchObject({ result: 'reject', reason: 'refunded' });
    expect(await atDesk(tomorrow)).toMatchObject({ decision: { result: 'reject', reason: 'refunded' } });
    // Today's, used already, still lets its guest out.
    expect(await scan(main, mine, 'out')).toMatchObject({ result: 'admit' });
  });
});
