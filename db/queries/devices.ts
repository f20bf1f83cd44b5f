import type { Queryable } from '../client.ts';

export interface DeviceAuthRow {
  id: number;
  gate_id: number;
  gate_code: string;
  venue_id: number;
  zone_id: number;
  /** A boundary gate: its admissions count as entries and exits of the venue. */
  perimeter: boolean;
  /** What the gate is in the zone graph (docs/zone-graph.md); absent: perimeter or transfer by `perimeter`. */
  edge?: 'perimeter' | 'transfer' | 'attraction' | 'checkpoint';
  /** Where an `out` leads (null: out of the venue). */
  other_zone_id?: number | null;
  attraction_id?: number | null;
}

/** The device holding this token hash, unless revoked. */
export async function findActiveDeviceByTokenHash(
  db: Queryable,
  tokenHash: Buffer,
): Promise<DeviceAuthRow | undefined> {
  const r = await db.query<DeviceAuthRow>(
    `SELECT d.id, d.gate_id, g.code AS gate_code, g.venue_id, g.zone_id, g.perimeter, g.edge, g.other_zone_id, g.attraction_id
     FROM devices d JOIN gates g ON g.id = d.gate_id
     WHERE d.token_hash = $1 AND d.revoked_at IS NULL`,
    [tokenHash],
  );
  return r.rows[0];
}

export async function insertDevice(db: Queryable, gateId: number, tokenHash: Buffer): Promise<number> {
  const r = await db.query<{ id: number }>('INSERT INTO devices (gate_id, token_hash) VALUES ($1, $2) RETURNING id', [
    gateId,
    tokenHash,
  ]);
  return r.rows[0].id;
}

/** Revokes every active device of a gate; returns the revoked ids. */
export async function revokeGateDevices(db: Queryable, gateId: number): Promise<number[]> {
  const r = await db.query<{ id: number }>(
    'UPDATE devices SET revoked_at = now() WHERE gate_id = $1 AND revoked_at IS NULL RETURNING id',
    [gateId],
  );
  return r.rows.map((x) => x.id);
}

/** Marks the device connected; returns the connection time, which markDisconnected must present. */
export async function markConnected(db: Queryable, id: number, instanceId: string): Promise<Date> {
  const r = await db.query<{ connected_at: Date }>(
    // Millisecond precision, so the JavaScript Date handed back compares equal in markDisconnected.
    `UPDATE devices SET connected_at = date_trunc('milliseconds', clock_timestamp()), last_seen_at = clock_timestamp(), instance_id = $2
     WHERE id = $1 RETURNING connected_at`,
    [id, instanceId],
  );
  return r.rows[0].connected_at;
}

/**
 * Marks the device disconnected, unless it has connected again since (possibly to another
 * instance): a late disconnect of an old socket must not turn a live device offline.
 */
export async function markDisconnected(db: Queryable, id: number, connectedAt: Date): Promise<boolean> {
  const r = await db.query(
    'UPDATE devices SET disconnected_at = clock_timestamp() WHERE id = $1 AND connected_at = $2',
    [id, connectedAt],
  );
  return r.rowCount > 0;
}

/** Records a heartbeat: the latest values on the device row, the history in device_heartbeats. */
export async function recordHeartbeat(
  db: Queryable,
  hb: { deviceId: number; gateId: number; at: Date; queue: number | null; battery: number | null },
): Promise<Date> {
  const r = await db.query<{ last_seen_at: Date }>(
    `WITH upd AS (
       UPDATE devices SET last_seen_at = now(), last_queue = $3, last_battery = $4 WHERE id = $1 RETURNING last_seen_at
     ), ins AS (
       INSERT INTO device_heartbeats (at, device_id, gate_id, queue, battery) VALUES ($5, $1, $2, $3, $4)
     )
     SELECT last_seen_at FROM upd`,
    [hb.deviceId, hb.gateId, hb.queue, hb.battery, hb.at],
  );
  return r.rows[0]?.last_seen_at ?? new Date();
}

/** Devices this instance marked connected but that stopped heartbeating (for the offline sweep). */
export async function listStaleConnected(
  db: Queryable,
  timeoutS: number,
): Promise<{ id: number; gate_id: number; venue_id: number }[]> {
  const r = await db.query<{ id: number; gate_id: number; venue_id: number }>(
    `SELECT d.id, d.gate_id, g.venue_id FROM devices d JOIN gates g ON g.id = d.gate_id
     WHERE d.revoked_at IS NULL AND d.connected_at IS NOT NULL
       AND (d.disconnected_at IS NULL OR d.disconnected_at < d.connected_at)
       AND d.last_seen_at <= now() - make_interval(secs => $1)
       AND d.last_seen_at > now() - make_interval(secs => $1 * 3)`,
    [timeoutS],
  );
  return r.rows;
}

/** Of these token hashes (hex), the ones that are still an active (unrevoked) device. */
export async function filterActiveDeviceTokens(db: Queryable, hashesHex: string[]): Promise<string[]> {
  if (!hashesHex.length) return [];
  const r = await db.query<{ h: string }>(
    "SELECT encode(token_hash, 'hex') AS h FROM devices WHERE token_hash IN (SELECT decode(x, 'hex') FROM unnest($1::text[]) AS x) AND revoked_at IS NULL",
    [hashesHex],
  );
  return r.rows.map((x) => x.h);
}
