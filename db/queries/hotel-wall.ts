import type { Queryable } from '../client.ts';

/**
 * A hotel's night as the wall shows it and its alarm judges it, on the hotel's own business date
 * (the night the desk is selling and the night audit will close: after midnight it is still
 * last night until the audit rolls it). Counts follow the desk's Today screen (server/services/hotel.ts
 * hotelToday): arrivals are confirmed stays whose nights include the date, in house are checked-in
 * stays staying tonight, departures left are checked-in stays due out by the date.
 */
export interface HotelNightRow {
  hotel_id: number;
  venue_id: number;
  code: string;
  name_zh: string;
  name_en: string;
  business_date: string;
  /** Active rooms, and the rooms out of order tonight (off availability). */
  rooms: number;
  out_of_order: number;
  /** Rooms booked for tonight (room_inventory, every stay's night). */
  booked: number;
  /** Rooms booked beyond what is left of their type after out-of-order blocks, summed over types. */
  overbooked: number;
  arrivals: number;
  arrival_guests: number;
  in_house: number;
  in_house_guests: number;
  departures: number;
}

/**
 * Tonight at every hotel of a venue (venueId null: of every venue, for the alarm engine), in one
 * statement. Availability per type is rooms − out of order, as the booking's inventory counts it.
 */
export async function readHotelNights(db: Queryable, venueId: number | null): Promise<HotelNightRow[]> {
  const r = await db.query<HotelNightRow>(
    `WITH h AS (
       SELECT id, venue_id, code, name_zh, name_en, business_date FROM hotels WHERE $1::int IS NULL OR venue_id = $1
     ), types AS (
       SELECT t.hotel_id, (SELECT count(*) FROM rooms r WHERE r.type_id = t.id AND r.active)::int AS rooms,
              COALESCE(i.out_of_order, 0) AS out_of_order, COALESCE(i.booked, 0) AS booked
       FROM room_types t JOIN h ON h.id = t.hotel_id
       LEFT JOIN room_inventory i ON i.type_id = t.id AND i.night = h.business_date
     ), stay AS (
       SELECT s.hotel_id,
              count(*) FILTER (WHERE s.state = 'confirmed' AND s.check_in <= h.business_date)::int AS arrivals,
              COALESCE(sum(s.adults + s.children) FILTER (WHERE s.state = 'confirmed' AND s.check_in <= h.business_date), 0)::int AS arrival_guests,
              count(*) FILTER (WHERE s.state = 'checked_in' AND s.check_out > h.business_date)::int AS in_house,
              COALESCE(sum(s.adults + s.children) FILTER (WHERE s.state = 'checked_in' AND s.check_out > h.business_date), 0)::int AS in_house_guests,
              count(*) FILTER (WHERE s.state = 'checked_in' AND s.check_out <= h.business_date)::int AS departures
       FROM stays s JOIN h ON h.id = s.hotel_id
       WHERE s.state IN ('confirmed', 'checked_in') AND s.check_in <= h.business_date
         AND (s.check_out > h.business_date OR s.state = 'checked_in')
       GROUP BY s.hotel_id
     )
     SELECT h.id AS hotel_id, h.venue_id, h.code, h.name_zh, h.name_en, h.business_date::text AS business_date,
            COALESCE(sum(t.rooms), 0)::int AS rooms, COALESCE(sum(t.out_of_order), 0)::int AS out_of_order,
            COALESCE(sum(t.booked), 0)::int AS booked,
            COALESCE(sum(GREATEST(0, t.booked - GREATEST(0, t.rooms - t.out_of_order))), 0)::int AS overbooked,
            COALESCE(max(st.arrivals), 0) AS arrivals, COALESCE(max(st.arrival_guests), 0) AS arrival_guests,
            COALESCE(max(st.in_house), 0) AS in_house, COALESCE(max(st.in_house_guests), 0) AS in_house_guests,
            COALESCE(max(st.departures), 0) AS departures
     FROM h LEFT JOIN types t ON t.hotel_id = h.id LEFT JOIN stay st ON st.hotel_id = h.id
     GROUP BY h.id, h.venue_id, h.code, h.name_zh, h.name_en, h.business_date
     ORDER BY h.venue_id, h.code`,
    [venueId],
  );
  return r.rows;
}
