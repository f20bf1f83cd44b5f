import { z } from 'zod';
import type { Queryable } from '../../../db/client.ts';
import { listChannels } from '../../../db/queries/channels.ts';
import {
  arrivalsVsSlots,
  controlAnnotations,
  entriesExitsByZone,
  findVenueClock,
  salesByChannel,
} from '../../../db/queries/rollups.ts';
import { listZones } from '../../../db/queries/venues.ts';
import { isCalendarDate, localTime } from '../../../lib/venue-time.ts';
import { AppError } from '../../../lib/errors.ts';
import { createTRPCRouter, procedure } from '../init.ts';

/** Default window of the minute charts (minutes): the last three hours. */
const DEFAULT_WINDOW_MIN = 180;
/** Longest window (minutes): 12 hours keeps every series at 720 points or fewer. */
const MAX_WINDOW_MIN = 720;
const MINUTE_MS = 60_000;

/** The venue's clock, or NOT_FOUND for a venue id that does not exist (admins may ask for any id). */
async function venueClock(db: Queryable, venueId: number): Promise<{ timezone: string; resetMinute: number }> {
  const clock = await findVenueClock(db, venueId);
  if (!clock) throw new AppError('not_found', `venue ${venueId} does not exist`);
  return clock;
}

/** Chart series for the wall display (rollups plus the live tail). */
export const chartsRouter = createTRPCRouter({
  /**
   * Entries and exits per minute and zone, tickets sold per minute and channel, and control changes,
   * for the last `minutes` whole minutes up to and including the current one. Rows are sparse: a
   * minute without activity is absent and counts as zero.
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
      const to = new Date(Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS + MINUTE_MS);
      const from = new Date(to.getTime() - input.minutes * MINUTE_MS);
      const [zones, channels, entries, sales, annotations] = await Promise.all([
        listZones(db, input.venueId),
        listChannels(db, input.venueId),
        entriesExitsByZone(db, input.venueId, from, to),
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
});
