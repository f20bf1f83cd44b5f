import type { Queryable } from '../client.ts';
import type { TLiveCounters } from '../../lib/schemas/live.ts';

/** A ticket with its type's entry rules, as the admission decision needs it. */
export interface TicketForScan {
  id: number;
  code: string;
  venue_id: number;
  type_id: number;
  type_code: string;
  status: 'valid' | 'refunded';
  valid_from: string;
  valid_to: string;
  slot_start: string | null;
  slot_end: string | null;
  entries: number;
  entries_on_day: number;
  entries_day: string | null;
  inside: boolean;
  zone_id: number | null;
  entry_policy: 'single' | 'multi';
  anti_passback: boolean;
  max_entries_per_day: number | null;
  entry_window_before_min: number;
  allowed_zone_ids: number[] | null;
}

/**
 * Locks the tickets with these codes (in id order, so concurrent batches never deadlock) and
 * returns them with their rules. The lock is held until the caller's transaction ends.
 */
export async function lockTicketsByCode(tx: Queryable, codes: string[]): Promise<TicketForScan[]> {
  if (!codes.length) return [];
  const r = await tx.query<TicketForScan>(
    `SELECT t.id, t.code, t.venue_id, t.type_id, tt.code AS type_code, t.status, t.valid_from, t.valid_to,
            t.slot_start::text, t.slot_end::text, t.entries, t.entries_on_day, t.entries_day, t.inside, t.zone_id,
            tt.entry_policy, tt.anti_passback, tt.max_entries_per_day, tt.entry_window_before_min, tt.allowed_zone_ids
     FROM tickets t JOIN ticket_types tt ON tt.id = t.type_id
     WHERE t.code = ANY($1::text[])
     ORDER BY t.id
     FOR UPDATE OF t`,
    [codes],
  );
  return r.rows;
}

export interface StoredScanRequest {
  device_id: number;
  scan_id: string;
  request_hash: string;
  response: unknown;
}

/** Scan ids a device already sent, with the answer it got. */
export async function findScanRequests(tx: Queryable, keys: { deviceId: number; scanId: string }[]): Promise<StoredScanRequest[]> {
  if (!keys.length) return [];
  const r = await tx.query<StoredScanRequest>(
    `SELECT s.device_id, s.scan_id, s.request_hash, s.response
     FROM scan_requests s JOIN unnest($1::int[], $2::text[]) AS k(device_id, scan_id)
       ON s.device_id = k.device_id AND s.scan_id = k.scan_id`,
    [keys.map((k) => k.deviceId), keys.map((k) => k.scanId)],
  );
  return r.rows;
}

/**
 * Locks the occupancy rows of these (zone, day) pairs, creating missing ones, in a fixed order.
 * Returns count and capacity (the entry cap when a manager set one) per `${zoneId}|${day}`.
 */
export async function lockOccupancy(tx: Queryable, keys: { zoneId: number; day: string }[]): Promise<Map<string, { count: number; capacity: number }>> {
  const out = new Map<string, { count: number; capacity: number }>();
  if (!keys.length) return out;
  const zoneIds = keys.map((k) => k.zoneId);
  const days = keys.map((k) => k.day);
  await tx.query(
    `INSERT INTO occupancy (zone_id, day) SELECT * FROM unnest($1::int[], $2::date[]) ORDER BY 1, 2 ON CONFLICT DO NOTHING`,
    [zoneIds, days],
  );
  const r = await tx.query<{ zone_id: number; day: string; count: number; capacity: number }>(
    `SELECT o.zone_id, o.day, o.count, LEAST(z.capacity, COALESCE(z.entry_cap, z.capacity)) AS capacity
     FROM occupancy o JOIN zones z ON z.id = o.zone_id
     JOIN unnest($1::int[], $2::date[]) AS k(zone_id, day) ON o.zone_id = k.zone_id AND o.day = k.day
     ORDER BY o.zone_id, o.day
     FOR UPDATE OF o`,
    [zoneIds, days],
  );
  for (const row of r.rows) out.set(`${row.zone_id}|${row.day}`, { count: row.count, capacity: row.capacity });
  return out;
}

export interface TicketUpdate {
  id: number;
  entries: number;
  entriesOnDay: number;
  entriesDay: string | null;
  inside: boolean;
  zoneId: number | null;
  at: Date;
}

/** Writes back the new state of every ticket a batch admitted, in one statement. */
export async function updateTickets(tx: Queryable, rows: TicketUpdate[]): Promise<void> {
  if (!rows.length) return;
  await tx.query(
    `UPDATE tickets t SET entries = u.entries, entries_on_day = u.entries_on_day, entries_day = u.entries_day,
       inside = u.inside, zone_id = u.zone_id, last_scan_at = u.at,
       first_entry_at = CASE WHEN t.first_entry_at IS NULL AND u.entries > 0 THEN u.at ELSE t.first_entry_at END
     FROM unnest($1::bigint[], $2::int[], $3::int[], $4::date[], $5::boolean[], $6::int[], $7::timestamptz[])
       AS u(id, entries, entries_on_day, entries_day, inside, zone_id, at)
     WHERE t.id = u.id`,
    [
      rows.map((r) => r.id),
      rows.map((r) => r.entries),
      rows.map((r) => r.entriesOnDay),
      rows.map((r) => r.entriesDay),
      rows.map((r) => r.inside),
      rows.map((r) => r.zoneId),
      rows.map((r) => r.at),
    ],
  );
}

/** Applies occupancy changes; a count never goes below zero. */
export async function applyOccupancy(tx: Queryable, deltas: { zoneId: number; day: string; delta: number }[]): Promise<void> {
  const nonZero = deltas.filter((d) => d.delta !== 0);
  if (!nonZero.length) return;
  await tx.query(
    `UPDATE occupancy o SET count = GREATEST(0, o.count + d.delta)
     FROM unnest($1::int[], $2::date[], $3::int[]) AS d(zone_id, day, delta)
     WHERE o.zone_id = d.zone_id AND o.day = d.day`,
    [nonZero.map((d) => d.zoneId), nonZero.map((d) => d.day), nonZero.map((d) => d.delta)],
  );
}

export interface GateScanRow {
  at: Date;
  venueId: number;
  zoneId: number;
  gateId: number;
  deviceId: number;
  scanId: string;
  ticketId: number | null;
  typeId: number | null;
  direction: 'in' | 'out';
  result: 'admit' | 'reject';
  reason: string | null;
  offline: boolean;
  conflict: boolean;
}

export async function insertGateScans(tx: Queryable, rows: GateScanRow[]): Promise<void> {
  if (!rows.length) return;
  await tx.query(
    `INSERT INTO gate_scans (at, venue_id, zone_id, gate_id, device_id, scan_id, ticket_id, type_id, direction, result, reason, offline, conflict)
     SELECT * FROM unnest($1::timestamptz[], $2::int[], $3::int[], $4::int[], $5::int[], $6::text[], $7::bigint[], $8::int[],
                          $9::text[], $10::text[], $11::text[], $12::boolean[], $13::boolean[])`,
    [
      rows.map((r) => r.at),
      rows.map((r) => r.venueId),
      rows.map((r) => r.zoneId),
      rows.map((r) => r.gateId),
      rows.map((r) => r.deviceId),
      rows.map((r) => r.scanId),
      rows.map((r) => r.ticketId),
      rows.map((r) => r.typeId),
      rows.map((r) => r.direction),
      rows.map((r) => r.result),
      rows.map((r) => r.reason),
      rows.map((r) => r.offline),
      rows.map((r) => r.conflict),
    ],
  );
}

export async function insertScanRequests(tx: Queryable, rows: { deviceId: number; scanId: string; hash: string; response: unknown }[]): Promise<void> {
  if (!rows.length) return;
  await tx.query(
    `INSERT INTO scan_requests (device_id, scan_id, request_hash, response)
     SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::jsonb[])`,
    [rows.map((r) => r.deviceId), rows.map((r) => r.scanId), rows.map((r) => r.hash), rows.map((r) => JSON.stringify(r.response))],
  );
}

export interface CounterDelta {
  venueId: number;
  day: string;
  entries?: number;
  exits?: number;
  rejects?: number;
  conflicts?: number;
  sold?: number;
  refunded?: number;
  revenueFen?: number;
}

/** Adds to the per-venue daily totals (sorted, so concurrent writers lock rows in one order). */
export async function bumpDailyCounters(tx: Queryable, deltas: CounterDelta[]): Promise<void> {
  if (!deltas.length) return;
  const sorted = [...deltas].sort((a, b) => a.venueId - b.venueId || a.day.localeCompare(b.day));
  await tx.query(
    `INSERT INTO daily_counters AS c (venue_id, day, entries, exits, rejects, conflicts, sold, refunded, revenue_fen)
     SELECT * FROM unnest($1::int[], $2::date[], $3::int[], $4::int[], $5::int[], $6::int[], $7::int[], $8::int[], $9::bigint[])
     ON CONFLICT (venue_id, day) DO UPDATE SET
       entries = c.entries + EXCLUDED.entries, exits = c.exits + EXCLUDED.exits, rejects = c.rejects + EXCLUDED.rejects,
       conflicts = c.conflicts + EXCLUDED.conflicts, sold = c.sold + EXCLUDED.sold, refunded = c.refunded + EXCLUDED.refunded,
       revenue_fen = c.revenue_fen + EXCLUDED.revenue_fen`,
    [
      sorted.map((d) => d.venueId),
      sorted.map((d) => d.day),
      sorted.map((d) => d.entries ?? 0),
      sorted.map((d) => d.exits ?? 0),
      sorted.map((d) => d.rejects ?? 0),
      sorted.map((d) => d.conflicts ?? 0),
      sorted.map((d) => d.sold ?? 0),
      sorted.map((d) => d.refunded ?? 0),
      sorted.map((d) => d.revenueFen ?? 0),
    ],
  );
}

/** The live counters screens get (the shape is shared with the browser). */
export type LiveCounters = TLiveCounters;

/** Window of recent gate activity shown on the map and in gate health (minutes). */
export const ACTIVITY_WINDOW_MIN = 5;

/** Today's totals and per-zone occupancy of a venue, for the live screens. */
export async function readLiveCounters(db: Queryable, venueId: number, day: string): Promise<LiveCounters> {
  const [c, z, g] = await Promise.all([
    db.query<{ entries: number; exits: number; rejects: number; conflicts: number; sold: number; refunded: number; revenue_fen: number }>(
      'SELECT entries, exits, rejects, conflicts, sold, refunded, revenue_fen FROM daily_counters WHERE venue_id = $1 AND day = $2',
      [venueId, day],
    ),
    db.query<{ zone_id: number; count: number; capacity: number }>(
      `SELECT z.id AS zone_id, COALESCE(o.count, 0) AS count, z.capacity
       FROM zones z LEFT JOIN occupancy o ON o.zone_id = z.id AND o.day = $2 WHERE z.venue_id = $1 ORDER BY z.id`,
      [venueId, day],
    ),
    db.query<{ gate_id: number; scans: number; rejects: number }>(
      `SELECT gate_id, count(*)::int AS scans, count(*) FILTER (WHERE result = 'reject')::int AS rejects
       FROM gate_scans WHERE venue_id = $1 AND at > now() - make_interval(mins => $2) GROUP BY gate_id`,
      [venueId, ACTIVITY_WINDOW_MIN],
    ),
  ]);
  const row = c.rows[0];
  return {
    day,
    entries: row?.entries ?? 0,
    exits: row?.exits ?? 0,
    rejects: row?.rejects ?? 0,
    conflicts: row?.conflicts ?? 0,
    sold: row?.sold ?? 0,
    refunded: row?.refunded ?? 0,
    revenueFen: row?.revenue_fen ?? 0,
    zones: z.rows.map((r) => ({ zoneId: r.zone_id, count: r.count, capacity: r.capacity })),
    gates: g.rows.map((r) => ({ gateId: r.gate_id, scans: r.scans, rejects: r.rejects })),
  };
}

/** Venue clock settings for the ingest (time zone and the daily reset minute). */
export async function readVenueClock(db: Queryable, venueId: number): Promise<{ timezone: string; resetMinute: number }> {
  const r = await db.query<{ timezone: string; reset: string }>('SELECT timezone, day_reset::text AS reset FROM venues WHERE id = $1', [venueId]);
  const row = r.rows[0];
  if (!row) throw new Error(`venue ${venueId} does not exist`);
  const [h, m] = row.reset.split(':').map(Number);
  return { timezone: row.timezone, resetMinute: h * 60 + m };
}
