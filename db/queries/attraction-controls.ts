import type { Queryable } from '../client.ts';

/** An attraction with a manager's hand on it (attraction_controls; no row: open and unthrottled). */
export interface AttractionControlRow {
  id: number;
  venue_id: number;
  code: string;
  name_zh: string;
  name_en: string;
  kind: 'ropeway' | 'lift' | 'carpet' | 'show' | 'ride';
  hourly_capacity: number;
  opens: string;
  closes: string;
  closed: boolean;
  rides_per_min: number | null;
  note: string | null;
  updated_at: Date | null;
  updated_by: number | null;
}

const COLS = `a.id, a.venue_id, a.code, a.name_zh, a.name_en, a.kind, a.hourly_capacity,
  to_char(a.opens, 'HH24:MI') AS opens, to_char(a.closes, 'HH24:MI') AS closes,
  COALESCE(c.closed, false) AS closed, c.rides_per_min, c.note, c.updated_at, c.updated_by`;

/** Every attraction (of one venue, or all) with its controls, in the venue's order. */
export async function listAttractionControls(db: Queryable, venueId?: number): Promise<AttractionControlRow[]> {
  const r = await db.query<AttractionControlRow>(
    `SELECT ${COLS} FROM attractions a LEFT JOIN attraction_controls c ON c.attraction_id = a.id
     WHERE $1::int IS NULL OR a.venue_id = $1 ORDER BY a.venue_id, a.sort, a.code`,
    [venueId ?? null],
  );
  return r.rows;
}

/** An attraction and its controls, its row locked: changes to one attraction's controls queue up. */
export async function lockAttractionControl(tx: Queryable, id: number): Promise<AttractionControlRow | undefined> {
  const r = await tx.query<AttractionControlRow>(
    `SELECT ${COLS} FROM attractions a LEFT JOIN attraction_controls c ON c.attraction_id = a.id
     WHERE a.id = $1 FOR UPDATE OF a`,
    [id],
  );
  return r.rows[0];
}

/** Writes an attraction's controls: closed, riders per minute at its gates (null: as fast as they board), why. */
export async function upsertAttractionControl(
  tx: Queryable,
  id: number,
  c: { closed: boolean; ridesPerMin: number | null; note: string | null; updatedBy: number | null },
): Promise<void> {
  await tx.query(
    `INSERT INTO attraction_controls (attraction_id, closed, rides_per_min, note, updated_at, updated_by)
     VALUES ($1, $2, $3, $4, now(), $5)
     ON CONFLICT (attraction_id) DO UPDATE SET closed = EXCLUDED.closed, rides_per_min = EXCLUDED.rides_per_min,
       note = EXCLUDED.note, updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by`,
    [id, c.closed, c.ridesPerMin, c.note, c.updatedBy],
  );
}

/** A gate as an edge of its venue's zone graph (docs/zone-graph.md). */
export interface GraphGateRow {
  id: number;
  venue_id: number;
  zone_id: number;
  other_zone_id: number | null;
  edge: 'perimeter' | 'transfer' | 'attraction' | 'checkpoint';
  attraction_id: number | null;
}

/** A venue's gates as its zone graph (of one venue, or all): what each joins, for who a closure strands. */
export async function listGraphGates(db: Queryable, venueId?: number): Promise<GraphGateRow[]> {
  const r = await db.query<GraphGateRow>(
    'SELECT id, venue_id, zone_id, other_zone_id, edge, attraction_id FROM gates WHERE $1::int IS NULL OR venue_id = $1',
    [venueId ?? null],
  );
  return r.rows;
}

/** People in each zone of a venue on a business day (zones nobody entered are left out). */
export async function zoneOccupancy(db: Queryable, venueId: number, day: string): Promise<Map<number, number>> {
  const r = await db.query<{ zone_id: number; count: number }>(
    'SELECT o.zone_id, o.count FROM occupancy o JOIN zones z ON z.id = o.zone_id WHERE z.venue_id = $1 AND o.day = $2',
    [venueId, day],
  );
  return new Map(r.rows.map((x) => [x.zone_id, x.count]));
}
