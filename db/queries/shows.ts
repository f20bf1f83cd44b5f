import type { Queryable } from '../client.ts';

/**
 * Show times of attractions (演出场次): templates per attraction, materialised per date into seat
 * quotas (`show_quotas`) the way slot templates become `quotas`, and the show each ticket booked.
 */

export async function upsertShowTemplate(
  db: Queryable,
  attractionId: number,
  starts: string,
  ends: string,
  capacity: number,
): Promise<void> {
  await db.query(
    `INSERT INTO show_templates (attraction_id, starts, ends, capacity) VALUES ($1, $2, $3, $4)
     ON CONFLICT (attraction_id, starts) DO UPDATE SET ends = EXCLUDED.ends, capacity = EXCLUDED.capacity`,
    [attractionId, starts, ends, capacity],
  );
}

/** The show attractions (with show times) each ticket type of a venue includes rides on. */
export async function listTypeShows(db: Queryable, venueId: number): Promise<Map<number, number[]>> {
  const r = await db.query<{ type_id: number; attraction_id: number }>(
    `SELECT r.type_id, r.attraction_id
     FROM ticket_type_rides r JOIN attractions a ON a.id = r.attraction_id
     WHERE a.venue_id = $1 AND a.kind = 'show' AND EXISTS (SELECT 1 FROM show_templates s WHERE s.attraction_id = a.id)
     ORDER BY a.sort, a.code`,
    [venueId],
  );
  const out = new Map<number, number[]>();
  for (const x of r.rows) out.set(x.type_id, [...(out.get(x.type_id) ?? []), x.attraction_id]);
  return out;
}

export interface ShowRow {
  /** null while nothing was sold for the date (read from the template). */
  id: number | null;
  attraction_id: number;
  code: string;
  starts: string;
  ends: string;
  capacity: number;
  sold: number;
  closed: boolean;
}

/** A venue's shows on a date, from materialised rows or, for untouched dates, the templates. */
export async function readShows(db: Queryable, venueId: number, day: string): Promise<ShowRow[]> {
  const r = await db.query<ShowRow>(
    `SELECT q.id, st.attraction_id, a.code, to_char(st.starts, 'HH24:MI') AS starts, to_char(COALESCE(q.ends, st.ends), 'HH24:MI') AS ends,
            COALESCE(q.capacity, st.capacity) AS capacity, COALESCE(q.sold, 0) AS sold, COALESCE(q.closed, false) AS closed
     FROM show_templates st JOIN attractions a ON a.id = st.attraction_id
     LEFT JOIN show_quotas q ON q.attraction_id = st.attraction_id AND q.day = $2 AND q.starts = st.starts
     WHERE a.venue_id = $1
     ORDER BY a.sort, a.code, st.starts`,
    [venueId, day],
  );
  return r.rows;
}

/**
 * The seat quotas of these attractions' shows on a date by 'attraction|HH:MM', created from the
 * templates first (a no-op when present).
 */
export async function ensureShowQuotas(
  tx: Queryable,
  attractionIds: number[],
  day: string,
): Promise<Map<string, { id: number; end: string }>> {
  await tx.query(
    `INSERT INTO show_quotas (attraction_id, day, starts, ends, capacity)
     SELECT attraction_id, $2, starts, ends, capacity FROM show_templates WHERE attraction_id = ANY($1::int[])
     ON CONFLICT (attraction_id, day, starts) DO NOTHING`,
    [attractionIds, day],
  );
  const r = await tx.query<{ id: number; attraction_id: number; starts: string; ends: string }>(
    `SELECT id, attraction_id, to_char(starts, 'HH24:MI') AS starts, to_char(ends, 'HH24:MI') AS ends
     FROM show_quotas WHERE attraction_id = ANY($1::int[]) AND day = $2`,
    [attractionIds, day],
  );
  return new Map(r.rows.map((q) => [`${q.attraction_id}|${q.starts}`, { id: q.id, end: q.ends }]));
}

/**
 * Takes n seats of a show in one atomic statement, as `takeQuota` takes places of a slot; false when
 * it is closed or has fewer than n left. Concurrent buyers serialise on the row lock.
 */
export async function takeShowSeats(tx: Queryable, quotaId: number, n: number): Promise<{ ok: boolean; left: number }> {
  const r = await tx.query<{ id: number }>(
    'UPDATE show_quotas SET sold = sold + $2 WHERE id = $1 AND NOT closed AND sold + $2 <= capacity RETURNING id',
    [quotaId, n],
  );
  if (r.rows.length) return { ok: true, left: -1 };
  const q = await tx.query<{ left: number; closed: boolean }>(
    'SELECT GREATEST(capacity - sold, 0) AS left, closed FROM show_quotas WHERE id = $1',
    [quotaId],
  );
  return { ok: false, left: q.rows[0]?.closed ? 0 : (q.rows[0]?.left ?? 0) };
}

/** Gives seats of shows back (refunds, rebooking), in quota id order like every other quota. */
export async function returnShowSeats(tx: Queryable, seats: Map<number, number>): Promise<void> {
  for (const [id, n] of [...seats.entries()].sort((a, b) => a[0] - b[0]))
    await tx.query('UPDATE show_quotas SET sold = GREATEST(sold - $2, 0) WHERE id = $1', [id, n]);
}

/** Records the shows tickets booked (one row per ticket and show attraction), replacing earlier ones. */
export async function setTicketShows(
  tx: Queryable,
  rows: { ticketId: number; attractionId: number; quotaId: number }[],
): Promise<void> {
  if (!rows.length) return;
  await tx.query(
    `INSERT INTO ticket_shows (ticket_id, attraction_id, quota_id)
     SELECT * FROM unnest($1::bigint[], $2::int[], $3::bigint[])
     ON CONFLICT (ticket_id, attraction_id) DO UPDATE SET quota_id = EXCLUDED.quota_id`,
    [rows.map((r) => r.ticketId), rows.map((r) => r.attractionId), rows.map((r) => r.quotaId)],
  );
}

export interface TicketShowRow {
  ticket_id: number;
  attraction_id: number;
  quota_id: number;
  day: string;
  starts: string;
  ends: string;
}

/** The shows these tickets booked (optionally only at these attractions). */
export async function findTicketShows(
  tx: Queryable,
  ticketIds: number[],
  attractionIds?: number[],
): Promise<TicketShowRow[]> {
  if (!ticketIds.length || attractionIds?.length === 0) return [];
  const r = await tx.query<TicketShowRow>(
    `SELECT ts.ticket_id, ts.attraction_id, ts.quota_id, to_char(q.day, 'YYYY-MM-DD') AS day,
            to_char(q.starts, 'HH24:MI') AS starts, to_char(q.ends, 'HH24:MI') AS ends
     FROM ticket_shows ts JOIN show_quotas q ON q.id = ts.quota_id
     WHERE ts.ticket_id = ANY($1::bigint[]) AND ($2::int[] IS NULL OR ts.attraction_id = ANY($2::int[]))`,
    [ticketIds, attractionIds ?? null],
  );
  return r.rows;
}

/** Sets an attraction's doors (minutes before a show starts that its ticket holders are admitted). */
export async function setShowDoors(db: Queryable, attractionId: number, doorsMin: number): Promise<void> {
  await db.query('UPDATE attractions SET doors_min = $2 WHERE id = $1', [attractionId, doorsMin]);
}

/**
 * An attraction's show times as configured (the demo seed's): every [starts, ends, seats] upserted,
 * and its doors. Dates already materialised keep their seats (a manager's change of one date stays).
 */
export async function setShowTimes(
  db: Queryable,
  attractionId: number,
  shows: [string, string, number][],
  doorsMin: number,
): Promise<void> {
  for (const [starts, ends, capacity] of shows) await upsertShowTemplate(db, attractionId, starts, ends, capacity);
  await setShowDoors(db, attractionId, doorsMin);
}
