import { setTimeout as sleep } from 'node:timers/promises';
import type { inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '../../server/trpc/root.ts';
import type { SimClock } from './clock.ts';
import { type DeskClient, deskErrorCode } from './desk-client.ts';
import {
  departureExtra,
  deskPayment,
  depositYuan,
  dueAtDesk,
  isAuditDue,
  registerGuests,
  settlement,
  type TDeskTimes,
} from './desk-plan.ts';
import type { SimStats, ThrottledLog } from './stats.ts';

type THotelOut = inferRouterOutputs<AppRouter>['hotel'];
type TStay = THotelOut['stay'];
type TToday = THotelOut['today'];
/** Where the desk works: the venue, its hotel and the hotel's check-in and check-out times. */
type TDeskAt = { venueId: number; hotel: THotelOut['hotels'][number]; times: TDeskTimes };

/** The desk looks at its Today screen this often (simulated minutes)... */
const ROUND_SIM_MIN = 5;
/** ...but never more often, nor less often, than this (real ms). */
const ROUND_MS: [number, number] = [2_000, 60_000];
/** Guests served per round at most: one clerk, one guest at a time. */
const GUESTS_PER_ROUND = 8;
/** A stay whose check-in or check-out failed waits this long before the desk tries again (real ms). */
const HOLD_AFTER_FAILURE_MS = 60_000;
/** A dirty room is clean again this long after housekeeping first saw it (simulated minutes). */
const CLEAN_AFTER_SIM_MIN = 40;
/** Once the hotel's day is over, every guest still due that day is at the desk (any simulated minute). */
const END_OF_DAY = Number.POSITIVE_INFINITY;
/** Without a session, a hotel or the venue, the desk looks again this often (real ms). */
const IDLE_RETRY_MS = 30_000;

/**
 * The lodge's front desk (酒店前台) as the simulator plays it, over the app's own tRPC API signed in
 * as the demo front-desk user: on the simulated clock it checks in today's arrivals (every guest
 * registered with a name and an ID number, a suggested clean room, a deposit), checks out the
 * departures (an extra now and then, the balance paid or the deposit's excess refunded), has
 * housekeeping clean the rooms left dirty and runs the night audit once the venue's day has moved
 * past the hotel's (after the rest of that day's guests, so no departure is left in house). Errors
 * are counted and logged throttled; nothing here stops the simulator.
 */
export class LodgeDesk {
  private readonly held = new Map<number, number>();
  /** Dirty rooms by id, with the simulated elapsed minute housekeeping first saw them. */
  private readonly dirtySince = new Map<number, number>();
  private simElapsed = 0;

  constructor(
    private readonly deps: {
      desk: DeskClient;
      clock: SimClock;
      stats: SimStats;
      tlog: ThrottledLog;
      /** The venue whose lodge this is (its code). */
      venue: string;
      log: (m: string) => void;
    },
  ) {}

  async run(signal: AbortSignal): Promise<void> {
    const { clock } = this.deps;
    const roundMs = Math.min(ROUND_MS[1], Math.max(ROUND_MS[0], clock.realMs(ROUND_SIM_MIN)));
    let announced = false;
    let at: TDeskAt | undefined;
    while (!signal.aborted) {
      let wait = roundMs;
      try {
        // The venue and its hotel are looked up once, and again after a round that failed.
        at ??= await this.find();
        if (!at) wait = IDLE_RETRY_MS;
        else {
          if (!announced) {
            this.deps.log(
              `front desk of ${at.hotel.code} signed in (business date ${at.hotel.businessDate}, check-in from ${at.times.checkInTime.slice(0, 5)}, check-out by ${at.times.checkOutTime.slice(0, 5)})`,
            );
            announced = true;
          }
          await this.round(at.venueId, at.hotel.id, at.times, signal);
        }
      } catch (err) {
        this.failed('round', err);
        at = undefined;
        wait = IDLE_RETRY_MS;
      }
      this.simElapsed += (wait * clock.speed) / 60_000;
      await sleep(wait, undefined, { signal }).catch(() => {});
    }
  }

  /** The venue and its first hotel, or nothing (logged) when there is none yet. */
  private async find(): Promise<TDeskAt | undefined> {
    const { desk, venue, tlog } = this.deps;
    const me = await desk.call((api, o) => api.system.me.query(undefined, o));
    const v = me.venues.find((x) => x.code === venue);
    if (!v) {
      tlog.say('desk:no-venue', `front desk: ${me.user.email} does not see venue ${venue}`);
      return undefined;
    }
    const hotels = await desk.call((api, o) => api.hotel.hotels.query({ venueId: v.id }, o));
    const hotel = hotels[0];
    if (!hotel) {
      tlog.say('desk:no-hotel', `front desk: venue ${venue} has no hotel; the desk has nothing to do`);
      return undefined;
    }
    const times: TDeskTimes = { checkInTime: hotel.checkInTime, checkOutTime: hotel.checkOutTime };
    return { venueId: v.id, hotel, times };
  }

  private async round(venueId: number, hotelId: number, times: TDeskTimes, signal: AbortSignal): Promise<void> {
    const { desk, clock, stats } = this.deps;
    const ref = { venueId, hotelId };
    let today = await desk.call((api, o) => api.hotel.today.query(ref, o));
    let budget = GUESTS_PER_ROUND;
    if (isAuditDue(today.businessDate, clock.realLocal().day)) {
      // The hotel's day is over: whoever was still to leave or to come that day is served before
      // the night audit rolls the date, whatever the simulated minute. A guest still in house past
      // the departure date is on none of the Today lists again, and the desk would never see them.
      const day = await this.serve(venueId, today, END_OF_DAY, times, signal, budget);
      budget -= day.served;
      if (day.served) today = await desk.call((api, o) => api.hotel.today.query(ref, o));
      const leaving = today.departures.some((d) => d.state === 'checked_in');
      if (day.left || leaving || signal.aborted) {
        // The rest of the day next round (a check-out held after a failure included), then the audit.
        await this.housekeeping(ref);
        return;
      }
      const audited = await this.guarded('audit', () =>
        desk.call((api, o) => api.hotel.nightAudit.mutate({ ...ref, businessDate: today.businessDate }, o)),
      );
      if (!audited) {
        await this.housekeeping(ref);
        return;
      }
      stats.desk.audits++;
      this.deps.log(`front desk: night audit of ${today.businessDate} done`);
      today = await desk.call((api, o) => api.hotel.today.query(ref, o));
      // Days behind (the demo was stopped): the next date's guests come in the next round.
      if (isAuditDue(today.businessDate, clock.realLocal().day)) return;
    }
    await this.serve(venueId, today, clock.simMinute(), times, signal, budget);
    await this.housekeeping(ref);
  }

  /**
   * Serves the guests at the desk by the simulated `minute`, departures first, at most `budget` of
   * them: how many it served (tried), and how many due it left for a later round.
   */
  private async serve(
    venueId: number,
    today: TToday,
    minute: number,
    times: TDeskTimes,
    signal: AbortSignal,
    budget: number,
  ): Promise<{ served: number; left: number }> {
    const leaving = today.departures.filter((d) => d.state === 'checked_in');
    const queue = [
      ...dueAtDesk(leaving, 'departure', minute, times, this.held).map((s) => () => this.checkOut(venueId, s.id)),
      ...dueAtDesk(today.arrivals, 'arrival', minute, times, this.held).map(
        (s) => () => this.checkIn(venueId, s.id, today.businessDate),
      ),
    ];
    let served = 0;
    for (const step of queue) {
      if (signal.aborted || served >= budget) break;
      await step();
      served++;
    }
    return { served, left: queue.length - served };
  }

  private async checkIn(venueId: number, stayId: number, businessDate: string): Promise<void> {
    const { desk, stats } = this.deps;
    const ok = await this.guarded(`check-in:${stayId}`, async () => {
      const stay = await desk.call((api, o) => api.hotel.stay.query({ venueId, stayId }, o));
      let roomId = stay.roomId ?? undefined;
      if (!roomId) {
        const rooms = await desk.call((api, o) => api.hotel.suggestRooms.query({ venueId, stayId }, o));
        if (!rooms.length) {
          stats.desk.waitingForRoom++;
          this.deps.tlog.say(
            'desk:no-clean-room',
            `front desk: no clean ${stay.roomType} room for stay ${stayId} yet; the guest waits for housekeeping`,
          );
          this.held.set(stayId, Date.now() + HOLD_AFTER_FAILURE_MS);
          return false;
        }
        roomId = rooms[0].id;
      }
      const guests = registerGuests(stay, businessDate);
      const deposit = deskPayment(depositYuan(stay));
      await desk.call((api, o) => api.hotel.checkIn.mutate({ venueId, stayId, roomId, guests, deposit }, o));
      stats.desk.checkIns++;
      stats.desk.guests += guests.length;
      stats.desk.depositsFen += Math.round(deposit.amount * 100);
      return true;
    });
    if (ok) this.held.delete(stayId);
  }

  private async checkOut(venueId: number, stayId: number): Promise<void> {
    const { desk, stats } = this.deps;
    const ok = await this.guarded(`check-out:${stayId}`, async () => {
      const extra = departureExtra();
      if (extra) {
        await desk.call((api, o) => api.hotel.postExtra.mutate({ venueId, stayId, qty: 1, ...extra }, o));
        stats.desk.extras++;
      }
      const stay: TStay = await desk.call((api, o) => api.hotel.stay.query({ venueId, stayId }, o));
      const due = settlement(stay);
      if (due.kind === 'pay') {
        const payment = deskPayment(due.amount);
        await desk.call((api, o) => api.hotel.postPayment.mutate({ venueId, stayId, payment }, o));
        stats.desk.paidFen += Math.round(due.amount * 100);
      } else if (due.kind === 'refund') {
        if (due.short > 0) throw new Error(`stay ${stayId}: a credit of ¥${due.short} is more than its deposits`);
        for (const r of due.refunds) {
          await desk.call((api, o) =>
            api.hotel.postRefund.mutate({ venueId, stayId, ...r, reason: 'deposit returned at check-out' }, o),
          );
          stats.desk.refundedFen += Math.round(r.amount * 100);
        }
      }
      await desk.call((api, o) => api.hotel.checkOut.mutate({ venueId, stayId }, o));
      stats.desk.checkOuts++;
      return true;
    });
    if (ok) this.held.delete(stayId);
  }

  /** Housekeeping: a room seen dirty is marked clean once it has been dirty long enough on the simulated clock. */
  private async housekeeping(ref: { venueId: number; hotelId: number }): Promise<void> {
    const { desk, stats } = this.deps;
    const board = await this.guarded('rooms', () => desk.call((api, o) => api.hotel.rooms.query(ref, o)));
    if (!board) return;
    const dirty = new Set(board.rooms.filter((r) => r.active && r.housekeeping === 'dirty').map((r) => r.id));
    for (const id of this.dirtySince.keys()) if (!dirty.has(id)) this.dirtySince.delete(id);
    for (const id of dirty) {
      const since = this.dirtySince.get(id);
      if (since === undefined) this.dirtySince.set(id, this.simElapsed);
      else if (this.simElapsed - since >= CLEAN_AFTER_SIM_MIN) {
        const done = await this.guarded('clean', () =>
          desk.call((api, o) => api.hotel.markRoom.mutate({ venueId: ref.venueId, roomId: id, state: 'clean' }, o)),
        );
        if (done) {
          stats.desk.cleaned++;
          this.dirtySince.delete(id);
        }
      }
    }
  }

  /** Runs one desk step; a failure is counted, logged throttled by its kind, and the stay held back a while. */
  private async guarded<T>(what: string, step: () => Promise<T>): Promise<T | undefined> {
    try {
      return await step();
    } catch (err) {
      this.failed(what, err);
      const stayId = Number(what.split(':')[1]);
      if (stayId) this.held.set(stayId, Date.now() + HOLD_AFTER_FAILURE_MS);
      return undefined;
    }
  }

  private failed(what: string, err: unknown): void {
    const code = deskErrorCode(err);
    const kind = what.split(':')[0];
    this.deps.stats.desk.errors++;
    this.deps.tlog.say(`desk:${kind}:${code}`, `front desk ${kind} failed: ${code}: ${(err as Error).message}`);
  }
}
