import { z } from 'zod';
import { listAlarmHistory, listOpenAlarms } from '../../../db/queries/alarms.ts';
import { toAlarm } from '../../realtime/hub.ts';
import { acknowledgeAlarm } from '../../services/alarms.ts';
import { createTRPCRouter, procedure } from '../init.ts';

const ZVenue = z.object({ venueId: z.number().int().positive() });

export const alarmsRouter = createTRPCRouter({
  open: procedure('commandCenter', { input: 'venueId' })
    .input(ZVenue)
    .query(async ({ ctx }) => (await listOpenAlarms(ctx.rt.db, ctx.venueId)).map(toAlarm)),
  history: procedure('commandCenter', { input: 'venueId' })
    .input(ZVenue.extend({ limit: z.number().int().min(1).max(500).default(100) }))
    .query(async ({ ctx, input }) => (await listAlarmHistory(ctx.rt.db, ctx.venueId, input.limit)).map(toAlarm)),
  /** Acknowledges an active alarm (确认): who, when and a note. */
  acknowledge: procedure('commandCenter', { resource: 'alarm', key: 'id' })
    .meta({ audit: 'alarm.acknowledge' })
    .input(z.object({ id: z.number().int().positive(), note: z.string().trim().max(500).optional() }))
    .mutation(async ({ ctx, input }) => {
      const acked = await acknowledgeAlarm(ctx.rt.db, ctx.actor, input);
      ctx.rt.hub?.touchAlarms(acked.venue_id);
      return toAlarm(acked);
    }),
});
