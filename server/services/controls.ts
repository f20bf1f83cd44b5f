import type { Database, Queryable } from '../../db/client.ts';
import { insertAudit } from '../../db/queries/audit.ts';
import {
  endPolicyActions,
  listOpenPolicyActions,
  lockChannel,
  lockGate,
  lockQuota,
  lockZone,
  updateChannelControl,
  updateGateControl,
  updateQuota,
  updateZoneCap,
} from '../../db/queries/controls.ts';
import { lockAttractionControl, upsertAttractionControl } from '../../db/queries/attraction-controls.ts';
import { ensureQuotas } from '../../db/queries/sales.ts';
import { AppError } from '../../lib/errors.ts';
import type { TSetAttraction } from '../../lib/schemas/controls.ts';
import type { SharedState } from '../shared/shared-state.ts';
import type { TActor } from './actor.ts';

/** Pub/sub channel that tells every instance to reload its controls (a change must bite within 1 s). */
export const CONTROLS_CHANNEL = 'controls:changed';

export interface ControlsDeps {
  db: Database;
  shared: SharedState;
}

function audit(
  tx: Queryable,
  actor: TActor,
  action: string,
  venueId: number,
  subjectKind: string,
  subjectId: number | string,
  before: unknown,
  after: unknown,
  reason?: string,
) {
  return insertAudit(tx, {
    actorKind: actor.kind,
    actorId: actor.id,
    actorLabel: actor.label,
    action,
    venueId,
    subjectKind,
    subjectId,
    before,
    after,
    reason: reason ?? null,
  });
}

async function announce(deps: ControlsDeps, venueId: number): Promise<void> {
  await deps.shared.publish(CONTROLS_CHANNEL, { venueId, at: Date.now() });
}

/** Sets a channel's order rate (NULL: the installation default) and pause. Audited. */
export async function setChannelControl(
  deps: ControlsDeps,
  actor: TActor,
  input: { channelId: number; ordersPerMin?: number | null; paused?: boolean; reason?: string },
) {
  const out = await deps.db.transaction(async (tx) => {
    const c = await lockChannel(tx, input.channelId);
    if (!c) throw new AppError('not_found', `channel ${input.channelId} does not exist`);
    const after = {
      ordersPerMin: input.ordersPerMin === undefined ? c.orders_per_min : input.ordersPerMin,
      paused: input.paused ?? c.paused,
    };
    await updateChannelControl(tx, c.id, after.ordersPerMin, after.paused);
    await audit(
      tx,
      actor,
      'control.channel',
      c.venue_id,
      'channel',
      c.code,
      { ordersPerMin: c.orders_per_min, paused: c.paused },
      after,
      input.reason,
    );
    return { venueId: c.venue_id, code: c.code, ...after };
  });
  await announce(deps, out.venueId);
  return out;
}

/** Sets a gate's admission rate (NULL: unlimited) and closes or opens it for entry. Audited. */
export async function setGateControl(
  deps: ControlsDeps,
  actor: TActor,
  input: { gateId: number; admissionsPerMin?: number | null; closed?: boolean; reason?: string },
) {
  const out = await deps.db.transaction(async (tx) => {
    const g = await lockGate(tx, input.gateId);
    if (!g) throw new AppError('not_found', `gate ${input.gateId} does not exist`);
    const after = {
      admissionsPerMin: input.admissionsPerMin === undefined ? g.admissions_per_min : input.admissionsPerMin,
      closed: input.closed ?? g.closed,
    };
    await updateGateControl(tx, g.id, after.admissionsPerMin, after.closed);
    // A person deciding about a gate a policy closed takes it over: the policy will not reopen it.
    if (input.closed !== undefined && actor.kind !== 'policy') {
      const mine = (await listOpenPolicyActions(tx, g.venue_id)).filter(
        (a) => a.action === 'close_gate' && a.target_id === g.id,
      );
      await endPolicyActions(
        tx,
        mine.map((a) => a.id),
        true,
      );
    }
    await audit(
      tx,
      actor,
      'control.gate',
      g.venue_id,
      'gate',
      g.code,
      { admissionsPerMin: g.admissions_per_min, closed: g.closed },
      after,
      input.reason,
    );
    return { venueId: g.venue_id, code: g.code, ...after };
  });
  await announce(deps, out.venueId);
  return out;
}

/**
 * Closes or reopens an attraction (a ropeway in high wind) and throttles its gates to riders per
 * minute (null: no limit). Closing needs a note saying why; it is kept on the attraction while the
 * control stands and is the audit row's reason. Its gates refuse rides with `attraction_closed`
 * and `throttled` on every instance as soon as the change is announced. Audited.
 */
export async function setAttractionControl(deps: ControlsDeps, actor: TActor, input: TSetAttraction) {
  const note = input.note?.trim() || null;
  const out = await deps.db.transaction(async (tx) => {
    const a = await lockAttractionControl(tx, input.attractionId);
    if (!a) throw new AppError('not_found', `attraction ${input.attractionId} does not exist`);
    if (input.closed === true && !note)
      throw new AppError('invalid', `attraction ${a.code}: say why it closes (a note is required to close it)`, {
        note: ['required to close the attraction'],
      });
    const closed = input.closed ?? a.closed;
    const after = {
      closed,
      ridesPerMin: input.ridesPerMin === undefined ? a.rides_per_min : input.ridesPerMin,
      // The note explains the control that stands: a reopening without one leaves no stale reason behind.
      note: note ?? (closed === a.closed ? a.note : null),
    };
    await upsertAttractionControl(tx, a.id, { ...after, updatedBy: actor.id ?? null });
    await audit(
      tx,
      actor,
      'control.attraction',
      a.venue_id,
      'attraction',
      a.code,
      { closed: a.closed, ridesPerMin: a.rides_per_min, note: a.note },
      after,
      note ?? undefined,
    );
    return { venueId: a.venue_id, code: a.code, ...after };
  });
  await announce(deps, out.venueId);
  return out;
}

/** Sets a zone's entry cap (NULL: its capacity). Audited. */
export async function setZoneCap(
  deps: ControlsDeps,
  actor: TActor,
  input: { zoneId: number; entryCap: number | null; reason?: string },
) {
  const out = await deps.db.transaction(async (tx) => {
    const z = await lockZone(tx, input.zoneId);
    if (!z) throw new AppError('not_found', `zone ${input.zoneId} does not exist`);
    if (input.entryCap !== null && input.entryCap > z.capacity) {
      throw new AppError('invalid', `entry cap ${input.entryCap} is above zone ${z.code}'s capacity ${z.capacity}`, {
        entryCap: [`at most ${z.capacity}`],
      });
    }
    await updateZoneCap(tx, z.id, input.entryCap);
    await audit(
      tx,
      actor,
      'control.zone',
      z.venue_id,
      'zone',
      z.code,
      { entryCap: z.entry_cap },
      { entryCap: input.entryCap },
      input.reason,
    );
    return { venueId: z.venue_id, code: z.code, entryCap: input.entryCap };
  });
  await announce(deps, out.venueId);
  return out;
}

/** Closes, reopens or resizes a date's quota or one of its slots. Audited. */
export async function setQuotaControl(
  deps: ControlsDeps,
  actor: TActor,
  input: { venueId: number; day: string; slot: string | null; capacity?: number; closed?: boolean; reason?: string },
) {
  const out = await deps.db.transaction(async (tx) => {
    await ensureQuotas(tx, input.venueId, input.day);
    const q = await lockQuota(tx, input.venueId, input.day, input.slot);
    if (!q)
      throw new AppError('not_found', `there is no ${input.slot ? `${input.slot} slot` : 'day quota'} on ${input.day}`);
    const after = { capacity: input.capacity ?? q.capacity, closed: input.closed ?? q.closed };
    await updateQuota(tx, q.id, after.capacity, after.closed);
    await audit(
      tx,
      actor,
      'control.quota',
      input.venueId,
      'quota',
      `${input.day}${input.slot ? ` ${input.slot}` : ''}`,
      { capacity: q.capacity, closed: q.closed, sold: q.sold },
      after,
      input.reason,
    );
    return { ...after, sold: q.sold };
  });
  await announce(deps, input.venueId);
  return out;
}

/** Resumes online and OTA sales a crowd policy paused; the policy does not pause them again until the zone clears and turns critical anew. */
export async function resumeOnlineSales(
  deps: ControlsDeps,
  actor: TActor,
  input: { venueId: number; reason?: string },
) {
  const ended = await deps.db.transaction(async (tx) => {
    const open = (await listOpenPolicyActions(tx, input.venueId)).filter((a) => a.action === 'pause_online_sales');
    await endPolicyActions(
      tx,
      open.map((a) => a.id),
      true,
    );
    if (open.length) {
      await audit(
        tx,
        actor,
        'control.online_sales',
        input.venueId,
        'venue',
        input.venueId,
        { paused: true },
        { paused: false },
        input.reason,
      );
    }
    return open.length;
  });
  await announce(deps, input.venueId);
  return { resumed: ended > 0 };
}
