import type { Queryable } from '../client.ts';

export interface AuditEntry {
  actorKind: 'user' | 'cli' | 'system' | 'policy' | 'channel' | 'device';
  actorId?: number | null;
  actorLabel: string;
  action: string;
  venueId?: number | null;
  subjectKind: string;
  subjectId?: string | number | null;
  before?: unknown;
  after?: unknown;
  reason?: string | null;
}

export interface AuditRow {
  id: number;
  at: Date;
  actor_kind: string;
  actor_label: string;
  action: string;
  venue_id: number | null;
  subject_kind: string;
  subject_id: string | null;
  before: unknown;
  after: unknown;
  reason: string | null;
}

/** Appends one audit row; call it inside the transaction that makes the change. */
export async function insertAudit(db: Queryable, e: AuditEntry): Promise<void> {
  await db.query(
    `INSERT INTO audit_log (actor_kind, actor_id, actor_label, action, venue_id, subject_kind, subject_id, before, after, reason)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [
      e.actorKind,
      e.actorId ?? null,
      e.actorLabel,
      e.action,
      e.venueId ?? null,
      e.subjectKind,
      e.subjectId == null ? null : String(e.subjectId),
      e.before === undefined ? null : JSON.stringify(e.before),
      e.after === undefined ? null : JSON.stringify(e.after),
      e.reason ?? null,
    ],
  );
}

/**
 * Appends the audit row of an operation a client may retry (a double Enter, a lost answer) once:
 * the row carries the request's `key` in `after.request`, and a row of this action with this key
 * already there means the retry is answered but not audited again. A transaction-scoped advisory
 * lock on the key makes two copies at once write one row, so call it inside a transaction.
 * Returns whether it wrote the row.
 */
export async function insertAuditOnce(db: Queryable, key: string, e: AuditEntry): Promise<boolean> {
  await db.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`audit:${e.action}:${key}`]);
  const seen = await db.query(
    `SELECT 1 FROM audit_log WHERE action = $1 AND subject_kind = $2 AND subject_id = $3 AND after->>'request' = $4 LIMIT 1`,
    [e.action, e.subjectKind, e.subjectId == null ? null : String(e.subjectId), key],
  );
  if (seen.rows.length) return false;
  await insertAudit(db, { ...e, after: { ...(e.after as object | undefined), request: key } });
  return true;
}

export async function listAudit(
  db: Queryable,
  opts: { venueIds: number[] | 'all'; limit: number },
): Promise<AuditRow[]> {
  const r = await db.query<AuditRow>(
    `SELECT id, at, actor_kind, actor_label, action, venue_id, subject_kind, subject_id, before, after, reason
     FROM audit_log WHERE $1::boolean OR venue_id IS NULL OR venue_id = ANY($2::int[])
     ORDER BY id DESC LIMIT $3`,
    [opts.venueIds === 'all', opts.venueIds === 'all' ? [] : opts.venueIds, opts.limit],
  );
  return r.rows;
}
