import type { Queryable } from '../../db/client.ts';
import { type AuditEntry, insertAudit, insertAuditOnce } from '../../db/queries/audit.ts';
import type { TActor } from './actor.ts';

/** A change as a service audits it: what, where, on what, before and after, and why. */
export type TAuditChange = Omit<AuditEntry, 'actorKind' | 'actorId' | 'actorLabel'> & {
  venueId: number;
  subjectId: number | string;
};

const by = (actor: TActor, e: TAuditChange): AuditEntry => ({
  actorKind: actor.kind,
  actorId: actor.id,
  actorLabel: actor.label,
  ...e,
  reason: e.reason ?? null,
});

/** Appends the audit row of a change by this actor; call it inside the transaction that makes the change. */
export async function audit(tx: Queryable, actor: TActor, e: TAuditChange): Promise<void> {
  await insertAudit(tx, by(actor, e));
}

/** The audit row of a request the client may retry (same request id): written once per request. */
export async function auditOnce(tx: Queryable, actor: TActor, requestId: string, e: TAuditChange): Promise<void> {
  await insertAuditOnce(tx, requestId, by(actor, e));
}
