import type { Queryable } from '../client.ts';

/**
 * The room rack (房态图 / tape chart): a hotel's rooms, the stays holding them over a range of nights,
 * the stays of the range not in a room yet, and the live blocks. Bars come from room_assignments, not
 * stays.room_id: a moved stay is two bars (the old room until the move night, the new one after).
 * The assignments are found by where they end (room_assignments_upper_idx, 0019: past stays all end
 * before the first night, so 50,000 of them cost nothing) and their stays by primary key; the
 * blocks by their exclusion GiST; the unassigned stays by stays_hotel_state_idx (confirmed ones).
 */

export interface RackRoomRow {
  id: number;
  number: string;
  floor: number;
  type_id: number;
  type_code: string;
  type_name_zh: string;
  type_name_en: string;
  housekeeping: 'clean' | 'dirty' | 'inspected';
  active: boolean;
}

export async function listRackRooms(db: Queryable, hotelId: number): Promise<RackRoomRow[]> {
  const r = await db.query<RackRoomRow>(
    `SELECT r.id, r.number, r.floor, r.type_id, t.code AS type_code, t.name_zh AS type_name_zh, t.name_en AS type_name_en,
            r.housekeeping, r.active
     FROM rooms r JOIN room_types t ON t.id = r.type_id
     WHERE r.hotel_id = $1 ORDER BY r.floor, r.number`,
    [hotelId],
  );
  return r.rows;
}

export interface RackBarRow {
  room_id: number;
  /** The nights this room holds the stay, [from, to): a part of the stay's when it moved. */
  from_night: string;
  to_night: string;
  stay_id: number;
  state: 'confirmed' | 'checked_in' | 'checked_out' | 'no_show' | 'cancelled';
  check_in: string;
  check_out: string;
  adults: number;
  children: number;
  late_arrival: boolean;
  order_code: string | null;
  customer_name: string | null;
  rate_plan_code: string;
}

const BAR_COLS = `s.id AS stay_id, s.state, s.check_in::text AS check_in, s.check_out::text AS check_out, s.adults, s.children,
  s.late_arrival, o.code AS order_code, o.customer_name, p.code AS rate_plan_code`;

/**
 * The assignments of the hotel's rooms touching [from, to), with their stays (cancelled and no-show
 * stays hold none). `upper > from AND lower < to` is `&&` for these [) ranges, written so the btree
 * on upper(nights) serves it. Each assignment's stay and order are read by primary key in a LATERAL
 * subquery that OFFSET 0 keeps from being flattened into the join: for a range reaching back into
 * past stays (~1,250 assignments at 500 rooms) the planner, which costs a stay's look-up far above
 * an order's, otherwise hash-joined a sequential scan of all 50,650 stays (36 ms instead of 12 under
 * EXPLAIN ANALYZE). The rate plan is joined outside it, so its look-up is memoized (one per plan).
 */
export async function listRackBars(db: Queryable, hotelId: number, from: string, to: string): Promise<RackBarRow[]> {
  const r = await db.query<RackBarRow>(
    `SELECT a.room_id, lower(a.nights)::text AS from_night, upper(a.nights)::text AS to_night, x.stay_id, x.state,
            x.check_in, x.check_out, x.adults, x.children, x.late_arrival, x.order_code, x.customer_name,
            p.code AS rate_plan_code
     FROM rooms rm
     JOIN room_assignments a ON a.room_id = rm.id AND upper(a.nights) > $2::date AND lower(a.nights) < $3::date
     CROSS JOIN LATERAL (
       SELECT s.id AS stay_id, s.state, s.check_in::text AS check_in, s.check_out::text AS check_out, s.adults, s.children,
              s.late_arrival, o.code AS order_code, o.customer_name, s.rate_plan_id
       FROM stays s JOIN orders o ON o.id = s.order_id
       WHERE s.id = a.stay_id AND s.state NOT IN ('cancelled', 'no_show')
       OFFSET 0) x
     JOIN rate_plans p ON p.id = x.rate_plan_id
     WHERE rm.hotel_id = $1
     ORDER BY a.room_id, lower(a.nights)`,
    [hotelId, from, to],
  );
  return r.rows;
}

export type RackUnassignedRow = Omit<RackBarRow, 'room_id' | 'from_night' | 'to_night'> & { type_id: number };

/** Confirmed stays touching [from, to) with no room yet: the desk assigns them from the rack. */
export async function listRackUnassigned(
  db: Queryable,
  hotelId: number,
  from: string,
  to: string,
): Promise<RackUnassignedRow[]> {
  const r = await db.query<RackUnassignedRow>(
    `SELECT s.type_id, ${BAR_COLS}
     FROM stays s JOIN orders o ON o.id = s.order_id JOIN rate_plans p ON p.id = s.rate_plan_id
     WHERE s.hotel_id = $1 AND s.check_in < $3::date AND s.check_out > $2::date
       AND s.room_id IS NULL AND s.state = 'confirmed'
     ORDER BY s.check_in, s.id`,
    [hotelId, from, to],
  );
  return r.rows;
}
