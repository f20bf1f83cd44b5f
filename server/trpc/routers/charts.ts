import { z } from 'zod';
import type { Queryable } from '../../../db/client.ts';
import { listChannels } from '../../../db/queries/channels.ts';
import { attractionStats } from '../../../db/queries/attraction-stats.ts';
import { readHotelNights } from '../../../db/queries/hotel-wall.ts';
import {
  arrivalsVsSlots,
  controlAnnotations,
  findVenueClock,
  salesByChannel,
  venueCrossingsByZone,
  zoneFlows,
} from '../../../db/queries/rollups.ts';
import { listZones } from '../../../db/queries/venues.ts';
import { isCalendarDate, localTime } from '../../../lib/venue-time.ts';
import { AppError } from '../../../lib/errors.ts';
import { withinHours } from '../../ingest/scan-ingest.ts';
import { createTRPCRouter, procedure } from '../init.ts';

/** Default window of the minute charts (minutes): the last three hours. */
const DEFAULT_WINDOW_MIN = 180;
/** Longest window (minutes): 12 hours keeps every series at 720 points or fewer. */
const MAX_WINDOW_MIN = 720;
const MINUTE_MS = 60_000;
/** Default window of the flow arcs on the map (minutes): recent enough to show where people are going now. */
const DEFAULT_FLOW_WINDOW_MIN = 15;
/** Longest flow window (minutes). */
const MAX_FLOW_WINDOW_MIN = 120;
/** Utilisation of an attraction is rides in this many minutes against its hourly capacity. */
const RIDES_WINDOW_MIN = 60;

/**
 * What the wall says an attraction is doing: closed by a manager, outside its opening hours (its
 * gates refuse rides either way, as the ingest decides them), throttled, or open.
 */
function attractionState(
  a: { closed: boolean; ridesPerMin: number | null; opens: string; closes: string },
  localMinute: number,
): 'closed' | 'outside_hours' | 'throttled' | 'open' {
  if (a.closed) return 'closed';
  if (!withinHours(localMinute, a.opens, a.closes)) return 'outside_hours';
  return a.ridesPerMin !== null ? 'throttled' : 'open';
}

/** [from, to) of the last `minutes` whole minutes, the current (still filling) minute last. */
function minuteWindow(minutes: number, now = Date.now()): { from: Date; to: Date } {
  const to = new Date(Math.floor(now / MINUTE_MS) * MINUTE_MS + MINUTE_MS);
  return { from: new Date(to.getTime() - minutes * MINUTE_MS), to };
}

/** The venue's clock, or NOT_FOUND for a venue id that does not exist (admins may ask for any id). */
async function venueClock(db: Queryable, venueId: number): Promise<{ timezone: string; resetMinute: number }> {
  const clock = await findVenueClock(db, venueId);
  if (!clock) throw new AppError('not_found', `venue ${venueId} does not exist`);
  return clock;
}

/** Chart series for the wall display (rollups plus the live tail). */
export const chartsRouter = createTRPCRouter({
  /**
   * Venue entries and exits per minute (by the zone of the gate that counted them: the same
   * crossings as the wall's totals, not moves between zones), tickets sold per minute and channel,
   * and control changes, for the last `minutes` whole minutes up to and including the current one.
   * Rows are sparse: a minute without activity is absent and counts as zero.
   */
  series: procedure('commandCenter', { input: 'venueId' })
    .input(
      z.object({
        venueId: z.number().int().positive(),
        minutes: z.number().int().min(1).max(MAX_WINDOW_MIN).default(DEFAULT_WINDOW_MIN),
      }),
    )
    .query(async ({ ctx, input }) => {
      const db = ctx.rt.db;
      const clock = await venueClock(db, input.venueId);
      // The window ends at the end of the current minute, so the live minute is the last point.
      const { from, to } = minuteWindow(input.minutes);
      const [zones, channels, entries, sales, annotations] = await Promise.all([
        listZones(db, input.venueId),
        listChannels(db, input.venueId),
        venueCrossingsByZone(db, input.venueId, from, to),
        salesByChannel(db, input.venueId, from, to),
        controlAnnotations(db, input.venueId, from, to),
      ]);
      return {
        from: from.toISOString(),
        to: to.toISOString(),
        /** The venue's time zone: the wall labels times on the venue's clock. */
        timezone: clock.timezone,
        /** Width of one point (ms). */
        stepMs: MINUTE_MS,
        zones: zones.map((z) => ({ id: z.id, code: z.code, nameZh: z.name_zh, nameEn: z.name_en })),
        channels: channels.map((c) => ({ id: c.id, code: c.code, name: c.name, kind: c.kind })),
        entries: entries.map((e) => ({
          at: e.bucket.toISOString(),
          zoneId: e.zoneId,
          entries: e.entries,
          exits: e.exits,
        })),
        sales: sales.map((s) => ({
          at: s.bucket.toISOString(),
          channelId: s.channelId,
          sold: s.sold,
          refunded: s.refunded,
          revenueFen: s.revenueFen,
        })),
        annotations: annotations.map((a) => ({
          at: a.at.toISOString(),
          action: a.action,
          actorLabel: a.actorLabel,
          reason: a.reason,
        })),
      };
    }),

  /**
   * The arrival forecast of a visit date (today's business day at the venue by default): tickets
   * sold and arrived per time slot, and expected against actual first entries per 15 minutes.
   */
  arrivals: procedure('commandCenter', { input: 'venueId' })
    .input(
      z.object({
        venueId: z.number().int().positive(),
        day: z.string().refine(isCalendarDate, 'must be a date, YYYY-MM-DD').optional(),
      }),
    )
    .query(async ({ ctx, input }) => {
      const db = ctx.rt.db;
      const clock = await venueClock(db, input.venueId);
      const now = new Date();
      const day = input.day ?? localTime(now, clock.timezone, clock.resetMinute).day;
      const a = await arrivalsVsSlots(db, input.venueId, day);
      return {
        day: a.day,
        timezone: a.timezone,
        now: now.toISOString(),
        slots: a.slots,
        curve: a.curve.map((b) => ({
          at: b.bucket.toISOString(),
          time: b.time,
          expected: b.expected,
          actual: b.actual,
        })),
      };
    }),

  /**
   * Visitor flow between zones over the last `minutes` (15 by default): people per (from, to)
   * pair through transfer gates and rides that end at another zone (the ropeway).
   */
  flows: procedure('commandCenter', { input: 'venueId' })
    .input(
      z.object({
        venueId: z.number().int().positive(),
        minutes: z.number().int().min(1).max(MAX_FLOW_WINDOW_MIN).default(DEFAULT_FLOW_WINDOW_MIN),
      }),
    )
    .query(async ({ ctx, input }) => {
      const db = ctx.rt.db;
      await venueClock(db, input.venueId);
      const { from, to } = minuteWindow(input.minutes);
      const flows = await zoneFlows(db, input.venueId, from, to);
      return { from: from.toISOString(), to: to.toISOString(), minutes: input.minutes, flows };
    }),

  /**
   * The venue's attractions: rides in the last hour (against the hourly capacity) and today, with
   * opening hours and a manager's closure or throttle, for the attractions panel of the wall.
   */
  attractions: procedure('commandCenter', { input: 'venueId' })
    .input(z.object({ venueId: z.number().int().positive() }))
    .query(async ({ ctx, input }) => {
      const db = ctx.rt.db;
      const clock = await venueClock(db, input.venueId);
      const now = Date.now();
      const lt = localTime(new Date(now), clock.timezone, clock.resetMinute);
      const { from, to } = minuteWindow(RIDES_WINDOW_MIN, now);
      const rows = await attractionStats(db, input.venueId, lt.day, from, to);
      return {
        now: new Date(now).toISOString(),
        day: lt.day,
        /** The venue's time zone: opening hours are on its clock. */
        timezone: clock.timezone,
        /** The window of `ridesLastHour`. */
        from: from.toISOString(),
        to: to.toISOString(),
        attractions: rows.map((a) => ({
          ...a,
          /** Equal opening and closing times: open all day. */
          allDay: a.opens === a.closes,
          state: attractionState(a, lt.minute),
        })),
      };
    }),

  /**
   * Tonight at each hotel of the venue, for the wall's hotel panel: rooms sold of rooms available
   * after out-of-order blocks, arrivals still expected, in-house guests and departures left, on each
   * hotel's business date (the night its desk sells until the night audit closes it).
   */
  hotels: procedure('commandCenter', { input: 'venueId' })
    .input(z.object({ venueId: z.number().int().positive() }))
    .query(async ({ ctx, input }) => {
      const db = ctx.rt.db;
      await venueClock(db, input.venueId);
      const rows = await readHotelNights(db, input.venueId);
      return {
        now: new Date().toISOString(),
        hotels: rows.map((h) => ({
          id: h.hotel_id,
          code: h.code,
          nameZh: h.name_zh,
          nameEn: h.name_en,
          businessDate: h.business_date,
          rooms: h.rooms,
          outOfOrder: h.out_of_order,
          /** Rooms to sell tonight: active rooms less the out-of-order ones. */
          available: Math.max(0, h.rooms - h.out_of_order),
          sold: h.booked,
          overbooked: h.overbooked,
          arrivals: h.arrivals,
          arrivalGuests: h.arrival_guests,
          inHouse: h.in_house,
          inHouseGuests: h.in_house_guests,
          departures: h.departures,
        })),
      };
    }),
});
