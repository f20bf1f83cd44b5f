import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { acknowledgeAlarm, findAlarm, listAlarmHistory, listOpenAlarms } from '../../../db/queries/alarms.ts';
import { insertAudit } from '../../../db/queries/audit.ts';
import { canSeeVenue } from '../../auth/session.ts';
import { toAlarm } from '../../realtime/hub.ts';
import { areaProcedure, createTRPCRouter } from '../init.ts';

const ccProcedure = areaProcedure('commandCenter');
const ZVenue = z.object({ venueId: z.number().int().positive() });

function assertVenue(user: Parameters<typeof canSeeVenue>[0], venueId: number) {
  if (!canSeeVenue(user, venueId))
    throw new TRPCError({ code: 'FORBIDDEN', message: `venue ${venueId} is outside your venues` });
}

export const alarmsRouter = createTRPCRouter({
  open: ccProcedure.input(ZVenue).query(async ({ ctx, input }) => {
    assertVenue(ctx.user, input.venueId);
    return (await listOpenAlarms(ctx.rt.db, input.venueId)).map(toAlarm);
  }),
  history: ccProcedure
    .input(ZVenue.extend({ limit: z.number().int().min(1).max(500).default(100) }))
    .query(async ({ ctx, input }) => {
      assertVenue(ctx.user, input.venueId);
      return (await listAlarmHistory(ctx.rt.db, input.venueId, input.limit)).map(toAlarm);
    }),
  /** Acknowledges an active alarm (确认): who, when and a note. */
  acknowledge: ccProcedure
    .input(z.object({ id: z.number().int().positive(), note: z.string().trim().max(500).optional() }))
    .mutation(async ({ ctx, input }) => {
      const existing = await findAlarm(ctx.rt.db, input.id);
      if (!existing || !canSeeVenue(ctx.user, existing.venue_id))
        throw new TRPCError({ code: 'NOT_FOUND', message: `alarm ${input.id} does not exist` });
      const acked = await ctx.rt.db.transaction(async (tx) => {
        const a = await acknowledgeAlarm(tx, input.id, ctx.user.id, ctx.user.email, input.note || null);
        if (a) {
          await insertAudit(tx, {
            actorKind: 'user',
            actorId: ctx.user.id,
            actorLabel: ctx.user.email,
            action: 'alarm.acknowledge',
            venueId: a.venue_id,
            subjectKind: 'alarm',
            subjectId: a.id,
            before: { state: 'active' },
            after: { state: 'acknowledged' },
            reason: input.note || null,
          });
        }
        return a;
      });
      if (!acked)
        throw new TRPCError({ code: 'CONFLICT', message: `alarm ${input.id} is ${existing.state}, not active` });
      ctx.rt.hub?.touchAlarms(acked.venue_id);
      return toAlarm(acked);
    }),
});
