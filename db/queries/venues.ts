import type { Queryable } from '../client.ts';

export interface VenueRow {
  id: number;
  code: string;
  name_zh: string;
  name_en: string;
  timezone: string;
  capacity: number;
  plan: { image?: string; width?: number; height?: number };
}

export interface ZoneRow {
  id: number;
  venue_id: number;
  code: string;
  name_zh: string;
  name_en: string;
  kind: string;
  capacity: number;
  warn_ratio: number;
  critical_ratio: number;
  polygon: [number, number][];
}

/** Venues visible to a user: all of them, or those in venueIds. */
export async function listVenues(db: Queryable, venueIds: number[] | 'all'): Promise<VenueRow[]> {
  const r = await db.query<VenueRow>(
    `SELECT id, code, name_zh, name_en, timezone, capacity, plan FROM venues
     WHERE $1::boolean OR id = ANY($2::int[]) ORDER BY id`,
    [venueIds === 'all', venueIds === 'all' ? [] : venueIds],
  );
  return r.rows;
}

export async function findVenueByCode(db: Queryable, code: string): Promise<VenueRow | undefined> {
  const r = await db.query<VenueRow>(
    'SELECT id, code, name_zh, name_en, timezone, capacity, plan FROM venues WHERE code = $1',
    [code],
  );
  return r.rows[0];
}

/** Inserts or updates a venue by code; returns its id. */
export async function upsertVenue(db: Queryable, v: Omit<VenueRow, 'id'>): Promise<number> {
  const r = await db.query<{ id: number }>(
    `INSERT INTO venues (code, name_zh, name_en, timezone, capacity, plan) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (code) DO UPDATE SET name_zh = EXCLUDED.name_zh, name_en = EXCLUDED.name_en,
       timezone = EXCLUDED.timezone, capacity = EXCLUDED.capacity, plan = EXCLUDED.plan
     RETURNING id`,
    [v.code, v.name_zh, v.name_en, v.timezone, v.capacity, JSON.stringify(v.plan)],
  );
  return r.rows[0].id;
}

export async function listZones(db: Queryable, venueId: number): Promise<ZoneRow[]> {
  const r = await db.query<ZoneRow>(
    'SELECT id, venue_id, code, name_zh, name_en, kind, capacity, warn_ratio, critical_ratio, polygon FROM zones WHERE venue_id = $1 ORDER BY id',
    [venueId],
  );
  return r.rows;
}

/** Inserts or updates a zone by (venue, code); returns its id. */
export async function upsertZone(db: Queryable, z: Omit<ZoneRow, 'id'>): Promise<number> {
  const r = await db.query<{ id: number }>(
    `INSERT INTO zones (venue_id, code, name_zh, name_en, kind, capacity, warn_ratio, critical_ratio, polygon)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (venue_id, code) DO UPDATE SET name_zh = EXCLUDED.name_zh, name_en = EXCLUDED.name_en,
       kind = EXCLUDED.kind, capacity = EXCLUDED.capacity, warn_ratio = EXCLUDED.warn_ratio,
       critical_ratio = EXCLUDED.critical_ratio, polygon = EXCLUDED.polygon
     RETURNING id`,
    [
      z.venue_id,
      z.code,
      z.name_zh,
      z.name_en,
      z.kind,
      z.capacity,
      z.warn_ratio,
      z.critical_ratio,
      JSON.stringify(z.polygon),
    ],
  );
  return r.rows[0].id;
}
