import type { Queryable } from '../client.ts';
import type { GateForDesk } from './gates.ts';

/**
 * In-house guests in the lodge zone (docs/hotel.md "In-house guests in the zone graph"): the
 * positional ticket of each guest of a stay, the hotel's lodge pass, the door the desk admits them
 * at, and the reset's carry of the guests asleep in the lodge into the next business day.
 */

/** A hotel as the lodge's occupancy needs it. */
export interface LodgeHotel {
  id: number;
  venue_id: number;
  code: string;
  name_zh: string;
  name_en: string;
  zone_id: number;
  pass_type_id: number | null;
  timezone: string;
  reset_minute: number;
}

const LODGE_HOTEL_COLUMNS = `h.id, h.venue_id, h.code, h.name_zh, h.name_en, h.zone_id, h.pass_type_id, v.timezone,
  (extract(hour FROM v.day_reset) * 60 + extract(minute FROM v.day_reset))::int AS reset_minute`;

/** The hotels that stand in a zone (only their guests are placed), with their venue's clock. */
export async function listLodgeHotels(db: Queryable): Promise<LodgeHotel[]> {
  const r = await db.query<LodgeHotel>(
    `SELECT ${LODGE_HOTEL_COLUMNS} FROM hotels h JOIN venues v ON v.id = h.venue_id WHERE h.zone_id IS NOT NULL ORDER BY h.id`,
  );
  return r.rows;
}

export async function findLodgeHotel(db: Queryable, hotelId: number): Promise<LodgeHotel | undefined> {
  const r = await db.query<LodgeHotel>(
    `SELECT ${LODGE_HOTEL_COLUMNS} FROM hotels h JOIN venues v ON v.id = h.venue_id WHERE h.id = $1 AND h.zone_id IS NOT NULL`,
    [hotelId],
  );
  return r.rows[0];
}

/** Whether a hotel's lodge has been carried into a day (the reset's cheap check before it claims). */
export async function hasLodgeCarry(db: Queryable, hotelId: number, day: string): Promise<boolean> {
  const r = await db.query('SELECT 1 FROM lodge_carries WHERE hotel_id = $1 AND day = $2', [hotelId, day]);
  return r.rows.length > 0;
}

/**
 * The hotel's lodge pass type (住店通行证), made on first use: zero price, never on sale, valid in the
 * hotel's zone only, re-entry after an exit. Two desks making it at once make one (the unique code).
 */
export async function ensureLodgePassType(tx: Queryable, h: LodgeHotel): Promise<number> {
  if (h.pass_type_id) return h.pass_type_id;
  const code = `PASS-${h.code}`.slice(0, 32);
  const r = await tx.query<{ id: number }>(
    `INSERT INTO ticket_types (venue_id, code, name_zh, name_en, category, price_fen, validity, entry_policy,
                               anti_passback, allowed_zone_ids, draws_day_quota, active, sort)
     VALUES ($1, $2, $3, $4, 'other', 0, 'range', 'multi', true, ARRAY[$5::int], false, false, 999)
     ON CONFLICT (venue_id, code) DO UPDATE SET active = false
     RETURNING id`,
    [h.venue_id, code, `${h.name_zh}住店通行证`, `${h.name_en} guest pass`, h.zone_id],
  );
  const id = r.rows[0].id;
  await tx.query('UPDATE hotels SET pass_type_id = $2 WHERE id = $1', [h.id, id]);
  return id;
}

/** The guests of a stay (by number) who hold its hotel's lodge pass. */
export async function listLodgePassGuests(db: Queryable, stayId: number, passTypeId: number): Promise<number[]> {
  const r = await db.query<{ g: number }>(
    'SELECT stay_guest_no AS g FROM tickets WHERE stay_id = $1 AND type_id = $2 AND stay_guest_no IS NOT NULL',
    [stayId, passTypeId],
  );
  return r.rows.map((x) => x.g);
}

/**
 * The door the desk places checked-in guests at: an inner door of the hotel's zone (a transfer gate
 * into it), so the placement is an inferred entry that uses no entry allowance (the guest was not
 * seen at the park's perimeter, and enters at a park gate later as anyone who left unseen); a zone
 * without one is placed at its perimeter door.
 */
export async function findLodgeDoor(db: Queryable, zoneId: number): Promise<GateForDesk | undefined> {
  const r = await db.query<GateForDesk>(
    `SELECT id, code, venue_id, zone_id, perimeter, edge, other_zone_id, attraction_id FROM gates
     WHERE zone_id = $1 AND edge IN ('transfer', 'perimeter') AND direction IN ('in', 'both')
     ORDER BY (edge = 'transfer') DESC, id LIMIT 1`,
    [zoneId],
  );
  return r.rows[0];
}

/**
 * Each guest's positional ticket on a day: the package's park ticket of the day when the stay has
 * one for the guest, else the guest's lodge pass (valid that day). Guests without either are missing.
 */
export async function findPositionalTickets(
  db: Queryable,
  stayId: number,
  day: string,
  passTypeId: number,
): Promise<{ guest_no: number; ticket_id: number; code: string }[]> {
  const r = await db.query<{ guest_no: number; ticket_id: number; code: string }>(
    `SELECT DISTINCT ON (t.stay_guest_no) t.stay_guest_no AS guest_no, t.id AS ticket_id, t.code
     FROM tickets t JOIN ticket_types tt ON tt.id = t.type_id
     WHERE t.stay_id = $1 AND t.status = 'valid' AND t.valid_from <= $2::date AND t.valid_to >= $2::date
       AND tt.park_entry AND t.stay_guest_no IS NOT NULL
     ORDER BY t.stay_guest_no, (t.type_id = $3) , t.id`,
    [stayId, day, passTypeId],
  );
  return r.rows;
}

/**
 * Carries a hotel's guests asleep in the lodge into `day`, once: claims (hotel, day), then for each
 * guest of a stay in house over the reset whose positional ticket of the day before was last placed
 * in the hotel's zone, places the guest's positional ticket of `day` there (the package ticket of
 * the day, else the lodge pass, its validity stretched to the day), unless a gate saw that ticket
 * today already; counts them in the zone's occupancy and the venue's `carried`. Returns how many
 * were carried (0: nobody to carry, and the day is then not claimed), or null when another run had
 * claimed the day. `exclusive` false skips the claim and the ticket locks: only the concurrency
 * test's control does, to show that they are what keeps two instances from carrying the lodge
 * twice; `afterRead` lets that control line the two runs up.
 */
export async function carryLodgeGuests(
  tx: Queryable,
  h: LodgeHotel,
  day: string,
  opts: { exclusive?: boolean; afterRead?: () => Promise<void> } = {},
): Promise<number | null> {
  const exclusive = opts.exclusive ?? true;
  const passTypeId = h.pass_type_id ?? 0;
  // The stays in house over the reset and, per guest, yesterday's placed ticket and today's.
  const candidates = async (lock: boolean) =>
    (
      await tx.query<{ ticket_id: number }>(
        `WITH guests AS (
           SELECT s.id AS stay_id, g.n AS guest_no
           FROM stays s CROSS JOIN LATERAL generate_series(1, s.adults + s.children) AS g(n)
           WHERE s.hotel_id = $1 AND s.state = 'checked_in' AND s.check_in < $2::date AND s.check_out >= $2::date
         ), asleep AS (
           SELECT g.stay_id, g.guest_no FROM guests g
           WHERE EXISTS (
             SELECT 1 FROM tickets y
             WHERE y.stay_id = g.stay_id AND y.stay_guest_no = g.guest_no AND y.inside AND y.zone_id = $3
               AND y.entries_day = $2::date - 1)
         ), today AS (
           SELECT DISTINCT ON (a.stay_id, a.guest_no) t.id
           FROM asleep a JOIN tickets t ON t.stay_id = a.stay_id AND t.stay_guest_no = a.guest_no
             JOIN ticket_types tt ON tt.id = t.type_id
           WHERE t.status = 'valid' AND tt.park_entry AND t.valid_from <= $2::date
             AND (t.valid_to >= $2::date OR t.type_id = $4)
           ORDER BY a.stay_id, a.guest_no, (t.type_id = $4), t.id
         )
         SELECT t.id AS ticket_id FROM tickets t JOIN today ON today.id = t.id
         WHERE t.entries_day IS DISTINCT FROM $2::date
         ORDER BY t.id ${lock ? 'FOR UPDATE OF t' : ''}`,
        [h.id, day, h.zone_id, passTypeId],
      )
    ).rows.map((x) => x.ticket_id);
  if (exclusive) {
    // Nobody to carry: no claim, so a day with no guests asleep writes nothing (a later check finds them).
    if (!(await candidates(false)).length) return 0;
    const claimed = await tx.query(
      'INSERT INTO lodge_carries (hotel_id, day) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING hotel_id',
      [h.id, day],
    );
    if (!claimed.rows.length) return null;
  }
  const ids = await candidates(exclusive);
  await opts.afterRead?.();
  if (ids.length) {
    // Locked, a ticket a gate placed today meanwhile is skipped (the lock re-reads its row). The
    // carried presence is no seen entry: the guest's first entry at the perimeter today is.
    const placed = await tx.query<{ id: number }>(
      `UPDATE tickets SET inside = true, zone_id = $2, entries_day = $3::date, entries_on_day = 0,
              entry_inferred = true, moved_at = now(), valid_to = GREATEST(valid_to, $3::date)
       WHERE id = ANY($1::bigint[]) ${exclusive ? 'AND entries_day IS DISTINCT FROM $3::date' : ''}
       RETURNING id`,
      [ids, h.zone_id, day],
    );
    const n = placed.rows.length;
    if (n) {
      await tx.query(
        `INSERT INTO occupancy (zone_id, day, count) VALUES ($1, $2, $3)
         ON CONFLICT (zone_id, day) DO UPDATE SET count = occupancy.count + EXCLUDED.count`,
        [h.zone_id, day, n],
      );
      await tx.query(
        `INSERT INTO daily_counters (venue_id, day, carried) VALUES ($1, $2, $3)
         ON CONFLICT (venue_id, day) DO UPDATE SET carried = daily_counters.carried + EXCLUDED.carried`,
        [h.venue_id, day, n],
      );
    }
    if (exclusive)
      await tx.query('UPDATE lodge_carries SET guests = $3 WHERE hotel_id = $1 AND day = $2', [h.id, day, n]);
    return n;
  }
  return 0;
}
