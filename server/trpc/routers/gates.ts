import { z } from 'zod';
import { listGateStatus } from '../../../db/queries/gates.ts';
import { toGateStatus } from '../../realtime/hub.ts';
import { createTRPCRouter, procedure } from '../init.ts';

export const gatesRouter = createTRPCRouter({
  /** Gates of a venue with their live state (the command center also gets this over /live). */
  status: procedure('commandCenter', { input: 'venueId' })
    .input(z.object({ venueId: z.number().int().positive() }))
    .query(async ({ ctx }) =>
      (await listGateStatus(ctx.rt.db, ctx.venueId, ctx.rt.config.TIDEWATCH_HEARTBEAT_TIMEOUT_S)).map(toGateStatus),
    ),
});
