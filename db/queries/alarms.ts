import type { Queryable } from '../client.ts';

export type TAlarmKind =
  | 'capacity'
  | 'device_offline'
  | 'offline_conflict'
  | 'reject_rate'
  | 'queue'
  | 'attraction_silent'
  | 'stranded'
  | 'hotel_overbooked';
export type TSeverity = 'warning' | 'critical';

export interface AlarmRow {
  id: number;
  venue_id: number;
  subject_kind: 'venue' | 'zone' | 'gate' | 'attraction' | 'hotel';
  subject_id: number;
  kind: TAlarmKind;
  severity: TSeverity;
  state: 'active' | 'acknowledged' | 'cleared';
  value: number | null;
  threshold: number | null;
  opened_at: Date;
  updated_at: Date;
  acked_at: Date | null;
  acked_by_label: string | null;
  ack_note: string | null;
  escalated_at: Date | null;
  cleared_at: Date | null;
}

const COLS = `id, venue_id, subject_kind, subject_id, kind, severity, state, value, threshold, opened_at, updated_at, acked_at,
  acked_by_label, ack_note, escalated_at, cleared_at`;

export async function listOpenAlarms(db: Queryable, venueId?: number): Promise<AlarmRow[]> {
  const r = await db.query<AlarmRow>(
    `SELECT ${COLS} FROM alarms WHERE state <> 'cleared' AND ($1::int IS NULL OR venue_id = $1)
     ORDER BY (severity = 'critical') DESC, (state = 'active') DESC, opened_at DESC`,
    [venueId ?? null],
  );
  return r.rows;
}

export async function listAlarmHistory(db: Queryable, venueId: number, limit: number): Promise<AlarmRow[]> {
  const r = await db.query<AlarmRow>(
    `SELECT ${COLS} FROM alarms WHERE venue_id = $1 ORDER BY opened_at DESC LIMIT $2`,
    [venueId, limit],
  );
  return r.rows;
}

export async function insertAlarm(
  tx: Queryable,
  a: {
    venueId: number;
    subjectKind: string;
    subjectId: number;
    kind: TAlarmKind;
    severity: TSeverity;
    value: number | null;
    threshold: number | null;
  },
): Promise<void> {
  await tx.query(
    `INSERT INTO alarms (venue_id, subject_kind, subject_id, kind, severity, value, threshold) VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (subject_kind, subject_id, kind) WHERE state <> 'cleared' DO NOTHING`,
    [a.venueId, a.subjectKind, a.subjectId, a.kind, a.severity, a.value, a.threshold],
  );
}

/** Changes an open alarm's severity; a rise asks for a new acknowledgement. */
export async function updateAlarmSeverity(
  tx: Queryable,
  id: number,
  severity: TSeverity,
  rising: boolean,
  value: number | null,
  threshold: number | null,
): Promise<void> {
  await tx.query(
    `UPDATE alarms SET severity = $2, value = $3, threshold = $4, updated_at = now(),
       state = CASE WHEN $5 THEN 'active' ELSE state END, escalated_at = CASE WHEN $5 THEN NULL ELSE escalated_at END
     WHERE id = $1`,
    [id, severity, value, threshold, rising],
  );
}

export async function updateAlarmValue(tx: Queryable, id: number, value: number | null): Promise<void> {
  await tx.query('UPDATE alarms SET value = $2 WHERE id = $1 AND value IS DISTINCT FROM $2', [id, value]);
}

export async function clearAlarm(tx: Queryable, id: number): Promise<void> {
  await tx.query("UPDATE alarms SET state = 'cleared', cleared_at = now(), updated_at = now() WHERE id = $1", [id]);
}

/** Escalates active alarms nobody acknowledged within afterS: they turn critical. Returns their venues. */
export async function escalateAlarms(tx: Queryable, afterS: number): Promise<number[]> {
  const r = await tx.query<{ venue_id: number }>(
    `UPDATE alarms SET escalated_at = now(), severity = 'critical', updated_at = now()
     WHERE state = 'active' AND escalated_at IS NULL AND updated_at < now() - make_interval(secs => $1) RETURNING venue_id`,
    [afterS],
  );
  return [...new Set(r.rows.map((x) => x.venue_id))];
}

export async function acknowledgeAlarm(
  tx: Queryable,
  id: number,
  userId: number | null,
  label: string,
  note: string | null,
): Promise<AlarmRow | undefined> {
  const r = await tx.query<AlarmRow>(
    `UPDATE alarms SET state = 'acknowledged', acked_at = now(), acked_by = $2, acked_by_label = $3, ack_note = $4, updated_at = now()
     WHERE id = $1 AND state = 'active' RETURNING ${COLS}`,
    [id, userId, label, note],
  );
  return r.rows[0];
}

export async function findAlarm(db: Queryable, id: number): Promise<AlarmRow | undefined> {
  const r = await db.query<AlarmRow>(`SELECT ${COLS} FROM alarms WHERE id = $1`, [id]);
  return r.rows[0];
}

export interface WatchRow {
  subject_kind: string;
  subject_id: number;
  kind: string;
  level: 'none' | TSeverity;
  since: Date;
}

export async function listWatch(tx: Queryable): Promise<WatchRow[]> {
  return (await tx.query<WatchRow>('SELECT subject_kind, subject_id, kind, level, since FROM alarm_watch')).rows;
}

/** Records the level a condition is at since `since` (default: now), so its hold-down can be timed. */
export async function setWatch(
  tx: Queryable,
  w: { subjectKind: string; subjectId: number; kind: string; level: string; since?: Date },
): Promise<void> {
  await tx.query(
    `INSERT INTO alarm_watch (subject_kind, subject_id, kind, level, since) VALUES ($1, $2, $3, $4, COALESCE($5::timestamptz, now()))
     ON CONFLICT (subject_kind, subject_id, kind) DO UPDATE SET level = EXCLUDED.level, since = EXCLUDED.since`,
    [w.subjectKind, w.subjectId, w.kind, w.level, w.since ?? null],
  );
}

async function sequence<T extends readonly (() => Promise<unknown>)[]>(
  fns: T,
): Promise<{ [K in keyof T]: Awaited<ReturnType<T[K]>> }> {
  const out: unknown[] = [];
  for (const f of fns) out.push(await f());
  return out as { [K in keyof T]: Awaited<ReturnType<T[K]>> };
}

/** The measurements alarms are raised from, for every venue. */
export async function readAlarmInputs(tx: Queryable, timeoutS: number) {
  // One after another: they run on one transaction client, which takes one query at a time.
  const [zones, venues, gates] = await sequence([
    () =>
      tx.query<{
        id: number;
        venue_id: number;
        capacity: number;
        warn_ratio: number;
        critical_ratio: number;
        count: number;
        day_ok: boolean;
      }>(
        `SELECT z.id, z.venue_id, z.capacity, z.warn_ratio, z.critical_ratio, COALESCE(o.count, 0) AS count, true AS day_ok
       FROM zones z JOIN venues v ON v.id = z.venue_id
       LEFT JOIN occupancy o ON o.zone_id = z.id
         AND o.day = ((now() AT TIME ZONE v.timezone) - (v.day_reset - TIME '00:00'))::date`,
      ),
    () => tx.query<{ id: number; capacity: number }>('SELECT id, capacity FROM venues'),
    () =>
      tx.query<{
        id: number;
        venue_id: number;
        online: boolean;
        seen_recently: boolean;
        scans: number;
        rejects: number;
        conflicts: number;
      }>(
        `SELECT g.id, g.venue_id,
         COALESCE(bool_or(d.revoked_at IS NULL AND d.connected_at IS NOT NULL
           AND (d.disconnected_at IS NULL OR d.disconnected_at < d.connected_at)
           AND d.last_seen_at > now() - make_interval(secs => $1)), false) AS online,
         COALESCE(bool_or(d.revoked_at IS NULL AND d.last_seen_at > now() - INTERVAL '1 hour'), false) AS seen_recently,
         COALESCE(max(s.scans), 0) AS scans, COALESCE(max(s.rejects), 0) AS rejects, COALESCE(max(c.conflicts), 0) AS conflicts
       FROM gates g
       LEFT JOIN devices d ON d.gate_id = g.id
       LEFT JOIN (SELECT gate_id, sum(scans - offline_scans)::int AS scans, sum(rejects - offline_rejects)::int AS rejects
                  FROM gate_activity WHERE minute >= date_trunc('minute', now()) - INTERVAL '4 minutes' GROUP BY gate_id) s ON s.gate_id = g.id
       LEFT JOIN (SELECT gate_id, sum(conflicts)::int AS conflicts FROM gate_activity
                  WHERE minute >= date_trunc('minute', now()) - INTERVAL '9 minutes' GROUP BY gate_id) c ON c.gate_id = g.id
       GROUP BY g.id`,
        [timeoutS],
      ),
  ] as const);
  return { zones: zones.rows, venues: venues.rows, gates: gates.rows };
}

/** An attraction as its alarms read it: hours, capacity, a manager's closure, and its gates' recent work. */
export interface AttractionAlarmInput {
  id: number;
  venue_id: number;
  timezone: string;
  /** The venue's day reset, 'HH:MM'. */
  day_reset: string;
  hourly_capacity: number;
  opens: string;
  closes: string;
  closed: boolean;
  /** When a manager last changed its controls (a reopening starts its gates' silence anew). */
  controls_at: Date | null;
  /** Rides admitted at its gates in the hour up to `at` (online and uploaded, by when they happened). */
  rides: number;
  /** Its gates' latest scan at or before `at`, within a day (null: none). */
  last_scan_at: Date | null;
  /** A show's times ('HH:MM'; null: not a show) and its doors: it is open only from doors to end of each. */
  shows: { starts: string; ends: string }[] | null;
  doors_min: number;
}

/**
 * The measurements attraction alarms are raised from, for every attraction, as of `at` (the
 * engine's clock): rides in the last hour from gate_activity (pruned after an hour, so the window
 * is what it keeps) and the gates' latest scan from gate_scans by its (gate_id, at) index.
 */
export async function readAttractionAlarmInputs(tx: Queryable, at: Date): Promise<AttractionAlarmInput[]> {
  const r = await tx.query<AttractionAlarmInput>(
    `SELECT a.id, a.venue_id, v.timezone, to_char(v.day_reset, 'HH24:MI') AS day_reset, a.hourly_capacity,
       to_char(a.opens, 'HH24:MI') AS opens, to_char(a.closes, 'HH24:MI') AS closes,
       COALESCE(c.closed, false) AS closed, c.updated_at AS controls_at,
       COALESCE((SELECT sum(ga.scans - ga.rejects) FROM gate_activity ga JOIN gates g ON g.id = ga.gate_id
                 WHERE g.attraction_id = a.id AND ga.minute >= date_trunc('minute', $1::timestamptz) - INTERVAL '59 minutes'
                   AND ga.minute <= $1::timestamptz), 0)::int AS rides,
       (SELECT max(s.at) FROM gates g CROSS JOIN LATERAL (
          SELECT at FROM gate_scans WHERE gate_id = g.id AND at <= $1::timestamptz AND at > $1::timestamptz - INTERVAL '1 day'
          ORDER BY at DESC LIMIT 1) s
        WHERE g.attraction_id = a.id) AS last_scan_at,
       (SELECT json_agg(json_build_object('starts', to_char(st.starts, 'HH24:MI'), 'ends', to_char(st.ends, 'HH24:MI'))
                        ORDER BY st.starts)
        FROM show_templates st WHERE st.attraction_id = a.id AND a.kind = 'show') AS shows,
       a.doors_min
     FROM attractions a JOIN venues v ON v.id = a.venue_id
     LEFT JOIN attraction_controls c ON c.attraction_id = a.id
     ORDER BY a.id`,
    [at],
  );
  return r.rows;
}
