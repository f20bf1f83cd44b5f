import { guestJourney, ZGuestJourney } from '../../services/guest-journey.ts';
import { createTRPCRouter, procedure } from '../init.ts';

/**
 * One guest's journey (docs/guest-journey.md), for the front desk: the venue is named in the input
 * and checked here with the role; the service refuses an anchor of another venue as not found.
 */
export const guestsRouter = createTRPCRouter({
  journey: procedure('frontdesk', { input: 'venueId' })
    .input(ZGuestJourney)
    .query(({ ctx, input }) => guestJourney(ctx.rt.db, input)),
});
