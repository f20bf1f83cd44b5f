import { z } from 'zod';
import { listAudit } from '../../../db/queries/audit.ts';
import { listUsers } from '../../../db/queries/users.ts';
import { listVenues } from '../../../db/queries/venues.ts';
import { ROLES } from '../../../lib/roles.ts';
import { ZCreateChannel, ZCreateUser, ZGateRef } from '../../../lib/schemas/admin.ts';
import {
  createChannel,
  createDevice,
  createUser,
  revokeDevices,
  updateUser,
  venueChannels,
  venueGates,
} from '../../services/admin.ts';
import { createTRPCRouter, procedure } from '../init.ts';

const ZVenueId = z.object({ venueId: z.number().int().positive() });

export const adminRouter = createTRPCRouter({
  /** Users whose venues the admin sees (an admin of every venue sees all). */
  users: procedure('admin', 'none').query(async ({ ctx }) => {
    const mine = ctx.user.venueIds;
    return (await listUsers(ctx.rt.db))
      .filter((u) => mine === 'all' || (!u.all_venues && u.venue_ids.some((v) => mine.includes(v))))
      .map((u) => ({
        id: u.id,
        email: u.email,
        name: u.name,
        role: u.role,
        venues: u.all_venues ? ('all' as const) : u.venue_ids,
        disabled: !!u.disabled_at,
      }));
  }),
  createUser: procedure('admin', 'none')
    .meta({ audit: 'user.create' })
    .input(ZCreateUser)
    .mutation(({ ctx, input }) => createUser(ctx.rt.db, ctx.actor, input, ctx.user.venueIds)),
  /** Changes a role or disables/enables an account; effective on the user's next request. Audited. */
  updateUser: procedure('admin', 'none')
    .meta({ audit: 'user.update' })
    .input(
      z.object({ id: z.number().int().positive(), role: z.enum(ROLES).optional(), disabled: z.boolean().optional() }),
    )
    .mutation(({ ctx, input }) => updateUser(ctx.rt.db, ctx.actor, input, ctx.user.venueIds)),
  venues: procedure('admin', 'none').query(async ({ ctx }) =>
    (await listVenues(ctx.rt.db, ctx.user.venueIds)).map((v) => ({
      id: v.id,
      code: v.code,
      nameZh: v.name_zh,
      nameEn: v.name_en,
    })),
  ),
  gates: procedure('admin', { input: 'venueId' })
    .input(ZVenueId)
    .query(({ ctx }) => venueGates(ctx.rt.db, ctx.venueId)),
  createDevice: procedure('admin', { gateRef: true })
    .meta({ audit: 'device.create' })
    .input(ZGateRef)
    .mutation(async ({ ctx, input }) => {
      const r = await createDevice(ctx.rt.db, ctx.actor, input);
      return { id: r.id, token: r.token, gate: r.gate.code };
    }),
  revokeDevices: procedure('admin', { gateRef: true })
    .meta({ audit: 'device.revoke' })
    .input(ZGateRef)
    .mutation(async ({ ctx, input }) => {
      const r = await revokeDevices(ctx.rt.db, ctx.actor, input);
      // Every instance drops the tokens from its outage cache and cuts the devices off at once.
      await ctx.rt.tokens?.announceRevoked({ devices: r.revoked });
      ctx.rt.hub?.touchGates(r.gate.venue_id, [r.gate.id]);
      return { revoked: r.revoked.length };
    }),
  channels: procedure('admin', { input: 'venueId' })
    .input(ZVenueId)
    .query(({ ctx }) => venueChannels(ctx.rt.db, ctx.venueId)),
  createChannel: procedure('admin', { venueCode: 'venue' })
    .meta({ audit: 'channel.create' })
    .input(ZCreateChannel)
    .mutation(async ({ ctx, input }) => {
      const r = await createChannel(ctx.rt.db, ctx.actor, input);
      // A new token for an existing channel replaces the old one on every instance.
      if (!r.created) await ctx.rt.tokens?.announceRevoked({ channels: [r.id] });
      return r;
    }),
  audit: procedure('admin', 'none')
    .input(z.object({ limit: z.number().int().min(1).max(500).default(100) }))
    .query(async ({ ctx, input }) => {
      const rows = await listAudit(ctx.rt.db, { venueIds: ctx.user.venueIds, limit: input.limit });
      return rows.map((r) => ({ ...r, at: new Date(r.at).toISOString() }));
    }),
});
