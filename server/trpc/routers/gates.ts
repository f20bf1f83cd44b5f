import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { listGateStatus } from '../../../db/queries/gates.ts';
import { canSeeVenue } from '../../auth/session.ts';
import { toGateStatus } from '../../realtime/hub.ts';
import { areaProcedure, createTRPCRouter } from '../init.ts';

export const gatesRouter = createTRPCRouter({
  /** Gates of a venue with their live state (the command center also gets this over /live). */
  status: areaProcedure('commandCenter')
    .input(z.object({ venueId: z.number().int().positive() }))
    .query(async ({ ctx, input }) => {
      if (!canSeeVenue(ctx.user, input.venueId))
        throw new TRPCError({ code: 'FORBIDDEN', message: `venue ${input.venueId} is outside your venues` });
      const rows = await listGateStatus(ctx.rt.db, input.venueId, ctx.rt.config.TIDEWATCH_HEARTBEAT_TIMEOUT_S);
      return rows.map(toGateStatus);
    }),
});
