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
