import type { Queryable } from '../client.ts';

/** An attraction as configured (项目): its kind, capacity, hours, ride gap and points per ride. */
export interface AttractionRow {
  id: number;
  venue_id: number;
  code: string;
  name_zh: string;
  name_en: string;
  kind: 'ropeway' | 'lift' | 'carpet' | 'show' | 'ride';
  hourly_capacity: number;
  opens: string;
  closes: string;
  ride_gap_min: number;
  points: number;
  sort: number;
}

/** Inserts or updates an attraction by (venue, code); returns its id. */
export async function upsertAttraction(db: Queryable, a: Omit<AttractionRow, 'id'>): Promise<number> {
  const r = await db.query<{ id: number }>(
    `INSERT INTO attractions (venue_id, code, name_zh, name_en, kind, hourly_capacity, opens, closes, ride_gap_min, points, sort)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
     ON CONFLICT (venue_id, code) DO UPDATE SET name_zh = EXCLUDED.name_zh, name_en = EXCLUDED.name_en,
       kind = EXCLUDED.kind, hourly_capacity = EXCLUDED.hourly_capacity, opens = EXCLUDED.opens, closes = EXCLUDED.closes,
       ride_gap_min = EXCLUDED.ride_gap_min, points = EXCLUDED.points, sort = EXCLUDED.sort
     RETURNING id`,
    [
      a.venue_id,
      a.code,
      a.name_zh,
      a.name_en,
      a.kind,
      a.hourly_capacity,
      a.opens,
      a.closes,
      a.ride_gap_min,
      a.points,
      a.sort,
    ],
  );
  return r.rows[0].id;
}

/** The rides each ticket type of a venue includes, with the attraction's names (the catalog shows them). */
export async function listTypeRides(
  db: Queryable,
  venueId: number,
): Promise<
  { type_id: number; code: string; name_zh: string; name_en: string; rides: number | null; share_fen: number }[]
> {
  const r = await db.query<{
    type_id: number;
    code: string;
    name_zh: string;
    name_en: string;
    rides: number | null;
    share_fen: number;
  }>(
    `SELECT r.type_id, a.code, a.name_zh, a.name_en, r.rides, r.share_fen
     FROM ticket_type_rides r JOIN attractions a ON a.id = r.attraction_id
     WHERE a.venue_id = $1 ORDER BY a.sort, a.code`,
    [venueId],
  );
  return r.rows;
}

/** Park entry, points and hours of a venue's ticket types, by type id. */
export async function listTypeGraphRules(
  db: Queryable,
  venueId: number,
): Promise<
  Map<number, { park_entry: boolean; points: number | null; hours_from: string | null; hours_to: string | null }>
> {
  const r = await db.query<{
    id: number;
    park_entry: boolean;
    points: number | null;
    hours_from: string | null;
    hours_to: string | null;
  }>('SELECT id, park_entry, points, hours_from::text, hours_to::text FROM ticket_types WHERE venue_id = $1', [
    venueId,
  ]);
  return new Map(r.rows.map((x) => [x.id, x]));
}

/**
 * What a ticket type is in the zone graph: whether it enters the venue at all (an attraction-only
 * ticket does not), a points card's points, and time-of-day validity (夜场票).
 */
export async function setTypeGraphRules(
  db: Queryable,
  typeId: number,
  rules: { parkEntry: boolean; points: number | null; hoursFrom: string | null; hoursTo: string | null },
): Promise<void> {
  await db.query('UPDATE ticket_types SET park_entry = $2, points = $3, hours_from = $4, hours_to = $5 WHERE id = $1', [
    typeId,
    rules.parkEntry,
    rules.points,
    rules.hoursFrom,
    rules.hoursTo,
  ]);
}

/** Replaces the rides a type includes (项目票): per attraction a number (null: unlimited) and its price share. */
export async function setTypeRides(
  db: Queryable,
  typeId: number,
  rides: { attractionId: number; rides: number | null; shareFen: number }[],
): Promise<void> {
  await db.query('DELETE FROM ticket_type_rides WHERE type_id = $1', [typeId]);
  if (!rides.length) return;
  await db.query(
    `INSERT INTO ticket_type_rides (type_id, attraction_id, rides, share_fen)
     SELECT $1, * FROM unnest($2::int[], $3::int[], $4::int[])`,
    [typeId, rides.map((x) => x.attractionId), rides.map((x) => x.rides), rides.map((x) => x.shareFen)],
  );
}
