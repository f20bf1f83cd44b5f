import { listVenues } from '../../../db/queries/venues.ts';
import { AREA_ROLES, canUse, type TArea } from '../../../lib/roles.ts';
import { createTRPCRouter, procedure } from '../init.ts';

export const systemRouter = createTRPCRouter({
  /** Who is signed in, what they may open and which venues they see. */
  me: procedure('signedIn', 'none').query(async ({ ctx }) => {
    const venues = await listVenues(ctx.rt.db, ctx.user.venueIds);
    return {
      user: { id: ctx.user.id, email: ctx.user.email, name: ctx.user.name, role: ctx.user.role },
      areas: (Object.keys(AREA_ROLES) as TArea[]).filter((a) => canUse(ctx.user.role, a)),
      venues: venues.map((v) => ({
        id: v.id,
        code: v.code,
        nameZh: v.name_zh,
        nameEn: v.name_en,
        capacity: v.capacity,
        plan: v.plan,
      })),
    };
  }),
});
