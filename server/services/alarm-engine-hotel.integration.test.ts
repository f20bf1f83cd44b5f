import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../db/migrate.ts';
import type { AlarmRow } from '../../db/queries/alarms.ts';
import { readHotelNights } from '../../db/queries/hotel-wall.ts';
import { upsertHotel, upsertRatePlan, upsertRoom, upsertRoomType } from '../../db/queries/hotel.ts';
import { findUserForSignIn } from '../../db/queries/users.ts';
import { addDays } from '../../lib/venue-time.ts';
import { backends, type TestDb } from '../../tests/helpers/backends.ts';
import { venueToday } from '../../tests/helpers/venue.ts';
import { createSharedState } from '../shared/shared-state.ts';
import { CLI_ACTOR, type TActor } from './actor.ts';
import { AlarmEngine } from './alarm-engine.ts';
import { blockRoom, book, releaseBlock } from './hotel.ts';
import { seedDemo } from './seed.ts';

/**
 * The hotel's alarm (issue 13): a booking never oversells a night, but an out-of-order block taken
 * after the rooms were sold can leave tonight with more rooms booked than rooms to give. The engine
 * raises `hotel_overbooked` (critical, value: rooms short) on the hotel, and clears it when the
 * block is released. The wall's hotel figures (readHotelNights) say the same.
 */
describe.each(backends())('hotel overbooking alarm on $name', (backend) => {
  let t: TestDb;
  let venueId: number;
  let hotelId: number;
  const rooms: number[] = [];
  let desk: TActor;
  let engine: AlarmEngine;
  const changes: number[][] = [];
  const shared = createSharedState({ logger: pino({ level: 'silent' }) });
  const today = venueToday();

  const alarm = async () =>
    (
      await t.db.query<AlarmRow>(
        "SELECT * FROM alarms WHERE subject_kind = 'hotel' AND subject_id = $1 AND kind = 'hotel_overbooked' AND state <> 'cleared'",
        [hotelId],
      )
    ).rows[0];
  const tonight = async () => (await readHotelNights(t.db, venueId)).find((h) => h.hotel_id === hotelId)!;

  beforeAll(async () => {
    t = await backend.create();
    await migrate(t.db);
    await seedDemo(t.db, `/tmp/tw-alarm-hotel-${backend.name}-${process.pid}`, CLI_ACTOR);
    venueId = (await t.db.query<{ id: number }>("SELECT id FROM venues WHERE code = 'YUNLING'")).rows[0].id;
    const windowId = (await t.db.query<{ id: number }>("SELECT id FROM channels WHERE code = 'WINDOW-1'")).rows[0].id;
    const u = (await findUserForSignIn(t.db, 'frontdesk@demo.tidewatch'))!;
    desk = { kind: 'user', id: u.id, label: u.email };
    hotelId = await upsertHotel(t.db, {
      venue_id: venueId,
      code: 'HALARM',
      name_zh: '超订测试酒店',
      name_en: 'Overbooking test lodge',
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
      bed: 'king',
      rate_fen: 40000,
      weekend_rate_fen: null,
      holiday_rate_fen: null,
      sort: 0,
    });
    for (const number of ['201', '202', '203'])
      rooms.push(await upsertRoom(t.db, { hotel_id: hotelId, type_id: typeId, number, floor: 2 }));
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
    engine = new AlarmEngine({
      db: t.db,
      shared,
      logger: pino({ level: 'silent' }),
      holdDownS: 0,
      escalateAfterS: 3600,
      heartbeatTimeoutS: 600,
      onChange: (v) => changes.push(v),
    });
  });
  afterAll(async () => {
    await shared.close();
    await t?.cleanup();
  });

  it('raises hotel_overbooked when out-of-order blocks leave fewer rooms than were sold tonight, and clears it on release', async () => {
    const rt = { db: t.db };
    // Two of three rooms sold for tonight, at type level (no room assigned yet).
    for (const name of ['甲', '乙'])
      await book(rt, desk, venueId, {
        venueId,
        hotelId,
        ref: `ha-${randomUUID()}`,
        roomType: 'STD',
        ratePlan: 'RO',
        checkIn: today,
        checkOut: addDays(today, 1),
        adults: 1,
        guest: { name, phone: '139 0000 2020' },
      });
    await engine.tick();
    expect(await alarm()).toBeUndefined();
    expect(await tonight()).toMatchObject({ rooms: 3, out_of_order: 0, booked: 2, overbooked: 0, arrivals: 2 });

    // One room out of order: still a room for everyone.
    const night = { kind: 'out_of_order' as const, from: today, to: addDays(today, 1), reason: 'leak' };
    const first = await blockRoom(rt, desk, venueId, { venueId, roomId: rooms[0], ...night });
    await engine.tick();
    expect(await alarm()).toBeUndefined();
    // A second: two sold, one to give.
    const second = await blockRoom(rt, desk, venueId, { venueId, roomId: rooms[1], ...night });
    changes.length = 0;
    await engine.tick();
    expect(await alarm()).toMatchObject({ venue_id: venueId, severity: 'critical', value: 1, threshold: 1 });
    expect(changes.flat()).toContain(venueId);
    expect(await tonight()).toMatchObject({ rooms: 3, out_of_order: 2, booked: 2, overbooked: 1 });
    // Only tonight counts: tomorrow's blocks on an empty night are no alarm (the block above ends tonight).
    await blockRoom(rt, desk, venueId, {
      venueId,
      roomId: rooms[2],
      kind: 'out_of_order',
      from: addDays(today, 1),
      to: addDays(today, 2),
      reason: 'paint',
    });
    await engine.tick();
    expect(await alarm()).toMatchObject({ value: 1 });

    await releaseBlock(rt, desk, venueId, { venueId, blockId: second.id });
    await engine.tick();
    expect(await alarm()).toBeUndefined();
    await releaseBlock(rt, desk, venueId, { venueId, blockId: first.id });
  });
});
