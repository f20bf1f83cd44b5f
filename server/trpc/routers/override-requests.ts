import { z } from 'zod';
import { ZDecideOverride, ZOverrideRequestRef, ZRequestOverride } from '../../../lib/schemas/override-request.ts';
import {
  cancelOverride,
  decideOverride,
  overrideRequest,
  pendingOverrides,
  requestOverride,
} from '../../services/override-requests.ts';
import { createTRPCRouter, procedure } from '../init.ts';

/**
 * Remote supervisor approval (远程主管授权) at the front desk: desks ask and withdraw, the venue's
 * supervisors (the controls roles) list and decide. Mounted as frontDesk.approvals.
 */
export const overrideRequestsRouter = createTRPCRouter({
  request: procedure('frontdesk', { resource: 'gate', key: 'gateId' })
    .meta({ audit: 'override.request' })
    .input(ZRequestOverride)
    .mutation(({ ctx, input }) => requestOverride(ctx.rt, ctx.actor, input)),
  /** One request: the desk that asked follows it here when its socket is down. */
  get: procedure('frontdesk', { resource: 'overrideRequest', key: 'requestId' })
    .input(ZOverrideRequestRef)
    .query(({ ctx, input }) => overrideRequest(ctx.rt, ctx.user, input)),
  cancel: procedure('frontdesk', { resource: 'overrideRequest', key: 'requestId' })
    .meta({ audit: 'override.cancel' })
    .input(ZOverrideRequestRef)
    .mutation(({ ctx, input }) => cancelOverride(ctx.rt, ctx.actor, input)),
  pending: procedure('controls', { input: 'venueId' })
    .input(z.object({ venueId: z.number().int().positive() }))
    .query(({ ctx }) => pendingOverrides(ctx.rt.db, ctx.venueId)),
  approve: procedure('controls', { resource: 'overrideRequest', key: 'requestId' })
    .meta({ audit: 'override.approve' })
    .input(ZDecideOverride)
    .mutation(({ ctx, input }) => decideOverride(ctx.rt, ctx.actor, input, 'approved')),
  deny: procedure('controls', { resource: 'overrideRequest', key: 'requestId' })
    .meta({ audit: 'override.deny' })
    .input(ZDecideOverride)
    .mutation(({ ctx, input }) => decideOverride(ctx.rt, ctx.actor, input, 'denied')),
});
