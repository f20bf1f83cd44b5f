import { z } from 'zod';
import {
  listChannelControls,
  listGateControls,
  listOpenPolicyActions,
  listQuotaControls,
  listZoneControls,
} from '../../../db/queries/controls.ts';
import { readVenueClock } from '../../../db/queries/scans.ts';
import { ZSetChannel, ZSetGate, ZSetQuota, ZSetZoneCap, ZResumeOnlineSales } from '../../../lib/schemas/controls.ts';
import { ZDate } from '../../../lib/schemas/order.ts';
import { localTime } from '../../../lib/venue-time.ts';
import {
  resumeOnlineSales,
  setChannelControl,
  setGateControl,
  setQuotaControl,
  setZoneCap,
} from '../../services/controls.ts';
import { createTRPCRouter, procedure } from '../init.ts';

/** Rate-limit controls (限流) for managers; every change is audited with who, before, after and why. */

export const controlsRouter = createTRPCRouter({
  state: procedure('controls', { input: 'venueId' })
    .input(z.object({ venueId: z.number().int().positive(), day: ZDate.optional() }))
    .query(async ({ ctx, input }) => {
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
  setChannel: procedure('controls', { resource: 'channel', key: 'channelId' })
    .meta({ audit: 'control.channel' })
    .input(ZSetChannel)
    .mutation(({ ctx, input }) => setChannelControl(ctx.rt, ctx.actor, input)),
  setGate: procedure('controls', { resource: 'gate', key: 'gateId' })
    .meta({ audit: 'control.gate' })
    .input(ZSetGate)
    .mutation(({ ctx, input }) => setGateControl(ctx.rt, ctx.actor, input)),
  setZoneCap: procedure('controls', { resource: 'zone', key: 'zoneId' })
    .meta({ audit: 'control.zone' })
    .input(ZSetZoneCap)
    .mutation(({ ctx, input }) => setZoneCap(ctx.rt, ctx.actor, input)),
  setQuota: procedure('controls', { input: 'venueId' })
    .meta({ audit: 'control.quota' })
    .input(ZSetQuota)
    .mutation(({ ctx, input }) => setQuotaControl(ctx.rt, ctx.actor, input)),
  resumeOnlineSales: procedure('controls', { input: 'venueId' })
    .meta({ audit: 'control.online_sales' })
    .input(ZResumeOnlineSales)
    .mutation(({ ctx, input }) => resumeOnlineSales(ctx.rt, ctx.actor, input)),
});
