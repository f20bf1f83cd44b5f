import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import {
  listChannelControls,
  listGateControls,
  listOpenPolicyActions,
  listQuotaControls,
  listZoneControls,
} from '../../../db/queries/controls.ts';
import { readVenueClock } from '../../../db/queries/scans.ts';
import { ZDate, ZSlot } from '../../../lib/schemas/order.ts';
import { localTime } from '../../../lib/venue-time.ts';
import { canSeeVenue } from '../../auth/session.ts';
import type { TActor } from '../../services/actor.ts';
import {
  resumeOnlineSales,
  setChannelControl,
  setGateControl,
  setQuotaControl,
  setZoneCap,
} from '../../services/controls.ts';
import { areaProcedure, createTRPCRouter } from '../init.ts';

/** Rate-limit controls (限流) for managers; every change is audited with who, before, after and why. */
const controlsProcedure = areaProcedure('controls');
const ZReason = z.string().trim().max(300).optional();
const actorOf = (u: { id: number; email: string }): TActor => ({ kind: 'user', id: u.id, label: u.email });

export const controlsRouter = createTRPCRouter({
  state: controlsProcedure
    .input(z.object({ venueId: z.number().int().positive(), day: ZDate.optional() }))
    .query(async ({ ctx, input }) => {
      if (!canSeeVenue(ctx.user, input.venueId))
        throw new TRPCError({ code: 'FORBIDDEN', message: `venue ${input.venueId} is outside your venues` });
      const { db } = ctx.rt;
      const clock = await readVenueClock(db, input.venueId);
      const today = localTime(new Date(), clock.timezone, clock.resetMinute).day;
      const day = input.day ?? today;
      const [channels, gates, zones, quotas, policies] = await Promise.all([
        listChannelControls(db, input.venueId),
        listGateControls(db, input.venueId),
        listZoneControls(db, input.venueId),
        listQuotaControls(db, input.venueId, day),
        listOpenPolicyActions(db, input.venueId),
      ]);
      return {
        today,
        day,
        defaultOrdersPerMin: ctx.rt.config.TIDEWATCH_CHANNEL_ORDERS_PER_MIN,
        channels: channels.map((c) => ({
          id: c.id,
          code: c.code,
          name: c.name,
          kind: c.kind,
          ordersPerMin: c.orders_per_min,
          paused: c.paused,
        })),
        gates: gates.map((g) => ({
          id: g.id,
          code: g.code,
          zoneId: g.zone_id,
          nameZh: g.name_zh,
          nameEn: g.name_en,
          direction: g.direction,
          admissionsPerMin: g.admissions_per_min,
          closed: g.closed,
          byPolicy: policies.some((p) => p.action === 'close_gate' && p.target_id === g.id && !p.overridden),
        })),
        zones: zones.map((z) => ({
          id: z.id,
          code: z.code,
          nameZh: z.name_zh,
          nameEn: z.name_en,
          capacity: z.capacity,
          entryCap: z.entry_cap,
        })),
        quotas: quotas.map((q) => ({
          slot: q.slot_start,
          end: q.slot_end,
          capacity: q.capacity,
          sold: q.sold,
          closed: q.closed,
        })),
        onlineSalesPaused: policies.some((p) => p.action === 'pause_online_sales'),
      };
    }),
  setChannel: controlsProcedure
    .input(
      z.object({
        channelId: z.number().int().positive(),
        ordersPerMin: z.number().int().min(1).max(100_000).nullable().optional(),
        paused: z.boolean().optional(),
        reason: ZReason,
      }),
    )
    .mutation(({ ctx, input }) => setChannelControl(ctx.rt, actorOf(ctx.user), input, (v) => canSeeVenue(ctx.user, v))),
  setGate: controlsProcedure
    .input(
      z.object({
        gateId: z.number().int().positive(),
        admissionsPerMin: z.number().int().min(1).max(100_000).nullable().optional(),
        closed: z.boolean().optional(),
        reason: ZReason,
      }),
    )
    .mutation(({ ctx, input }) => setGateControl(ctx.rt, actorOf(ctx.user), input, (v) => canSeeVenue(ctx.user, v))),
  setZoneCap: controlsProcedure
    .input(
      z.object({
        zoneId: z.number().int().positive(),
        entryCap: z.number().int().min(0).max(1_000_000).nullable(),
        reason: ZReason,
      }),
    )
    .mutation(({ ctx, input }) => setZoneCap(ctx.rt, actorOf(ctx.user), input, (v) => canSeeVenue(ctx.user, v))),
  setQuota: controlsProcedure
    .input(
      z.object({
        venueId: z.number().int().positive(),
        day: ZDate,
        slot: ZSlot.nullable(),
        capacity: z.number().int().min(0).max(1_000_000).optional(),
        closed: z.boolean().optional(),
        reason: ZReason,
      }),
    )
    .mutation(({ ctx, input }) => {
      if (!canSeeVenue(ctx.user, input.venueId))
        throw new TRPCError({ code: 'FORBIDDEN', message: `venue ${input.venueId} is outside your venues` });
      return setQuotaControl(ctx.rt, actorOf(ctx.user), input);
    }),
  resumeOnlineSales: controlsProcedure
    .input(z.object({ venueId: z.number().int().positive(), reason: ZReason }))
    .mutation(({ ctx, input }) => {
      if (!canSeeVenue(ctx.user, input.venueId))
        throw new TRPCError({ code: 'FORBIDDEN', message: `venue ${input.venueId} is outside your venues` });
      return resumeOnlineSales(ctx.rt, actorOf(ctx.user), input);
    }),
});
