import { z } from 'zod';
import type { Queryable } from '../../db/client.ts';
import { type BlockRow, type HotelRow, listBlocks, listHotels } from '../../db/queries/hotel.ts';
import {
  listRackBars,
  listRackRooms,
  listRackUnassigned,
  type RackBarRow,
  type RackUnassignedRow,
} from '../../db/queries/hotel-rack.ts';
import { AppError, parseInput } from '../../lib/errors.ts';
import { nightsOf } from '../../lib/hotel/rules.ts';
import { getOrInsert } from '../../lib/map.ts';
import { ZDate } from '../../lib/schemas/order.ts';
import { addDays } from '../../lib/venue-time.ts';

/**
 * The room rack (房态图) and the housekeeping board (客房): read-only views over the hotel's model
 * (db/migrations/0017_hotel.sql); every change they lead to goes through the hotel services
 * (book, assignRoom, moveRoom, extend, markRoom, blockRoom), which audit it. docs/hotel.md.
 */

/** The desk's rack shows two weeks; a month at most per read (the screen pages by a week). */
export const RACK_NIGHTS = 14;
const RACK_MAX_NIGHTS = 31;
/** Blocks the housekeeping board lists ahead of today (nights). */
const BOARD_BLOCK_NIGHTS = 60;

const ZId = z.number().int().positive();

export const ZRack = z
  .object({
    venueId: ZId,
    /** Omitted: the venue's first hotel (most venues have one). */
    hotelId: ZId.optional(),
    /** The first night shown; omitted: the hotel's business date. */
    from: ZDate.optional(),
    nights: z.number().int().min(1).max(RACK_MAX_NIGHTS).default(RACK_NIGHTS),
  })
  .strict();

export const ZHousekeepingBoard = z.object({ venueId: ZId, hotelId: ZId.optional() }).strict();

/** The hotel named, or the venue's first; the venue's hotels for the screen's picker. */
async function hotelAndList(db: Queryable, venueId: number, hotelId: number | undefined) {
  // The venue's hotels are few: the one named is found among them (another venue's is not there).
  const hotels = await listHotels(db, venueId);
  const hotel: HotelRow | undefined = hotelId === undefined ? hotels[0] : hotels.find((h) => h.id === hotelId);
  if (!hotel)
    throw new AppError(
      'not_found',
      hotelId === undefined ? 'this venue has no hotel' : `hotel ${hotelId} does not exist at this venue`,
    );
  return {
    hotel,
    hotels: hotels.map((h) => ({ id: h.id, code: h.code, nameZh: h.name_zh, nameEn: h.name_en })),
  };
}

function blocksByRoom(blocks: BlockRow[]) {
  const byRoom = new Map<number, { id: number; kind: BlockRow['kind']; from: string; to: string; reason: string }[]>();
  for (const b of blocks)
    getOrInsert(byRoom, b.room_id, () => []).push({
      id: b.id,
      kind: b.kind,
      from: b.from_night,
      to: b.to_night,
      reason: b.reason,
    });
  return byRoom;
}

const stayFacts = (s: RackBarRow | RackUnassignedRow) => ({
  stayId: s.stay_id,
  state: s.state,
  checkIn: s.check_in,
  checkOut: s.check_out,
  adults: s.adults,
  children: s.children,
  lateArrival: s.late_arrival,
  orderCode: s.order_code,
  guest: s.customer_name,
  ratePlan: s.rate_plan_code,
});

/**
 * The tape chart: every room of the hotel (floor, number, type, housekeeping state) with the stays
 * holding it over `nights` nights from `from` as bars (a bar's from/to are the room's part of the
 * stay), its live blocks, and the confirmed stays of the range without a room. Three indexed reads
 * and the blocks run at once, with the venue's hotels when the hotel and first night are named
 * (otherwise those come first: they say which hotel and night); the shaping is linear in what they return.
 */
export async function rack(db: Queryable, venueId: number, input: unknown) {
  const i = parseInput(ZRack, input, 'room rack');
  const reads = (hotelId: number, from: string, to: string) =>
    Promise.all([
      listRackRooms(db, hotelId),
      listRackBars(db, hotelId, from, to),
      listRackUnassigned(db, hotelId, from, to),
      listBlocks(db, hotelId, from, to),
    ]);
  let found: Awaited<ReturnType<typeof hotelAndList>>;
  let read: Awaited<ReturnType<typeof reads>>;
  if (i.hotelId !== undefined && i.from !== undefined) {
    // Hotel and first night named (as the rack screen asks): the venue's hotels are read beside the
    // rest, one round trip instead of two; when the hotel is not the venue's, what was read is dropped.
    [found, read] = await Promise.all([
      hotelAndList(db, venueId, i.hotelId),
      reads(i.hotelId, i.from, addDays(i.from, i.nights)),
    ]);
  } else {
    found = await hotelAndList(db, venueId, i.hotelId);
    const first = i.from ?? found.hotel.business_date;
    read = await reads(found.hotel.id, first, addDays(first, i.nights));
  }
  const { hotel, hotels } = found;
  const from = i.from ?? hotel.business_date;
  const to = addDays(from, i.nights);
  const [rooms, bars, unassigned, blocks] = read;
  const barsOf = new Map<number, ReturnType<typeof bar>[]>();
  // Written out rather than spread from stayFacts: a spread per bar cost ~2.5 µs (3 ms for the
  // 1,250 bars of a fortnight of past stays), more than the rest of the shaping together.
  const bar = (b: RackBarRow) => ({
    stayId: b.stay_id,
    state: b.state,
    checkIn: b.check_in,
    checkOut: b.check_out,
    adults: b.adults,
    children: b.children,
    lateArrival: b.late_arrival,
    orderCode: b.order_code,
    guest: b.customer_name,
    ratePlan: b.rate_plan_code,
    from: b.from_night,
    to: b.to_night,
  });
  for (const b of bars) getOrInsert(barsOf, b.room_id, () => []).push(bar(b));
  const blocksOf = blocksByRoom(blocks);
  const types = new Map<number, { id: number; code: string; nameZh: string; nameEn: string }>();
  for (const r of rooms)
    getOrInsert(types, r.type_id, () => ({
      id: r.type_id,
      code: r.type_code,
      nameZh: r.type_name_zh,
      nameEn: r.type_name_en,
    }));
  return {
    hotels,
    hotel: { id: hotel.id, code: hotel.code, nameZh: hotel.name_zh, nameEn: hotel.name_en },
    businessDate: hotel.business_date,
    from,
    to,
    nights: nightsOf(from, to),
    roomTypes: [...types.values()],
    rooms: rooms.map((r) => ({
      id: r.id,
      number: r.number,
      floor: r.floor,
      typeId: r.type_id,
      roomType: r.type_code,
      housekeeping: r.housekeeping,
      active: r.active,
      bars: barsOf.get(r.id) ?? [],
      blocks: blocksOf.get(r.id) ?? [],
    })),
    unassigned: unassigned.map((s) => ({
      ...stayFacts(s),
      typeId: s.type_id,
      roomType: types.get(s.type_id)?.code ?? null,
    })),
  };
}

/**
 * The housekeeping board (客房, on a phone): each room's state, whether a guest arrives or leaves
 * today (the hotel's business date) or stays on, and its live and coming blocks. It names no guest:
 * housekeeping needs the room, not who is in it.
 */
export async function housekeepingBoard(db: Queryable, venueId: number, input: unknown) {
  const i = parseInput(ZHousekeepingBoard, input, 'housekeeping board');
  const { hotel, hotels } = await hotelAndList(db, venueId, i.hotelId);
  const d = hotel.business_date;
  // Last night and tonight: a bar ending today is a departure, one starting today an arrival.
  const [rooms, bars, blocks] = await Promise.all([
    listRackRooms(db, hotel.id),
    listRackBars(db, hotel.id, addDays(d, -1), addDays(d, 1)),
    listBlocks(db, hotel.id, d, addDays(d, BOARD_BLOCK_NIGHTS)),
  ]);
  const blocksOf = blocksByRoom(blocks);
  const today = new Map<number, { arrival: boolean; departure: 'due' | 'left' | null; occupied: boolean }>();
  for (const b of bars) {
    const t = getOrInsert(today, b.room_id, () => ({ arrival: false, departure: null, occupied: false }));
    if (b.to_night === d && b.check_out === d)
      t.departure = b.state === 'checked_out' ? 'left' : b.state === 'checked_in' ? 'due' : t.departure;
    if (b.from_night <= d && b.to_night > d) {
      if (b.state === 'checked_in') t.occupied = true;
      if (b.state === 'confirmed' && b.check_in <= d) t.arrival = true;
    }
  }
  return {
    hotels,
    hotel: { id: hotel.id, code: hotel.code, nameZh: hotel.name_zh, nameEn: hotel.name_en },
    businessDate: d,
    floors: [...new Set(rooms.map((r) => r.floor))],
    rooms: rooms.map((r) => ({
      id: r.id,
      number: r.number,
      floor: r.floor,
      roomType: r.type_code,
      typeNameZh: r.type_name_zh,
      typeNameEn: r.type_name_en,
      housekeeping: r.housekeeping,
      active: r.active,
      ...(today.get(r.id) ?? { arrival: false, departure: null, occupied: false }),
      blocks: blocksOf.get(r.id) ?? [],
    })),
  };
}
