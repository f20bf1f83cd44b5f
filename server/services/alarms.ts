import type { Database } from '../../db/client.ts';
import { acknowledgeAlarm as ackAlarmRow, findAlarm, type AlarmRow } from '../../db/queries/alarms.ts';
import { insertAudit } from '../../db/queries/audit.ts';
import { AppError } from '../../lib/errors.ts';
import type { TActor } from './actor.ts';

/**
 * Acknowledges an active alarm (确认): who, when and a note, audited in the same transaction.
 * An alarm that is no longer active (acknowledged meanwhile, or cleared) is a conflict.
 */
export async function acknowledgeAlarm(
  db: Database,
  actor: TActor,
  input: { id: number; note?: string },
): Promise<AlarmRow> {
  const note = input.note || null;
  const acked = await db.transaction(async (tx) => {
    const a = await ackAlarmRow(tx, input.id, actor.id ?? null, actor.label, note);
    if (a) {
      await insertAudit(tx, {
        actorKind: actor.kind,
        actorId: actor.id,
        actorLabel: actor.label,
        action: 'alarm.acknowledge',
        venueId: a.venue_id,
        subjectKind: 'alarm',
        subjectId: a.id,
        before: { state: 'active' },
        after: { state: 'acknowledged' },
        reason: note,
      });
    }
    return a;
  });
  if (acked) return acked;
  const existing = await findAlarm(db, input.id);
  throw new AppError('conflict', `alarm ${input.id} is ${existing?.state ?? 'gone'}, not active`);
}
