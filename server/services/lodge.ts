import type { Database } from '../../db/client.ts';
import { linkTicketsToStay, nameStayTickets } from '../../db/queries/hotel.ts';
import {
  carryLodgeGuests,
  ensureLodgePassType,
  findLodgeDoor,
  findLodgeHotel,
  findPositionalTickets,
  hasLodgeCarry,
  listLodgePassGuests,
  type LodgeHotel,
  listLodgeHotels,
} from '../../db/queries/lodge.ts';
import { insertTickets } from '../../db/queries/sales.ts';
import { newTicketCode } from '../../lib/ticket-code.ts';
import { laterDate } from '../../lib/hotel/rules.ts';
import { localTime } from '../../lib/venue-time.ts';
import type { TLogger } from '../logger.ts';
import type { Runtime } from '../runtime.ts';
import type { TActor } from './actor.ts';
import { deskDevice } from './front-desk.ts';

/**
 * In-house hotel guests in the lodge zone's occupancy (issue 13; docs/hotel.md "In-house guests in
 * the zone graph"). Checking in is a crossing: each guest's positional ticket is admitted at the
 * lodge's door through the gates' own ingest, as a scan by the desk user. At the venue's daily reset
 * the guests asleep in the lodge are carried into the new day (LodgeCarry), so the wall's lodge
 * figure is right at night and in the venue = carried + entries − exits = the sum of the zones.
 */

export type LodgeRuntime = Pick<Runtime, 'db'> & Partial<Pick<Runtime, 'ingest' | 'logger'>>;

/** A stay just checked in, as its guests' placement needs it. */
export interface StayToPlace {
  id: number;
  hotel_id: number;
  order_id: number;
  adults: number;
  children: number;
  check_out: string;
}

/**
 * Places the guests of a stay just checked in in the lodge: issues every guest a lodge pass for the
 * stay (a package guest's serves the days without a park ticket: the check-out morning, an extended
 * night), then admits every guest's positional ticket at the lodge's door through
 * the ingest (a ticket outside the venue is an entry; one already in the lodge is refused as passback
 * and stays counted once). Returns how many were admitted, or null where nothing is placed (a hotel
 * outside the zone graph, a zone without a door, a runtime without the ingest: the seed's).
 */
export async function placeInLodge(
  rt: LodgeRuntime,
  actor: TActor,
  stay: StayToPlace,
): Promise<{ admitted: number; guests: number } | null> {
  if (!rt.ingest) return null;
  const h = await findLodgeHotel(rt.db, stay.hotel_id);
  const door = h ? await findLodgeDoor(rt.db, h.zone_id) : undefined;
  if (!h || !door) return null;
  const day = localTime(new Date(), h.timezone, h.reset_minute).day;
  const guests = stay.adults + stay.children;
  const tickets = await rt.db.transaction(async (tx) => {
    const passTypeId = await ensureLodgePassType(tx, h);
    const have = new Set(await listLodgePassGuests(tx, stay.id, passTypeId));
    const missing = Array.from({ length: guests }, (_, i) => i + 1).filter((g) => !have.has(g));
    if (missing.length) {
      const ids = await insertTickets(
        tx,
        missing.map(() => ({
          orderId: stay.order_id,
          venueId: h.venue_id,
          typeId: passTypeId,
          bundleTypeId: null,
          code: newTicketCode(),
          visitDate: day,
          validFrom: day,
          validTo: laterDate(day, stay.check_out),
          slotStart: null,
          slotEnd: null,
          quotaIds: [],
          priceFen: 0,
        })),
      );
      await linkTicketsToStay(tx, stay.id, ids, missing);
      await nameStayTickets(tx, stay.id);
    }
    return findPositionalTickets(tx, stay.id, day, passTypeId);
  });
  const at = new Date();
  const acks = await rt.ingest.submit(
    deskDevice(door),
    // One admission per guest and ticket: a retry, or a check-in again after a revert, is the same one.
    tickets.map((t) => ({ id: `checkin-${stay.id}-${t.ticket_id}`, code: t.code, direction: 'in' as const, at })),
    [],
    undefined,
    actor.id ? { userId: actor.id } : undefined,
  );
  const admitted = acks.filter((a) => 'result' in a && a.result === 'admit').length;
  const refused = acks.filter((a) => !('result' in a && a.result === 'admit'));
  if (refused.length)
    rt.logger?.warn(
      {
        stayId: stay.id,
        hotel: h.code,
        refused: refused.map((a) => ('result' in a ? (a.reason ?? a.result) : a.error.code)),
      },
      'guests checked in but not placed in the lodge',
    );
  return { admitted, guests };
}

/**
 * Carries a hotel's guests asleep in the lodge into a business day, once per hotel and day however
 * many instances call it (see carryLodgeGuests). Returns how many were carried, or null when another
 * instance had claimed the day.
 */
export async function carryLodge(
  db: Database,
  h: LodgeHotel,
  day: string,
  opts?: Parameters<typeof carryLodgeGuests>[3],
): Promise<number | null> {
  return db.transaction((tx) => carryLodgeGuests(tx, h, day, opts));
}

export interface LodgeCarryOptions {
  db: Database;
  logger: TLogger;
  /** Called with the venues whose counters changed (the wall refreshes). */
  onCarried?: (venueIds: number[]) => void;
  now?: () => Date;
}

/**
 * The daily reset's carry: every instance checks every half minute whether a hotel's venue has
 * started a business day its lodge has not been carried into, and carries it (once, by the claim).
 */
export class LodgeCarry {
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(private readonly o: LodgeCarryOptions) {}

  start(intervalMs = 30_000): void {
    void this.tick();
    this.timer = setInterval(() => void this.tick(), intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One pass over the hotels; returns the guests carried. */
  async tick(): Promise<number> {
    if (this.running) return 0;
    this.running = true;
    let total = 0;
    try {
      const now = (this.o.now ?? (() => new Date()))();
      const venues = new Set<number>();
      for (const h of await listLodgeHotels(this.o.db)) {
        const day = localTime(now, h.timezone, h.reset_minute).day;
        if (await hasLodgeCarry(this.o.db, h.id, day)) continue;
        const n = await carryLodge(this.o.db, h, day);
        if (n === null) continue;
        this.o.logger.info({ hotel: h.code, day, guests: n }, 'in-house guests carried into the lodge');
        if (n > 0) venues.add(h.venue_id);
        total += n;
      }
      if (venues.size) this.o.onCarried?.([...venues]);
    } catch (err) {
      this.o.logger.warn({ err: (err as Error).message }, 'lodge carry failed; retried at the next tick');
    } finally {
      this.running = false;
    }
    return total;
  }
}
