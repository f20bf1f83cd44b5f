import type { Queryable } from '../client.ts';
import type { TLiveCounters } from '../../lib/schemas/live.ts';
import type { TScanReason } from '../../lib/schemas/scan.ts';

/** A ticket with its type's entry rules, as the admission decision needs it. */
export interface TicketForScan {
  id: number;
  code: string;
  venue_id: number;
  type_id: number;
  type_code: string;
  status: 'valid' | 'refunded' | 'replaced';
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
  /** Today's entry was inferred at an inner gate (an upload from its perimeter gate confirms it). */
  entry_inferred: boolean;
  moved_at: Date | null;
  points_used: number;
  /** False for an attraction-only type (a ropeway ticket without park entry). */
  park_entry: boolean;
  points: number | null;
  /** Time-of-day validity (夜场票), 'HH:MM:SS', or null for the whole day. */
  hours_from: string | null;
  hours_to: string | null;
  /**
   * False for a package's park ticket whose stay has not been checked in at the hotel (confirmed,
   * or reverted to it): gates refuse it `not_activated`. True for every other ticket.
   */
  activated: boolean;
}

/**
 * Whether a package ticket's stay counts as checked in: in house, or checked out after being in
 * house (its tickets for days not started were voided at an early departure). A cancelled or
 * no-show stay's tickets are voided, refused as refunded before activation is looked at.
 */
const ACTIVATED_STAY_STATES = "('checked_in', 'checked_out')";

/**
 * Locks the tickets with these codes (in id order, so concurrent batches never deadlock) and
 * returns them with their rules. The lock is held until the caller's transaction ends; `lock`
 * false only reads them (the check-in desk's "would it admit now").
 */
export async function lockTicketsByCode(tx: Queryable, codes: string[], lock = true): Promise<TicketForScan[]> {
  if (!codes.length) return [];
  const r = await tx.query<TicketForScan>(
    `SELECT t.id, t.code, t.venue_id, t.type_id, tt.code AS type_code, t.status, t.valid_from, t.valid_to,
            t.slot_start::text, t.slot_end::text, t.entries, t.entries_on_day, t.entries_day, t.inside, t.zone_id,
            tt.entry_policy, tt.anti_passback, tt.max_entries_per_day, tt.entry_window_before_min, tt.allowed_zone_ids,
            t.entry_inferred, t.moved_at, t.points_used, tt.park_entry, tt.points, tt.hours_from::text, tt.hours_to::text,
            (t.stay_id IS NULL OR st.state IN ${ACTIVATED_STAY_STATES}) AS activated
     FROM tickets t JOIN ticket_types tt ON tt.id = t.type_id
       -- A package's tickets admit once its stay is checked in: read in the same statement (the
       -- batch's statements are counted, docs/benchmarks.md), by the stay's primary key.
       LEFT JOIN stays st ON st.id = t.stay_id
     WHERE t.code = ANY($1::text[])
     ORDER BY t.id
     ${lock ? 'FOR UPDATE OF t' : ''}`,
    [codes],
  );
  return r.rows;
}

/** What an online admission changed, kept so that it can be undone exactly (see settleScans). */
export interface TScanUndo {
  /** Business day the admission was counted on. */
  day: string;
  before: { entries: number; entriesOnDay: number; entriesDay: string | null; inside: boolean; zoneId: number | null };
  after: { entries: number; entriesOnDay: number; entriesDay: string | null; inside: boolean; zoneId: number | null };
  into: number | null;
  outOf: number | null;
  /** Which venue total the admission added to (boundary gates only); older undo records have only this. */
  counted: 'entries' | 'exits' | null;
  /** The venue crossings it counted (docs/zone-graph.md): undone together. */
  crossings?: { entry: boolean; exit: boolean; inferred: 'entry' | 'exit' | null };
  /** An attraction ride it used: what the ticket had used before. */
  ride?: { attractionId: number; before: { used: number; lastAt: number | null } | null; pointsBefore: number };
}

export interface StoredScanRequest {
  device_id: number;
  scan_id: string;
  request_hash: string;
  response: unknown;
  /** Request hash of the gate's upload that settled this scan, if one did. */
  settled_hash: string | null;
  undo: TScanUndo | null;
}

/** Scan ids a device already sent, with the answer it got. */
export async function findScanRequests(
  tx: Queryable,
  keys: { deviceId: number; scanId: string }[],
): Promise<StoredScanRequest[]> {
  if (!keys.length) return [];
  const r = await tx.query<StoredScanRequest>(
    `SELECT s.device_id, s.scan_id, s.request_hash, s.response, s.settled_hash, s.undo
     FROM scan_requests s JOIN unnest($1::int[], $2::text[]) AS k(device_id, scan_id)
       ON s.device_id = k.device_id AND s.scan_id = k.scan_id`,
    [keys.map((k) => k.deviceId), keys.map((k) => k.scanId)],
  );
  return r.rows;
}

/** The stored gate_scans row of a scan (one per device and scan id), for settling it. */
export interface StoredScanRow {
  device_id: number;
  scan_id: string;
  result: 'admit' | 'reject';
  reason: string | null;
  received_at: Date;
  /** The ticket the scan used (a group scan's choice among the group's tickets). */
  ticket_id: number | null;
}

/** The gate_scans rows of these scans (found by gate and time through gate_scans_gate_at_idx). */
export async function findGateScans(
  tx: Queryable,
  keys: { gateId: number; at: Date; deviceId: number; scanId: string }[],
): Promise<StoredScanRow[]> {
  if (!keys.length) return [];
  const r = await tx.query<StoredScanRow>(
    `SELECT g.device_id, g.scan_id, g.result, g.reason, g.received_at, g.ticket_id
     FROM gate_scans g JOIN unnest($1::int[], $2::timestamptz[], $3::int[], $4::text[]) AS k(gate_id, at, device_id, scan_id)
       ON g.gate_id = k.gate_id AND g.at = k.at AND g.device_id = k.device_id AND g.scan_id = k.scan_id`,
    [keys.map((k) => k.gateId), keys.map((k) => k.at), keys.map((k) => k.deviceId), keys.map((k) => k.scanId)],
  );
  return r.rows;
}

export interface ScanSettlement {
  gateId: number;
  at: Date;
  deviceId: number;
  scanId: string;
  /** The upload's request hash and the answer it settled on. */
  settledHash: string;
  response: unknown;
  /** The stored row becomes the gate's act (undefined: the gate agreed with the server, the row stays). */
  row?: {
    result: 'admit' | 'reject';
    reason: string | null;
    conflict: boolean;
    crossing?: 'entry' | 'exit' | 'both' | null;
    inferred?: 'entry' | 'exit' | null;
  };
}

/**
 * Records the settlement of scans decided online whose gate was told `unavailable` and acted by
 * itself: the upload's hash and answer on scan_requests, and the gate's act on the one gate_scans
 * row of the scan (never a second row). Only scans not settled yet are settled; returns how many
 * were (fewer than given: another batch settled some meanwhile, and this one must be decided again).
 */
export async function settleScans(tx: Queryable, rows: ScanSettlement[]): Promise<number> {
  if (!rows.length) return 0;
  const changed = rows.filter((r) => r.row);
  const r = await tx.query<{ settled: number }>(
    `/* ingest:settleScans */ WITH sr AS (
       UPDATE scan_requests s SET settled_hash = k.settled_hash, response = k.response
       FROM unnest($1::int[], $2::text[], $3::text[], $4::jsonb[]) AS k(device_id, scan_id, settled_hash, response)
       WHERE s.device_id = k.device_id AND s.scan_id = k.scan_id AND s.settled_hash IS NULL
       RETURNING 1
     ), gs AS (
       UPDATE gate_scans g SET result = c.result, reason = c.reason, conflict = c.conflict, offline = true,
         crossing = c.crossing, inferred = c.inferred
       FROM unnest($5::int[], $6::timestamptz[], $7::int[], $8::text[], $9::text[], $10::text[], $11::boolean[],
                   $12::text[], $13::text[])
         AS c(gate_id, at, device_id, scan_id, result, reason, conflict, crossing, inferred)
       WHERE g.gate_id = c.gate_id AND g.at = c.at AND g.device_id = c.device_id AND g.scan_id = c.scan_id
     )
     SELECT count(*)::int AS settled FROM sr`,
    [
      rows.map((r) => r.deviceId),
      rows.map((r) => r.scanId),
      rows.map((r) => r.settledHash),
      rows.map((r) => JSON.stringify(r.response)),
      changed.map((r) => r.gateId),
      changed.map((r) => r.at),
      changed.map((r) => r.deviceId),
      changed.map((r) => r.scanId),
      changed.map((r) => r.row!.result),
      changed.map((r) => r.row!.reason),
      changed.map((r) => r.row!.conflict),
      changed.map((r) => r.row!.crossing ?? null),
      changed.map((r) => r.row!.inferred ?? null),
    ],
  );
  return r.rows[0].settled;
}

/** Occupancy count and capacity (the entry cap when a manager set one) per `${zoneId}|${day}`. */
export type OccupancyMap = Map<string, { count: number; capacity: number }>;

const OCCUPANCY_WITH_CAPACITY = `SELECT o.zone_id, o.day, o.count, LEAST(z.capacity, COALESCE(z.entry_cap, z.capacity)) AS capacity
     FROM occupancy o JOIN zones z ON z.id = o.zone_id
     JOIN unnest($1::int[], $2::date[]) AS k(zone_id, day) ON o.zone_id = k.zone_id AND o.day = k.day
     ORDER BY o.zone_id, o.day`;

function occupancyMap(rows: { zone_id: number; day: string; count: number; capacity: number }[]): OccupancyMap {
  return new Map(rows.map((r) => [`${r.zone_id}|${r.day}`, { count: r.count, capacity: r.capacity }]));
}

/**
 * Locks the occupancy rows of these (zone, day) pairs, creating missing ones, in a fixed order, and
 * returns them. The locks are held until the caller's transaction ends: the safe path, used when
 * the optimistic one (readOccupancy + applyCounts) found that a zone filled up in between.
 */
export async function lockOccupancy(tx: Queryable, keys: { zoneId: number; day: string }[]): Promise<OccupancyMap> {
  if (!keys.length) return new Map();
  const zoneIds = keys.map((k) => k.zoneId);
  const days = keys.map((k) => k.day);
  await tx.query(
    `/* ingest:createOccupancy */ INSERT INTO occupancy (zone_id, day) SELECT * FROM unnest($1::int[], $2::date[]) ORDER BY 1, 2 ON CONFLICT DO NOTHING`,
    [zoneIds, days],
  );
  const r = await tx.query<{ zone_id: number; day: string; count: number; capacity: number }>(
    `/* ingest:lockOccupancy */ ${OCCUPANCY_WITH_CAPACITY} FOR UPDATE OF o`,
    [zoneIds, days],
  );
  return occupancyMap(r.rows);
}

/**
 * Reads the occupancy rows of these (zone, day) pairs without locking them, or returns null when
 * one does not exist yet (the first scan of a zone on a day takes the locked path, which creates it).
 * Every gate of a venue touches the same few rows, so locking them up front would make batches
 * queue behind each other for their whole transaction; applyCounts re-checks capacity at the end.
 */
export async function readOccupancy(
  tx: Queryable,
  keys: { zoneId: number; day: string }[],
): Promise<OccupancyMap | null> {
  if (!keys.length) return new Map();
  const r = await tx.query<{ zone_id: number; day: string; count: number; capacity: number }>(
    `/* ingest:readOccupancy */ ${OCCUPANCY_WITH_CAPACITY}`,
    [keys.map((k) => k.zoneId), keys.map((k) => k.day)],
  );
  return r.rows.length === new Set(keys.map((k) => `${k.zoneId}|${k.day}`)).size ? occupancyMap(r.rows) : null;
}

export interface TicketUpdate {
  id: number;
  entries: number;
  entriesOnDay: number;
  entriesDay: string | null;
  inside: boolean;
  zoneId: number | null;
  at: Date;
  entryInferred?: boolean;
  movedAt?: Date | null;
  pointsUsed?: number;
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
  /** A manual admission at the check-in desk: who let the visitor in, and for an override who approved it and why. */
  manualUserId?: number | null;
  overrideReason?: string | null;
  supervisorId?: number | null;
  /** The venue crossings the scan counted, and which was inferred (docs/zone-graph.md). */
  crossing?: 'entry' | 'exit' | 'both' | null;
  inferred?: 'entry' | 'exit' | null;
}

/** The gate_scans rows as unnest() parameters from $p on (18 of them). */
function gateScanSource(p: number): string {
  const types = [
    'timestamptz',
    'int',
    'int',
    'int',
    'int',
    'text',
    'bigint',
    'int',
    'text',
    'text',
    'text',
    'boolean',
    'boolean',
    'int',
    'text',
    'int',
    'text',
    'text',
  ];
  return `INSERT INTO gate_scans (at, venue_id, zone_id, gate_id, device_id, scan_id, ticket_id, type_id, direction, result, reason, offline, conflict,
       manual_user_id, override_reason, supervisor_id, crossing, inferred)
     SELECT * FROM unnest(${types.map((t, i) => `$${p + i}::${t}[]`).join(', ')})`;
}
function gateScanParams(rows: GateScanRow[]): unknown[] {
  return [
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
    rows.map((r) => r.manualUserId ?? null),
    rows.map((r) => r.overrideReason ?? null),
    rows.map((r) => r.supervisorId ?? null),
    rows.map((r) => r.crossing ?? null),
    rows.map((r) => r.inferred ?? null),
  ];
}

/**
 * Writes what a batch decided that no other batch contends for, in one statement: the new state of
 * the tickets it admitted (already locked by lockTicketsByCode), the rides they used, its
 * gate_scans rows and the stored answers for replays (scan_requests).
 */
export async function writeScanFacts(
  tx: Queryable,
  tickets: TicketUpdate[],
  scans: GateScanRow[],
  requests: { deviceId: number; scanId: string; hash: string; response: unknown; undo?: TScanUndo }[],
  rides: RideUpdate[] = [],
): Promise<void> {
  if (!tickets.length && !scans.length && !requests.length && !rides.length) return;
  await tx.query(
    `/* ingest:writeScanFacts */ WITH tu AS (
       UPDATE tickets t SET entries = u.entries, entries_on_day = u.entries_on_day, entries_day = u.entries_day,
         inside = u.inside, zone_id = u.zone_id, last_scan_at = u.at,
         first_entry_at = CASE WHEN u.entries = 0 THEN NULL WHEN t.first_entry_at IS NULL AND u.entries > 0 THEN u.at ELSE t.first_entry_at END,
         entry_inferred = COALESCE(u.entry_inferred, t.entry_inferred), moved_at = COALESCE(u.moved_at, t.moved_at),
         points_used = COALESCE(u.points_used, t.points_used)
       FROM unnest($1::bigint[], $2::int[], $3::int[], $4::date[], $5::boolean[], $6::int[], $7::timestamptz[],
                   $${ROW_BASE}::boolean[], $${ROW_BASE + 1}::timestamptz[], $${ROW_BASE + 2}::int[])
         AS u(id, entries, entries_on_day, entries_day, inside, zone_id, at, entry_inferred, moved_at, points_used)
       WHERE t.id = u.id
     ), sr AS (
       INSERT INTO scan_requests (device_id, scan_id, request_hash, response, undo)
       SELECT * FROM unnest($8::int[], $9::text[], $10::text[], $11::jsonb[], $12::jsonb[])
     ), rw AS (
       INSERT INTO ticket_rides (ticket_id, attraction_id, rides, last_ride_at)
       SELECT * FROM unnest($${ROW_BASE + 3}::bigint[], $${ROW_BASE + 4}::int[], $${ROW_BASE + 5}::int[], $${ROW_BASE + 6}::timestamptz[])
       ON CONFLICT (ticket_id, attraction_id) DO UPDATE SET rides = EXCLUDED.rides, last_ride_at = EXCLUDED.last_ride_at
     )
     ${gateScanSource(13)}`,
    [
      tickets.map((r) => r.id),
      tickets.map((r) => r.entries),
      tickets.map((r) => r.entriesOnDay),
      tickets.map((r) => r.entriesDay),
      tickets.map((r) => r.inside),
      tickets.map((r) => r.zoneId),
      tickets.map((r) => r.at),
      requests.map((r) => r.deviceId),
      requests.map((r) => r.scanId),
      requests.map((r) => r.hash),
      requests.map((r) => JSON.stringify(r.response)),
      requests.map((r) => (r.undo ? JSON.stringify(r.undo) : null)),
      ...gateScanParams(scans),
      tickets.map((r) => r.entryInferred ?? null),
      tickets.map((r) => r.movedAt ?? null),
      tickets.map((r) => r.pointsUsed ?? null),
      rides.map((r) => r.ticketId),
      rides.map((r) => r.attractionId),
      rides.map((r) => r.rides),
      rides.map((r) => r.lastRideAt),
    ],
  );
}

/** Where the ticket columns past the gate_scans rows start in writeScanFacts' parameters. */
const ROW_BASE = 13 + 18;

/** Rides a batch used, per ticket and attraction (the ticket rows are locked by the batch). */
export interface RideUpdate {
  ticketId: number;
  attractionId: number;
  rides: number;
  lastRideAt: Date | null;
}

/** An attraction as its gates decide: hours, ride gap, points, and a manager's closure or throttle. */
export interface AttractionForScan {
  id: number;
  venue_id: number;
  code: string;
  opens: string;
  closes: string;
  ride_gap_min: number;
  points: number;
  closed: boolean;
  rides_per_min: number | null;
  /** A show's doors: minutes before a show its booked tickets are admitted (null: not a show). */
  doors_min: number | null;
}

/** What a batch's attraction scans decide on: the attractions, the rides the types include and what the tickets used. */
export interface RideContext {
  attractions: AttractionForScan[];
  /** Per type and attraction, a number of rides or null for unlimited (项目票). */
  typeRides: { type_id: number; attraction_id: number; rides: number | null }[];
  /** The rides these tickets used at these attractions. */
  used: { ticket_id: number; attraction_id: number; rides: number; last_ride_at: string | null }[];
  /** The show each ticket booked at these attractions (演出场次): its day and times (HH:MM). */
  shows: { ticket_id: number; attraction_id: number; day: string; starts: string; ends: string }[];
}

/**
 * The attractions of these gates with the rides of these tickets, in one round trip: it runs while
 * the batch holds its ticket locks, so every statement less is lock time less for the next batch.
 */
export async function findRideContext(
  tx: Queryable,
  attractionIds: number[],
  tickets: { id: number; type_id: number }[],
): Promise<RideContext> {
  if (!attractionIds.length) return { attractions: [], typeRides: [], used: [], shows: [] };
  const r = await tx.query<{
    a: AttractionForScan[] | null;
    tr: RideContext['typeRides'] | null;
    u: RideContext['used'] | null;
    s: RideContext['shows'] | null;
  }>(
    `/* ingest:findRideContext */ SELECT
       (SELECT json_agg(x) FROM (
          SELECT a.id, a.venue_id, a.code, a.opens::text, a.closes::text, a.ride_gap_min, a.points,
                 COALESCE(c.closed, false) AS closed, c.rides_per_min,
                 CASE WHEN a.kind = 'show' THEN a.doors_min END AS doors_min
          FROM attractions a LEFT JOIN attraction_controls c ON c.attraction_id = a.id
          WHERE a.id = ANY($1::int[])) x) AS a,
       (SELECT json_agg(x) FROM (
          SELECT type_id, attraction_id, rides FROM ticket_type_rides
          WHERE type_id = ANY($3::int[]) AND attraction_id = ANY($1::int[])) x) AS tr,
       (SELECT json_agg(x) FROM (
          SELECT ticket_id, attraction_id, rides, last_ride_at FROM ticket_rides
          WHERE ticket_id = ANY($2::bigint[]) AND attraction_id = ANY($1::int[])) x) AS u,
       (SELECT json_agg(x) FROM (
          SELECT ts.ticket_id, ts.attraction_id, to_char(q.day, 'YYYY-MM-DD') AS day,
                 to_char(q.starts, 'HH24:MI') AS starts, to_char(q.ends, 'HH24:MI') AS ends
          FROM ticket_shows ts JOIN show_quotas q ON q.id = ts.quota_id
          WHERE ts.ticket_id = ANY($2::bigint[]) AND ts.attraction_id = ANY($1::int[])) x) AS s`,
    [attractionIds, tickets.map((t) => t.id), [...new Set(tickets.map((t) => t.type_id))]],
  );
  const row = r.rows[0];
  return { attractions: row?.a ?? [], typeRides: row?.tr ?? [], used: row?.u ?? [], shows: row?.s ?? [] };
}

export interface CounterDelta {
  venueId: number;
  day: string;
  entries?: number;
  exits?: number;
  rejects?: number;
  /** Rejections by reason (their sum is `rejects`). */
  rejectsByReason?: Partial<Record<TScanReason, number>>;
  conflicts?: number;
  sold?: number;
  refunded?: number;
  revenueFen?: number;
}

/** The daily_counters upsert from unnest() parameters $p.. (10 of them); sorted so writers lock rows in one order. */
function dailyCounterUpsert(p: number, where = ''): string {
  const types = ['int', 'date', 'int', 'int', 'int', 'int', 'int', 'int', 'bigint', 'jsonb'];
  return `INSERT INTO daily_counters AS c (venue_id, day, entries, exits, rejects, conflicts, sold, refunded, revenue_fen, rejects_by_reason)
     SELECT * FROM unnest(${types.map((t, i) => `$${p + i}::${t}[]`).join(', ')}) ${where}
     ON CONFLICT (venue_id, day) DO UPDATE SET
       entries = c.entries + EXCLUDED.entries, exits = c.exits + EXCLUDED.exits, rejects = c.rejects + EXCLUDED.rejects,
       conflicts = c.conflicts + EXCLUDED.conflicts, sold = c.sold + EXCLUDED.sold, refunded = c.refunded + EXCLUDED.refunded,
       revenue_fen = c.revenue_fen + EXCLUDED.revenue_fen,
       rejects_by_reason = CASE WHEN EXCLUDED.rejects_by_reason = '{}'::jsonb THEN c.rejects_by_reason ELSE (
         SELECT jsonb_object_agg(k, COALESCE((c.rejects_by_reason->>k)::int, 0) + COALESCE((EXCLUDED.rejects_by_reason->>k)::int, 0))
         FROM jsonb_object_keys(c.rejects_by_reason || EXCLUDED.rejects_by_reason) AS k) END`;
}
function dailyCounterParams(deltas: CounterDelta[]): unknown[] {
  const sorted = [...deltas].sort((a, b) => a.venueId - b.venueId || a.day.localeCompare(b.day));
  return [
    sorted.map((d) => d.venueId),
    sorted.map((d) => d.day),
    sorted.map((d) => d.entries ?? 0),
    sorted.map((d) => d.exits ?? 0),
    sorted.map((d) => d.rejects ?? 0),
    sorted.map((d) => d.conflicts ?? 0),
    sorted.map((d) => d.sold ?? 0),
    sorted.map((d) => d.refunded ?? 0),
    sorted.map((d) => d.revenueFen ?? 0),
    sorted.map((d) => JSON.stringify(d.rejectsByReason ?? {})),
  ];
}

/** Adds to the per-venue daily totals. */
export async function bumpDailyCounters(tx: Queryable, deltas: CounterDelta[]): Promise<void> {
  if (!deltas.length) return;
  await tx.query(dailyCounterUpsert(1), dailyCounterParams(deltas));
}

/** A batch's additions to one gate's activity in one minute (see migration 0008_gate_activity). */
export interface GateActivityDelta {
  gateId: number;
  venueId: number;
  /** Start of the minute. */
  minute: Date;
  scans: number;
  rejects: number;
  /** Venue entries: admitted in-scans at a boundary gate. */
  entries: number;
  offlineScans: number;
  offlineRejects: number;
  conflicts: number;
}

/**
 * Applies a batch's occupancy changes, gate activity and venue totals in one statement, the last
 * before COMMIT: these rows are shared by every batch of a venue, so they are locked only from here
 * to the commit, always in the same order (occupancy by zone and day, then gate activity by gate and
 * minute, then the venue totals). A count never goes below zero. Returns the occupancy after the
 * change, with capacity, for every key given (a zero delta leaves the count).
 */
export async function applyCounts(
  tx: Queryable,
  occupancy: { zoneId: number; day: string; delta: number }[],
  activity: GateActivityDelta[],
  counters: CounterDelta[],
): Promise<OccupancyMap> {
  if (!occupancy.length && !activity.length && !counters.length) return new Map();
  const act = [...activity].sort((a, b) => a.gateId - b.gateId || a.minute.getTime() - b.minute.getTime());
  const r = await tx.query<{ zone_id: number; day: string; count: number; capacity: number }>(
    `/* ingest:applyCounts */ WITH d AS (
       SELECT * FROM unnest($1::int[], $2::date[], $3::int[]) AS d(zone_id, day, delta)
     ), locked AS (
       SELECT o.zone_id, o.day FROM occupancy o JOIN d ON o.zone_id = d.zone_id AND o.day = d.day
       ORDER BY o.zone_id, o.day FOR UPDATE OF o
     ), occ AS (
       UPDATE occupancy o SET count = GREATEST(0, o.count + d.delta)
       FROM locked l JOIN d ON d.zone_id = l.zone_id AND d.day = l.day
       WHERE o.zone_id = l.zone_id AND o.day = l.day
       RETURNING o.zone_id, o.day, o.count
     ), ga AS (
       INSERT INTO gate_activity AS a (gate_id, minute, venue_id, scans, rejects, offline_scans, offline_rejects, conflicts, entries)
       SELECT * FROM unnest($4::int[], $5::timestamptz[], $6::int[], $7::int[], $8::int[], $9::int[], $10::int[], $11::int[], $12::int[])
       WHERE (SELECT count(*) FROM occ) >= 0
       ON CONFLICT (gate_id, minute) DO UPDATE SET scans = a.scans + EXCLUDED.scans, rejects = a.rejects + EXCLUDED.rejects,
         offline_scans = a.offline_scans + EXCLUDED.offline_scans, offline_rejects = a.offline_rejects + EXCLUDED.offline_rejects,
         conflicts = a.conflicts + EXCLUDED.conflicts, entries = a.entries + EXCLUDED.entries
       RETURNING 1
     ), dc AS (
       ${dailyCounterUpsert(13, 'WHERE (SELECT count(*) FROM ga) >= 0')}
     )
     SELECT occ.zone_id, occ.day, occ.count, LEAST(z.capacity, COALESCE(z.entry_cap, z.capacity)) AS capacity
     FROM occ JOIN zones z ON z.id = occ.zone_id`,
    [
      occupancy.map((o) => o.zoneId),
      occupancy.map((o) => o.day),
      occupancy.map((o) => o.delta),
      act.map((a) => a.gateId),
      act.map((a) => a.minute),
      act.map((a) => a.venueId),
      act.map((a) => a.scans),
      act.map((a) => a.rejects),
      act.map((a) => a.offlineScans),
      act.map((a) => a.offlineRejects),
      act.map((a) => a.conflicts),
      act.map((a) => a.entries),
      ...dailyCounterParams(counters),
    ],
  );
  return occupancyMap(r.rows);
}

/** Drops gate activity older than any window that reads it. */
export async function pruneGateActivity(db: Queryable): Promise<number> {
  return (await db.query("DELETE FROM gate_activity WHERE minute < now() - INTERVAL '1 hour'")).rowCount;
}

/** The live counters screens get (the shape is shared with the browser). */
export type LiveCounters = TLiveCounters;

/** Window of recent gate activity shown on the map and in gate health: this many minute buckets, the current one included. */
export const ACTIVITY_WINDOW_MIN = 5;

/** Today's totals and per-zone occupancy of a venue, for the live screens. */
export async function readLiveCounters(db: Queryable, venueId: number, day: string): Promise<LiveCounters> {
  const [c, z, g] = await Promise.all([
    db.query<{
      carried: number;
      entries: number;
      exits: number;
      rejects: number;
      rejects_by_reason: Partial<Record<TScanReason, number>>;
      conflicts: number;
      sold: number;
      refunded: number;
      revenue_fen: number;
    }>(
      'SELECT carried, entries, exits, rejects, rejects_by_reason, conflicts, sold, refunded, revenue_fen FROM daily_counters WHERE venue_id = $1 AND day = $2',
      [venueId, day],
    ),
    db.query<{ zone_id: number; count: number; capacity: number }>(
      `SELECT z.id AS zone_id, COALESCE(o.count, 0) AS count, z.capacity
       FROM zones z LEFT JOIN occupancy o ON o.zone_id = z.id AND o.day = $2 WHERE z.venue_id = $1 ORDER BY z.id`,
      [venueId, day],
    ),
    db.query<{ gate_id: number; scans: number; rejects: number; entries: number; window_min: number }>(
      `SELECT gate_id, sum(scans)::int AS scans, sum(rejects)::int AS rejects, sum(entries)::int AS entries,
              ($2 - 1) + extract(epoch FROM now() - date_trunc('minute', now()))::float8 / 60 AS window_min
       FROM gate_activity WHERE venue_id = $1 AND minute >= date_trunc('minute', now()) - make_interval(mins => $2 - 1)
       GROUP BY gate_id`,
      [venueId, ACTIVITY_WINDOW_MIN],
    ),
  ]);
  const row = c.rows[0];
  // The window runs from the start of its first minute bucket to now (the last bucket is still filling).
  const windowMin = g.rows[0]?.window_min ?? ACTIVITY_WINDOW_MIN;
  const recentEntries = g.rows.reduce((n, r) => n + r.entries, 0);
  return {
    day,
    carried: row?.carried ?? 0,
    entries: row?.entries ?? 0,
    exits: row?.exits ?? 0,
    entryRate: windowMin > 0 ? Math.round((recentEntries / windowMin) * 10) / 10 : 0,
    rejects: row?.rejects ?? 0,
    rejectsByReason: row?.rejects_by_reason ?? {},
    conflicts: row?.conflicts ?? 0,
    sold: row?.sold ?? 0,
    refunded: row?.refunded ?? 0,
    revenueFen: row?.revenue_fen ?? 0,
    zones: z.rows.map((r) => ({ zoneId: r.zone_id, count: r.count, capacity: r.capacity })),
    gates: g.rows.map((r) => ({ gateId: r.gate_id, scans: r.scans, rejects: r.rejects })),
  };
}

/** Venue clock settings for the ingest (time zone and the daily reset minute). */
export async function readVenueClock(
  db: Queryable,
  venueId: number,
): Promise<{ timezone: string; resetMinute: number }> {
  const r = await db.query<{ timezone: string; reset: string }>(
    'SELECT timezone, day_reset::text AS reset FROM venues WHERE id = $1',
    [venueId],
  );
  const row = r.rows[0];
  if (!row) throw new Error(`venue ${venueId} does not exist`);
  const [h, m] = row.reset.split(':').map(Number);
  return { timezone: row.timezone, resetMinute: h * 60 + m };
}

/** The tickets of a group's order at a venue (团体码), in ticket order: what a group scan admits from. */
export async function findGroupTicketCodes(tx: Queryable, venueId: number, groupCode: string): Promise<string[]> {
  const r = await tx.query<{ code: string }>(
    `SELECT t.code FROM orders o JOIN tickets t ON t.order_id = o.id
     WHERE o.group_code = $2 AND o.venue_id = $1 ORDER BY t.id`,
    [venueId, groupCode],
  );
  return r.rows.map((x) => x.code);
}

/** A group's headcount: booked (its valid tickets), arrived (entered at least once) and still unused. */
export interface GroupCount {
  booked: number;
  arrived: number;
  left: number;
}

export async function countGroup(db: Queryable, venueId: number, groupCode: string): Promise<GroupCount> {
  const r = await db.query<GroupCount>(
    `SELECT count(*) FILTER (WHERE t.status = 'valid')::int AS booked,
            count(*) FILTER (WHERE t.status = 'valid' AND t.entries > 0)::int AS arrived,
            count(*) FILTER (WHERE t.status = 'valid' AND t.entries = 0)::int AS left
     FROM orders o JOIN tickets t ON t.order_id = o.id
     WHERE o.group_code = $2 AND o.venue_id = $1`,
    [venueId, groupCode],
  );
  return r.rows[0] ?? { booked: 0, arrived: 0, left: 0 };
}
