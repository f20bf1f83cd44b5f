import type { Queryable } from '../client.ts';

export interface ChannelControlRow {
  id: number;
  venue_id: number;
  code: string;
  name: string;
  kind: 'online' | 'ota' | 'window' | 'kiosk';
  orders_per_min: number | null;
  paused: boolean;
}
export interface GateControlRow {
  id: number;
  venue_id: number;
  zone_id: number;
  code: string;
  name_zh: string;
  name_en: string;
  direction: 'in' | 'out' | 'both';
  admissions_per_min: number | null;
  closed: boolean;
}
export interface ZoneControlRow {
  id: number;
  venue_id: number;
  code: string;
  name_zh: string;
  name_en: string;
  capacity: number;
  entry_cap: number | null;
  warn_ratio: number;
  critical_ratio: number;
}

export async function listChannelControls(db: Queryable, venueId?: number): Promise<ChannelControlRow[]> {
  const r = await db.query<ChannelControlRow>(
    'SELECT id, venue_id, code, name, kind, orders_per_min, paused FROM channels WHERE revoked_at IS NULL AND ($1::int IS NULL OR venue_id = $1) ORDER BY code',
    [venueId ?? null],
  );
  return r.rows;
}

export async function listGateControls(db: Queryable, venueId?: number): Promise<GateControlRow[]> {
  const r = await db.query<GateControlRow>(
    'SELECT id, venue_id, zone_id, code, name_zh, name_en, direction, admissions_per_min, closed FROM gates WHERE $1::int IS NULL OR venue_id = $1 ORDER BY code',
    [venueId ?? null],
  );
  return r.rows;
}

export async function listZoneControls(db: Queryable, venueId?: number): Promise<ZoneControlRow[]> {
  const r = await db.query<ZoneControlRow>(
    'SELECT id, venue_id, code, name_zh, name_en, capacity, entry_cap, warn_ratio, critical_ratio FROM zones WHERE $1::int IS NULL OR venue_id = $1 ORDER BY id',
    [venueId ?? null],
  );
  return r.rows;
}

/** Venues whose online and OTA sales for today are paused by a crowd policy. */
export async function listOnlinePauses(db: Queryable): Promise<{ venue_id: number; zone_id: number }[]> {
  const r = await db.query<{ venue_id: number; zone_id: number }>(
    "SELECT venue_id, zone_id FROM policy_actions WHERE action = 'pause_online_sales' AND ended_at IS NULL",
  );
  return r.rows;
}

export async function lockChannel(tx: Queryable, id: number): Promise<ChannelControlRow | undefined> {
  const r = await tx.query<ChannelControlRow>(
    'SELECT id, venue_id, code, name, kind, orders_per_min, paused FROM channels WHERE id = $1 FOR UPDATE',
    [id],
  );
  return r.rows[0];
}

export async function updateChannelControl(
  tx: Queryable,
  id: number,
  ordersPerMin: number | null,
  paused: boolean,
): Promise<void> {
  await tx.query('UPDATE channels SET orders_per_min = $2, paused = $3 WHERE id = $1', [id, ordersPerMin, paused]);
}

export async function lockGate(tx: Queryable, id: number): Promise<GateControlRow | undefined> {
  const r = await tx.query<GateControlRow>(
    'SELECT id, venue_id, zone_id, code, name_zh, name_en, direction, admissions_per_min, closed FROM gates WHERE id = $1 FOR UPDATE',
    [id],
  );
  return r.rows[0];
}

export async function updateGateControl(
  tx: Queryable,
  id: number,
  admissionsPerMin: number | null,
  closed: boolean,
): Promise<void> {
  await tx.query('UPDATE gates SET admissions_per_min = $2, closed = $3 WHERE id = $1', [id, admissionsPerMin, closed]);
}

export async function lockZone(tx: Queryable, id: number): Promise<ZoneControlRow | undefined> {
  const r = await tx.query<ZoneControlRow>(
    'SELECT id, venue_id, code, name_zh, name_en, capacity, entry_cap, warn_ratio, critical_ratio FROM zones WHERE id = $1 FOR UPDATE',
    [id],
  );
  return r.rows[0];
}

export async function updateZoneCap(tx: Queryable, id: number, entryCap: number | null): Promise<void> {
  await tx.query('UPDATE zones SET entry_cap = $2 WHERE id = $1', [id, entryCap]);
}

export interface QuotaControlRow {
  id: number;
  day: string;
  slot_start: string | null;
  slot_end: string | null;
  capacity: number;
  sold: number;
  closed: boolean;
}

export async function listQuotaControls(db: Queryable, venueId: number, day: string): Promise<QuotaControlRow[]> {
  const r = await db.query<QuotaControlRow>(
    `SELECT id, day, to_char(slot_start, 'HH24:MI') AS slot_start, to_char(slot_end, 'HH24:MI') AS slot_end, capacity, sold, closed
     FROM quotas WHERE venue_id = $1 AND day = $2 ORDER BY slot_start NULLS FIRST`,
    [venueId, day],
  );
  return r.rows;
}

export async function lockQuota(
  tx: Queryable,
  venueId: number,
  day: string,
  slot: string | null,
): Promise<QuotaControlRow | undefined> {
  const r = await tx.query<QuotaControlRow>(
    `SELECT id, day, to_char(slot_start, 'HH24:MI') AS slot_start, to_char(slot_end, 'HH24:MI') AS slot_end, capacity, sold, closed
     FROM quotas WHERE venue_id = $1 AND day = $2 AND ${slot ? "to_char(slot_start, 'HH24:MI') = $3" : 'slot_start IS NULL AND $3::text IS NULL'} FOR UPDATE`,
    [venueId, day, slot],
  );
  return r.rows[0];
}

export async function updateQuota(tx: Queryable, id: number, capacity: number, closed: boolean): Promise<void> {
  await tx.query('UPDATE quotas SET capacity = $2, closed = $3 WHERE id = $1', [id, capacity, closed]);
}

export interface PolicyActionRow {
  id: number;
  venue_id: number;
  zone_id: number;
  action: 'close_gate' | 'pause_online_sales';
  target_id: number | null;
  started_at: Date;
  overridden: boolean;
}

export async function listOpenPolicyActions(db: Queryable, venueId: number): Promise<PolicyActionRow[]> {
  const r = await db.query<PolicyActionRow>(
    'SELECT id, venue_id, zone_id, action, target_id, started_at, overridden FROM policy_actions WHERE venue_id = $1 AND ended_at IS NULL ORDER BY id',
    [venueId],
  );
  return r.rows;
}

export async function insertPolicyAction(
  tx: Queryable,
  a: { venueId: number; zoneId: number; action: PolicyActionRow['action']; targetId: number | null },
): Promise<void> {
  await tx.query('INSERT INTO policy_actions (venue_id, zone_id, action, target_id) VALUES ($1, $2, $3, $4)', [
    a.venueId,
    a.zoneId,
    a.action,
    a.targetId,
  ]);
}

export async function endPolicyActions(tx: Queryable, ids: number[], overridden: boolean): Promise<void> {
  if (!ids.length) return;
  await tx.query(
    'UPDATE policy_actions SET ended_at = now(), overridden = overridden OR $2 WHERE id = ANY($1::bigint[]) AND ended_at IS NULL',
    [ids, overridden],
  );
}
