import { setTimeout as sleep } from 'node:timers/promises';
import { DEMO_VENUE } from '../../db/seed/demo-venue.ts';
import type { TCatalog, TCatalogType, TOrderInput, TOrderResponse } from '../../lib/schemas/order.ts';
import { addDays, minutesOf, type TLocalTime } from '../../lib/venue-time.ts';
import type { ChannelClient, ChannelResult } from './channel-client.ts';
import { msUntilLocalMinute, slotWindow, type SimClock } from './clock.ts';
import {
  amountFen,
  buildOrder,
  chooseSlot,
  expo,
  fakeCustomer,
  fakeGuide,
  fitToCatalog,
  planGroup,
  planParty,
  randomInt,
  slotNeed,
  type ChannelProfile,
  type PartyPlan,
  type SellingNow,
  type TSlot,
} from './orders.ts';
import { skiSellable, withinWindow } from './routes.ts';
import type { SimStats, ThrottledLog } from './stats.ts';
import { EARLY_P, REFUNDED_SHOW_UP_P, type Party, type Person, type Visitors } from './visitors.ts';

/** A catalog is fetched again after this long (ms): other channels sell from the same quotas. */
const CATALOG_MAX_AGE_MS = 30_000;
/** Share of orders sent a second time under the same ref (the answer was lost on the way back). */
const REPLAY_P = 0.02;
/** Share of orders refunded right after the sale (change of plans). */
const REFUND_P = 0.01;
/** A request without an answer is sent again (same ref) at most this often. */
const MAX_RESENDS = 2;
/** Pause of a channel after an error it cannot fix by itself (ms). */
const ERROR_BACKOFF_MS = 10_000;
/** Mean time from a tour group's booking to its coach at the gate (simulated minutes): agencies book on the way. */
const GROUP_ARRIVAL_SIM_MIN = 30;
/** Share of tour groups booked for a later day (not walked today). */
const GROUP_ADVANCE_P = 0.08;
/** Of today's tour groups, the share booked for the next slot rather than the one admitting now. */
const GROUP_NEXT_SLOT_P = 0.1;
/** Night tickets are sold until this long before the session ends (real minutes), and their holders leave this long before it. */
const NIGHT_LAST_SALE_MIN = 30;
const NIGHT_LEAVE_BEFORE_END_MIN = 3;
/** In real time (speed 1): the demo's night session (17:00–22:00) and how busy it is, of the morning peak. */
const NIGHT_SESSION_MIN: [number, number] = [17 * 60, 22 * 60];
const NIGHT_LEVEL = 0.2;

/** Today's and later catalogs, shared by the channels, refreshed every 30 s and after a sold-out answer. */
export class Catalogs {
  private readonly cache = new Map<string, { at: number; catalog: TCatalog }>();
  private readonly inflight = new Map<string, Promise<ChannelResult<TCatalog>>>();
  /** The server's business day when it differs from ours (its day reset is not the default 04:00). */
  private serverDay: { local: string; server: string } | undefined;

  /** The visit date that is "today" at the venue for a local business day. */
  today(localDay: string): string {
    return this.serverDay?.local === localDay ? this.serverDay.server : localDay;
  }

  async get(client: ChannelClient, date: string): Promise<ChannelResult<TCatalog>> {
    const c = this.cache.get(date);
    if (c && Date.now() - c.at < CATALOG_MAX_AGE_MS) return { ok: true, status: 200, body: c.catalog };
    let p = this.inflight.get(date);
    if (!p) {
      p = client.catalog(date).finally(() => this.inflight.delete(date));
      this.inflight.set(date, p);
    }
    const r = await p;
    if (r.ok) {
      this.cache.set(date, { at: Date.now(), catalog: r.body });
      for (const [d, e] of this.cache) if (Date.now() - e.at > 10 * CATALOG_MAX_AGE_MS) this.cache.delete(d);
    }
    return r;
  }

  /** Learns the server's "today" from its answer to a date it refused ("must be between X and Y"). */
  learnDay(localDay: string, message: string): boolean {
    const m = /between (\d{4}-\d{2}-\d{2}) and/.exec(message);
    if (!m || m[1] === localDay) return false;
    this.serverDay = { local: localDay, server: m[1] };
    return true;
  }

  /** Takes places off the cached catalog after a sale, so the next choice sees them gone. */
  consume(date: string, slot: string | undefined, slotN: number, dayN: number): void {
    const c = this.cache.get(date)?.catalog;
    if (!c) return;
    if (c.remaining !== null) c.remaining = Math.max(0, c.remaining - dayN);
    const s = slot ? c.slots.find((x) => x.start === slot) : undefined;
    if (s) s.remaining = Math.max(0, s.remaining - slotN);
  }

  invalidate(date: string): void {
    this.cache.delete(date);
  }
}

export interface SalesDeps {
  client: ChannelClient;
  profile: ChannelProfile;
  catalogs: Catalogs;
  clock: SimClock;
  stats: SimStats;
  tlog: ThrottledLog;
  visitors: Visitors;
  /** Orders per real minute at the morning peak. */
  ratePerMin: number;
  /** This channel's tour groups per real minute at the busy hours (0: it sells none). */
  groupsPerMin?: number;
  runId: string;
}

const uniform = (a: number, b: number) => a + Math.random() * (b - a);

type TypeTerms = Pick<TCatalogType, 'code' | 'parkEntry' | 'rides' | 'points' | 'entryPolicy'>;

/**
 * Persons of a sold order: one per park ticket, with what the ticket includes (its rides, a points
 * card's points) from the catalog; attraction-only tickets (the ropeway return, `parkEntry` false)
 * go to those whose own ticket does not ride that attraction, in order.
 */
export function personsOf(tickets: TOrderResponse['tickets'], types: readonly TypeTerms[] = []): Person[] {
  const terms = new Map(types.map((t) => [t.code, t]));
  const addOn = (type: string) => terms.get(type)?.parkEntry === false;
  const addOns = tickets.filter((t) => addOn(t.type));
  const persons: Person[] = tickets
    .filter((t) => !addOn(t.type))
    .map((t) => {
      const term = terms.get(t.type);
      const rides = term?.rides?.length
        ? Object.fromEntries(term.rides.map((r) => [r.attraction, r.rides]))
        : undefined;
      return {
        entry: t.code,
        entryType: t.type,
        ...(term?.entryPolicy.kind === 'multi' ? { multiEntry: true } : {}),
        ...(rides ? { rides } : {}),
        ...(term?.points ? { points: term.points } : {}),
      };
    });
  for (const a of addOns) {
    const rides = terms.get(a.type)?.rides?.map((r) => r.attraction) ?? [];
    const p = persons.find((x) => !x.ropeway && !rides.some((r) => x.rides && r in x.rides));
    if (p) p.ropeway = a.code;
  }
  return persons;
}

/**
 * One sales channel's customers: orders arrive as a Poisson process following the day curve; each
 * sold order for today becomes a party of visitors.
 */
export class SalesChannel {
  private counter = 0;
  private backoffUntil = 0;

  constructor(private readonly deps: SalesDeps) {}

  get code(): string {
    return this.deps.client.code;
  }

  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([this.runOrders(signal), this.runGroups(signal), this.runRooms(signal)]);
  }

  /** Lodge rooms, booked through the day whatever the clock (an OTA's hotel guests book at night too). */
  private async runRooms(signal: AbortSignal): Promise<void> {
    const perMin = this.deps.profile.roomsPerMin;
    if (perMin <= 0) return;
    await this.poisson(
      signal,
      60_000 / perMin,
      () => 1,
      () => this.sellRoom(),
    );
  }

  /**
   * One room line (客房) through the channel protocol: tonight mostly, or one of the next three
   * nights, for one or two nights, a type with a room left every night, room only, B&B or the
   * package, priced from the availability's rates as a real OTA would. The package's tickets
   * admit only once the guest has checked in at the lodge, so they make no visitors here.
   */
  private async sellRoom(): Promise<void> {
    const { client, clock, catalogs, profile, stats, tlog } = this.deps;
    const now = Date.now();
    const today = catalogs.today(clock.realLocal(now).day);
    const checkIn = addDays(today, Math.random() < 0.6 ? 0 : randomInt(1, 3));
    const checkOut = addDays(checkIn, randomInt(1, 2));
    const av = await client.hotelAvailability(checkIn, checkOut);
    if (!av.ok) {
      tlog.say(`rooms:${av.code}`, `${this.code}: lodge availability not available: ${av.code}: ${av.message}`);
      this.backoff(av.retryAfterMs ?? ERROR_BACKOFF_MS);
      return;
    }
    const hotel = av.body.hotels[0];
    if (!hotel) return;
    const types = hotel.roomTypes.filter((t) => t.nights.every((n) => n.left > 0));
    if (!types.length) {
      stats.soldOut++;
      tlog.say(`rooms-full:${this.code}`, `${this.code}: the lodge is full from ${checkIn} to ${checkOut}`);
      return;
    }
    const type = types[randomInt(0, types.length - 1)];
    const pkg = hotel.ratePlans.find((p) => p.kind === 'package');
    const others = hotel.ratePlans.filter((p) => p.kind !== 'package');
    const plan = pkg && Math.random() < profile.packageShare ? pkg : others[randomInt(0, others.length - 1)];
    if (!plan) return;
    const adults = randomInt(1, Math.min(2, type.maxAdults));
    const children = type.maxChildren > 0 && Math.random() < 0.3 ? 1 : 0;
    let amount = 0;
    for (const n of type.nights) {
      const r = n.rates.find((x) => x.ratePlan === plan.code);
      if (!r) return;
      amount += r.room + adults * r.perAdult + children * r.perChild;
    }
    const ref = `${this.code}-H${checkIn.replaceAll('-', '')}-${this.deps.runId}${++this.counter}-${Math.random().toString(36).slice(2, 8)}`;
    const res = await this.send({
      ref,
      items: [
        {
          kind: 'room',
          hotel: hotel.code,
          roomType: type.code,
          ratePlan: plan.code,
          checkIn,
          checkOut,
          guests: { adults, children },
        },
      ],
      customer: fakeCustomer(),
      amount: Math.round(amount * 100) / 100,
      paidAt: new Date(now).toISOString(),
    });
    if (!res.ok) return this.failed(res, checkIn);
    stats.orders++;
    stats.tickets += res.body.tickets.length;
    stats.revenueFen += Math.round(amount * 100);
    const stay = res.body.stays?.[0];
    tlog.say(
      `room-sold:${this.code}`,
      `${this.code}: booked a ${type.code} room on ${plan.code} at ${hotel.code} from ${checkIn} for ${stay?.nights ?? '?'} night(s), ${adults + children} guest(s)`,
    );
  }

  private async runOrders(signal: AbortSignal): Promise<void> {
    const { ratePerMin } = this.deps;
    if (ratePerMin <= 0) return;
    // Thinning: candidate orders at the peak rate, each kept with the probability of the current level.
    await this.poisson(
      signal,
      60_000 / ratePerMin,
      () => this.level(),
      () => this.sellOne(false),
    );
  }

  /**
   * Tour groups on a schedule of their own (a share of the orders large enough to be seen made
   * groups most of the visitors): agencies book through the morning and early afternoon.
   */
  private async runGroups(signal: AbortSignal): Promise<void> {
    const perMin = this.deps.groupsPerMin ?? 0;
    if (perMin <= 0) return;
    await this.poisson(
      signal,
      60_000 / perMin,
      () => this.groupLevel(),
      () => this.sellOne(true),
    );
  }

  private async poisson(signal: AbortSignal, meanMs: number, level: () => number, sell: () => Promise<void>) {
    try {
      for (;;) {
        await sleep(expo(meanMs), undefined, { signal });
        if (Date.now() < this.backoffUntil || Math.random() > level()) continue;
        await sell().catch((err: Error) => {
          this.deps.stats.orderErrors++;
          this.deps.tlog.say(`sell:${this.code}`, `${this.code}: ${err.message}`);
        });
      }
    } catch (err) {
      if ((err as Error).name !== 'AbortError') throw err;
    }
  }

  /** Coaches come through the morning and early afternoon (simulated), at half the peak at least. */
  private groupLevel(): number {
    const m = this.deps.clock.simMinute();
    const level = this.level();
    return m >= 8 * 60 && m < 15 * 60 + 30 ? Math.max(0.5, level) : level;
  }

  /** Activity now: walk-up counters close outside the working day when the clock is real. */
  private level(): number {
    const { clock, profile } = this.deps;
    if (clock.speed === 1) {
      // In real time the evening is the night session's: the window stays open for it until it ends.
      const m = clock.realLocal().minute;
      const night = m >= NIGHT_SESSION_MIN[0] && m < NIGHT_SESSION_MIN[1] - NIGHT_LAST_SALE_MIN;
      if (night) return Math.max(NIGHT_LEVEL, clock.level());
      if (profile.walkUp && (m < 7 * 60 + 30 || m > 17 * 60 + 30)) return 0;
    }
    return clock.level();
  }

  private backoff(ms: number): void {
    this.backoffUntil = Math.max(this.backoffUntil, Date.now() + ms);
  }

  private async catalog(date: string, localDay: string): Promise<TCatalog | undefined> {
    const { catalogs, client, tlog } = this.deps;
    let r = await catalogs.get(client, date);
    if (!r.ok && r.code === 'invalid' && date === localDay && catalogs.learnDay(localDay, r.message))
      r = await catalogs.get(client, catalogs.today(localDay));
    if (r.ok) return r.body;
    tlog.say(`catalog:${r.code}`, `${this.code}: catalog for ${date} not available: ${r.code}: ${r.message}`);
    this.backoff(r.retryAfterMs ?? ERROR_BACKOFF_MS);
    return undefined;
  }

  /**
   * What can be sold to this party on `date`: the catalog, the plan fitted to it and a slot; 'full'
   * when the day or every usable slot is sold out; undefined when the catalog is unavailable.
   */
  private async offer(
    date: string,
    today: string,
    local: TLocalTime,
    wanted: PartyPlan,
  ): Promise<{ catalog: TCatalog; plan: PartyPlan; slot?: TSlot } | 'full' | undefined> {
    const { profile } = this.deps;
    const catalog = await this.catalog(date, local.day);
    if (!catalog) return undefined;
    let plan = fitToCatalog(wanted, catalog);
    if (catalog.remaining !== null && catalog.remaining < plan.persons.length) return 'full';
    if (!slotNeed(plan, catalog)) return { catalog, plan };
    const slot = chooseSlot(
      catalog,
      slotNeed(plan, catalog),
      date === today ? local.minute : null,
      plan.kind === 'group' ? GROUP_NEXT_SLOT_P : profile.nextSlotShare,
    );
    if (slot) return { catalog, plan, slot };
    // After the last slot (or with every slot full) the window still sells passes without a slot.
    if (date !== today || !profile.walkUp || plan.kind === 'group' || !catalog.types.some((t) => t.code === 'TWO-DAY'))
      return 'full';
    plan = { kind: 'two-day', persons: plan.persons.map(() => 'TWO-DAY'), ropeway: 0 };
    return { catalog, plan };
  }

  /**
   * What is on sale for today by the clocks: ski passes while the ropeway and the lifts run (and
   * the simulated day has ski hours left), night tickets while their session admits (the server
   * decides their hours on the real clock, and the simulated day ends before the night does).
   */
  private async sellingNow(today: string, local: TLocalTime): Promise<SellingNow> {
    const { clock } = this.deps;
    const hours = (await this.catalog(today, local.day))?.types.find((t) => t.code === 'NIGHT')?.hours;
    return {
      // The way up and a few rides take about two simulated hours; in real minutes that is less the faster the clock.
      ski: skiSellable(DEMO_VENUE.attractions, clock.simMinute(), local.minute, Math.ceil(120 / clock.speed) + 5),
      night: !!hours && withinWindow(hours, local.minute, NIGHT_LAST_SALE_MIN),
    };
  }

  private async sellOne(isGroup: boolean): Promise<void> {
    const { clock, profile, catalogs, stats, tlog } = this.deps;
    const now = Date.now();
    const local = clock.realLocal(now);
    const today = catalogs.today(local.day);
    let date = today;
    const advance = isGroup ? GROUP_ADVANCE_P : profile.advanceShare;
    if (!profile.walkUp && Math.random() < advance) date = addDays(today, randomInt(1, 7));
    const selling = isGroup ? undefined : await this.sellingNow(today, local);
    // Night tickets only for tonight, while the session admits.
    const can = selling ? { ...selling, night: selling.night && date === today } : undefined;
    const wanted = isGroup ? planGroup() : planParty(profile, Math.random, can);
    let offer = await this.offer(date, today, local, wanted);
    if (offer === 'full' && date === today && !profile.walkUp) {
      // Nothing left today: online buyers book tomorrow instead.
      date = addDays(today, 1);
      offer = await this.offer(date, today, local, wanted);
    }
    if (offer === 'full') {
      stats.soldOut++;
      tlog.say(
        `full:${this.code}`,
        `${this.code}: no room for a ${wanted.kind === 'group' ? 'tour group' : 'party'} of ${wanted.persons.length} on ${date}; customers turned away`,
      );
      this.backoff(ERROR_BACKOFF_MS);
      return;
    }
    if (!offer) return;
    const { catalog, plan, slot } = offer;
    const guide = plan.kind === 'group' ? fakeGuide() : undefined;

    const ref = `${this.code}-${date.replaceAll('-', '')}-${this.deps.runId}${++this.counter}-${Math.random().toString(36).slice(2, 8)}`;
    const order = buildOrder({
      ref,
      date,
      plan,
      catalog,
      slot: slot?.start,
      ...(profile.named ? { customer: fakeCustomer(), paidAt: new Date(now).toISOString() } : {}),
      ...(guide ? { group: guide } : {}),
    });
    const res = await this.send(order);
    if (!res.ok) return this.failed(res, date);

    const tickets = res.body.tickets;
    stats.orders++;
    stats.tickets += tickets.length;
    stats.revenueFen += amountFen(
      catalog,
      order.items.flatMap((i) => ('type' in i ? [i] : [])),
    );
    catalogs.consume(date, slot?.start, slotNeed(plan, catalog), plan.persons.length);
    const groupCode = guide ? this.soldGroup(res.body, plan, date, slot, guide) : undefined;

    if (Math.random() < REPLAY_P) await this.replay(order, res.body.orderId);
    let isRefunded = false;
    if (Math.random() < REFUND_P) isRefunded = await this.refund(ref, tickets.length);
    if (date !== today) {
      stats.advance++;
      return;
    }
    if (isRefunded && Math.random() >= REFUNDED_SHOW_UP_P) return;
    if (groupCode && !isRefunded) stats.groups.bookedToday += tickets.length;
    const party = this.party(plan, personsOf(tickets, catalog.types), slot, isRefunded, groupCode, guide);
    const nightEnd = plan.kind === 'night' ? catalog.types.find((t) => t.code === 'NIGHT')?.hours?.to : undefined;
    if (nightEnd)
      party.leaveBy = now + msUntilLocalMinute(clock, minutesOf(nightEnd) - NIGHT_LEAVE_BEFORE_END_MIN, now);
    this.deps.visitors.add(party);
  }

  /** Counts and announces a sold tour group; its group code, or undefined when the answer has none. */
  private soldGroup(
    body: TOrderResponse,
    plan: PartyPlan,
    date: string,
    slot: TSlot | undefined,
    guide: { guideName: string; guidePhone: string },
  ): string | undefined {
    const { stats, tlog } = this.deps;
    stats.groups.orders++;
    if (!body.groupCode) {
      tlog.say(
        `group-code:${this.code}`,
        `${this.code}: group order ${body.orderCode ?? body.orderId} came back without a groupCode; its members scan one by one`,
      );
      return undefined;
    }
    const types = new Map<string, number>();
    for (const p of plan.persons) types.set(p, (types.get(p) ?? 0) + 1);
    tlog.say(
      `group-sold:${body.groupCode}`,
      `${this.code}: sold a tour group of ${plan.persons.length} (${[...types].map(([t, n]) => `${n} ${t}`).join(', ')}) ` +
        `for ${date}${slot ? ` ${slot.start}` : ''}, guide ${guide.guideName} ${guide.guidePhone}, group code ${body.groupCode.slice(0, 8)}…`,
    );
    return body.groupCode;
  }

  /** Sends an order; a lost answer is sent again under the same ref, which the server answers idempotently. */
  private async send(order: TOrderInput): Promise<ChannelResult<TOrderResponse>> {
    let res = await this.deps.client.order(order);
    for (let i = 0; i < MAX_RESENDS && !res.ok && (res.code === 'timeout' || res.code === 'network'); i++) {
      await sleep(2_000);
      res = await this.deps.client.order(order);
    }
    return res;
  }

  private failed(res: Extract<ChannelResult<unknown>, { ok: false }>, date: string): void {
    const { stats, tlog, catalogs } = this.deps;
    if (res.code === 'sold_out') {
      stats.soldOut++;
      catalogs.invalidate(date);
      tlog.say(`sold_out:${this.code}`, `${this.code}: ${res.message}`);
      this.backoff(uniform(3_000, 10_000));
    } else if (res.code === 'rate_limited') {
      stats.rateLimited++;
      const wait = res.retryAfterMs ?? 5_000;
      tlog.say(`429:${this.code}`, `${this.code}: rate limited; pausing ${Math.round(wait / 1000)}s (${res.message})`);
      this.backoff(wait);
    } else {
      stats.orderErrors++;
      tlog.say(
        `order:${this.code}:${res.code}`,
        `${this.code}: order failed: ${res.status ?? ''} ${res.code}: ${res.message}`,
      );
      this.backoff(res.retryAfterMs ?? (res.code === 'network' || res.code === 'timeout' ? ERROR_BACKOFF_MS : 2_000));
    }
  }

  /** The same order again, as after a lost answer: it must come back as the same order, selling nothing. */
  private async replay(order: TOrderInput, orderId: number): Promise<void> {
    const { stats, tlog, client } = this.deps;
    const again = await client.order(order);
    const isHttpReplay = client.transport !== 'http' || (again.ok && again.status === 200);
    if (again.ok && again.body.orderId === orderId && isHttpReplay) stats.replays++;
    else {
      stats.replayMismatches++;
      const got = again.ok ? `status ${again.status}, order ${again.body.orderId}` : `${again.code}: ${again.message}`;
      tlog.say(
        `replay:${this.code}`,
        `${this.code}: order ${order.ref} sent again got ${got}; expected 200 with order ${orderId}`,
      );
    }
  }

  private async refund(ref: string, ticketCount: number): Promise<boolean> {
    const { stats, tlog, client } = this.deps;
    const r = await client.refund(ref);
    if (!r.ok) {
      stats.orderErrors++;
      tlog.say(`refund:${r.code}`, `${this.code}: refund of ${ref} failed: ${r.code}: ${r.message}`);
      return false;
    }
    stats.refunds++;
    stats.refundedTickets += r.body.refunded.length;
    if (r.body.refunded.length !== ticketCount)
      tlog.say(
        `refund-count:${this.code}`,
        `${this.code}: refund of ${ref} returned ${r.body.refunded.length} of ${ticketCount} unused tickets`,
      );
    return true;
  }

  /** When the party comes: soon for walk-ups, within the slot window (real time: the server checks it) for the rest. */
  private party(
    plan: PartyPlan,
    persons: Person[],
    slot: TSlot | undefined,
    isRefunded: boolean,
    groupCode?: string,
    guide?: { guideName: string },
  ): Party {
    const { clock, profile } = this.deps;
    const now = Date.now();
    let arriveAt = now + 2_000 + clock.realMs(expo(groupCode ? GROUP_ARRIVAL_SIM_MIN : profile.arrivalSimMin));
    let earlyUntil: number | undefined;
    let lastAt: number | undefined;
    if (slot) {
      const w = slotWindow(slot);
      const openAt = now + msUntilLocalMinute(clock, w.from, now);
      const closeAt = now + msUntilLocalMinute(clock, w.to, now) - 60_000;
      if (arriveAt < openAt) {
        // Booked a later slot: most come around its start, a few too early.
        arriveAt = Math.min(closeAt, openAt + expo(Math.min(15 * 60_000, (closeAt - openAt) / 3)));
        if (Math.random() < EARLY_P) {
          earlyUntil = openAt;
          arriveAt = Math.max(now + 2_000, openAt - uniform(3, 20) * 60_000);
        }
      }
      if (arriveAt > closeAt) arriveAt = uniform(Math.max(now, openAt), Math.max(now, closeAt));
      lastAt = closeAt;
    }
    return {
      channel: this.code,
      kind: plan.kind,
      persons,
      arriveAt,
      ...(earlyUntil ? { earlyUntil } : {}),
      ...(lastAt ? { lastAt } : {}),
      ...(isRefunded ? { refunded: true } : {}),
      ...(groupCode ? { group: { code: groupCode, guide: guide?.guideName ?? '' } } : {}),
    };
  }
}
