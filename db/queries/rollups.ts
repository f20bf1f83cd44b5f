import type { Queryable } from '../client.ts';

/*
 * Chart series for the wall display. Everything reads the per-minute rollups (gate_scans_1m,
 * sales_1m), which are continuous aggregates with the live tail under TimescaleDB and plain views
 * otherwise: the same columns and the same answers on every backend.
 */

/** Width of a bucket of the arrival forecast (minutes). */
export const ARRIVAL_BUCKET_MIN = 15;
/** Buckets in a local day of the arrival forecast (24 h / 15 min). */
export const ARRIVAL_BUCKETS = (24 * 60) / ARRIVAL_BUCKET_MIN;
/** Most control annotations one chart can carry; more would be unreadable anyway. */
const MAX_ANNOTATIONS = 200;

/** A venue's time zone and daily reset (minutes after local midnight), or undefined when there is no such venue. */
export async function findVenueClock(
  db: Queryable,
  venueId: number,
): Promise<{ timezone: string; resetMinute: number } | undefined> {
  const r = await db.query<{ timezone: string; reset_minute: number }>(
    'SELECT timezone, (extract(hour FROM day_reset) * 60 + extract(minute FROM day_reset))::int AS reset_minute FROM venues WHERE id = $1',
    [venueId],
  );
  const row = r.rows[0];
  return row && { timezone: row.timezone, resetMinute: row.reset_minute };
}

export interface ZoneMinuteRow {
  /** Start of the minute. */
  bucket: Date;
  /** Zone of the gate where the crossing was counted (an inferred entry counts at the inner gate that saw it). */
  zoneId: number;
  /** Venue entries (crossings into the venue, seen or inferred). */
  entries: number;
  /** Venue exits. */
  exits: number;
}

/**
 * Venue entries and exits per minute (`venue_entries` / `venue_exits` of gate_scans_1m: the
 * crossings of the venue's boundary that docs/zone-graph.md counts, inferred ones included), by the
 * zone of the gate that counted them, for the minutes that start in [from, to). These are the
 * numbers the wall's "entries today", "exits today" and "in the park" count, so the entries chart
 * adds up to them; a move between zones is not an entry. Minutes without a crossing are absent.
 */
export async function venueCrossingsByZone(
  db: Queryable,
  venueId: number,
  from: Date,
  to: Date,
): Promise<ZoneMinuteRow[]> {
  const r = await db.query<{ bucket: Date; zone_id: number; entries: number; exits: number }>(
    `SELECT bucket, zone_id, sum(venue_entries)::int AS entries, sum(venue_exits)::int AS exits
     FROM gate_scans_1m
     WHERE venue_id = $1 AND bucket >= $2 AND bucket < $3
     GROUP BY bucket, zone_id
     HAVING sum(venue_entries) > 0 OR sum(venue_exits) > 0
     ORDER BY bucket, zone_id`,
    [venueId, from, to],
  );
  return r.rows.map((x) => ({ bucket: new Date(x.bucket), zoneId: x.zone_id, entries: x.entries, exits: x.exits }));
}

export interface ZoneFlowRow {
  fromZoneId: number;
  toZoneId: number;
  /** Admitted crossings from the one zone to the other in the window. */
  people: number;
}

/**
 * Visitor flow between zones (客流) of a venue, for the minutes that start in [from, to): admitted
 * scans at the gates that join two zones, per (from, to) pair. An `in` at a transfer gate moves
 * its visitor from the gate's other zone into its zone, an `out` the other way; a ride of an
 * attraction that ends at another zone (a ropeway) moves its rider from the gate's zone to that
 * one, whichever direction the gate scanned. Perimeter gates (into or out of the venue),
 * checkpoints and rides that end where they began (a ski lift) join no two zones and are left out.
 * Counts are physical crossings by the gates' layout: an attraction-only ticket's ride counts too.
 */
export async function zoneFlows(db: Queryable, venueId: number, from: Date, to: Date): Promise<ZoneFlowRow[]> {
  const r = await db.query<{ from_zone: number; to_zone: number; people: number }>(
    `WITH m AS (
       SELECT gate_id, sum(entries)::int AS ins, sum(exits)::int AS outs
       FROM gate_scans_1m
       WHERE venue_id = $1 AND bucket >= $2 AND bucket < $3
       GROUP BY gate_id
     ), f AS (
       SELECT g.other_zone_id AS from_zone, g.zone_id AS to_zone, m.ins AS n
       FROM m JOIN gates g ON g.id = m.gate_id WHERE g.edge = 'transfer'
       UNION ALL
       SELECT g.zone_id, g.other_zone_id, m.outs
       FROM m JOIN gates g ON g.id = m.gate_id WHERE g.edge = 'transfer'
       UNION ALL
       SELECT g.zone_id, g.other_zone_id, m.ins + m.outs
       FROM m JOIN gates g ON g.id = m.gate_id WHERE g.edge = 'attraction'
     )
     SELECT from_zone, to_zone, sum(n)::int AS people
     FROM f
     WHERE from_zone IS NOT NULL AND to_zone IS NOT NULL AND from_zone <> to_zone
     GROUP BY from_zone, to_zone
     HAVING sum(n) > 0
     ORDER BY from_zone, to_zone`,
    [venueId, from, to],
  );
  return r.rows.map((x) => ({ fromZoneId: x.from_zone, toZoneId: x.to_zone, people: x.people }));
}

export interface ChannelMinuteRow {
  bucket: Date;
  channelId: number;
  channelCode: string;
  channelKind: 'online' | 'ota' | 'window' | 'kiosk';
  /** Tickets sold in the minute. */
  sold: number;
  /** Tickets refunded in the minute. */
  refunded: number;
  /** Sales minus refunds (fen). */
  revenueFen: number;
}

/**
 * Tickets sold and refunded and net revenue per minute and sales channel of a venue, for the
 * minutes that start in [from, to). Minutes without sales are absent.
 */
export async function salesByChannel(
  db: Queryable,
  venueId: number,
  from: Date,
  to: Date,
): Promise<ChannelMinuteRow[]> {
  const r = await db.query<{
    bucket: Date;
    channel_id: number;
    code: string;
    kind: ChannelMinuteRow['channelKind'];
    sold: number;
    refunded: number;
    revenue_fen: number;
  }>(
    `SELECT s.bucket, s.channel_id, c.code, c.kind, s.sold, s.refunded, s.revenue_fen
     FROM (
       SELECT bucket, channel_id, COALESCE(sum(sold), 0)::int AS sold, COALESCE(sum(refunded), 0)::int AS refunded,
              COALESCE(sum(revenue_fen), 0)::bigint AS revenue_fen
       FROM sales_1m
       WHERE venue_id = $1 AND bucket >= $2 AND bucket < $3
       GROUP BY bucket, channel_id
     ) s JOIN channels c ON c.id = s.channel_id
     ORDER BY s.bucket, c.code`,
    [venueId, from, to],
  );
  return r.rows.map((x) => ({
    bucket: new Date(x.bucket),
    channelId: x.channel_id,
    channelCode: x.code,
    channelKind: x.kind,
    sold: x.sold,
    refunded: x.refunded,
    revenueFen: Number(x.revenue_fen),
  }));
}

export interface SlotArrivals {
  /** Local 'HH:MM'. */
  start: string;
  end: string;
  /** Places offered for the slot that day; null for a slot only known from its tickets. */
  capacity: number | null;
  /** Valid (not refunded) tickets for the slot. */
  sold: number;
  /** Of those, tickets that have entered at least once. */
  arrived: number;
}

export interface ArrivalBucket {
  /** Start of the 15-minute bucket. */
  bucket: Date;
  /** Local 'HH:MM' of the bucket start. */
  time: string;
  /** Sold slot tickets spread evenly over their entry windows (fractional). */
  expected: number;
  /** First entries of slot tickets admitted in the bucket. */
  actual: number;
}

export interface ArrivalsVsSlots {
  day: string;
  timezone: string;
  slots: SlotArrivals[];
  /** ARRIVAL_BUCKETS buckets covering the local day 00:00-24:00. */
  curve: ArrivalBucket[];
}

/**
 * The arrival forecast of a visit date (分时预约): per time slot the tickets sold and arrived, and
 * per 15 minutes of the venue-local day the expected arrivals (each slot's valid tickets spread
 * evenly over its entry window, from the ticket type's entry_window_before_min before the slot
 * start to the slot end) against the actual first entries of slot tickets.
 * Slots are that date's quotas, or the venue's slot templates while nothing was sold for it.
 */
export async function arrivalsVsSlots(db: Queryable, venueId: number, day: string): Promise<ArrivalsVsSlots> {
  const [tz, slots, curve] = await Promise.all([
    db.query<{ timezone: string }>('SELECT timezone FROM venues WHERE id = $1', [venueId]),
    db.query<{ start: string; end: string; capacity: number | null; sold: number; arrived: number }>(
      `WITH q AS (
         SELECT slot_start, slot_end, capacity FROM quotas WHERE venue_id = $1 AND day = $2::date AND slot_start IS NOT NULL
       ), slots AS (
         SELECT slot_start, slot_end, capacity FROM q
         UNION ALL
         SELECT starts, ends, capacity FROM slot_templates WHERE venue_id = $1 AND NOT EXISTS (SELECT 1 FROM q)
       ), sold AS (
         SELECT slot_start, max(slot_end) AS slot_end,
                count(*) FILTER (WHERE status = 'valid')::int AS sold,
                count(*) FILTER (WHERE status = 'valid' AND first_entry_at IS NOT NULL)::int AS arrived
         FROM tickets
         WHERE venue_id = $1 AND visit_date = $2::date AND slot_start IS NOT NULL
         GROUP BY slot_start
       )
       SELECT to_char(COALESCE(s.slot_start, x.slot_start), 'HH24:MI') AS start,
              to_char(COALESCE(s.slot_end, x.slot_end), 'HH24:MI') AS "end",
              s.capacity, COALESCE(x.sold, 0) AS sold, COALESCE(x.arrived, 0) AS arrived
       FROM slots s FULL JOIN sold x ON x.slot_start = s.slot_start
       ORDER BY 1`,
      [venueId, day],
    ),
    db.query<{ bucket: Date; time: string; expected: number; actual: number }>(
      `WITH v AS (
         SELECT timezone AS tz, ($2::date::timestamp AT TIME ZONE timezone) AS day_start FROM venues WHERE id = $1
       ), win AS (
         -- Entry windows in minutes since local midnight, with the number of tickets in each.
         SELECT (extract(epoch FROM t.slot_start) / 60 - tt.entry_window_before_min)::float8 AS ws,
                (extract(epoch FROM t.slot_end) / 60)::float8 AS we,
                count(*)::float8 AS n
         FROM tickets t JOIN ticket_types tt ON tt.id = t.type_id
         WHERE t.venue_id = $1 AND t.visit_date = $2::date AND t.slot_start IS NOT NULL AND t.status = 'valid'
         GROUP BY 1, 2
       ), firsts AS (
         SELECT min(g.at) AS at
         FROM gate_scans g JOIN tickets t ON t.id = g.ticket_id CROSS JOIN v
         WHERE g.venue_id = $1 AND g.result = 'admit' AND g.direction = 'in'
           AND g.at >= v.day_start - INTERVAL '1 day' AND g.at < v.day_start + INTERVAL '2 days'
           AND t.visit_date = $2::date AND t.slot_start IS NOT NULL
         GROUP BY g.ticket_id
       ), actual AS (
         SELECT floor(extract(epoch FROM (f.at AT TIME ZONE v.tz) - $2::date::timestamp) / ($3::int * 60))::int AS i, count(*)::int AS n
         FROM firsts f CROSS JOIN v
         GROUP BY 1
       ), b AS (
         SELECT generate_series(0, $4::int - 1) AS i
       )
       SELECT ($2::date + make_interval(mins => b.i * $3)) AT TIME ZONE v.tz AS bucket,
              to_char($2::date + make_interval(mins => b.i * $3), 'HH24:MI') AS time,
              COALESCE((
                SELECT sum(w.n * GREATEST(0, LEAST(w.we, (b.i + 1) * $3) - GREATEST(w.ws, b.i * $3)) / (w.we - w.ws))
                FROM win w WHERE w.we > w.ws
              ), 0)::float8 AS expected,
              COALESCE(a.n, 0) AS actual
       FROM b CROSS JOIN v LEFT JOIN actual a ON a.i = b.i
       ORDER BY b.i`,
      [venueId, day, ARRIVAL_BUCKET_MIN, ARRIVAL_BUCKETS],
    ),
  ]);
  const timezone = tz.rows[0]?.timezone;
  if (!timezone) throw new Error(`venue ${venueId} does not exist`);
  return {
    day,
    timezone,
    slots: slots.rows,
    curve: curve.rows.map((x) => ({
      bucket: new Date(x.bucket),
      time: x.time,
      expected: x.expected,
      actual: x.actual,
    })),
  };
}

export interface ControlAnnotation {
  at: Date;
  action: string;
  actorLabel: string;
  reason: string | null;
}

/**
 * Control and policy changes of a venue in [from, to) (audit actions `control.*` and `policy.*`),
 * oldest first, to mark on the charts what operators changed and when.
 */
export async function controlAnnotations(
  db: Queryable,
  venueId: number,
  from: Date,
  to: Date,
): Promise<ControlAnnotation[]> {
  const r = await db.query<{ at: Date; action: string; actor_label: string; reason: string | null }>(
    `SELECT at, action, actor_label, reason FROM (
       SELECT id, at, action, actor_label, reason FROM audit_log
       WHERE venue_id = $1 AND at >= $2 AND at < $3 AND (action LIKE 'control.%' OR action LIKE 'policy.%')
       ORDER BY at DESC, id DESC LIMIT $4
     ) a ORDER BY at, id`,
    [venueId, from, to, MAX_ANNOTATIONS],
  );
  return r.rows.map((x) => ({ at: new Date(x.at), action: x.action, actorLabel: x.actor_label, reason: x.reason }));
}
