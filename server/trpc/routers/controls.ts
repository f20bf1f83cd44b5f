import { z } from 'zod';
import { listAttractionControls, listGraphGates, zoneOccupancy } from '../../../db/queries/attraction-controls.ts';
import {
  listChannelControls,
  listGateControls,
  listOpenPolicyActions,
  listQuotaControls,
  listZoneControls,
} from '../../../db/queries/controls.ts';
import { readVenueClock } from '../../../db/queries/scans.ts';
import {
  ZResumeOnlineSales,
  ZSetAttraction,
  ZSetChannel,
  ZSetGate,
  ZSetQuota,
  ZSetZoneCap,
} from '../../../lib/schemas/controls.ts';
import { ZDate } from '../../../lib/schemas/order.ts';
import { localTime } from '../../../lib/venue-time.ts';
import {
  resumeOnlineSales,
  setAttractionControl,
  setChannelControl,
  setGateControl,
  setQuotaControl,
  setZoneCap,
} from '../../services/controls.ts';
import { carriesBetweenZones, strandedZones } from '../../services/controls-stranded.ts';
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
      const [channels, gates, zones, quotas, policies, attractions, graph, occupancy] = await Promise.all([
        listChannelControls(db, input.venueId),
        listGateControls(db, input.venueId),
        listZoneControls(db, input.venueId),
        listQuotaControls(db, input.venueId, day),
        listOpenPolicyActions(db, input.venueId),
        listAttractionControls(db, input.venueId),
        listGraphGates(db, input.venueId),
        zoneOccupancy(db, input.venueId, today),
      ]);
      const closedAttractions = attractions.filter((a) => a.closed).map((a) => a.id);
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
        attractions: attractions.map((a) => {
          // Who is (or would be, once it closes) at its far end with no other way back.
          const far = strandedZones(graph, a.id, closedAttractions);
          return {
            id: a.id,
            code: a.code,
            nameZh: a.name_zh,
            nameEn: a.name_en,
            kind: a.kind,
            hourlyCapacity: a.hourly_capacity,
            opens: a.opens,
            closes: a.closes,
            closed: a.closed,
            ridesPerMin: a.rides_per_min,
            note: a.note,
            updatedAt: a.updated_at,
            carries: carriesBetweenZones(graph, a.id),
            farZoneIds: far,
            farPeople: far.reduce((n, z) => n + (occupancy.get(z) ?? 0), 0),
          };
        }),
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
  setAttraction: procedure('controls', { resource: 'attraction', key: 'attractionId' })
    .meta({ audit: 'control.attraction' })
    .input(ZSetAttraction)
    .mutation(({ ctx, input }) => setAttractionControl(ctx.rt, ctx.actor, input)),
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
