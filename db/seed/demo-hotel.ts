import { insertAudit } from '../queries/audit.ts';
import {
  listHotels,
  listRooms,
  transitionStay,
  upsertHotel,
  upsertRatePlan,
  upsertRoom,
  upsertRoomType,
} from '../queries/hotel.ts';
import { readVenueClock } from '../queries/scans.ts';
import type { Database } from '../client.ts';
import { localTime, addDays } from '../../lib/venue-time.ts';
import type { TActor } from '../../server/services/actor.ts';
import { createChannel } from '../../server/services/admin.ts';
import { assignRoom, book, postPayment } from '../../server/services/hotel.ts';
import { runNightAudit } from '../../server/services/hotel-audit.ts';

/**
 * The demo venue's lodge (云岭山居酒店, in the HOTEL zone of db/seed/demo-venue.ts): 5 room types,
 * 60 rooms on 3 floors, rate plans room only, with breakfast and a stay-and-ski package (SKI-DAY
 * passes per guest per day), and a few stays around today so the hotel screens have data:
 * departures, in-house guests and arrivals. Idempotent: a lodge that exists
 * keeps its stays; its types, rooms and plans are brought up to date.
 */

export const DEMO_HOTEL = { code: 'LODGE', nameZh: '云岭山居酒店', nameEn: 'Yunling Mountain Lodge', zone: 'HOTEL' };

/** [code, zh, en, max adults, max children, bed, weekday, weekend, holiday (fen), rooms per floor]. */
const ROOM_TYPES: [string, string, string, number, number, string, number, number, number, number][] = [
  ['STD-K', '标准大床房', 'Standard king', 2, 1, 'king', 48000, 58000, 68000, 7],
  ['STD-T', '标准双床房', 'Standard twin', 2, 1, 'twin', 48000, 58000, 68000, 7],
  ['DLX-K', '山景豪华大床房', 'Deluxe king, mountain view', 2, 1, 'king', 68000, 78000, 98000, 3],
  ['FAM', '家庭房', 'Family room', 2, 2, 'family', 78000, 88000, 108000, 2],
  ['STE', '山居套房', 'Lodge suite', 3, 2, 'king', 128000, 148000, 168000, 1],
];
const FLOORS = [1, 2, 3];

const DEMO_GUESTS = [
  ['张伟', '138 0013 8001'],
  ['王芳', '139 0013 9002'],
  ['李娜', '137 0013 7003'],
  ['刘洋', '136 0013 6004'],
  ['陈静', '135 0013 5005'],
  ['杨帆', '150 0015 0006'],
  ['赵磊', '151 0015 1007'],
  ['黄敏', '152 0015 2008'],
] as const;

export async function seedDemoHotel(
  db: Database,
  actor: TActor,
  venueId: number,
  log: (m: string) => void = () => {},
): Promise<void> {
  const existing = (await listHotels(db, venueId)).find((h) => h.code === DEMO_HOTEL.code);
  const clock = await readVenueClock(db, venueId);
  const today = localTime(new Date(), clock.timezone, clock.resetMinute).day;
  let channelId = (
    await db.query<{ id: number }>("SELECT id FROM channels WHERE venue_id = $1 AND code = 'LODGE-DESK'", [venueId])
  ).rows[0]?.id;
  if (!channelId) {
    const venue = await db.query<{ code: string }>('SELECT code FROM venues WHERE id = $1', [venueId]);
    channelId = (
      await createChannel(db, actor, {
        code: 'LODGE-DESK',
        kind: 'window',
        name: '山居酒店前台 Lodge front desk',
        venue: venue.rows[0].code,
      })
    ).id;
  }
  const zone = await db.query<{ id: number }>('SELECT id FROM zones WHERE venue_id = $1 AND code = $2', [
    venueId,
    DEMO_HOTEL.zone,
  ]);
  const ski = await db.query<{ id: number }>("SELECT id FROM ticket_types WHERE venue_id = $1 AND code = 'SKI-DAY'", [
    venueId,
  ]);
  // A new lodge starts two days back so the demo's departures and in-house guests have had their
  // nights (the night audit rolls it to today below); an existing one keeps its own date.
  const hotelId = await db.transaction(async (tx) => {
    const id = await upsertHotel(tx, {
      venue_id: venueId,
      code: DEMO_HOTEL.code,
      name_zh: DEMO_HOTEL.nameZh,
      name_en: DEMO_HOTEL.nameEn,
      zone_id: zone.rows[0]?.id ?? null,
      channel_id: channelId,
      business_date: existing?.business_date ?? addDays(today, -2),
    });
    for (const [
      sort,
      [code, zh, en, adults, children, bed, rate, weekend, holiday, perFloor],
    ] of ROOM_TYPES.entries()) {
      const typeId = await upsertRoomType(tx, {
        hotel_id: id,
        code,
        name_zh: zh,
        name_en: en,
        max_adults: adults,
        max_children: children,
        bed,
        rate_fen: rate,
        weekend_rate_fen: weekend,
        holiday_rate_fen: holiday,
        sort,
      });
      const first = ROOM_TYPES.slice(0, sort).reduce((n, t) => n + t[9], 0) + 1;
      for (const floor of FLOORS)
        for (let k = 0; k < perFloor; k++)
          await upsertRoom(tx, {
            hotel_id: id,
            type_id: typeId,
            number: `${floor}${String(first + k).padStart(2, '0')}`,
            floor,
          });
    }
    const plan = {
      hotel_id: id,
      breakfast_fen: 0,
      ticket_type_ids: [] as number[],
      child_ticket_type_id: null,
      free_cancel_hours: 24,
      cancel_fee_pct: 100,
      no_show_fee_pct: 100,
      ticket_credit_pct: 100,
      active: true,
    };
    await upsertRatePlan(tx, {
      ...plan,
      code: 'RO',
      name_zh: '仅住宿',
      name_en: 'Room only',
      kind: 'room_only',
      sort: 0,
    });
    await upsertRatePlan(tx, {
      ...plan,
      code: 'BB',
      name_zh: '含早餐',
      name_en: 'Bed and breakfast',
      kind: 'breakfast',
      breakfast_fen: 4800,
      sort: 1,
    });
    if (ski.rows[0])
      await upsertRatePlan(tx, {
        ...plan,
        code: 'SKI',
        name_zh: '住宿+滑雪套餐',
        name_en: 'Stay and ski',
        kind: 'package',
        ticket_type_ids: [ski.rows[0].id],
        free_cancel_hours: 48,
        cancel_fee_pct: 50,
        sort: 2,
      });
    return id;
  });
  const rooms = await listRooms(db, hotelId);
  log(`hotel ${DEMO_HOTEL.code}: ${ROOM_TYPES.length} room types, ${rooms.length} rooms`);
  if (existing) return;

  // The stays: booked, checked in and audited night by night, as the desk would have done.
  const rt = { db };
  const roomOf = (type: string, n: number) => rooms.filter((r) => r.type_code === type)[n];
  let g = 0;
  const bookOne = async (type: string, plan: string, checkIn: string, checkOut: string, adults: number) => {
    const [name, phone] = DEMO_GUESTS[g++ % DEMO_GUESTS.length];
    const r = await book(rt, actor, venueId, {
      venueId,
      hotelId,
      ref: `demo-lodge-${g}`,
      roomType: type,
      ratePlan: plan,
      checkIn,
      checkOut,
      adults,
      guest: { name, phone },
    });
    return r.stay.id;
  };
  const checkInDemo = async (stayId: number, roomId: number) => {
    await assignRoom(rt, actor, venueId, { venueId, stayId, roomId });
    // The demo has no ID-card key at seed time: the guests are registered at the desk on arrival
    // in a real stay; here the stay is marked in house and its deposit taken.
    await db.transaction(async (tx) => {
      await transitionStay(tx, stayId, 'confirmed', 'checked_in', { checked_in_at: 'now()' });
      await insertAudit(tx, {
        actorKind: actor.kind,
        actorId: actor.id,
        actorLabel: actor.label,
        action: 'hotel.check_in',
        venueId,
        subjectKind: 'stay',
        subjectId: stayId,
        after: { state: 'checked_in', demo: true },
      });
    });
    await postPayment(rt, actor, venueId, {
      venueId,
      stayId,
      payment: { method: 'wechat', amount: 500, reference: `DEMO-${stayId}` },
      deposit: true,
    });
  };
  const audit = (businessDate: string) => runNightAudit(rt, actor, venueId, { venueId, hotelId, businessDate });

  const d0 = addDays(today, -2);
  const departing = [await bookOne('STD-K', 'BB', d0, today, 2), await bookOne('DLX-K', 'RO', d0, today, 2)];
  await checkInDemo(departing[0], roomOf('STD-K', 0).id);
  await checkInDemo(departing[1], roomOf('DLX-K', 0).id);
  await audit(d0);
  const inHouse = [
    await bookOne('STD-T', 'BB', addDays(today, -1), addDays(today, 2), 2),
    await bookOne('FAM', 'RO', addDays(today, -1), addDays(today, 1), 2),
  ];
  await checkInDemo(inHouse[0], roomOf('STD-T', 0).id);
  await checkInDemo(inHouse[1], roomOf('FAM', 0).id);
  await audit(addDays(today, -1));
  // Today: one more in house already, and arrivals still expected (one with its room assigned).
  // No package is booked here: its park tickets would count in today's sales of every database
  // the demo seed starts (tests included); the desk and the simulator book packages.
  const early = await bookOne('STE', 'BB', today, addDays(today, 3), 2);
  await checkInDemo(early, roomOf('STE', 0).id);
  const arrivals = [
    await bookOne('STD-K', 'RO', today, addDays(today, 1), 1),
    await bookOne('STD-T', 'BB', today, addDays(today, 2), 2),
    await bookOne('DLX-K', 'BB', today, addDays(today, 2), 2),
  ];
  await assignRoom(rt, actor, venueId, { venueId, stayId: arrivals[2], roomId: roomOf('DLX-K', 1).id });
  const stays = [...departing, ...inHouse, early, ...arrivals];
  log(
    `hotel ${DEMO_HOTEL.code}: ${stays.length} demo stays (${departing.length} departing, ${inHouse.length + 1} in house, ${arrivals.length} arriving)`,
  );
}
