import type { Queryable } from '../client.ts';

/** An attraction of a venue with its rides and a manager's hand on it, as the wall shows it. */
export interface AttractionStatsRow {
  id: number;
  code: string;
  nameZh: string;
  nameEn: string;
  kind: 'ropeway' | 'lift' | 'carpet' | 'show' | 'ride';
  /** Riders per hour it can carry. */
  hourlyCapacity: number;
  /** Opening hours, venue-local 'HH:MM'. */
  opens: string;
  closes: string;
  /** Rides in [hourFrom, to). */
  ridesLastHour: number;
  /** Rides since the start of the business day, up to `to`. */
  ridesToday: number;
  /** A manager closed it (attraction_controls). */
  closed: boolean;
  /** A manager throttled its gates to this many riders a minute; null: not throttled. */
  ridesPerMin: number | null;
  /** Why, as the manager wrote it. */
  controlNote: string | null;
}

/**
 * Per attraction of a venue (in its configured order): rides in the window [hourFrom, to) and
 * since the start of the business day `day` (its daily reset on the venue's clock), and the
 * closure or throttle a manager set. A ride is an admitted scan at one of the attraction's gates
 * (edge 'attraction'), in either direction: `entries` + `exits` of gate_scans_1m, so every backend
 * answers alike. A lift ride on a ski pass counts like any other.
 */
export async function attractionStats(
  db: Queryable,
  venueId: number,
  day: string,
  hourFrom: Date,
  to: Date,
): Promise<AttractionStatsRow[]> {
  const r = await db.query<{
    id: number;
    code: string;
    name_zh: string;
    name_en: string;
    kind: AttractionStatsRow['kind'];
    hourly_capacity: number;
    opens: string;
    closes: string;
    last_hour: number;
    today: number;
    closed: boolean;
    rides_per_min: number | null;
    note: string | null;
  }>(
    `WITH v AS (
       SELECT (($2::date + day_reset) AT TIME ZONE timezone) AS day_start FROM venues WHERE id = $1
     ), r AS (
       SELECT g.attraction_id,
              COALESCE(sum(s.entries + s.exits) FILTER (WHERE s.bucket >= $3), 0)::int AS last_hour,
              COALESCE(sum(s.entries + s.exits) FILTER (WHERE s.bucket >= v.day_start), 0)::int AS today
       FROM gate_scans_1m s JOIN gates g ON g.id = s.gate_id CROSS JOIN v
       WHERE s.venue_id = $1 AND g.edge = 'attraction' AND s.bucket >= LEAST($3, v.day_start) AND s.bucket < $4
       GROUP BY g.attraction_id
     )
     SELECT a.id, a.code, a.name_zh, a.name_en, a.kind, a.hourly_capacity,
            to_char(a.opens, 'HH24:MI') AS opens, to_char(a.closes, 'HH24:MI') AS closes,
            COALESCE(r.last_hour, 0) AS last_hour, COALESCE(r.today, 0) AS today,
            COALESCE(c.closed, false) AS closed, c.rides_per_min, c.note
     FROM attractions a
     LEFT JOIN r ON r.attraction_id = a.id
     LEFT JOIN attraction_controls c ON c.attraction_id = a.id
     WHERE a.venue_id = $1
     ORDER BY a.sort, a.code`,
    [venueId, day, hourFrom, to],
  );
  return r.rows.map((x) => ({
    id: x.id,
    code: x.code,
    nameZh: x.name_zh,
    nameEn: x.name_en,
    kind: x.kind,
    hourlyCapacity: x.hourly_capacity,
    opens: x.opens,
    closes: x.closes,
    ridesLastHour: x.last_hour,
    ridesToday: x.today,
    closed: x.closed,
    ridesPerMin: x.rides_per_min,
    controlNote: x.note,
  }));
}
