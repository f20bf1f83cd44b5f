import type { Queryable } from '../client.ts';

/*
 * The hotel's SQL (db/migrations/0017_hotel.sql): hotels, room types, rooms, rate plans, the
 * per-night inventory, stays and their room assignments, guests, folio lines and night audits.
 * The rules are in lib/hotel/rules.ts and the services in server/services/hotel*.ts.
 */

export interface HotelRow {
  id: number;
  venue_id: number;
  code: string;
  name_zh: string;
  name_en: string;
  zone_id: number | null;
  channel_id: number;
  check_in_time: string;
  check_out_time: string;
  business_date: string;
}

const HOTEL_COLS = `id, venue_id, code, name_zh, name_en, zone_id, channel_id, to_char(check_in_time, 'HH24:MI') AS check_in_time,
  to_char(check_out_time, 'HH24:MI') AS check_out_time, business_date`;

export async function listHotels(db: Queryable, venueId: number): Promise<HotelRow[]> {
  const r = await db.query<HotelRow>(`SELECT ${HOTEL_COLS} FROM hotels WHERE venue_id = $1 ORDER BY code`, [venueId]);
  return r.rows;
}

export async function findHotel(db: Queryable, id: number, forUpdate = false): Promise<HotelRow | undefined> {
  const r = await db.query<HotelRow>(
    `SELECT ${HOTEL_COLS} FROM hotels WHERE id = $1${forUpdate ? ' FOR UPDATE' : ''}`,
    [id],
  );
  return r.rows[0];
}

/** Creates or updates a hotel by (venue, code); a new hotel's business date is the given one. */
export async function upsertHotel(
  db: Queryable,
  h: Omit<HotelRow, 'id' | 'check_in_time' | 'check_out_time'> & { check_in_time?: string; check_out_time?: string },
): Promise<number> {
  const r = await db.query<{ id: number }>(
    `INSERT INTO hotels (venue_id, code, name_zh, name_en, zone_id, channel_id, check_in_time, check_out_time, business_date)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (venue_id, code) DO UPDATE SET name_zh = EXCLUDED.name_zh, name_en = EXCLUDED.name_en,
       zone_id = EXCLUDED.zone_id, channel_id = EXCLUDED.channel_id, check_in_time = EXCLUDED.check_in_time,
       check_out_time = EXCLUDED.check_out_time
     RETURNING id`,
    [
      h.venue_id,
      h.code,
      h.name_zh,
      h.name_en,
      h.zone_id,
      h.channel_id,
      h.check_in_time ?? '14:00',
      h.check_out_time ?? '12:00',
      h.business_date,
    ],
  );
  return r.rows[0].id;
}

export interface RoomTypeRow {
  id: number;
  hotel_id: number;
  code: string;
  name_zh: string;
  name_en: string;
  max_adults: number;
  max_children: number;
  bed: string;
  rate_fen: number;
  weekend_rate_fen: number | null;
  holiday_rate_fen: number | null;
  sort: number;
}

export async function listRoomTypes(db: Queryable, hotelId: number): Promise<RoomTypeRow[]> {
  const r = await db.query<RoomTypeRow>(
    `SELECT id, hotel_id, code, name_zh, name_en, max_adults, max_children, bed, rate_fen, weekend_rate_fen, holiday_rate_fen, sort
     FROM room_types WHERE hotel_id = $1 ORDER BY sort, code`,
    [hotelId],
  );
  return r.rows;
}

export async function upsertRoomType(db: Queryable, t: Omit<RoomTypeRow, 'id'>): Promise<number> {
  const r = await db.query<{ id: number }>(
    `INSERT INTO room_types (hotel_id, code, name_zh, name_en, max_adults, max_children, bed, rate_fen, weekend_rate_fen, holiday_rate_fen, sort)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
     ON CONFLICT (hotel_id, code) DO UPDATE SET name_zh = EXCLUDED.name_zh, name_en = EXCLUDED.name_en,
       max_adults = EXCLUDED.max_adults, max_children = EXCLUDED.max_children, bed = EXCLUDED.bed, rate_fen = EXCLUDED.rate_fen,
       weekend_rate_fen = EXCLUDED.weekend_rate_fen, holiday_rate_fen = EXCLUDED.holiday_rate_fen, sort = EXCLUDED.sort
     RETURNING id`,
    [
      t.hotel_id,
      t.code,
      t.name_zh,
      t.name_en,
      t.max_adults,
      t.max_children,
      t.bed,
      t.rate_fen,
      t.weekend_rate_fen,
      t.holiday_rate_fen,
      t.sort,
    ],
  );
  return r.rows[0].id;
}

export interface RoomRow {
  id: number;
  hotel_id: number;
  type_id: number;
  type_code: string;
  number: string;
  floor: number;
  housekeeping: 'clean' | 'dirty' | 'inspected';
  active: boolean;
}

const ROOM_COLS = `r.id, r.hotel_id, r.type_id, t.code AS type_code, r.number, r.floor, r.housekeeping, r.active`;

export async function listRooms(db: Queryable, hotelId: number): Promise<RoomRow[]> {
  const r = await db.query<RoomRow>(
    `SELECT ${ROOM_COLS} FROM rooms r JOIN room_types t ON t.id = r.type_id WHERE r.hotel_id = $1 ORDER BY r.floor, r.number`,
    [hotelId],
  );
  return r.rows;
}

export async function findRoom(db: Queryable, id: number, forUpdate = false): Promise<RoomRow | undefined> {
  const r = await db.query<RoomRow>(
    `SELECT ${ROOM_COLS} FROM rooms r JOIN room_types t ON t.id = r.type_id WHERE r.id = $1${forUpdate ? ' FOR UPDATE OF r' : ''}`,
    [id],
  );
  return r.rows[0];
}

export async function upsertRoom(
  db: Queryable,
  room: { hotel_id: number; type_id: number; number: string; floor: number },
): Promise<number> {
  const r = await db.query<{ id: number }>(
    `INSERT INTO rooms (hotel_id, type_id, number, floor) VALUES ($1, $2, $3, $4)
     ON CONFLICT (hotel_id, number) DO UPDATE SET type_id = EXCLUDED.type_id, floor = EXCLUDED.floor RETURNING id`,
    [room.hotel_id, room.type_id, room.number, room.floor],
  );
  return r.rows[0].id;
}

export async function setHousekeeping(tx: Queryable, roomId: number, state: string): Promise<void> {
  await tx.query('UPDATE rooms SET housekeeping = $2 WHERE id = $1', [roomId, state]);
}

export interface RatePlanRow {
  id: number;
  hotel_id: number;
  code: string;
  name_zh: string;
  name_en: string;
  kind: 'room_only' | 'breakfast' | 'package';
  breakfast_fen: number;
  ticket_type_ids: number[];
  child_ticket_type_id: number | null;
  free_cancel_hours: number;
  cancel_fee_pct: number;
  no_show_fee_pct: number;
  ticket_credit_pct: number;
  active: boolean;
  sort: number;
}

const PLAN_COLS = `id, hotel_id, code, name_zh, name_en, kind, breakfast_fen, ticket_type_ids, child_ticket_type_id, free_cancel_hours,
  cancel_fee_pct, no_show_fee_pct, ticket_credit_pct, active, sort`;

export async function listRatePlans(db: Queryable, hotelId: number): Promise<RatePlanRow[]> {
  const r = await db.query<RatePlanRow>(`SELECT ${PLAN_COLS} FROM rate_plans WHERE hotel_id = $1 ORDER BY sort, code`, [
    hotelId,
  ]);
  return r.rows;
}

export async function findRatePlan(db: Queryable, id: number): Promise<RatePlanRow | undefined> {
  const r = await db.query<RatePlanRow>(`SELECT ${PLAN_COLS} FROM rate_plans WHERE id = $1`, [id]);
  return r.rows[0];
}

export async function upsertRatePlan(db: Queryable, p: Omit<RatePlanRow, 'id'>): Promise<number> {
  const r = await db.query<{ id: number }>(
    `INSERT INTO rate_plans (hotel_id, code, name_zh, name_en, kind, breakfast_fen, ticket_type_ids, child_ticket_type_id, free_cancel_hours,
                             cancel_fee_pct, no_show_fee_pct, ticket_credit_pct, active, sort)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
     ON CONFLICT (hotel_id, code) DO UPDATE SET name_zh = EXCLUDED.name_zh, name_en = EXCLUDED.name_en, kind = EXCLUDED.kind,
       breakfast_fen = EXCLUDED.breakfast_fen, ticket_type_ids = EXCLUDED.ticket_type_ids, child_ticket_type_id = EXCLUDED.child_ticket_type_id,
       free_cancel_hours = EXCLUDED.free_cancel_hours, cancel_fee_pct = EXCLUDED.cancel_fee_pct, no_show_fee_pct = EXCLUDED.no_show_fee_pct,
       ticket_credit_pct = EXCLUDED.ticket_credit_pct, active = EXCLUDED.active, sort = EXCLUDED.sort
     RETURNING id`,
    [
      p.hotel_id,
      p.code,
      p.name_zh,
      p.name_en,
      p.kind,
      p.breakfast_fen,
      p.ticket_type_ids,
      p.child_ticket_type_id,
      p.free_cancel_hours,
      p.cancel_fee_pct,
      p.no_show_fee_pct,
      p.ticket_credit_pct,
      p.active,
      p.sort,
    ],
  );
  return r.rows[0].id;
}

// ---------------------------------------------------------------------------------------------
// Inventory (房量)

export interface AvailabilityRow {
  type_id: number;
  type_code: string;
  night: string;
  rooms: number;
  out_of_order: number;
  booked: number;
}

/**
 * Rooms, out of order and booked per type and night of [from, to), for every type of the hotel
 * (nights never booked have no inventory row yet: 0 booked, 0 out of order), in the types' order
 * (sort, code) and by night. With `venueId`, only when the hotel is that venue's (no rows otherwise).
 * One set-based statement: the active rooms counted per type once (GROUP BY over the hotel's rooms,
 * not a count per type and night), the nights by an integer generate_series (the planner knows
 * there are to − from of them), the inventory rows of the range by its primary key (type, night).
 */
export async function readAvailability(
  db: Queryable,
  hotelId: number,
  from: string,
  to: string,
  venueId?: number,
): Promise<AvailabilityRow[]> {
  const r = await db.query<AvailabilityRow>(
    `SELECT t.id AS type_id, t.code AS type_code, n.night::text AS night, COALESCE(rc.rooms, 0) AS rooms,
            COALESCE(i.out_of_order, 0) AS out_of_order, COALESCE(i.booked, 0) AS booked
     FROM room_types t
     LEFT JOIN (SELECT type_id, count(*)::int AS rooms FROM rooms WHERE hotel_id = $1 AND active GROUP BY type_id) rc
       ON rc.type_id = t.id
     CROSS JOIN (SELECT $2::date + g AS night FROM generate_series(0, $3::date - $2::date - 1) g) n
     LEFT JOIN room_inventory i ON i.type_id = t.id AND i.night = n.night AND i.night >= $2::date AND i.night < $3::date
     WHERE t.hotel_id = $1${venueId === undefined ? '' : ' AND EXISTS (SELECT 1 FROM hotels h WHERE h.id = $1 AND h.venue_id = $4)'}
     ORDER BY t.sort, t.code, n.night`,
    venueId === undefined ? [hotelId, from, to] : [hotelId, from, to, venueId],
  );
  return r.rows;
}

/** The inventory rows of a type for these nights, created when missing (no-op when present). */
export async function ensureInventory(tx: Queryable, typeId: number, nights: string[]): Promise<void> {
  await tx.query(`INSERT INTO room_inventory (type_id, night) SELECT $1, unnest($2::date[]) ON CONFLICT DO NOTHING`, [
    typeId,
    nights,
  ]);
}

/**
 * Takes n rooms of a type for one night in one atomic statement: false when fewer are left
 * (rooms of the type − out of order − booked). Concurrent bookings serialise on the row lock and
 * re-check the condition on the row as the one before them left it, so a night is never oversold.
 */
export async function takeRoomNight(
  tx: Queryable,
  typeId: number,
  night: string,
  n = 1,
): Promise<{ ok: boolean; left: number }> {
  const r = await tx.query<{ night: string }>(
    `UPDATE room_inventory SET booked = booked + $3
     WHERE type_id = $1 AND night = $2
       AND booked + $3 <= (SELECT count(*) FROM rooms WHERE type_id = $1 AND active) - out_of_order
     RETURNING night`,
    [typeId, night, n],
  );
  if (r.rows.length) return { ok: true, left: -1 };
  const q = await tx.query<{ left: number }>(
    `SELECT GREATEST((SELECT count(*) FROM rooms WHERE type_id = $1 AND active) - out_of_order - booked, 0)::int AS left
     FROM room_inventory WHERE type_id = $1 AND night = $2`,
    [typeId, night],
  );
  return { ok: false, left: q.rows[0]?.left ?? 0 };
}

/** Gives nights back to stock (a cancellation, a no-show, an early departure, a move to another type). */
export async function returnRoomNights(tx: Queryable, typeId: number, nights: string[]): Promise<void> {
  if (!nights.length) return;
  await tx.query(
    'UPDATE room_inventory SET booked = GREATEST(booked - 1, 0) WHERE type_id = $1 AND night = ANY($2::date[])',
    [typeId, nights],
  );
}

/** Counts an out-of-order block's nights in (delta 1) or out (delta -1) of the type's inventory. */
export async function shiftOutOfOrder(tx: Queryable, typeId: number, nights: string[], delta: 1 | -1): Promise<void> {
  await ensureInventory(tx, typeId, nights);
  await tx.query(
    `UPDATE room_inventory SET out_of_order = GREATEST(out_of_order + $3, 0) WHERE type_id = $1 AND night = ANY($2::date[])`,
    [typeId, nights, delta],
  );
}

// ---------------------------------------------------------------------------------------------
// Stays

export interface StayRow {
  id: number;
  order_id: number;
  order_code: string | null;
  venue_id: number;
  hotel_id: number;
  type_id: number;
  type_code: string;
  rate_plan_id: number;
  rate_plan_code: string;
  check_in: string;
  check_out: string;
  adults: number;
  children: number;
  state: 'confirmed' | 'checked_in' | 'checked_out' | 'no_show' | 'cancelled';
  room_id: number | null;
  room_number: string | null;
  rates: { night: string; room: number; plan: number }[];
  late_arrival: boolean;
  customer_name: string | null;
  customer_phone: string | null;
  checked_in_at: Date | null;
  checked_out_at: Date | null;
}

const STAY_COLS = `s.id, s.order_id, o.code AS order_code, s.venue_id, s.hotel_id, s.type_id, t.code AS type_code, s.rate_plan_id,
  p.code AS rate_plan_code, s.check_in, s.check_out, s.adults, s.children, s.state, s.room_id, r.number AS room_number, s.rates,
  s.late_arrival, o.customer_name, o.customer_phone, s.checked_in_at, s.checked_out_at`;
const STAY_FROM = `stays s JOIN orders o ON o.id = s.order_id JOIN room_types t ON t.id = s.type_id
  JOIN rate_plans p ON p.id = s.rate_plan_id LEFT JOIN rooms r ON r.id = s.room_id`;

export async function findStay(db: Queryable, id: number, forUpdate = false): Promise<StayRow | undefined> {
  const r = await db.query<StayRow>(
    `SELECT ${STAY_COLS} FROM ${STAY_FROM} WHERE s.id = $1${forUpdate ? ' FOR UPDATE OF s' : ''}`,
    [id],
  );
  return r.rows[0];
}

/** Stays of a hotel touching [from, to), or in one of the states (the today board, the night audit). */
export async function listStays(
  db: Queryable,
  hotelId: number,
  /** overdue: also the stays still in house whose departure date has passed (an overstay). */
  opts: { from: string; to: string; states?: string[]; overdue?: boolean },
): Promise<StayRow[]> {
  const r = await db.query<StayRow>(
    `SELECT ${STAY_COLS} FROM ${STAY_FROM}
     WHERE s.hotel_id = $1
       AND ((s.check_in < $3 AND s.check_out >= $2 AND ($4::text[] IS NULL OR s.state = ANY($4::text[])))
            OR ($5 AND s.state = 'checked_in' AND s.check_out < $2))
     ORDER BY s.check_in, s.id`,
    [hotelId, opts.from, opts.to, opts.states ?? null, opts.overdue ?? false],
  );
  return r.rows;
}

export async function insertStay(
  tx: Queryable,
  s: {
    orderId: number;
    venueId: number;
    hotelId: number;
    typeId: number;
    ratePlanId: number;
    checkIn: string;
    checkOut: string;
    adults: number;
    children: number;
    rates: unknown;
  },
): Promise<number> {
  const r = await tx.query<{ id: number }>(
    `INSERT INTO stays (order_id, venue_id, hotel_id, type_id, rate_plan_id, check_in, check_out, adults, children, rates)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
    [
      s.orderId,
      s.venueId,
      s.hotelId,
      s.typeId,
      s.ratePlanId,
      s.checkIn,
      s.checkOut,
      s.adults,
      s.children,
      JSON.stringify(s.rates),
    ],
  );
  return r.rows[0].id;
}

/**
 * Moves a stay from one state to another, guarded by the state it must be in: false when another
 * desk changed it first. `set` names further columns to set (trusted column names only).
 */
export async function transitionStay(
  tx: Queryable,
  stayId: number,
  from: string,
  to: string,
  set: Partial<Record<'checked_in_at' | 'checked_out_at' | 'cancelled_at', 'now()' | 'NULL'>> = {},
): Promise<boolean> {
  const extra = Object.entries(set)
    .map(([k, v]) => `, ${k} = ${v}`)
    .join('');
  const r = await tx.query(`UPDATE stays SET state = $3${extra} WHERE id = $1 AND state = $2`, [stayId, from, to]);
  return r.rowCount > 0;
}

export async function updateStay(
  tx: Queryable,
  stayId: number,
  s: Partial<{ room_id: number | null; check_out: string; rates: unknown; late_arrival: boolean; type_id: number }>,
): Promise<void> {
  const cols = Object.keys(s) as (keyof typeof s)[];
  if (!cols.length) return;
  await tx.query(`UPDATE stays SET ${cols.map((c, i) => `${c} = $${i + 2}`).join(', ')} WHERE id = $1`, [
    stayId,
    ...cols.map((c) => (c === 'rates' ? JSON.stringify(s[c]) : s[c])),
  ]);
}

// ---------------------------------------------------------------------------------------------
// Room assignments (the exclusion constraint is the rule)

export interface AssignmentRow {
  id: number;
  stay_id: number;
  room_id: number;
  room_number: string;
  from_night: string;
  to_night: string;
}

export async function listAssignments(db: Queryable, stayId: number): Promise<AssignmentRow[]> {
  const r = await db.query<AssignmentRow>(
    `SELECT a.id, a.stay_id, a.room_id, r.number AS room_number, lower(a.nights) AS from_night, upper(a.nights) AS to_night
     FROM room_assignments a JOIN rooms r ON r.id = a.room_id WHERE a.stay_id = $1 ORDER BY lower(a.nights)`,
    [stayId],
  );
  return r.rows;
}

/**
 * Gives a room to a stay for [from, to). The exclusion constraint refuses a room another stay holds
 * for any of these nights: false then (the caller says which room and tells the desk).
 */
export async function insertAssignment(
  tx: Queryable,
  a: { stayId: number; roomId: number; from: string; to: string; userId: number | null },
  table = 'room_assignments',
): Promise<boolean> {
  try {
    await tx.query(
      `INSERT INTO ${table} (stay_id, room_id, nights, assigned_by) VALUES ($1, $2, daterange($3::date, $4::date), $5)`,
      [a.stayId, a.roomId, a.from, a.to, a.userId],
    );
    return true;
  } catch (err) {
    if ((err as { code?: string }).code === '23P01') return false;
    throw err;
  }
}

/** Ends a stay's assignments at `night` (move, early departure): later nights are freed, empty ones removed. */
export async function endAssignmentsAt(tx: Queryable, stayId: number, night: string): Promise<void> {
  await tx.query('DELETE FROM room_assignments WHERE stay_id = $1 AND lower(nights) >= $2', [stayId, night]);
  await tx.query(
    `UPDATE room_assignments SET nights = daterange(lower(nights), $2::date) WHERE stay_id = $1 AND upper(nights) > $2`,
    [stayId, night],
  );
}

export async function deleteAssignments(tx: Queryable, stayId: number): Promise<void> {
  await tx.query('DELETE FROM room_assignments WHERE stay_id = $1', [stayId]);
}

/**
 * Rooms of a type free for every night of [from, to): no other stay's assignment and no live
 * out-of-order block overlaps; inspected first, then clean, then dirty (the desk prefers ready rooms).
 */
export async function freeRooms(
  db: Queryable,
  typeId: number,
  from: string,
  to: string,
  exceptStayId: number | null = null,
): Promise<RoomRow[]> {
  const r = await db.query<RoomRow>(
    `SELECT ${ROOM_COLS} FROM rooms r JOIN room_types t ON t.id = r.type_id
     WHERE r.type_id = $1 AND r.active
       AND NOT EXISTS (SELECT 1 FROM room_assignments a WHERE a.room_id = r.id AND a.nights && daterange($2::date, $3::date)
                       AND a.stay_id IS DISTINCT FROM $4)
       AND NOT EXISTS (SELECT 1 FROM room_blocks b WHERE b.room_id = r.id AND b.kind = 'out_of_order' AND b.released_at IS NULL
                       AND b.nights && daterange($2::date, $3::date))
     ORDER BY CASE r.housekeeping WHEN 'inspected' THEN 0 WHEN 'clean' THEN 1 ELSE 2 END, r.floor, r.number`,
    [typeId, from, to, exceptStayId],
  );
  return r.rows;
}

/** True when the room has a live out-of-order block on any night of [from, to). */
export async function isOutOfOrder(db: Queryable, roomId: number, from: string, to: string): Promise<boolean> {
  const r = await db.query(
    `SELECT 1 FROM room_blocks WHERE room_id = $1 AND kind = 'out_of_order' AND released_at IS NULL AND nights && daterange($2::date, $3::date)`,
    [roomId, from, to],
  );
  return r.rows.length > 0;
}

// ---------------------------------------------------------------------------------------------
// Blocks

export interface BlockRow {
  id: number;
  room_id: number;
  kind: 'out_of_service' | 'out_of_order';
  from_night: string;
  to_night: string;
  reason: string;
  released_at: Date | null;
}

export async function insertBlock(
  tx: Queryable,
  b: { roomId: number; kind: string; from: string; to: string; reason: string; userId: number | null },
): Promise<number | undefined> {
  try {
    const r = await tx.query<{ id: number }>(
      `INSERT INTO room_blocks (room_id, kind, nights, reason, created_by) VALUES ($1, $2, daterange($3::date, $4::date), $5, $6) RETURNING id`,
      [b.roomId, b.kind, b.from, b.to, b.reason, b.userId],
    );
    return r.rows[0].id;
  } catch (err) {
    if ((err as { code?: string }).code === '23P01') return undefined;
    throw err;
  }
}

export async function findBlock(db: Queryable, id: number, forUpdate = false): Promise<BlockRow | undefined> {
  const r = await db.query<BlockRow>(
    `SELECT id, room_id, kind, lower(nights) AS from_night, upper(nights) AS to_night, reason, released_at
     FROM room_blocks WHERE id = $1${forUpdate ? ' FOR UPDATE' : ''}`,
    [id],
  );
  return r.rows[0];
}

export async function releaseBlockRow(tx: Queryable, id: number, userId: number | null): Promise<boolean> {
  const r = await tx.query(
    'UPDATE room_blocks SET released_at = now(), released_by = $2 WHERE id = $1 AND released_at IS NULL',
    [id, userId],
  );
  return r.rowCount > 0;
}

export async function listBlocks(db: Queryable, hotelId: number, from: string, to: string): Promise<BlockRow[]> {
  const r = await db.query<BlockRow>(
    `SELECT b.id, b.room_id, b.kind, lower(b.nights) AS from_night, upper(b.nights) AS to_night, b.reason, b.released_at
     FROM room_blocks b JOIN rooms r ON r.id = b.room_id
     WHERE r.hotel_id = $1 AND b.released_at IS NULL AND b.nights && daterange($2::date, $3::date) ORDER BY b.id`,
    [hotelId, from, to],
  );
  return r.rows;
}

// ---------------------------------------------------------------------------------------------
// Guests (实名登记)

export interface NewGuest {
  guestNo: number;
  name: string;
  idEnc: Buffer;
  idBidx: Buffer;
  idMasked: string;
  idTailsHex: string[];
}

/** Registers a stay's guests, replacing any registered before (a check-in after a revert registers again). */
export async function replaceGuests(tx: Queryable, stayId: number, guests: NewGuest[], userId: number | null) {
  await tx.query('DELETE FROM stay_guests WHERE stay_id = $1', [stayId]);
  for (const g of guests)
    await tx.query(
      `INSERT INTO stay_guests (stay_id, guest_no, name, id_number_enc, id_number_bidx, id_number_masked, id_number_tails, registered_by)
       VALUES ($1, $2, $3, $4, $5, $6, (SELECT array_agg(decode(x, 'hex')) FROM unnest($7::text[]) AS x), $8)`,
      [stayId, g.guestNo, g.name, g.idEnc, g.idBidx, g.idMasked, g.idTailsHex, userId],
    );
}

/**
 * Gives an order booked without an ID number its first guest's (encrypted, indexed, masked), so
 * the order desk finds the reservation by the ID number registered at check-in.
 */
export async function idOrderByFirstGuest(tx: Queryable, orderId: number, stayId: number): Promise<void> {
  await tx.query(
    `UPDATE orders o SET id_number_enc = g.id_number_enc, id_number_bidx = g.id_number_bidx,
            id_number_masked = g.id_number_masked, id_number_tails = g.id_number_tails
     FROM stay_guests g WHERE o.id = $1 AND o.id_number_bidx IS NULL AND g.stay_id = $2 AND g.guest_no = 1`,
    [orderId, stayId],
  );
}

export async function listGuests(
  db: Queryable,
  stayId: number,
): Promise<{ guest_no: number; name: string; id_number_masked: string }[]> {
  const r = await db.query<{ guest_no: number; name: string; id_number_masked: string }>(
    'SELECT guest_no, name, id_number_masked FROM stay_guests WHERE stay_id = $1 ORDER BY guest_no',
    [stayId],
  );
  return r.rows;
}

// ---------------------------------------------------------------------------------------------
// Package tickets

export interface StayTicketRow {
  id: number;
  code: string;
  type_id: number;
  status: 'valid' | 'refunded' | 'replaced';
  entries: number;
  price_fen: number;
  visit_date: string;
  quota_ids: number[];
  stay_guest_no: number | null;
}

export async function linkTicketsToStay(tx: Queryable, stayId: number, ticketIds: number[], guestNos: number[]) {
  await tx.query(
    `UPDATE tickets t SET stay_id = $1, stay_guest_no = x.g FROM unnest($2::bigint[], $3::int[]) AS x(id, g) WHERE t.id = x.id`,
    [stayId, ticketIds, guestNos],
  );
}

/**
 * Locks a stay's package tickets, the ones its cancellation and early departure void and credit;
 * the guests' lodge passes (zero price, never sold: server/services/lodge.ts) are not among them.
 */
export async function lockStayTickets(tx: Queryable, stayId: number): Promise<StayTicketRow[]> {
  const r = await tx.query<StayTicketRow>(
    `SELECT t.id, t.code, t.type_id, t.status, t.entries, t.price_fen, t.visit_date, t.quota_ids, t.stay_guest_no
     FROM tickets t JOIN stays s ON s.id = t.stay_id JOIN hotels h ON h.id = s.hotel_id
     WHERE t.stay_id = $1 AND t.type_id IS DISTINCT FROM h.pass_type_id
     ORDER BY t.visit_date, t.stay_guest_no, t.id FOR UPDATE OF t`,
    [stayId],
  );
  return r.rows;
}

/** Names the package tickets' holders once the guests are registered (real name, 实名). */
export async function nameStayTickets(tx: Queryable, stayId: number): Promise<void> {
  await tx.query(
    `UPDATE tickets t SET holder_name = g.name, holder_id_enc = g.id_number_enc, holder_id_bidx = g.id_number_bidx,
            holder_id_masked = g.id_number_masked, holder_id_tails = g.id_number_tails
     FROM stay_guests g WHERE t.stay_id = $1 AND g.stay_id = $1 AND g.guest_no = t.stay_guest_no`,
    [stayId],
  );
}

// ---------------------------------------------------------------------------------------------
// Folio (账单)

export interface FolioLineRow {
  id: number;
  stay_id: number | null;
  at: Date;
  business_date: string;
  kind: string;
  night: string | null;
  category: string | null;
  description_zh: string;
  description_en: string;
  qty: number;
  amount_fen: number;
  payment_id: number | null;
  correction_of: number | null;
  note: string | null;
  user_email: string | null;
}

export interface NewFolioLine {
  hotelId: number;
  stayId: number | null;
  businessDate: string;
  kind: string;
  night?: string | null;
  category?: string | null;
  descriptionZh: string;
  descriptionEn: string;
  qty?: number;
  amountFen: number;
  paymentId?: number | null;
  correctionOf?: number | null;
  transferStayId?: number | null;
  nightAuditId?: number | null;
  userId: number | null;
  note?: string | null;
}

/**
 * Appends folio lines. A room charge for a night already charged is skipped (the unique index on
 * stay and night): returns how many lines were written, so the night audit counts what it posted.
 */
export async function insertFolioLines(tx: Queryable, lines: NewFolioLine[], table = 'folio_lines'): Promise<number> {
  if (!lines.length) return 0;
  const r = await tx.query(
    `INSERT INTO ${table} (hotel_id, stay_id, business_date, kind, night, category, description_zh, description_en, qty, amount_fen,
                           payment_id, correction_of, transfer_stay_id, night_audit_id, user_id, note)
     SELECT * FROM unnest($1::int[], $2::bigint[], $3::date[], $4::text[], $5::date[], $6::text[], $7::text[], $8::text[], $9::int[],
                          $10::bigint[], $11::bigint[], $12::bigint[], $13::bigint[], $14::bigint[], $15::int[], $16::text[])
     ON CONFLICT DO NOTHING`,
    [
      lines.map((l) => l.hotelId),
      lines.map((l) => l.stayId),
      lines.map((l) => l.businessDate),
      lines.map((l) => l.kind),
      lines.map((l) => l.night ?? null),
      lines.map((l) => l.category ?? null),
      lines.map((l) => l.descriptionZh),
      lines.map((l) => l.descriptionEn),
      lines.map((l) => l.qty ?? 1),
      lines.map((l) => l.amountFen),
      lines.map((l) => l.paymentId ?? null),
      lines.map((l) => l.correctionOf ?? null),
      lines.map((l) => l.transferStayId ?? null),
      lines.map((l) => l.nightAuditId ?? null),
      lines.map((l) => l.userId),
      lines.map((l) => l.note ?? null),
    ],
  );
  return r.rowCount;
}

export async function listFolio(db: Queryable, stayId: number): Promise<FolioLineRow[]> {
  const r = await db.query<FolioLineRow>(
    `SELECT f.id, f.stay_id, f.at, f.business_date, f.kind, f.night, f.category, f.description_zh, f.description_en, f.qty, f.amount_fen,
            f.payment_id, f.correction_of, f.note, u.email AS user_email
     FROM folio_lines f LEFT JOIN users u ON u.id = f.user_id WHERE f.stay_id = $1 ORDER BY f.id`,
    [stayId],
  );
  return r.rows;
}

export async function folioBalance(db: Queryable, stayId: number): Promise<number> {
  const r = await db.query<{ b: number }>(
    'SELECT COALESCE(sum(amount_fen), 0)::bigint AS b FROM folio_lines WHERE stay_id = $1',
    [stayId],
  );
  return Number(r.rows[0].b);
}

/** Records one payment row (taken: positive; given back: negative with refund_of) and returns its id. */
export async function insertPayment(
  tx: Queryable,
  p: {
    orderId: number;
    shiftId: number | null;
    method: string;
    amountFen: number;
    tenderedFen: number | null;
    changeFen: number | null;
    reference: string | null;
    refundOf: number | null;
    userId: number | null;
  },
): Promise<number> {
  const r = await tx.query<{ id: number }>(
    `INSERT INTO payments (order_id, shift_id, method, amount_fen, tendered_fen, change_fen, reference, refund_of, user_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
    [p.orderId, p.shiftId, p.method, p.amountFen, p.tenderedFen, p.changeFen, p.reference, p.refundOf, p.userId],
  );
  return r.rows[0].id;
}

/** A payment of the order and what of it has been given back already (fen). */
export async function findPaymentWithRefunds(
  db: Queryable,
  paymentId: number,
): Promise<
  | { id: number; order_id: number; method: string; amount_fen: number; reference: string | null; refunded_fen: number }
  | undefined
> {
  const r = await db.query<{
    id: number;
    order_id: number;
    method: string;
    amount_fen: number;
    reference: string | null;
    refunded_fen: number;
  }>(
    `SELECT p.id, p.order_id, p.method, p.amount_fen, p.reference,
            COALESCE((SELECT -sum(x.amount_fen) FROM payments x WHERE x.refund_of = p.id), 0)::bigint AS refunded_fen
     FROM payments p WHERE p.id = $1 AND p.amount_fen > 0`,
    [paymentId],
  );
  return r.rows[0];
}

export async function findFolioLine(
  db: Queryable,
  id: number,
): Promise<(FolioLineRow & { corrected_fen: number }) | undefined> {
  const r = await db.query<FolioLineRow & { corrected_fen: number }>(
    `SELECT f.id, f.stay_id, f.at, f.business_date, f.kind, f.night, f.category, f.description_zh, f.description_en, f.qty, f.amount_fen,
            f.payment_id, f.correction_of, f.note, NULL AS user_email,
            COALESCE((SELECT -sum(c.amount_fen) FROM folio_lines c WHERE c.correction_of = f.id), 0)::bigint AS corrected_fen
     FROM folio_lines f WHERE f.id = $1`,
    [id],
  );
  return r.rows[0];
}

// ---------------------------------------------------------------------------------------------
// Night audit (夜审)

/**
 * Claims the night audit of a hotel's business date: the id when this caller runs it, undefined
 * when it was run already. A second instance starting at the same moment waits on the unique
 * index until the first commits (then finds it done) or rolls back (then runs it itself).
 */
export async function claimNightAudit(
  tx: Queryable,
  hotelId: number,
  businessDate: string,
  by: { userId: number | null; label: string },
): Promise<number | undefined> {
  const r = await tx.query<{ id: number }>(
    `INSERT INTO night_audits (hotel_id, business_date, user_id, actor_label) VALUES ($1, $2, $3, $4)
     ON CONFLICT (hotel_id, business_date) DO NOTHING RETURNING id`,
    [hotelId, businessDate, by.userId, by.label],
  );
  return r.rows[0]?.id;
}

export async function finishNightAudit(
  tx: Queryable,
  id: number,
  r: { posted: number; noShows: number; lateArrivals: unknown },
): Promise<void> {
  await tx.query('UPDATE night_audits SET posted = $2, no_shows = $3, late_arrivals = $4 WHERE id = $1', [
    id,
    r.posted,
    r.noShows,
    JSON.stringify(r.lateArrivals),
  ]);
}

export interface NightAuditRow {
  id: number;
  hotel_id: number;
  business_date: string;
  started_at: Date;
  actor_label: string;
  posted: number;
  no_shows: number;
  late_arrivals: { stayId: number; orderCode: string | null; name: string | null }[];
}

export async function findNightAudit(
  db: Queryable,
  hotelId: number,
  businessDate: string,
): Promise<NightAuditRow | undefined> {
  const r = await db.query<NightAuditRow>(
    `SELECT id, hotel_id, business_date, started_at, actor_label, posted, no_shows, late_arrivals
     FROM night_audits WHERE hotel_id = $1 AND business_date = $2`,
    [hotelId, businessDate],
  );
  return r.rows[0];
}

export async function setBusinessDate(tx: Queryable, hotelId: number, from: string, to: string): Promise<boolean> {
  const r = await tx.query('UPDATE hotels SET business_date = $3 WHERE id = $1 AND business_date = $2', [
    hotelId,
    from,
    to,
  ]);
  return r.rowCount > 0;
}

/** True when one of the stay's package tickets for `day` was admitted at a gate (a late arrival, not a no-show). */
export async function admittedOn(db: Queryable, stayId: number, day: string): Promise<boolean> {
  const r = await db.query('SELECT 1 FROM tickets WHERE stay_id = $1 AND visit_date = $2 AND entries > 0 LIMIT 1', [
    stayId,
    day,
  ]);
  return r.rows.length > 0;
}

/** The channel an order was sold through (a stay's package tickets and refunds go on it). */
export async function orderChannelId(db: Queryable, orderId: number): Promise<number> {
  const r = await db.query<{ channel_id: number }>('SELECT channel_id FROM orders WHERE id = $1', [orderId]);
  return r.rows[0].channel_id;
}

/** A stay's lodge passes (server/services/lodge.ts), by guest: printed on the registration card. */
export async function listStayPasses(
  db: Queryable,
  stayId: number,
): Promise<{ code: string; stay_guest_no: number }[]> {
  const r = await db.query<{ code: string; stay_guest_no: number }>(
    `SELECT t.code, t.stay_guest_no FROM tickets t JOIN stays s ON s.id = t.stay_id JOIN hotels h ON h.id = s.hotel_id
     WHERE t.stay_id = $1 AND t.type_id = h.pass_type_id AND t.status = 'valid' ORDER BY t.stay_guest_no, t.id`,
    [stayId],
  );
  return r.rows;
}

/** A stay's package tickets, by day and guest. */
export async function listStayTickets(
  db: Queryable,
  stayId: number,
): Promise<{ code: string; visit_date: string; status: string; entries: number; stay_guest_no: number | null }[]> {
  const r = await db.query<{
    code: string;
    visit_date: string;
    status: string;
    entries: number;
    stay_guest_no: number | null;
  }>(
    // Not the guests' lodge passes (server/services/lodge.ts): they are no part of the package.
    `SELECT t.code, t.visit_date, t.status, t.entries, t.stay_guest_no
     FROM tickets t JOIN stays s ON s.id = t.stay_id JOIN hotels h ON h.id = s.hotel_id
     WHERE t.stay_id = $1 AND t.type_id IS DISTINCT FROM h.pass_type_id ORDER BY t.visit_date, t.stay_guest_no, t.id`,
    [stayId],
  );
  return r.rows;
}
