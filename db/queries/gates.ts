import type { Queryable } from '../client.ts';

export interface GateRow {
  id: number;
  venue_id: number;
  venue_code: string;
  zone_id: number;
  zone_code: string;
  code: string;
  name_zh: string;
  name_en: string;
  direction: 'in' | 'out' | 'both';
  kind: 'turnstile' | 'handheld';
  position: [number, number];
}

/** A gate with its live device state: online when a device holds a socket and heartbeats in time. */
export interface GateStatusRow extends GateRow {
  online: boolean;
  last_seen_at: Date | null;
  last_queue: number | null;
  last_battery: number | null;
  device_count: number;
}

const GATE_COLUMNS = `g.id, g.venue_id, v.code AS venue_code, g.zone_id, z.code AS zone_code, g.code, g.name_zh, g.name_en,
  g.direction, g.kind, g.position`;

/** What the desk needs of a gate to admit at it like a device of it would. */
export interface GateForDesk {
  id: number;
  code: string;
  venue_id: number;
  zone_id: number;
  perimeter: boolean;
  edge: 'perimeter' | 'transfer' | 'attraction' | 'checkpoint';
  other_zone_id: number | null;
  attraction_id: number | null;
}

export async function findGateForDesk(db: Queryable, id: number): Promise<GateForDesk | undefined> {
  const r = await db.query<GateForDesk>(
    'SELECT id, code, venue_id, zone_id, perimeter, edge, other_zone_id, attraction_id FROM gates WHERE id = $1',
    [id],
  );
  return r.rows[0];
}

export async function listGates(db: Queryable, venueId?: number): Promise<GateRow[]> {
  const r = await db.query<GateRow>(
    `SELECT ${GATE_COLUMNS} FROM gates g JOIN zones z ON z.id = g.zone_id JOIN venues v ON v.id = g.venue_id
     WHERE $1::int IS NULL OR g.venue_id = $1 ORDER BY v.code, g.code`,
    [venueId ?? null],
  );
  return r.rows;
}

/** Gates named by code; several when venues share a code and no venue is given. */
export async function findGatesByCode(db: Queryable, code: string, venueCode?: string): Promise<GateRow[]> {
  const r = await db.query<GateRow>(
    `SELECT ${GATE_COLUMNS} FROM gates g JOIN zones z ON z.id = g.zone_id JOIN venues v ON v.id = g.venue_id
     WHERE g.code = $1 AND ($2::text IS NULL OR v.code = $2) ORDER BY v.code`,
    [code, venueCode ?? null],
  );
  return r.rows;
}

/**
 * Gates of a venue with their live state. A device counts as online while it is connected and its
 * last heartbeat is younger than timeoutS (an instance that died leaves stale rows that age out).
 */
export async function listGateStatus(
  db: Queryable,
  venueId: number,
  timeoutS: number,
  gateIds?: number[],
): Promise<GateStatusRow[]> {
  const r = await db.query<GateStatusRow>(
    `SELECT ${GATE_COLUMNS},
       COALESCE(bool_or(d.id IS NOT NULL AND d.revoked_at IS NULL AND d.connected_at IS NOT NULL
         AND (d.disconnected_at IS NULL OR d.disconnected_at < d.connected_at)
         AND d.last_seen_at > now() - make_interval(secs => $2)), false) AS online,
       max(d.last_seen_at) AS last_seen_at,
       (array_agg(d.last_queue ORDER BY d.last_seen_at DESC NULLS LAST))[1] AS last_queue,
       (array_agg(d.last_battery ORDER BY d.last_seen_at DESC NULLS LAST))[1] AS last_battery,
       count(d.id) FILTER (WHERE d.revoked_at IS NULL)::int AS device_count
     FROM gates g JOIN zones z ON z.id = g.zone_id JOIN venues v ON v.id = g.venue_id
     LEFT JOIN devices d ON d.gate_id = g.id
     WHERE g.venue_id = $1 AND ($3::int[] IS NULL OR g.id = ANY($3::int[]))
     GROUP BY g.id, v.code, z.code ORDER BY g.code`,
    [venueId, timeoutS, gateIds ?? null],
  );
  return r.rows;
}

/** Inserts or updates a gate by (venue, code); returns its id. */
export async function upsertGate(
  db: Queryable,
  g: {
    venue_id: number;
    zone_id: number;
    code: string;
    name_zh: string;
    name_en: string;
    direction: string;
    kind: string;
    position: [number, number];
    /** What the gate is in the zone graph (default perimeter), where an `out` leads, and its attraction. */
    edge?: 'perimeter' | 'transfer' | 'attraction' | 'checkpoint';
    other_zone_id?: number | null;
    attraction_id?: number | null;
  },
): Promise<number> {
  const r = await db.query<{ id: number }>(
    `INSERT INTO gates (venue_id, zone_id, code, name_zh, name_en, direction, kind, position, edge, other_zone_id, attraction_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
     ON CONFLICT (venue_id, code) DO UPDATE SET zone_id = EXCLUDED.zone_id, name_zh = EXCLUDED.name_zh,
       name_en = EXCLUDED.name_en, direction = EXCLUDED.direction, kind = EXCLUDED.kind, position = EXCLUDED.position,
       edge = EXCLUDED.edge, other_zone_id = EXCLUDED.other_zone_id, attraction_id = EXCLUDED.attraction_id
     RETURNING id`,
    [
      g.venue_id,
      g.zone_id,
      g.code,
      g.name_zh,
      g.name_en,
      g.direction,
      g.kind,
      JSON.stringify(g.position),
      g.edge ?? 'perimeter',
      g.other_zone_id ?? null,
      g.attraction_id ?? null,
    ],
  );
  return r.rows[0].id;
}
