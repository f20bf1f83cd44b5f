import type { TOverrideState } from '../../lib/schemas/override-request.ts';
import type { Queryable } from '../client.ts';

/** An override request with what screens show of its ticket, gate and people. */
export interface OverrideRequestRow {
  id: number;
  venue_id: number;
  ticket_id: number;
  gate_id: number;
  direction: 'in' | 'out';
  reason: string;
  note: string | null;
  refusal: string | null;
  requested_by: number;
  requested_at: Date;
  state: TOverrideState;
  expires_at: Date;
  decided_by: number | null;
  decided_at: Date | null;
  decision_note: string | null;
  used_at: Date | null;
  used_by_request: string | null;
  ticket_code: string;
  type_code: string;
  type_name_zh: string;
  type_name_en: string;
  gate_code: string;
  gate_name_zh: string;
  gate_name_en: string;
  requested_by_email: string;
  requested_by_name: string;
  decided_by_email: string | null;
  decided_by_name: string | null;
}

const VIEW = `SELECT r.id, r.venue_id, r.ticket_id, r.gate_id, r.direction, r.reason, r.note, r.refusal,
    r.requested_by, r.requested_at, r.state, r.expires_at, r.decided_by, r.decided_at, r.decision_note,
    r.used_at, r.used_by_request,
    t.code AS ticket_code, tt.code AS type_code, tt.name_zh AS type_name_zh, tt.name_en AS type_name_en,
    g.code AS gate_code, g.name_zh AS gate_name_zh, g.name_en AS gate_name_en,
    ru.email AS requested_by_email, ru.name AS requested_by_name,
    du.email AS decided_by_email, du.name AS decided_by_name
  FROM override_requests r
  JOIN tickets t ON t.id = r.ticket_id
  JOIN ticket_types tt ON tt.id = t.type_id
  JOIN gates g ON g.id = r.gate_id
  JOIN users ru ON ru.id = r.requested_by
  LEFT JOIN users du ON du.id = r.decided_by`;

/** One request with its ticket, gate and people, or undefined. */
export async function findOverrideRequest(db: Queryable, id: number): Promise<OverrideRequestRow | undefined> {
  const r = await db.query<OverrideRequestRow>(`${VIEW} WHERE r.id = $1`, [id]);
  return r.rows[0];
}

/** Rows of several requests by id (after a statement that returned only their ids). */
async function viewsOf(db: Queryable, ids: number[]): Promise<OverrideRequestRow[]> {
  if (!ids.length) return [];
  const r = await db.query<OverrideRequestRow>(`${VIEW} WHERE r.id = ANY($1::bigint[]) ORDER BY r.id`, [ids]);
  return r.rows;
}

/** Most pending requests a venue's supervisors are sent at once: a list longer than this is a queue nobody reads. */
const PENDING_LIMIT = 200;

/** A venue's requests still waiting for an answer, oldest first. */
export async function listPendingOverrideRequests(db: Queryable, venueId: number): Promise<OverrideRequestRow[]> {
  const r = await db.query<OverrideRequestRow>(
    `${VIEW} WHERE r.venue_id = $1 AND r.state = 'pending' AND r.expires_at > now() ORDER BY r.requested_at, r.id LIMIT $2`,
    [venueId, PENDING_LIMIT],
  );
  return r.rows;
}

/**
 * Moves requests whose time ran out (pending unanswered, approved unused) to `expired`, of one venue
 * or of all; returns those it moved. Several instances may sweep at once: each row moves once.
 */
export async function expireOverrideRequests(db: Queryable, venueId: number | null): Promise<OverrideRequestRow[]> {
  const r = await db.query<{ id: number }>(
    `UPDATE override_requests SET state = 'expired'
     WHERE state IN ('pending', 'approved') AND expires_at <= now() AND ($1::int IS NULL OR venue_id = $1)
     RETURNING id`,
    [venueId],
  );
  return viewsOf(
    db,
    r.rows.map((x) => x.id),
  );
}

/**
 * Records a desk's request, pending for `pendingS` seconds; undefined when the same desk user
 * already has one pending for this ticket, gate and direction (the unique index decides, also for
 * two at once).
 */
export async function insertOverrideRequest(
  db: Queryable,
  r: {
    venueId: number;
    ticketId: number;
    gateId: number;
    direction: 'in' | 'out';
    reason: string;
    note: string | null;
    refusal: string | null;
    requestedBy: number;
    pendingS: number;
  },
): Promise<number | undefined> {
  const res = await db.query<{ id: number }>(
    `INSERT INTO override_requests (venue_id, ticket_id, gate_id, direction, reason, note, refusal, requested_by, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now() + $9 * interval '1 second')
     ON CONFLICT (requested_by, ticket_id, gate_id, direction) WHERE state = 'pending' DO NOTHING
     RETURNING id`,
    [r.venueId, r.ticketId, r.gateId, r.direction, r.reason, r.note, r.refusal, r.requestedBy, r.pendingS],
  );
  return res.rows[0]?.id;
}

/** The pending request of a desk user for a ticket, gate and direction. */
export async function findPendingOverrideRequest(
  db: Queryable,
  k: { requestedBy: number; ticketId: number; gateId: number; direction: 'in' | 'out' },
): Promise<number | undefined> {
  const r = await db.query<{ id: number }>(
    `SELECT id FROM override_requests
     WHERE requested_by = $1 AND ticket_id = $2 AND gate_id = $3 AND direction = $4 AND state = 'pending'`,
    [k.requestedBy, k.ticketId, k.gateId, k.direction],
  );
  return r.rows[0]?.id;
}

/**
 * Moves a request to `to` when it is in one of `from` and its time has not run out; returns the
 * row, or undefined when it was not (another supervisor answered first, the desk withdrew it...).
 * `from: null` moves it whatever its state: only the race test's control does that.
 * An approval is usable for `usableS` seconds from now.
 */
export async function moveOverrideRequest(
  db: Queryable,
  m: {
    id: number;
    to: 'approved' | 'denied' | 'cancelled';
    from: TOverrideState[] | null;
    decidedBy?: number;
    note?: string | null;
    usableS?: number;
  },
): Promise<OverrideRequestRow | undefined> {
  const decides = m.to === 'approved' || m.to === 'denied';
  const r = await db.query<{ id: number }>(
    `UPDATE override_requests SET state = $2::text,
       decided_by = CASE WHEN $3::boolean THEN $4::int ELSE decided_by END,
       decided_at = CASE WHEN $3::boolean THEN now() ELSE decided_at END,
       decision_note = CASE WHEN $3::boolean THEN $5::text ELSE decision_note END,
       expires_at = CASE WHEN $2::text = 'approved' THEN now() + $6::int * interval '1 second' ELSE expires_at END
     WHERE id = $1 AND ($7::text[] IS NULL OR (state = ANY($7::text[]) AND expires_at > now()))
     RETURNING id`,
    [m.id, m.to, decides, m.decidedBy ?? null, m.note ?? null, m.usableS ?? 0, m.from],
  );
  return r.rows[0] ? (await viewsOf(db, [r.rows[0].id]))[0] : undefined;
}

/**
 * Uses an approval for one admission: the requesting user, for the ticket, gate and direction it
 * was approved for, before it expires, once. A retry of the same admission (the same request id)
 * uses it again; another admission does not. `guarded: false` skips every condition but the id:
 * only the race test's control does that.
 */
export async function spendApproval(
  db: Queryable,
  u: {
    id: number;
    userId: number;
    ticketId: number;
    gateId: number;
    direction: 'in' | 'out';
    admissionId: string;
    guarded: boolean;
  },
): Promise<OverrideRequestRow | undefined> {
  const r = await db.query<{ id: number }>(
    `UPDATE override_requests SET state = 'used', used_at = COALESCE(used_at, now()), used_by_request = $6
     WHERE id = $1 AND (NOT $7::boolean OR (
       requested_by = $2 AND ticket_id = $3 AND gate_id = $4 AND direction = $5
       AND ((state = 'approved' AND expires_at > now()) OR (state = 'used' AND used_by_request = $6))))
     RETURNING id`,
    [u.id, u.userId, u.ticketId, u.gateId, u.direction, u.admissionId, u.guarded],
  );
  return r.rows[0] ? (await viewsOf(db, [r.rows[0].id]))[0] : undefined;
}
