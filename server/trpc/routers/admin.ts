import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { listAudit } from '../../../db/queries/audit.ts';
import { insertAudit } from '../../../db/queries/audit.ts';
import { listChannels } from '../../../db/queries/channels.ts';
import { listGates } from '../../../db/queries/gates.ts';
import { findUserById, listUsers, setUserRoleAndState } from '../../../db/queries/users.ts';
import { listVenues } from '../../../db/queries/venues.ts';
import { ROLES } from '../../../lib/roles.ts';
import { ZCreateChannel, ZCreateUser, ZGateRef } from '../../../lib/schemas/admin.ts';
import type { TActor } from '../../services/actor.ts';
import { createChannel, createDevice, createUser, revokeDevices } from '../../services/admin.ts';
import { areaProcedure, createTRPCRouter } from '../init.ts';

const adminProcedure = areaProcedure('admin');
const actorOf = (u: { id: number; email: string }): TActor => ({ kind: 'user', id: u.id, label: u.email });

export const adminRouter = createTRPCRouter({
  users: adminProcedure.query(async ({ ctx }) => {
    const rows = await listUsers(ctx.rt.db);
    return rows.map((u) => ({
      id: u.id,
      email: u.email,
      name: u.name,
      role: u.role,
      venues: u.all_venues ? ('all' as const) : u.venue_ids,
      disabled: !!u.disabled_at,
    }));
  }),
  createUser: adminProcedure
    .input(ZCreateUser)
    .mutation(({ ctx, input }) => createUser(ctx.rt.db, actorOf(ctx.user), input)),
  /** Changes a role or disables/enables an account; effective on the user's next request. Audited. */
  updateUser: adminProcedure
    .input(
      z.object({ id: z.number().int().positive(), role: z.enum(ROLES).optional(), disabled: z.boolean().optional() }),
    )
    .mutation(async ({ ctx, input }) => {
      if (input.id === ctx.user.id && (input.disabled || (input.role && input.role !== 'admin'))) {
        throw new TRPCError({
          code: 'BAD_REQUEST',
          message: 'you cannot disable yourself or remove your own admin role',
        });
      }
      return ctx.rt.db.transaction(async (tx) => {
        const before = await findUserById(tx, input.id);
        if (!before) throw new TRPCError({ code: 'NOT_FOUND', message: `user ${input.id} does not exist` });
        await setUserRoleAndState(tx, input.id, { role: input.role, disabled: input.disabled });
        const after = await findUserById(tx, input.id);
        await insertAudit(tx, {
          actorKind: 'user',
          actorId: ctx.user.id,
          actorLabel: ctx.user.email,
          action: 'user.update',
          subjectKind: 'user',
          subjectId: input.id,
          before: { role: before.role, disabled: !!before.disabled_at },
          after: { role: after?.role, disabled: !!after?.disabled_at },
        });
        return { ok: true };
      });
    }),
  venues: adminProcedure.query(async ({ ctx }) =>
    (await listVenues(ctx.rt.db, ctx.user.venueIds)).map((v) => ({
      id: v.id,
      code: v.code,
      nameZh: v.name_zh,
      nameEn: v.name_en,
    })),
  ),
  gates: adminProcedure.input(z.object({ venueId: z.number().int().positive() })).query(async ({ ctx, input }) => {
    const rows = await listGates(ctx.rt.db, input.venueId);
    return rows.map((g) => ({
      id: g.id,
      code: g.code,
      zoneCode: g.zone_code,
      direction: g.direction,
      kind: g.kind,
      nameZh: g.name_zh,
      nameEn: g.name_en,
    }));
  }),
  createDevice: adminProcedure.input(ZGateRef).mutation(async ({ ctx, input }) => {
    const r = await createDevice(ctx.rt.db, actorOf(ctx.user), input);
    return { id: r.id, token: r.token, gate: r.gate.code };
  }),
  revokeDevices: adminProcedure.input(ZGateRef).mutation(async ({ ctx, input }) => {
    const r = await revokeDevices(ctx.rt.db, actorOf(ctx.user), input);
    // Every instance drops the tokens from its outage cache and cuts the devices off at once.
    await ctx.rt.tokens?.announceRevoked({ devices: r.revoked });
    ctx.rt.hub?.touchGates(r.gate.venue_id, [r.gate.id]);
    return { revoked: r.revoked.length };
  }),
  channels: adminProcedure.input(z.object({ venueId: z.number().int().positive() })).query(async ({ ctx, input }) => {
    const rows = await listChannels(ctx.rt.db, input.venueId);
    return rows.map((c) => ({ id: c.id, code: c.code, name: c.name, kind: c.kind, revoked: !!c.revoked_at }));
  }),
  createChannel: adminProcedure.input(ZCreateChannel).mutation(async ({ ctx, input }) => {
    const r = await createChannel(ctx.rt.db, actorOf(ctx.user), input);
    // A new token for an existing channel replaces the old one on every instance.
    if (!r.created) await ctx.rt.tokens?.announceRevoked({ channels: [r.id] });
    return r;
  }),
  audit: adminProcedure
    .input(z.object({ limit: z.number().int().min(1).max(500).default(100) }))
    .query(async ({ ctx, input }) => {
      const rows = await listAudit(ctx.rt.db, { venueIds: ctx.user.venueIds, limit: input.limit });
      return rows.map((r) => ({ ...r, at: new Date(r.at).toISOString() }));
    }),
});
