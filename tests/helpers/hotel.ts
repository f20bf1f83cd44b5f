import type { Queryable } from '../../db/client.ts';
import { upsertHotel, upsertRatePlan, upsertRoom, upsertRoomType } from '../../db/queries/hotel.ts';

export interface TTestHotel {
  hotelId: number;
  code: string;
  typeIds: Record<string, number>;
  roomIds: Record<string, number[]>;
}

/**
 * A hotel of a test's own, so tests do not share the demo lodge (the night audit moves a hotel's
 * business date): room types `[code, rooms]` (2 adults and 1 child, ¥500 a night, ¥600 at the
 * weekend), their rooms numbered by floor (`100`, `101`… on floor 1 for the first type), and the
 * plans RO (room only), BB (breakfast ¥50 a guest) and PKG (the park ticket type per guest and day).
 */
export async function makeTestHotel(
  db: Queryable,
  o: {
    venueId: number;
    /** The desk's window channel its bookings are orders of. */
    channelId: number;
    businessDate: string;
    code: string;
    nameZh?: string;
    nameEn?: string;
    types: [string, number][];
    parkTypeId: number;
    /** The zone the hotel stands in (its checked-in guests are placed there); none by default. */
    zoneId?: number;
  },
): Promise<TTestHotel> {
  const hotelId = await upsertHotel(db, {
    venue_id: o.venueId,
    code: o.code,
    name_zh: o.nameZh ?? o.code,
    name_en: o.nameEn ?? o.code,
    zone_id: o.zoneId ?? null,
    channel_id: o.channelId,
    business_date: o.businessDate,
  });
  const typeIds: Record<string, number> = {};
  const roomIds: Record<string, number[]> = {};
  for (const [sort, [tc, n]] of o.types.entries()) {
    typeIds[tc] = await upsertRoomType(db, {
      hotel_id: hotelId,
      code: tc,
      name_zh: tc,
      name_en: tc,
      max_adults: 2,
      max_children: 1,
      bed: 'king',
      rate_fen: 50000,
      weekend_rate_fen: 60000,
      holiday_rate_fen: null,
      sort,
    });
    roomIds[tc] = [];
    for (let k = 0; k < n; k++)
      roomIds[tc].push(
        await upsertRoom(db, {
          hotel_id: hotelId,
          type_id: typeIds[tc],
          number: `${sort + 1}${String(k).padStart(2, '0')}`,
          floor: sort + 1,
        }),
      );
  }
  const plan = {
    hotel_id: hotelId,
    breakfast_fen: 0,
    ticket_type_ids: [] as number[],
    child_ticket_type_id: null,
    free_cancel_hours: 24,
    cancel_fee_pct: 100,
    no_show_fee_pct: 100,
    ticket_credit_pct: 100,
    active: true,
    sort: 0,
  };
  await upsertRatePlan(db, { ...plan, code: 'RO', name_zh: '仅住宿', name_en: 'Room only', kind: 'room_only' });
  await upsertRatePlan(db, {
    ...plan,
    code: 'BB',
    name_zh: '含早',
    name_en: 'B&B',
    kind: 'breakfast',
    breakfast_fen: 5000,
  });
  await upsertRatePlan(db, {
    ...plan,
    code: 'PKG',
    name_zh: '套餐',
    name_en: 'Package',
    kind: 'package',
    ticket_type_ids: [o.parkTypeId],
  });
  return { hotelId, code: o.code, typeIds, roomIds };
}
