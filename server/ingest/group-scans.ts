import type { Queryable } from '../../db/client.ts';
import type { DeviceAuthRow } from '../../db/queries/devices.ts';
import { countGroup } from '../../db/queries/scans.ts';
import type { TScan, TScanAck } from '../../lib/schemas/scan.ts';
import { withDeadline } from '../deadline.ts';

/**
 * Group scans (团体码): a group code with a headcount N is decided as N scans, one per person, with
 * ids `<id>/1` ... `<id>/N`; each takes one of the group's unused tickets in the ingest (see
 * pickGroupTicket), so a retry, an offline upload or a settlement of the same scan finds the same
 * tickets. Gates and the check-in desk both send groups this way and get one answer back.
 */

/** The per-person scans of one group scan (the headcount is part of each one's identity). */
export function groupMembers(scan: Omit<TScan, 'group' | 'holderIdx'>, groupCode: string, count: number): TScan[] {
  const { code: _read, ...rest } = scan;
  return Array.from({ length: count }, (_, k) => ({
    ...rest,
    id: `${scan.id}/${k + 1}`,
    group: { code: groupCode, count },
  }));
}

/** Which error of a group's scans the gate hears: one it cannot retry before one it can. */
const ERROR_ORDER = ['idempotency_mismatch', 'invalid', 'unavailable'] as const;

/**
 * One answer for a group scan from the answers of its members. Any member not decided makes the
 * whole `unavailable` (the retry with the same id finds the decided ones); otherwise it admits
 * when any member was admitted, and says why the others were not.
 */
export async function groupAnswer(
  db: Queryable,
  config: { TIDEWATCH_ANSWER_DEADLINE_MS: number },
  device: DeviceAuthRow,
  id: string,
  code: string,
  acks: TScanAck[],
): Promise<TScanAck> {
  const errors = acks.flatMap((a) => ('error' in a ? [a.error] : []));
  if (errors.length) return { id, error: ERROR_ORDER.map((c) => errors.find((e) => e.code === c)).find((e) => e)! };
  const results = acks as Extract<TScanAck, { result: unknown }>[];
  const admitted = results.filter((a) => a.result === 'admit');
  const types: Record<string, number> = {};
  for (const a of admitted) if (a.ticket) types[a.ticket.type] = (types[a.ticket.type] ?? 0) + 1;
  const refused = results.find((a) => a.result === 'reject');
  let left: number | undefined;
  try {
    left = (
      await withDeadline(countGroup(db, device.venue_id, code), config.TIDEWATCH_ANSWER_DEADLINE_MS, 'group count')
    ).left;
  } catch {
    // The scans are decided and stored; only the count of those left is missing from this answer.
  }
  return {
    id,
    result: admitted.length ? 'admit' : 'reject',
    ...(refused?.reason ? { reason: refused.reason } : {}),
    ...(results.every((a) => a.recorded) ? { recorded: true as const } : {}),
    ...(results.some((a) => a.conflict) ? { conflict: true as const } : {}),
    ...(results.some((a) => a.corrected) ? { corrected: true as const } : {}),
    group: {
      code,
      requested: results.length,
      admitted: admitted.length,
      ...(left !== undefined ? { left } : {}),
      types,
    },
  };
}
