import type { Queryable } from '../../db/client.ts';
import { insertAudit } from '../../db/queries/audit.ts';
import { findDeskTicket } from '../../db/queries/front-desk.ts';
import { findGateForDesk } from '../../db/queries/gates.ts';
import {
  expireOverrideRequests,
  findOverrideRequest,
  findPendingOverrideRequest,
  insertOverrideRequest,
  listPendingOverrideRequests,
  moveOverrideRequest,
  type OverrideRequestRow,
  spendApproval,
} from '../../db/queries/override-requests.ts';
import { findUserById } from '../../db/queries/users.ts';
import { AppError, parseInput } from '../../lib/errors.ts';
import { canUse } from '../../lib/roles.ts';
import type { TOverrideReason } from '../../lib/schemas/front-desk.ts';
import {
  statesBefore,
  type TOverrideRequestView,
  ZDecideOverride,
  ZOverrideRequestRef,
  ZRequestOverride,
} from '../../lib/schemas/override-request.ts';
import type { Runtime } from '../runtime.ts';
import type { TActor } from './actor.ts';
import { checkAtDesk } from './front-desk.ts';

/**
 * Remote supervisor approval (远程主管授权): a desk asks, a supervisor of the venue (a manager or an
 * admin who sees it) approves or denies from their own screen, and the desk admits once with the
 * approval. Each move of the lifecycle (lib/schemas/override-request.ts) is one guarded statement
 * in a transaction that writes its audit row; the venue's supervisors get the pending list and the
 * desk that asked gets the answer through the hub once it is committed.
 */

/** How long a request waits for a supervisor (s): after that the visitor has gone, or the desk asks again. */
export const OVERRIDE_PENDING_S = 10 * 60;
/** How long an approval may be used (s): it is for the visitor at the desk now, not for later. */
export const OVERRIDE_USABLE_S = 5 * 60;

/** Who approves overrides: the roles that run the venue (the ones that see a blind count before the close). */
export const isSupervisorRole = (role: Parameters<typeof canUse>[0]) => canUse(role, 'controls');

/** The ends of a ticket code: enough to tell tickets apart on a screen, not enough to admit anyone. */
const codeEnds = (code: string) => (code.length > 10 ? `${code.slice(0, 4)}…${code.slice(-4)}` : code);
const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

export function toOverrideView(r: OverrideRequestRow): TOverrideRequestView {
  return {
    id: r.id,
    venueId: r.venue_id,
    state: r.state,
    ticket: {
      id: r.ticket_id,
      code: codeEnds(r.ticket_code),
      type: r.type_code,
      typeNameZh: r.type_name_zh,
      typeNameEn: r.type_name_en,
    },
    gate: { id: r.gate_id, code: r.gate_code, nameZh: r.gate_name_zh, nameEn: r.gate_name_en },
    direction: r.direction,
    reason: r.reason as TOverrideReason,
    note: r.note,
    refusal: r.refusal,
    requestedBy: { id: r.requested_by, email: r.requested_by_email, name: r.requested_by_name },
    requestedAt: new Date(r.requested_at).toISOString(),
    expiresAt: new Date(r.expires_at).toISOString(),
    decidedBy: r.decided_by_email ? { email: r.decided_by_email, name: r.decided_by_name ?? r.decided_by_email } : null,
    decidedAt: iso(r.decided_at),
    decisionNote: r.decision_note,
    usedAt: iso(r.used_at),
  };
}

function audit(
  tx: Queryable,
  actor: TActor,
  e: { action: string; request: OverrideRequestRow; before?: unknown; after?: unknown; reason?: string | null },
) {
  return insertAudit(tx, {
    actorKind: actor.kind,
    actorId: actor.id,
    actorLabel: actor.label,
    action: e.action,
    venueId: e.request.venue_id,
    subjectKind: 'override_request',
    subjectId: e.request.id,
    before: e.before,
    after: e.after,
    reason: e.reason ?? null,
  });
}

/** Tells the venues' supervisors their lists changed, and each desk that asked what became of its request. */
function announce(rt: Runtime, venueIds: Iterable<number>, decided: OverrideRequestRow[] = []): void {
  for (const v of new Set([...venueIds, ...decided.map((r) => r.venue_id)])) rt.hub?.touchOverrides(v);
  for (const r of decided) rt.hub?.overrideDecided(r.requested_by, toOverrideView(r));
}

/** What a request's state means for someone who wanted to move it, in words naming it. */
function notMovable(r: OverrideRequestRow | undefined, id: number, wanted: string): AppError {
  if (!r) return new AppError('not_found', `override request ${id} does not exist`);
  const by = r.decided_by_email ? ` by ${r.decided_by_email}` : '';
  const at = r.decided_at ? ` at ${iso(r.decided_at)}` : '';
  const outOfTime = (r.state === 'pending' || r.state === 'approved') && new Date(r.expires_at) <= new Date();
  const why =
    r.state === 'expired' || outOfTime
      ? `its time ran out at ${iso(r.expires_at)}`
      : r.state === 'approved'
        ? `it was already approved${by}${at}`
        : r.state === 'denied'
          ? `it was already denied${by}${at}`
          : r.state === 'used'
            ? `its approval was already used at ${iso(r.used_at)}`
            : r.state === 'cancelled'
              ? `${r.requested_by_email} withdrew it`
              : `it is ${r.state}`;
  return new AppError(
    'conflict',
    `override request ${id} for ticket ${codeEnds(r.ticket_code)} cannot be ${wanted}: ${why}`,
  );
}

/**
 * A desk asks the venue's supervisors to override the gates' refusal of a ticket at a gate, with a
 * reason code and a note. Asking again for the same ticket, gate and direction while the first is
 * pending returns that one. Refused when the gates would admit the ticket anyway.
 */
export async function requestOverride(rt: Runtime, actor: TActor, input: unknown): Promise<TOverrideRequestView> {
  const i = parseInput(ZRequestOverride, input, 'override request');
  const gate = await findGateForDesk(rt.db, i.gateId);
  if (!gate) throw new AppError('not_found', `gate ${i.gateId} does not exist`);
  const t = await findDeskTicket(rt.db, { id: i.ticketId });
  if (!t || t.venue_id !== gate.venue_id)
    throw new AppError('not_found', `ticket ${i.ticketId} does not exist at this venue`);
  const check = await checkAtDesk(rt, { gateId: gate.id, presented: { code: t.code }, direction: i.direction });
  if (check.found && check.decision.result === 'admit')
    throw new AppError(
      'conflict',
      `gate ${gate.code}: ticket ${codeEnds(t.code)} is admitted by the rules now; admit it without an override`,
    );
  const refusal = check.found && check.decision.result === 'reject' ? check.decision.reason : null;
  const { row, expired } = await rt.db.transaction(async (tx) => {
    // Expired requests first: one still marked pending would stand in for the new one.
    const expired = await expireOverrideRequests(tx, gate.venue_id);
    const key = { requestedBy: actor.id!, ticketId: t.id, gateId: gate.id, direction: i.direction };
    const id = await insertOverrideRequest(tx, {
      ...key,
      venueId: gate.venue_id,
      reason: i.reason,
      note: i.note || null,
      refusal,
      pendingS: OVERRIDE_PENDING_S,
    });
    if (id === undefined) {
      const existing = await findPendingOverrideRequest(tx, key);
      return { row: (await findOverrideRequest(tx, existing!))!, expired };
    }
    const row = (await findOverrideRequest(tx, id))!;
    await audit(tx, actor, {
      action: 'override.request',
      request: row,
      after: {
        ticketId: t.id,
        gate: gate.code,
        direction: i.direction,
        overrideReason: i.reason,
        refusal,
      },
      reason: i.note || i.reason,
    });
    return { row, expired };
  });
  announce(rt, [gate.venue_id], expired);
  return toOverrideView(row);
}

/** The pending requests of a venue, oldest first (the supervisors' screen and their socket snapshot). */
export async function pendingOverrides(db: Queryable, venueId: number): Promise<TOverrideRequestView[]> {
  return (await listPendingOverrideRequests(db, venueId)).map(toOverrideView);
}

/** One request, for the desk that asked or a supervisor of its venue. */
export async function overrideRequest(
  rt: Runtime,
  viewer: { id: number; role: Parameters<typeof canUse>[0] },
  input: unknown,
): Promise<TOverrideRequestView> {
  const { requestId } = parseInput(ZOverrideRequestRef, input, 'override request');
  const r = await findOverrideRequest(rt.db, requestId);
  if (!r) throw new AppError('not_found', `override request ${requestId} does not exist`);
  if (r.requested_by !== viewer.id && !isSupervisorRole(viewer.role))
    throw new AppError('forbidden', `override request ${requestId} is ${r.requested_by_email}'s`);
  // Its time may have run out since the last sweep: say so rather than "pending".
  const open = r.state === 'pending' || r.state === 'approved';
  return toOverrideView(open && new Date(r.expires_at) <= new Date() ? { ...r, state: 'expired' } : r);
}

/** Options of the decisions and of the use of an approval; only the race test's control changes them. */
export interface TGuardOptions {
  /** false: read the state, then write without a condition (the race the guard closes). Default true. */
  guarded?: boolean;
}

/**
 * A supervisor of the request's venue approves or denies it, with an optional note. Of two
 * supervisors answering at once one wins; the other is told who answered first. A supervisor does
 * not decide their own request (at the desk they type their credentials instead).
 */
export async function decideOverride(
  rt: Runtime,
  actor: TActor,
  input: unknown,
  decision: 'approved' | 'denied',
  opts: TGuardOptions = {},
): Promise<TOverrideRequestView> {
  const i = parseInput(ZDecideOverride, input, decision === 'approved' ? 'approval' : 'denial');
  const verb = decision === 'approved' ? 'approved' : 'denied';
  const row = await rt.db.transaction(async (tx) => {
    const before = await findOverrideRequest(tx, i.requestId);
    if (!before) throw new AppError('not_found', `override request ${i.requestId} does not exist`);
    if (before.requested_by === actor.id)
      throw new AppError(
        'forbidden',
        `override request ${i.requestId} is your own: another supervisor decides it, or enter your credentials at the desk`,
      );
    if (opts.guarded === false && before.state !== 'pending') throw notMovable(before, i.requestId, verb);
    const moved = await moveOverrideRequest(tx, {
      id: i.requestId,
      to: decision,
      from: opts.guarded === false ? null : statesBefore(decision),
      decidedBy: actor.id,
      note: i.note || null,
      usableS: OVERRIDE_USABLE_S,
    });
    if (!moved) throw notMovable(await findOverrideRequest(tx, i.requestId), i.requestId, verb);
    await audit(tx, actor, {
      action: decision === 'approved' ? 'override.approve' : 'override.deny',
      request: moved,
      before: { state: before.state },
      after: {
        state: moved.state,
        ticketId: moved.ticket_id,
        gate: moved.gate_code,
        direction: moved.direction,
        requestedBy: moved.requested_by_email,
        overrideReason: moved.reason,
        ...(decision === 'approved' ? { usableUntil: iso(moved.expires_at) } : {}),
      },
      reason: i.note || null,
    });
    return moved;
  });
  announce(rt, [row.venue_id], [row]);
  return toOverrideView(row);
}

/** The desk that asked withdraws its pending request (the visitor left, or the desk chose another way). */
export async function cancelOverride(rt: Runtime, actor: TActor, input: unknown): Promise<TOverrideRequestView> {
  const { requestId } = parseInput(ZOverrideRequestRef, input, 'override request');
  const row = await rt.db.transaction(async (tx) => {
    const before = await findOverrideRequest(tx, requestId);
    if (!before) throw new AppError('not_found', `override request ${requestId} does not exist`);
    if (before.requested_by !== actor.id)
      throw new AppError('forbidden', `override request ${requestId} is ${before.requested_by_email}'s to withdraw`);
    const moved = await moveOverrideRequest(tx, { id: requestId, to: 'cancelled', from: statesBefore('cancelled') });
    if (!moved) throw notMovable(await findOverrideRequest(tx, requestId), requestId, 'withdrawn');
    await audit(tx, actor, {
      action: 'override.cancel',
      request: moved,
      before: { state: before.state },
      after: { state: moved.state },
    });
    return moved;
  });
  announce(rt, [row.venue_id]);
  return toOverrideView(row);
}

/**
 * Uses an approval for the admission `admissionId` (the desk's request id): the user who asked,
 * for the ticket, gate and direction approved, before it expires, once (a retry of the same
 * admission uses it again). The approving supervisor must still be a supervisor of the venue.
 * Returns who approved and why, as the override with credentials records them.
 */
export async function claimApproval(
  rt: Runtime,
  actor: TActor,
  a: { approvalId: number; ticketId: number; gateId: number; direction: 'in' | 'out'; admissionId: string },
  opts: TGuardOptions = {},
): Promise<{ supervisor: { id: number; email: string }; reason: TOverrideReason; note: string | null }> {
  return rt.db.transaction(async (tx) => {
    const id = a.approvalId;
    const guarded = opts.guarded !== false;
    if (!guarded) {
      const cur = await findOverrideRequest(tx, id);
      if (cur?.state !== 'approved') throw notMovable(cur, id, 'used');
    }
    const used = await spendApproval(tx, { ...a, id, userId: actor.id!, guarded });
    if (!used) {
      const r = await findOverrideRequest(tx, id);
      if (!r) throw new AppError('not_found', `override request ${id} does not exist`);
      if (r.requested_by !== actor.id)
        throw new AppError('forbidden', `override request ${id} was asked by ${r.requested_by_email}, not by you`);
      if (r.ticket_id !== a.ticketId || r.gate_id !== a.gateId || r.direction !== a.direction)
        throw new AppError(
          'invalid',
          `override request ${id} was approved for ticket ${codeEnds(r.ticket_code)} at gate ${r.gate_code} (${r.direction}), not for this admission`,
        );
      if (r.state === 'pending' && new Date(r.expires_at) > new Date())
        throw new AppError('conflict', `override request ${id} is not approved yet`);
      throw notMovable(r, id, 'used');
    }
    const sup = used.decided_by === null ? undefined : await findUserById(tx, used.decided_by);
    const stillSupervisor =
      !!sup &&
      !sup.disabled_at &&
      isSupervisorRole(sup.role) &&
      (sup.all_venues || sup.venue_ids.includes(used.venue_id));
    if (!stillSupervisor)
      throw new AppError(
        'forbidden',
        `override request ${id}: ${used.decided_by_email ?? 'its supervisor'} can no longer approve overrides at this venue`,
      );
    return { supervisor: { id: sup.id, email: sup.email }, reason: used.reason as TOverrideReason, note: used.note };
  });
}

/** Expires what ran out at every venue and tells whom it concerns; the hub's sweep calls it. */
export async function expireOverdueOverrides(rt: Runtime): Promise<number> {
  const expired = await expireOverrideRequests(rt.db, null);
  announce(rt, [], expired);
  return expired.length;
}
