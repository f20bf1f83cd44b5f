import { createHash } from 'node:crypto';
import type { Queryable } from '../../db/client.ts';
import { type ChannelRow, findChannel } from '../../db/queries/channels.ts';
import { findOpenShift } from '../../db/queries/front-desk.ts';
import {
  deleteAssignments,
  endAssignmentsAt,
  ensureInventory,
  findBlock,
  findFolioLine,
  findHotel,
  findPaymentWithRefunds,
  findRatePlan,
  findRoom,
  findStay,
  folioBalance,
  freeRooms,
  idOrderByFirstGuest,
  type HotelRow,
  insertAssignment,
  insertBlock,
  insertFolioLines,
  insertPayment,
  insertStay,
  isOutOfOrder,
  linkTicketsToStay,
  listAssignments,
  listBlocks,
  listFolio,
  listGuests,
  listHotels,
  listRatePlans,
  listRooms,
  listRoomTypes,
  listStays,
  lockStayTickets,
  nameStayTickets,
  type NewFolioLine,
  type NightAuditRow,
  type RatePlanRow,
  readAvailability,
  releaseBlockRow,
  replaceGuests,
  returnRoomNights,
  type RoomTypeRow,
  setHousekeeping,
  shiftOutOfOrder,
  type StayRow,
  takeRoomNight,
  transitionStay,
  updateStay,
  listStayPasses,
  listStayTickets,
  orderChannelId,
} from '../../db/queries/hotel.ts';
import { bumpDailyCounters, readVenueClock } from '../../db/queries/scans.ts';
import {
  ensureQuotas,
  findOrder,
  insertOrder,
  insertSalesEvents,
  insertTickets,
  isHoliday,
  listTicketTypes,
  type NewTicket,
  quotaIds,
  type SalesEventRow,
  setOrderResponse,
  takeQuota,
  type TicketTypeRow,
} from '../../db/queries/sales.ts';
import { AppError, parseInput } from '../../lib/errors.ts';
import {
  balanceOf,
  cancellationFee,
  dayKindOf,
  firstNightFen,
  isReadyForGuest,
  laterDate,
  localInstant,
  nightsOf,
  noShowFee,
  rateFor,
  STAY_TRANSITIONS,
  type TNightRate,
  type TStayTransition,
} from '../../lib/hotel/rules.ts';
import { maskIdCard } from '../../lib/id-card.ts';
import enOrders from '../../lib/i18n/messages/front-desk/orders.en.json' with { type: 'json' };
import zhOrders from '../../lib/i18n/messages/front-desk/orders.zh-CN.json' with { type: 'json' };
import type { TPayment, TPaymentMethod } from '../../lib/schemas/front-desk.ts';
import {
  ZAssignRoom,
  ZAvailability,
  ZBlockRoom,
  ZBooking,
  ZCancel,
  ZCheckIn,
  ZCheckOut,
  ZDepartEarly,
  ZExtend,
  ZHotelRef,
  ZMarkRoom,
  ZMoveRoom,
  ZPostCorrection,
  ZPostExtra,
  ZPostPayment,
  ZPostRefund,
  ZReleaseBlock,
  ZRevert,
  ZStayRef,
} from '../../lib/schemas/hotel.ts';
import { newTicketCode } from '../../lib/ticket-code.ts';
import { addDays, localTime } from '../../lib/venue-time.ts';
import type { Runtime } from '../runtime.ts';
import type { TActor } from './actor.ts';
import { audit } from './audit.ts';
import { verifySupervisor } from './front-desk.ts';
import { placeInLodge } from './lodge.ts';
import { BOOKING_HORIZON_DAYS, dayKind, newOrderCode, priceFor, recordRefund, validityFor } from './sales.ts';
import { fen, yuan } from '../../lib/fen.ts';

/**
 * The hotel front desk (酒店前台) on the park's own data: a reservation is an order of the hotel
 * desk's window channel (or an OTA's), its payments are payments rows on the desk's open shift, a
 * package's park tickets are tickets of that order, and every change is a row of the one audit log.
 * Availability is enforced by the database (db/migrations/0017_hotel.sql): the per-night inventory
 * is taken with conditional updates and a room's nights by an exclusion constraint. docs/hotel.md.
 */

/** Payment methods as the folio's zh and en lines name them (the desk's own words for them). */
const METHOD_ZH: Record<TPaymentMethod, string> = zhOrders.methods;
const METHOD_EN: Record<TPaymentMethod, string> = enOrders.methods;

/** What a service needs of the runtime: the database, ID-card crypto and (supervisors) the rate limiter. */
export type HotelRuntime = Pick<Runtime, 'db'> & Partial<Pick<Runtime, 'sales' | 'shared' | 'ingest' | 'logger'>>;

/** The ID-card crypto, needed only where an ID number is given (the demo seed books without). */
function idCryptoOf(rt: HotelRuntime) {
  if (!rt.sales) throw new AppError('internal', 'ID numbers cannot be stored here: no ID-card key is loaded');
  return rt.sales.idCrypto;
}

/** A hotel of this venue; another venue's (or none) is not found, so ids of other venues say nothing. */
export async function hotelOf(db: Queryable, venueId: number, hotelId: number, forUpdate = false): Promise<HotelRow> {
  const h = await findHotel(db, hotelId, forUpdate);
  if (!h || h.venue_id !== venueId) throw new AppError('not_found', `hotel ${hotelId} does not exist at this venue`);
  return h;
}

async function stayOf(db: Queryable, venueId: number, stayId: number, forUpdate = false): Promise<StayRow> {
  const s = await findStay(db, stayId, forUpdate);
  if (!s || s.venue_id !== venueId) throw new AppError('not_found', `stay ${stayId} does not exist at this venue`);
  return s;
}

async function roomOf(db: Queryable, hotelId: number, roomId: number, forUpdate = false) {
  const r = await findRoom(db, roomId, forUpdate);
  if (!r || r.hotel_id !== hotelId) throw new AppError('not_found', `room ${roomId} is not a room of this hotel`);
  if (!r.active) throw new AppError('conflict', `room ${r.number} is not in use`);
  return r;
}

/** Changes a stay in one transaction holding its row lock, then answers the stay as it is now. */
async function changeStay(
  rt: HotelRuntime,
  venueId: number,
  stayId: number,
  fn: (tx: Queryable, s: StayRow) => Promise<void>,
) {
  await rt.db.transaction(async (tx) => fn(tx, await stayOf(tx, venueId, stayId, true)));
  return stayDetail(rt.db, venueId, stayId);
}

/** A room of a hotel of this venue, locked (housekeeping, blocks). */
async function roomAtVenue(tx: Queryable, venueId: number, roomId: number) {
  const room = await findRoom(tx, roomId, true);
  const h = room ? await findHotel(tx, room.hotel_id) : undefined;
  if (!room || h?.venue_id !== venueId) throw new AppError('not_found', `room ${roomId} does not exist at this venue`);
  return room;
}

/** Refuses a change the state table does not allow (lib/hotel/rules.ts). */
function expectState(stay: StayRow, t: TStayTransition): void {
  const { from } = STAY_TRANSITIONS[t];
  if (stay.state !== from)
    throw new AppError('conflict', `stay ${stay.id} is ${stay.state}: ${t.replace(/_/g, ' ')} needs it ${from}`);
}

/** Makes a transition with its guarded UPDATE: a desk that lost a race is told, nothing is half done. */
async function transition(
  tx: Queryable,
  stay: StayRow,
  t: TStayTransition,
  set: Parameters<typeof transitionStay>[4] = {},
): Promise<void> {
  const { from, to } = STAY_TRANSITIONS[t];
  if (!(await transitionStay(tx, stay.id, from, to, set)))
    throw new AppError('conflict', `stay ${stay.id} changed meanwhile; reload it`);
}

/** The caller's open shift at this venue, if any: payments taken at the desk count in its drawer. */
async function deskShiftId(db: Queryable, actor: TActor, venueId: number): Promise<number | null> {
  if (actor.kind !== 'user' || !actor.id) return null;
  const s = await findOpenShift(db, { userId: actor.id });
  return s && s.venue_id === venueId ? s.id : null;
}

/** Records a payment on the order and its folio line (deposit or payment), on the desk's shift. */
async function takePayment(
  tx: Queryable,
  actor: TActor,
  stay: { id: number; order_id: number; hotel_id: number },
  p: TPayment,
  o: { kind: 'payment' | 'deposit'; businessDate: string; shiftId: number | null },
): Promise<number> {
  const paymentId = await insertPayment(tx, {
    orderId: stay.order_id,
    shiftId: o.shiftId,
    method: p.method,
    amountFen: fen(p.amount),
    tenderedFen: p.method === 'cash' && p.tendered !== undefined ? fen(p.tendered) : null,
    changeFen: p.method === 'cash' && p.tendered !== undefined ? fen(p.tendered) - fen(p.amount) : null,
    reference: p.reference ?? null,
    refundOf: null,
    userId: actor.id ?? null,
  });
  await insertFolioLines(tx, [
    {
      hotelId: stay.hotel_id,
      stayId: stay.id,
      businessDate: o.businessDate,
      kind: o.kind,
      descriptionZh: o.kind === 'deposit' ? `押金（${METHOD_ZH[p.method]}）` : `付款（${METHOD_ZH[p.method]}）`,
      descriptionEn: o.kind === 'deposit' ? `Deposit (${METHOD_EN[p.method]})` : `Payment (${METHOD_EN[p.method]})`,
      amountFen: -fen(p.amount),
      paymentId,
      userId: actor.id ?? null,
    },
  ]);
  return paymentId;
}

// ---------------------------------------------------------------------------------------------
// Catalog and availability

/** The venue's hotels with their room types and rate plans (the desk's booking form starts here). */
export async function listHotelCatalog(db: Queryable, venueId: number) {
  const hotels = await listHotels(db, venueId);
  return Promise.all(
    hotels.map(async (h) => ({
      id: h.id,
      code: h.code,
      nameZh: h.name_zh,
      nameEn: h.name_en,
      businessDate: h.business_date,
      checkInTime: h.check_in_time,
      checkOutTime: h.check_out_time,
      roomTypes: (await listRoomTypes(db, h.id)).map((t) => ({
        id: t.id,
        code: t.code,
        nameZh: t.name_zh,
        nameEn: t.name_en,
        maxAdults: t.max_adults,
        maxChildren: t.max_children,
        bed: t.bed,
        rate: yuan(t.rate_fen),
        weekendRate: t.weekend_rate_fen === null ? null : yuan(t.weekend_rate_fen),
        holidayRate: t.holiday_rate_fen === null ? null : yuan(t.holiday_rate_fen),
      })),
      ratePlans: (await listRatePlans(db, h.id))
        .filter((p) => p.active)
        .map((p) => ({
          id: p.id,
          code: p.code,
          nameZh: p.name_zh,
          nameEn: p.name_en,
          kind: p.kind,
          freeCancelHours: p.free_cancel_hours,
          cancelFeePct: p.cancel_fee_pct,
          noShowFeePct: p.no_show_fee_pct,
        })),
    })),
  );
}

/** Rooms left per type and night of [from, to): rooms − out of order − booked (never below 0). */
export async function availability(db: Queryable, venueId: number, input: unknown) {
  const i = parseInput(ZAvailability, input, 'availability');
  // One statement: the types, their nights and the venue check together (every type has a row per
  // night, from < to). No rows: the hotel is not this venue's (hotelOf says so) or has no types.
  const rows = await readAvailability(db, i.hotelId, i.from, i.to, venueId);
  if (!rows.length) await hotelOf(db, venueId, i.hotelId);
  const types: { code: string; nights: typeof rows }[] = [];
  for (const r of rows) {
    const last = types.at(-1);
    if (last && last.nights[0].type_id === r.type_id) last.nights.push(r);
    else types.push({ code: r.type_code, nights: [r] });
  }
  return {
    hotelId: i.hotelId,
    from: i.from,
    to: i.to,
    types: types.map((t) => ({
      code: t.code,
      nights: t.nights.map((r) => ({
        night: r.night,
        rooms: r.rooms,
        outOfOrder: r.out_of_order,
        booked: r.booked,
        left: Math.max(r.rooms - r.out_of_order - r.booked, 0),
      })),
    })),
  };
}

/**
 * Per rate plan and night of a hotel's type, what a booking is priced at (quoteNights, as a booking
 * quotes it): the room's rate, and the plan's part per adult and per child (breakfast, or a
 * package's tickets at that day's price), so a channel computes an order's amount exactly.
 */
export async function ratesPerGuest(db: Queryable, hotel: HotelRow, type: RoomTypeRow, nights: string[]) {
  const plans = (await listRatePlans(db, hotel.id)).filter((p) => p.active);
  const ticketTypes = await listTicketTypes(db, hotel.venue_id);
  const out = new Map<string, { ratePlan: string; room: number; perAdult: number; perChild: number }[]>();
  for (const plan of plans) {
    const pkg = packageTypes(plan, ticketTypes);
    const [adult, child] = await Promise.all([
      quoteNights(db, hotel.venue_id, type, plan, pkg, { adults: 1, children: 0 }, nights),
      quoteNights(db, hotel.venue_id, type, plan, pkg, { adults: 0, children: 1 }, nights),
    ]);
    for (const [k, night] of nights.entries()) {
      const list = out.get(night) ?? [];
      list.push({
        ratePlan: plan.code,
        room: yuan(adult[k].room),
        perAdult: yuan(adult[k].plan),
        perChild: yuan(child[k].plan),
      });
      out.set(night, list);
    }
  }
  return { plans, byNight: out };
}

// ---------------------------------------------------------------------------------------------
// Booking (预订)

/** Canonical form of a booking: the same ref must come with exactly this again. */
function bookingHash(b: ReturnType<typeof ZBooking.parse>): string {
  const canonical = [
    b.hotelId,
    b.roomType,
    b.ratePlan,
    b.checkIn,
    b.checkOut,
    b.adults,
    b.children,
    b.guest.name,
    b.guest.phone,
    b.guest.idNumber ?? null,
    b.payments.map((p) => [p.method, fen(p.amount), p.reference ?? null]),
  ];
  return createHash('sha256').update(JSON.stringify(canonical)).digest('base64url');
}

/** A package's included ticket types, checked once: no slot types (a stay has no time slot). */
function packageTypes(plan: RatePlanRow, types: TicketTypeRow[]): { adult: TicketTypeRow[]; child: TicketTypeRow[] } {
  if (plan.kind !== 'package') return { adult: [], child: [] };
  const byId = new Map(types.map((t) => [t.id, t]));
  const pick = (id: number) => {
    const t = byId.get(id);
    if (!t?.active) throw new AppError('conflict', `rate plan ${plan.code} includes a ticket type that is not on sale`);
    if (t.slot_required || t.bundle)
      throw new AppError('internal', `rate plan ${plan.code}: ${t.code} needs a time slot or is a bundle`);
    return t;
  };
  const adult = plan.ticket_type_ids.map(pick);
  return { adult, child: plan.child_ticket_type_id ? [pick(plan.child_ticket_type_id)] : adult };
}

/** The nights' rates as quoted now: the room by day kind, the plan's breakfast or tickets per guest. */
async function quoteNights(
  db: Queryable,
  venueId: number,
  type: RoomTypeRow,
  plan: RatePlanRow,
  pkg: { adult: TicketTypeRow[]; child: TicketTypeRow[] },
  guests: { adults: number; children: number },
  nights: string[],
): Promise<TNightRate[]> {
  const holidays = new Set<string>();
  for (const n of nights) if (await isHoliday(db, venueId, n)) holidays.add(n);
  const out: TNightRate[] = [];
  for (const night of nights) {
    let planFen = 0;
    if (plan.kind === 'breakfast') planFen = plan.breakfast_fen * (guests.adults + guests.children);
    if (plan.kind === 'package') {
      // Tickets price the day as the ticket window does (sales.ts dayKind), not as the room does.
      const k = await dayKind(db, venueId, night);
      planFen =
        guests.adults * pkg.adult.reduce((s, t) => s + priceFor(t, k), 0) +
        guests.children * pkg.child.reduce((s, t) => s + priceFor(t, k), 0);
    }
    out.push({ night, room: rateFor(type, dayKindOf(night, holidays)), plan: planFen });
  }
  return out;
}

/**
 * Issues a package's park tickets for these days, one per guest per included type per day, drawing
 * on the day quotas like any ticket (all or nothing: a full day is `sold_out`), as sales events of
 * the reservation's order. Guests are numbered adults first; check-in names the tickets.
 */
async function issuePackageTickets(
  tx: Queryable,
  o: {
    venueId: number;
    channelId: number;
    orderId: number;
    stayId: number;
    today: string;
    now: Date;
    adults: number;
    children: number;
    pkg: { adult: TicketTypeRow[]; child: TicketTypeRow[] };
    days: string[];
  },
): Promise<number> {
  const tickets: NewTicket[] = [];
  const guestNos: number[] = [];
  const need = new Map<number, { n: number; day: string }>();
  for (const day of o.days) {
    await ensureQuotas(tx, o.venueId, day);
    const q = await quotaIds(tx, o.venueId, day);
    const k = await dayKind(tx, o.venueId, day);
    for (let g = 1; g <= o.adults + o.children; g++) {
      for (const t of g <= o.adults ? o.pkg.adult : o.pkg.child) {
        const v = validityFor(t, day);
        if (!v) throw new AppError('conflict', `${t.code} is not valid on ${day}`);
        const ids: number[] = [];
        if (t.draws_day_quota && q.day !== undefined) {
          ids.push(q.day);
          const e = need.get(q.day) ?? { n: 0, day };
          e.n++;
          need.set(q.day, e);
        }
        tickets.push({
          orderId: o.orderId,
          venueId: o.venueId,
          typeId: t.id,
          bundleTypeId: null,
          code: newTicketCode(),
          visitDate: day,
          validFrom: day,
          validTo: day,
          slotStart: null,
          slotEnd: null,
          quotaIds: ids,
          priceFen: priceFor(t, k),
        });
        guestNos.push(g);
      }
    }
  }
  for (const [quotaId, { n, day }] of [...need.entries()].sort((a, b) => a[0] - b[0])) {
    const r = await takeQuota(tx, quotaId, n);
    if (!r.ok) throw new AppError('sold_out', `sold out: park tickets for ${day} have ${r.left} place(s) left`);
  }
  const ids = await insertTickets(tx, tickets);
  await linkTicketsToStay(tx, o.stayId, ids, guestNos);
  const events = new Map<string, SalesEventRow>();
  for (const t of tickets) {
    const key = `${t.typeId}:${t.visitDate}`;
    const e = events.get(key) ?? {
      at: o.now,
      venueId: o.venueId,
      channelId: o.channelId,
      orderId: o.orderId,
      typeId: t.typeId,
      kind: 'sale' as const,
      qty: 0,
      amountFen: 0,
      visitDate: t.visitDate,
    };
    e.qty++;
    e.amountFen += t.priceFen;
    events.set(key, e);
  }
  await insertSalesEvents(tx, [...events.values()]);
  const value = tickets.reduce((s, t) => s + t.priceFen, 0);
  await bumpDailyCounters(tx, [{ venueId: o.venueId, day: o.today, sold: tickets.length, revenueFen: value }]);
  return tickets.length;
}

/** Takes one room of the type for every night, in date order; the first full night is `sold_out`. */
async function takeNights(tx: Queryable, type: RoomTypeRow, nights: string[]): Promise<void> {
  await ensureInventory(tx, type.id, nights);
  for (const night of nights) {
    const r = await takeRoomNight(tx, type.id, night);
    if (!r.ok)
      throw new AppError('sold_out', `sold out: ${type.code} has no room left on the night of ${night}`, {
        nights: [night],
      });
  }
}

/** A stay planned before its order's transaction: checked against the hotel's rules and quoted. */
export interface TPlannedStay {
  type: RoomTypeRow;
  plan: RatePlanRow;
  checkIn: string;
  checkOut: string;
  adults: number;
  children: number;
  nights: string[];
  pkg: { adult: TicketTypeRow[]; child: TicketTypeRow[] };
  rates: TNightRate[];
  /** The room nights and the plan's part (breakfast, a package's tickets) for every night. */
  totalFen: number;
}

/**
 * Checks a stay against the hotel (type, plan on sale, guests the type sleeps, arrival from the
 * hotel's business date to the booking horizon) and quotes its nights, before any transaction.
 * `at` prefixes the fields of the errors (`items.2.` for a channel order's line).
 */
export async function planStay(
  db: Queryable,
  hotel: HotelRow,
  s: { roomType: string; ratePlan: string; checkIn: string; checkOut: string; adults: number; children: number },
  at = '',
  guestsAt = at,
): Promise<TPlannedStay> {
  const venueId = hotel.venue_id;
  const type = (await listRoomTypes(db, hotel.id)).find((t) => t.code === s.roomType);
  if (!type)
    throw new AppError('invalid', `${at}roomType: ${s.roomType} is not a room type of ${hotel.code}`, {
      [`${at}roomType`]: ['unknown'],
    });
  const plan = (await listRatePlans(db, hotel.id)).find((p) => p.code === s.ratePlan && p.active);
  if (!plan)
    throw new AppError('invalid', `${at}ratePlan: ${s.ratePlan} is not on sale at ${hotel.code}`, {
      [`${at}ratePlan`]: ['unknown'],
    });
  if (s.adults > type.max_adults || s.children > type.max_children)
    throw new AppError('invalid', `${type.code} sleeps ${type.max_adults} adults and ${type.max_children} children`, {
      [s.adults > type.max_adults ? `${guestsAt}adults` : `${guestsAt}children`]: [
        `at most ${s.adults > type.max_adults ? type.max_adults : type.max_children}`,
      ],
    });
  const today = hotel.business_date;
  if (s.checkIn < today || s.checkIn > addDays(today, BOOKING_HORIZON_DAYS))
    throw new AppError(
      'invalid',
      `${at}checkIn: must be between ${today} and ${addDays(today, BOOKING_HORIZON_DAYS)}`,
      { [`${at}checkIn`]: ['out of range'] },
    );
  const nights = nightsOf(s.checkIn, s.checkOut);
  const pkg = packageTypes(plan, await listTicketTypes(db, venueId));
  const rates = await quoteNights(db, venueId, type, plan, pkg, s, nights);
  return {
    type,
    plan,
    checkIn: s.checkIn,
    checkOut: s.checkOut,
    adults: s.adults,
    children: s.children,
    nights,
    pkg,
    rates,
    totalFen: rates.reduce((sum, r) => sum + r.room + r.plan, 0),
  };
}

/**
 * Books a planned stay inside the transaction of the order it belongs to (the desk's booking, or a
 * channel's order beside its tickets): takes every night (the first full one is `sold_out`, and the
 * caller's transaction rolls back whole), writes the stay and issues a package's tickets. The caller
 * writes the order, its response and the audit row.
 */
export async function bookStayInOrder(
  tx: Queryable,
  o: {
    channelId: number;
    orderId: number;
    hotel: HotelRow;
    planned: TPlannedStay;
    now: Date;
    /** The caller took the nights already (takeStayNights: an order of several rooms takes all first). */
    nightsTaken?: boolean;
  },
): Promise<{ stayId: number; tickets: number }> {
  const { planned: p, hotel } = o;
  const venueId = hotel.venue_id;
  if (!o.nightsTaken) await takeStayNights(tx, p);
  const stayId = await insertStay(tx, {
    orderId: o.orderId,
    venueId,
    hotelId: hotel.id,
    typeId: p.type.id,
    ratePlanId: p.plan.id,
    checkIn: p.checkIn,
    checkOut: p.checkOut,
    adults: p.adults,
    children: p.children,
    rates: p.rates,
  });
  const tickets =
    p.plan.kind === 'package'
      ? await issuePackageTickets(tx, {
          venueId,
          channelId: o.channelId,
          orderId: o.orderId,
          stayId,
          today: localToday(o.now, await readVenueClock(tx, venueId)),
          now: o.now,
          adults: p.adults,
          children: p.children,
          pkg: p.pkg,
          days: p.nights,
        })
      : 0;
  return { stayId, tickets };
}

/** Takes one room of the planned stay's type for each of its nights (`sold_out` naming the first full one). */
export function takeStayNights(tx: Queryable, p: TPlannedStay): Promise<void> {
  return takeNights(tx, p.type, p.nights);
}

export interface TBookOptions {
  /** The channel the order is of (an OTA's, later); default the hotel desk's window. */
  channel?: ChannelRow;
  now?: Date;
}

/**
 * Books a stay at the desk (walk-in, phone; a channel's rooms come with its order, sales.ts
 * placeOrder, through planStay and bookStayInOrder as here): all nights or nothing, never oversold, idempotent
 * by the caller's ref on the order's channel as the window sale is. The reservation is an order
 * (customer name, phone, ID blind index: the order desk's search finds it); a package's tickets are
 * issued now, one per guest per day. A deposit given with the booking goes on the folio and the shift.
 */
export async function book(rt: HotelRuntime, actor: TActor, venueId: number, input: unknown, opts: TBookOptions = {}) {
  const i = parseInput(ZBooking, input, 'booking');
  const { db } = rt;
  const hotel = await hotelOf(db, venueId, i.hotelId);
  const channel = opts.channel ?? (await findChannel(db, hotel.channel_id));
  if (!channel || channel.venue_id !== venueId)
    throw new AppError('internal', `hotel ${hotel.code} has no desk channel`);
  const hash = bookingHash(i);
  const known = await findOrder(db, channel.id, i.ref);
  if (known) return answerKnown(db, venueId, known, hash, i.ref);

  const planned = await planStay(db, hotel, i);
  const totalFen = planned.totalFen;
  const now = opts.now ?? new Date();
  const shiftId = await deskShiftId(db, actor, venueId);
  const id = i.guest.idNumber;
  const idCrypto = id ? idCryptoOf(rt) : undefined;
  const code = newOrderCode();

  const stayId = await db.transaction(async (tx) => {
    const orderId = await insertOrder(tx, {
      venueId,
      channelId: channel.id,
      ref: i.ref,
      requestHash: hash,
      amountFen: totalFen,
      customerName: i.guest.name,
      customerPhone: i.guest.phone,
      idEnc: id && idCrypto ? idCrypto.encrypt(id) : null,
      idBidx: id && idCrypto ? idCrypto.blindIndex(id) : null,
      idMasked: id ? maskIdCard(id) : null,
      idTails: id && idCrypto ? idCrypto.tailIndexes(id).map((b) => b.toString('hex')) : null,
      paidAt: null,
      code,
      shiftId,
      userId: actor.kind === 'user' ? (actor.id ?? null) : null,
    });
    // The same ref at the same moment from a second desk: its twin won the insert.
    if (orderId === undefined) return null;
    const { stayId: sid, tickets } = await bookStayInOrder(tx, {
      channelId: channel.id,
      orderId,
      hotel,
      planned,
      now,
    });
    for (const p of i.payments)
      await takePayment(tx, actor, { id: sid, order_id: orderId, hotel_id: hotel.id }, p, {
        kind: 'deposit',
        businessDate: hotel.business_date,
        shiftId,
      });
    await setOrderResponse(tx, orderId, { orderId, orderCode: code, stayId: sid });
    await audit(tx, actor, {
      action: 'hotel.book',
      venueId,
      subjectKind: 'stay',
      subjectId: sid,
      after: {
        order: code,
        hotel: hotel.code,
        roomType: planned.type.code,
        ratePlan: planned.plan.code,
        checkIn: i.checkIn,
        checkOut: i.checkOut,
        adults: i.adults,
        children: i.children,
        amount: yuan(totalFen),
        tickets,
        payments: i.payments.map((p) => ({ method: p.method, amount: p.amount })),
      },
    });
    return sid;
  });
  if (stayId === null) {
    const again = await findOrder(db, channel.id, i.ref);
    return answerKnown(db, venueId, again!, hash, i.ref);
  }
  return { status: 201 as const, stay: await stayDetail(db, venueId, stayId) };
}

function localToday(now: Date, clock: { timezone: string; resetMinute: number }): string {
  return localTime(now, clock.timezone, clock.resetMinute).day;
}

async function answerKnown(
  db: Queryable,
  venueId: number,
  known: { request_hash: string; response: unknown },
  hash: string,
  ref: string,
) {
  if (known.request_hash !== hash)
    throw new AppError('idempotency_mismatch', `booking ref ${ref} was already used for a different booking`);
  const stayId = (known.response as { stayId?: number } | null)?.stayId;
  if (!stayId)
    throw new AppError('idempotency_mismatch', `ref ${ref} was already used for an order that is not a stay`);
  return { status: 200 as const, stay: await stayDetail(db, venueId, stayId) };
}

// ---------------------------------------------------------------------------------------------
// Reading a stay

/** A stay with its guests (masked), rooms, package tickets, folio and balance: the reservation screen. */
export async function stayDetail(db: Queryable, venueId: number, stayId: number) {
  const s = await stayOf(db, venueId, stayId);
  const [guests, assignments, folio, tickets, passes] = await Promise.all([
    listGuests(db, s.id),
    listAssignments(db, s.id),
    listFolio(db, s.id),
    listStayTickets(db, s.id),
    listStayPasses(db, s.id),
  ]);
  return {
    id: s.id,
    orderId: s.order_id,
    orderCode: s.order_code,
    hotelId: s.hotel_id,
    roomType: s.type_code,
    ratePlan: s.rate_plan_code,
    checkIn: s.check_in,
    checkOut: s.check_out,
    adults: s.adults,
    children: s.children,
    state: s.state,
    lateArrival: s.late_arrival,
    room: s.room_number,
    roomId: s.room_id,
    customer: { name: s.customer_name, phone: s.customer_phone },
    rates: s.rates.map((r) => ({ night: r.night, room: yuan(r.room), plan: yuan(r.plan) })),
    guests: guests.map((g) => ({ no: g.guest_no, name: g.name, idNumber: g.id_number_masked })),
    rooms: assignments.map((a) => ({ room: a.room_number, roomId: a.room_id, from: a.from_night, to: a.to_night })),
    tickets: tickets.map((t) => ({
      code: t.code,
      date: t.visit_date,
      status: t.status,
      used: t.entries > 0,
      guest: t.stay_guest_no,
    })),
    /** The guests' lodge passes, issued at check-in: the code each shows at the lodge's door. */
    passes: passes.map((p) => ({ guest: p.stay_guest_no, code: p.code })),
    folio: folio.map((l) => ({
      id: l.id,
      at: new Date(l.at).toISOString(),
      businessDate: l.business_date,
      kind: l.kind,
      night: l.night,
      category: l.category,
      descriptionZh: l.description_zh,
      descriptionEn: l.description_en,
      qty: l.qty,
      amount: yuan(l.amount_fen),
      paymentId: l.payment_id,
      correctionOf: l.correction_of,
      note: l.note,
      by: l.user_email,
    })),
    balance: yuan(balanceOf(folio)),
  };
}

/** Today at a hotel (its business date): arrivals, in-house guests and departures, with counts. */
export async function hotelToday(db: Queryable, venueId: number, input: unknown) {
  const i = parseInput(ZHotelRef, input, 'hotel');
  const h = await hotelOf(db, venueId, i.hotelId);
  const d = h.business_date;
  const stays = await listStays(db, h.id, { from: d, to: addDays(d, 1), overdue: true });
  const line = (s: StayRow) => ({
    id: s.id,
    orderCode: s.order_code,
    name: s.customer_name,
    phone: s.customer_phone,
    roomType: s.type_code,
    ratePlan: s.rate_plan_code,
    room: s.room_number,
    checkIn: s.check_in,
    checkOut: s.check_out,
    adults: s.adults,
    children: s.children,
    state: s.state,
    lateArrival: s.late_arrival,
    /** Still in house after the departure date (the night audit rolled past it): check out first. */
    overdue: s.state === 'checked_in' && s.check_out < d,
  });
  const arrivals = stays.filter((s) => s.state === 'confirmed' && s.check_in <= d && s.check_out > d).map(line);
  const inHouse = stays.filter((s) => s.state === 'checked_in' && s.check_out > d).map(line);
  // Overstays first: a departure the night audit rolled past stays on the desk's list until checked out.
  const departures = stays
    .filter((s) => (s.check_out === d && s.state === 'checked_out') || (s.check_out <= d && s.state === 'checked_in'))
    .sort((a, b) => (a.check_out < b.check_out ? -1 : a.check_out > b.check_out ? 1 : a.id - b.id))
    .map(line);
  return {
    hotelId: h.id,
    businessDate: d,
    counts: { arrivals: arrivals.length, inHouse: inHouse.length, departures: departures.length },
    arrivals,
    inHouse,
    departures,
  };
}

// ---------------------------------------------------------------------------------------------
// Rooms: assignment, suggestion, move

/** Clean or inspected rooms of the stay's type free for all its nights, best first (inspected, then clean). */
export async function suggestRooms(db: Queryable, venueId: number, input: unknown) {
  const i = parseInput(ZStayRef, input, 'room suggestion');
  const s = await stayOf(db, venueId, i.stayId);
  const rooms = (await freeRooms(db, s.type_id, s.check_in, s.check_out, s.id)).filter((r) =>
    isReadyForGuest(r.housekeeping),
  );
  return rooms.map((r) => ({ id: r.id, number: r.number, floor: r.floor, housekeeping: r.housekeeping }));
}

/** Gives a stay its room for all its nights, before check-in; the exclusion constraint decides a race. */
async function placeInRoom(
  tx: Queryable,
  actor: TActor,
  s: StayRow,
  room: { id: number; number: string; type_id: number },
): Promise<void> {
  if (room.type_id !== s.type_id)
    throw new AppError('invalid', `room ${room.number} is not a ${s.type_code}`, { roomId: ['other type'] });
  if (await isOutOfOrder(tx, room.id, s.check_in, s.check_out))
    throw new AppError('conflict', `room ${room.number} is out of order on some of these nights`);
  await deleteAssignments(tx, s.id);
  if (
    !(await insertAssignment(tx, {
      stayId: s.id,
      roomId: room.id,
      from: s.check_in,
      to: s.check_out,
      userId: actor.id ?? null,
    }))
  )
    throw new AppError('conflict', `room ${room.number} is taken by another stay for some of these nights`);
  await updateStay(tx, s.id, { room_id: room.id });
}

export async function assignRoom(rt: HotelRuntime, actor: TActor, venueId: number, input: unknown) {
  const i = parseInput(ZAssignRoom, input, 'room assignment');
  return changeStay(rt, venueId, i.stayId, async (tx, s) => {
    if (s.state !== 'confirmed')
      throw new AppError(
        'conflict',
        `stay ${s.id} is ${s.state}: rooms are assigned before check-in (move it instead)`,
      );
    const room = await roomOf(tx, s.hotel_id, i.roomId);
    await placeInRoom(tx, actor, s, room);
    await audit(tx, actor, {
      action: 'hotel.assign_room',
      venueId,
      subjectKind: 'stay',
      subjectId: s.id,
      before: { room: s.room_number },
      after: { room: room.number },
    });
  });
}

/**
 * Moves an in-house guest to another room from tonight (the business date): the old room frees
 * from that night and goes dirty. Another type moves the inventory too (and may be `sold_out`).
 */
export async function moveRoom(rt: HotelRuntime, actor: TActor, venueId: number, input: unknown) {
  const i = parseInput(ZMoveRoom, input, 'room move');
  return changeStay(rt, venueId, i.stayId, async (tx, s) => {
    if (s.state !== 'checked_in')
      throw new AppError('conflict', `stay ${s.id} is ${s.state}: only an in-house stay moves`);
    const h = await hotelOf(tx, venueId, s.hotel_id);
    const from = laterDate(h.business_date, s.check_in);
    if (from >= s.check_out) throw new AppError('conflict', `stay ${s.id} has no nights left to move`);
    const room = await roomOf(tx, s.hotel_id, i.roomId);
    if (room.id === s.room_id) throw new AppError('invalid', `the guest is in room ${room.number} already`);
    if (await isOutOfOrder(tx, room.id, from, s.check_out))
      throw new AppError('conflict', `room ${room.number} is out of order on some of these nights`);
    const left = nightsOf(from, s.check_out);
    if (room.type_id !== s.type_id) {
      const types = await listRoomTypes(tx, s.hotel_id);
      await takeNights(tx, types.find((t) => t.id === room.type_id)!, left);
      await returnRoomNights(tx, s.type_id, left);
    }
    await endAssignmentsAt(tx, s.id, from);
    if (
      !(await insertAssignment(tx, { stayId: s.id, roomId: room.id, from, to: s.check_out, userId: actor.id ?? null }))
    )
      throw new AppError('conflict', `room ${room.number} is taken by another stay for some of these nights`);
    if (s.room_id) await setHousekeeping(tx, s.room_id, 'dirty');
    await updateStay(tx, s.id, { room_id: room.id, type_id: room.type_id });
    await audit(tx, actor, {
      action: 'hotel.move_room',
      venueId,
      subjectKind: 'stay',
      subjectId: s.id,
      before: { room: s.room_number, roomType: s.type_code },
      after: { room: room.number, roomType: room.type_code, from },
      reason: i.reason,
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Check-in and check-out

/** Room charges (and breakfast) for the nights before the business date not charged yet: a late check-in's catch-up. */
export function roomNightLines(
  s: Pick<StayRow, 'id' | 'hotel_id' | 'rates' | 'room_number' | 'adults' | 'children'>,
  plan: Pick<RatePlanRow, 'kind'>,
  nights: string[],
  o: { businessDate: string; userId: number | null; nightAuditId?: number | null },
): NewFolioLine[] {
  const rate = new Map(s.rates.map((r) => [r.night, r]));
  return nights.map((night) => {
    const r = rate.get(night) ?? { night, room: 0, plan: 0 };
    const breakfast = plan.kind === 'breakfast' ? r.plan : 0;
    const guests = s.adults + s.children;
    return {
      hotelId: s.hotel_id,
      stayId: s.id,
      businessDate: o.businessDate,
      kind: 'room_night',
      night,
      descriptionZh: `房费 ${night}${s.room_number ? ` ${s.room_number} 房` : ''}${breakfast ? `（含早餐 ${guests} 份）` : ''}`,
      descriptionEn: `Room ${night}${s.room_number ? `, room ${s.room_number}` : ''}${breakfast ? ` (breakfast for ${guests})` : ''}`,
      amountFen: r.room + breakfast,
      userId: o.userId,
      nightAuditId: o.nightAuditId ?? null,
    };
  });
}

/** Package parts not on the folio yet: one line per day, the day's tickets (posted at check-in, when they are activated). */
async function packageLines(
  tx: Queryable,
  s: StayRow,
  businessDate: string,
  userId: number | null,
): Promise<NewFolioLine[]> {
  const tickets = (await lockStayTickets(tx, s.id)).filter((t) => t.status === 'valid');
  const posted = new Set((await listFolio(tx, s.id)).filter((l) => l.kind === 'package').map((l) => l.night));
  const byDay = new Map<string, { n: number; fen: number }>();
  for (const t of tickets) {
    if (posted.has(t.visit_date)) continue;
    const e = byDay.get(t.visit_date) ?? { n: 0, fen: 0 };
    e.n++;
    e.fen += t.price_fen;
    byDay.set(t.visit_date, e);
  }
  return [...byDay.entries()].map(([day, e]) => ({
    hotelId: s.hotel_id,
    stayId: s.id,
    businessDate,
    kind: 'package',
    night: day,
    qty: e.n,
    descriptionZh: `套餐门票 ${day}（${e.n} 张）`,
    descriptionEn: `Package park tickets ${day} (${e.n})`,
    amountFen: e.fen,
    userId,
  }));
}

/**
 * Checks a guest in: every guest's name and ID number (validated, encrypted, shown masked), a
 * deposit, a room (assigned before, or given now) that is clean or inspected unless a supervisor
 * overrides with a reason. The package's tickets are named and posted; nights before today that a
 * late arrival missed are charged.
 */
export async function checkIn(rt: HotelRuntime, actor: TActor, venueId: number, input: unknown) {
  const i = parseInput(ZCheckIn, input, 'check-in');
  const { db } = rt;
  const pre = await stayOf(db, venueId, i.stayId);
  const h = await hotelOf(db, venueId, pre.hotel_id);
  if (pre.check_in > h.business_date)
    throw new AppError('conflict', `stay ${pre.id} arrives on ${pre.check_in}, not today`);
  if (pre.check_out <= h.business_date) throw new AppError('conflict', `stay ${pre.id} ended on ${pre.check_out}`);
  if (i.guests.length !== pre.adults + pre.children)
    throw new AppError('invalid', `guests: register all ${pre.adults + pre.children} guests of the stay`, {
      guests: [`${pre.adults + pre.children} guests`],
    });
  const roomId = i.roomId ?? pre.room_id;
  if (!roomId)
    throw new AppError('invalid', 'roomId: assign a room first (or give one here)', { roomId: ['required'] });
  const room = await roomOf(db, pre.hotel_id, roomId);
  const supervisor =
    !isReadyForGuest(room.housekeeping) && i.override
      ? await verifySupervisor(rt as Runtime, venueId, i.override.supervisor)
      : null;
  if (!isReadyForGuest(room.housekeeping) && !supervisor)
    throw new AppError(
      'conflict',
      `room ${room.number} is ${room.housekeeping}: a supervisor may override with a reason`,
    );
  const shiftId = await deskShiftId(db, actor, venueId);
  const crypto = idCryptoOf(rt);
  await db.transaction(async (tx) => {
    const s = await stayOf(tx, venueId, i.stayId, true);
    expectState(s, 'check_in');
    if (room.id !== s.room_id || !(await listAssignments(tx, s.id)).length) await placeInRoom(tx, actor, s, room);
    await transition(tx, s, 'check_in', { checked_in_at: 'now()' });
    await updateStay(tx, s.id, { late_arrival: false });
    await replaceGuests(
      tx,
      s.id,
      i.guests.map((g, n) => ({
        guestNo: n + 1,
        name: g.name,
        idEnc: crypto.encrypt(g.idNumber),
        idBidx: crypto.blindIndex(g.idNumber),
        idMasked: maskIdCard(g.idNumber),
        idTailsHex: crypto.tailIndexes(g.idNumber).map((b) => b.toString('hex')),
      })),
      actor.id ?? null,
    );
    await nameStayTickets(tx, s.id);
    await idOrderByFirstGuest(tx, s.order_id, s.id);
    const plan = (await findRatePlan(tx, s.rate_plan_id))!;
    const inRoom = { ...s, room_number: room.number };
    await insertFolioLines(tx, [
      ...(await packageLines(tx, s, h.business_date, actor.id ?? null)),
      ...roomNightLines(inRoom, plan, nightsOf(s.check_in, h.business_date), {
        businessDate: h.business_date,
        userId: actor.id ?? null,
      }),
    ]);
    await takePayment(tx, actor, s, i.deposit, { kind: 'deposit', businessDate: h.business_date, shiftId });
    await audit(tx, actor, {
      action: 'hotel.check_in',
      venueId,
      subjectKind: 'stay',
      subjectId: s.id,
      before: { state: s.state },
      after: {
        state: 'checked_in',
        room: room.number,
        guests: i.guests.map((g) => ({ name: g.name, idNumber: maskIdCard(g.idNumber) })),
        deposit: { method: i.deposit.method, amount: i.deposit.amount },
        ...(supervisor ? { supervisor: supervisor.email, housekeeping: room.housekeeping } : {}),
      },
      reason: supervisor ? i.override!.reason : null,
    });
  });
  // Checking in is a crossing into the lodge (after the commit: the ingest then finds the package's
  // tickets activated). A guest the door refuses, or a placement that fails, leaves the stay checked
  // in (the desk's answer says so), and the guest is counted at their next scan.
  await placeInLodge(rt, actor, pre).catch((err: Error) =>
    rt.logger?.warn({ stayId: pre.id, err: err.message }, 'checked in; placing the guests in the lodge failed'),
  );
  return stayDetail(db, venueId, i.stayId);
}

/**
 * Checks a guest out: the balance must be zero, or a supervisor transfers it to the hotel's house
 * account (挂账) with a note. The room goes dirty. A stay with nights left departs early first.
 */
export async function checkOut(rt: HotelRuntime, actor: TActor, venueId: number, input: unknown) {
  const i = parseInput(ZCheckOut, input, 'check-out');
  const { db } = rt;
  const pre = await stayOf(db, venueId, i.stayId);
  const supervisor = i.transfer ? await verifySupervisor(rt as Runtime, venueId, i.transfer.supervisor) : null;
  await db.transaction(async (tx) => {
    const s = await stayOf(tx, venueId, pre.id, true);
    expectState(s, 'check_out');
    const h = await hotelOf(tx, venueId, s.hotel_id);
    if (h.business_date < s.check_out)
      throw new AppError('conflict', `stay ${s.id} has nights until ${s.check_out}: depart early first`);
    const plan = (await findRatePlan(tx, s.rate_plan_id))!;
    await insertFolioLines(
      tx,
      roomNightLines(s, plan, nightsOf(s.check_in, s.check_out), {
        businessDate: h.business_date,
        userId: actor.id ?? null,
      }),
    );
    const balance = await folioBalance(tx, s.id);
    if (balance !== 0 && !supervisor)
      throw new AppError(
        'conflict',
        `the folio's balance is ${yuan(balance).toFixed(2)}: settle it first (or a supervisor transfers it)`,
      );
    if (balance !== 0 && supervisor) {
      const base = {
        hotelId: s.hotel_id,
        businessDate: h.business_date,
        kind: 'transfer',
        userId: actor.id ?? null,
        note: i.transfer!.reason,
      };
      await insertFolioLines(tx, [
        {
          ...base,
          stayId: s.id,
          descriptionZh: '转挂账',
          descriptionEn: 'Transferred to the house account',
          amountFen: -balance,
        },
        {
          ...base,
          stayId: null,
          transferStayId: s.id,
          descriptionZh: `挂账：${s.order_code ?? s.id} ${s.customer_name ?? ''}`.trim(),
          descriptionEn: `House account: ${s.order_code ?? s.id} ${s.customer_name ?? ''}`.trim(),
          amountFen: balance,
        },
      ]);
    }
    await transition(tx, s, 'check_out', { checked_out_at: 'now()' });
    if (s.room_id) await setHousekeeping(tx, s.room_id, 'dirty');
    await audit(tx, actor, {
      action: 'hotel.check_out',
      venueId,
      subjectKind: 'stay',
      subjectId: s.id,
      before: { state: s.state, balance: yuan(balance) },
      after: {
        state: 'checked_out',
        room: s.room_number,
        ...(supervisor && balance !== 0 ? { transferred: yuan(balance), supervisor: supervisor.email } : {}),
      },
      reason: supervisor && balance !== 0 ? i.transfer!.reason : null,
    });
  });
  return stayDetail(db, venueId, pre.id);
}

/** A supervisor undoes a mistaken check-in (back to confirmed) or check-out (back in house). Folio lines stay. */
export async function revertStay(rt: HotelRuntime, actor: TActor, venueId: number, input: unknown) {
  const i = parseInput(ZRevert, input, 'revert');
  const supervisor = await verifySupervisor(rt as Runtime, venueId, i.override.supervisor);
  const t: TStayTransition = i.what === 'check_in' ? 'revert_check_in' : 'revert_check_out';
  return changeStay(rt, venueId, i.stayId, async (tx, s) => {
    expectState(s, t);
    await transition(tx, s, t, i.what === 'check_in' ? { checked_in_at: 'NULL' } : { checked_out_at: 'NULL' });
    await audit(tx, actor, {
      action: `hotel.${t}`,
      venueId,
      subjectKind: 'stay',
      subjectId: s.id,
      before: { state: s.state },
      after: { state: STAY_TRANSITIONS[t].to, supervisor: supervisor.email },
      reason: i.override.reason,
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Cancellation, no-show, extension, early departure

/**
 * Gives a stay's nights from `from` back to stock and frees its room from then; voids the package
 * tickets for those days not used yet through the refund path (their quota returns). Returns them.
 */
async function release(
  tx: Queryable,
  s: StayRow,
  from: string,
  o: { now: Date },
): Promise<{ id: number; price_fen: number; visit_date: string }[]> {
  await returnRoomNights(tx, s.type_id, nightsOf(laterDate(from, s.check_in), s.check_out));
  await endAssignmentsAt(tx, s.id, from);
  const tickets = (await lockStayTickets(tx, s.id)).filter(
    (t) => t.status === 'valid' && t.entries === 0 && t.visit_date >= from,
  );
  if (tickets.length) {
    const clock = await readVenueClock(tx, s.venue_id);
    const channelId = await orderChannelId(tx, s.order_id);
    await recordRefund(tx, {
      venueId: s.venue_id,
      channelId,
      orderId: s.order_id,
      tickets,
      now: o.now,
      today: localToday(o.now, clock),
    });
  }
  return tickets;
}

function feeLine(
  s: StayRow,
  businessDate: string,
  fenAmount: number,
  what: 'cancel' | 'no_show',
  userId: number | null,
) {
  return {
    hotelId: s.hotel_id,
    stayId: s.id,
    businessDate,
    kind: 'fee',
    descriptionZh: what === 'cancel' ? '取消费' : '未入住费（No-show）',
    descriptionEn: what === 'cancel' ? 'Cancellation fee' : 'No-show fee',
    amountFen: fenAmount,
    userId,
  };
}

/** Cancels a confirmed stay with its rate plan's rule (free until a time, then a fee on the folio). */
export async function cancelStay(rt: HotelRuntime, actor: TActor, venueId: number, input: unknown, now = new Date()) {
  const i = parseInput(ZCancel, input, 'cancellation');
  return changeStay(rt, venueId, i.stayId, async (tx, s) => {
    expectState(s, 'cancel');
    const h = await hotelOf(tx, venueId, s.hotel_id);
    const plan = (await findRatePlan(tx, s.rate_plan_id))!;
    const clock = await readVenueClock(tx, venueId);
    const fee = cancellationFee(
      plan,
      localInstant(s.check_in, h.check_in_time, clock.timezone),
      now,
      firstNightFen(s.rates),
    );
    if (fee) await insertFolioLines(tx, [feeLine(s, h.business_date, fee, 'cancel', actor.id ?? null)]);
    const voided = await release(tx, s, s.check_in, { now });
    await transition(tx, s, 'cancel', { cancelled_at: 'now()' });
    await audit(tx, actor, {
      action: 'hotel.cancel',
      venueId,
      subjectKind: 'stay',
      subjectId: s.id,
      before: { state: s.state },
      after: { state: 'cancelled', fee: yuan(fee), ticketsVoided: voided.length },
      reason: i.reason ?? null,
    });
  });
}

/** Marks a no-show (the night audit does it for arrivals that did not come), with the plan's fee. */
export async function applyNoShow(tx: Queryable, actor: TActor, s: StayRow, businessDate: string, now: Date) {
  expectState(s, 'no_show');
  const plan = (await findRatePlan(tx, s.rate_plan_id))!;
  const fee = noShowFee(plan, firstNightFen(s.rates));
  if (fee) await insertFolioLines(tx, [feeLine(s, businessDate, fee, 'no_show', actor.id ?? null)]);
  const voided = await release(tx, s, s.check_in, { now });
  await transition(tx, s, 'no_show', { cancelled_at: 'now()' });
  await audit(tx, actor, {
    action: 'hotel.no_show',
    venueId: s.venue_id,
    subjectKind: 'stay',
    subjectId: s.id,
    before: { state: s.state },
    after: { state: 'no_show', fee: yuan(fee), ticketsVoided: voided.length },
  });
  return fee;
}

export async function markNoShow(rt: HotelRuntime, actor: TActor, venueId: number, input: unknown, now = new Date()) {
  const i = parseInput(ZCancel, input, 'no-show');
  return changeStay(rt, venueId, i.stayId, async (tx, s) => {
    const h = await hotelOf(tx, venueId, s.hotel_id);
    if (s.check_in > h.business_date)
      throw new AppError('conflict', `stay ${s.id} arrives on ${s.check_in}: not a no-show yet`);
    await applyNoShow(tx, actor, s, h.business_date, now);
  });
}

/** Extends a stay when every added night is available (and its room is free then); a package adds its tickets. */
export async function extendStay(rt: HotelRuntime, actor: TActor, venueId: number, input: unknown, now = new Date()) {
  const i = parseInput(ZExtend, input, 'extension');
  const { db } = rt;
  const pre = await stayOf(db, venueId, i.stayId);
  if (i.checkOut <= pre.check_out)
    throw new AppError('invalid', `checkOut: must be after ${pre.check_out}`, { checkOut: ['too early'] });
  const added = nightsOf(pre.check_out, i.checkOut);
  const plan = (await findRatePlan(db, pre.rate_plan_id))!;
  const type = (await listRoomTypes(db, pre.hotel_id)).find((t) => t.id === pre.type_id)!;
  const pkg = packageTypes(plan, await listTicketTypes(db, venueId));
  const rates = await quoteNights(db, venueId, type, plan, pkg, pre, added);
  await db.transaction(async (tx) => {
    const s = await stayOf(tx, venueId, pre.id, true);
    if (s.state !== 'confirmed' && s.state !== 'checked_in')
      throw new AppError('conflict', `stay ${s.id} is ${s.state}: it cannot be extended`);
    if (s.check_out !== pre.check_out) throw new AppError('conflict', `stay ${s.id} changed meanwhile; reload it`);
    await takeNights(tx, type, added);
    const last = (await listAssignments(tx, s.id)).find((a) => a.to_night === s.check_out);
    if (last) {
      if (await isOutOfOrder(tx, last.room_id, s.check_out, i.checkOut))
        throw new AppError('conflict', `room ${last.room_number} is out of order then: move the guest first`);
      try {
        await tx.query('UPDATE room_assignments SET nights = daterange(lower(nights), $2::date) WHERE id = $1', [
          last.id,
          i.checkOut,
        ]);
      } catch (err) {
        if ((err as { code?: string }).code === '23P01')
          throw new AppError(
            'conflict',
            `room ${last.room_number} is taken from ${s.check_out}: move the guest to extend`,
          );
        throw err;
      }
    }
    const channelId = await orderChannelId(tx, s.order_id);
    if (plan.kind === 'package')
      await issuePackageTickets(tx, {
        venueId,
        channelId,
        orderId: s.order_id,
        stayId: s.id,
        today: localToday(now, await readVenueClock(tx, venueId)),
        now,
        adults: s.adults,
        children: s.children,
        pkg,
        days: added,
      });
    await updateStay(tx, s.id, { check_out: i.checkOut, rates: [...s.rates, ...rates] });
    if (s.state === 'checked_in') {
      await nameStayTickets(tx, s.id);
      await insertFolioLines(
        tx,
        await packageLines(
          tx,
          { ...s, check_out: i.checkOut },
          (await hotelOf(tx, venueId, s.hotel_id)).business_date,
          actor.id ?? null,
        ),
      );
    }
    await audit(tx, actor, {
      action: 'hotel.extend',
      venueId,
      subjectKind: 'stay',
      subjectId: s.id,
      before: { checkOut: s.check_out },
      after: { checkOut: i.checkOut, amount: yuan(rates.reduce((n, r) => n + r.room + r.plan, 0)) },
    });
  });
  return stayDetail(db, venueId, pre.id);
}

/**
 * An in-house guest leaves before the last night: the nights from today return to stock and the
 * room frees from tonight; the package tickets of days not used (today's included, when unused)
 * are voided through the refund path (their quota returns) and credited on the folio as the plan
 * says. The stay then checks out as usual (balance zero).
 */
export async function departEarly(rt: HotelRuntime, actor: TActor, venueId: number, input: unknown, now = new Date()) {
  const i = parseInput(ZDepartEarly, input, 'early departure');
  return changeStay(rt, venueId, i.stayId, async (tx, s) => {
    if (s.state !== 'checked_in')
      throw new AppError('conflict', `stay ${s.id} is ${s.state}: only an in-house guest departs`);
    const h = await hotelOf(tx, venueId, s.hotel_id);
    const d = h.business_date;
    if (d >= s.check_out) throw new AppError('conflict', `stay ${s.id} ends today: check it out`);
    if (d <= s.check_in)
      throw new AppError('conflict', `stay ${s.id} has not had a night yet: revert the check-in and cancel`);
    const plan = (await findRatePlan(tx, s.rate_plan_id))!;
    const voided = await release(tx, s, d, { now });
    // The credit, per day, as a correction of that day's package line: never an edit.
    const folio = await listFolio(tx, s.id);
    const credits: NewFolioLine[] = [];
    const byDay = new Map<string, { n: number; fen: number }>();
    for (const t of voided) {
      const e = byDay.get(t.visit_date) ?? { n: 0, fen: 0 };
      e.n++;
      e.fen += t.price_fen;
      byDay.set(t.visit_date, e);
    }
    for (const [day, e] of byDay) {
      const line = folio.find((l) => l.kind === 'package' && l.night === day);
      const credit = Math.round((e.fen * plan.ticket_credit_pct) / 100);
      if (!line || !credit) continue;
      credits.push({
        hotelId: s.hotel_id,
        stayId: s.id,
        businessDate: d,
        kind: 'correction',
        correctionOf: line.id,
        descriptionZh: `提前离店退套餐门票 ${day}（${e.n} 张）`,
        descriptionEn: `Early departure: package tickets ${day} credited (${e.n})`,
        amountFen: -credit,
        userId: actor.id ?? null,
      });
    }
    await insertFolioLines(tx, credits);
    await updateStay(tx, s.id, { check_out: d, rates: s.rates.filter((r) => r.night < d) });
    await audit(tx, actor, {
      action: 'hotel.depart_early',
      venueId,
      subjectKind: 'stay',
      subjectId: s.id,
      before: { checkOut: s.check_out },
      after: {
        checkOut: d,
        nightsReleased: nightsOf(d, s.check_out).length,
        ticketsVoided: voided.length,
        credited: yuan(-credits.reduce((n, c) => n + c.amountFen, 0)),
      },
      reason: i.reason ?? null,
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Folio (账单)

export async function postExtra(rt: HotelRuntime, actor: TActor, venueId: number, input: unknown) {
  const i = parseInput(ZPostExtra, input, 'extra');
  return changeStay(rt, venueId, i.stayId, async (tx, s) => {
    if (s.state !== 'checked_in')
      throw new AppError('conflict', `stay ${s.id} is ${s.state}: extras post to in-house guests`);
    const h = await hotelOf(tx, venueId, s.hotel_id);
    const amountFen = fen(i.amount) * i.qty;
    await insertFolioLines(tx, [
      {
        hotelId: s.hotel_id,
        stayId: s.id,
        businessDate: h.business_date,
        kind: 'extra',
        category: i.category,
        descriptionZh: i.descriptionZh,
        descriptionEn: i.descriptionEn,
        qty: i.qty,
        amountFen,
        userId: actor.id ?? null,
      },
    ]);
    await audit(tx, actor, {
      action: 'hotel.folio.extra',
      venueId,
      subjectKind: 'stay',
      subjectId: s.id,
      after: { category: i.category, description: i.descriptionEn, qty: i.qty, amount: yuan(amountFen) },
    });
  });
}

export async function postPayment(rt: HotelRuntime, actor: TActor, venueId: number, input: unknown) {
  const i = parseInput(ZPostPayment, input, 'payment');
  const shiftId = await deskShiftId(rt.db, actor, venueId);
  return changeStay(rt, venueId, i.stayId, async (tx, s) => {
    if (s.state === 'cancelled' && (await folioBalance(tx, s.id)) <= 0)
      throw new AppError('conflict', `stay ${s.id} is cancelled and owes nothing`);
    const h = await hotelOf(tx, venueId, s.hotel_id);
    const paymentId = await takePayment(tx, actor, s, i.payment, {
      kind: i.deposit ? 'deposit' : 'payment',
      businessDate: h.business_date,
      shiftId,
    });
    await audit(tx, actor, {
      action: 'hotel.folio.payment',
      venueId,
      subjectKind: 'stay',
      subjectId: s.id,
      after: { paymentId, method: i.payment.method, amount: i.payment.amount, deposit: i.deposit, shiftId },
    });
  });
}

/** Gives money back against one of the order's payments (its method and terminal), as a negative payment row. */
export async function postRefund(rt: HotelRuntime, actor: TActor, venueId: number, input: unknown) {
  const i = parseInput(ZPostRefund, input, 'refund');
  const shiftId = await deskShiftId(rt.db, actor, venueId);
  return changeStay(rt, venueId, i.stayId, async (tx, s) => {
    const p = await findPaymentWithRefunds(tx, i.paymentId);
    if (!p || p.order_id !== s.order_id)
      throw new AppError('invalid', `paymentId: ${i.paymentId} is not a payment of this stay`, {
        paymentId: ['unknown'],
      });
    const amountFen = fen(i.amount);
    if (amountFen > p.amount_fen - p.refunded_fen)
      throw new AppError('invalid', `amount: at most ${yuan(p.amount_fen - p.refunded_fen)} is left of that payment`, {
        amount: ['too much'],
      });
    const h = await hotelOf(tx, venueId, s.hotel_id);
    const refundId = await insertPayment(tx, {
      orderId: s.order_id,
      shiftId,
      method: p.method,
      amountFen: -amountFen,
      tenderedFen: null,
      changeFen: null,
      reference: p.reference,
      refundOf: p.id,
      userId: actor.id ?? null,
    });
    await insertFolioLines(tx, [
      {
        hotelId: s.hotel_id,
        stayId: s.id,
        businessDate: h.business_date,
        kind: 'refund',
        descriptionZh: `退款（${METHOD_ZH[p.method as TPaymentMethod] ?? p.method}）`,
        descriptionEn: `Refund (${METHOD_EN[p.method as TPaymentMethod] ?? p.method})`,
        amountFen,
        paymentId: refundId,
        userId: actor.id ?? null,
        note: i.reason,
      },
    ]);
    await audit(tx, actor, {
      action: 'hotel.folio.refund',
      venueId,
      subjectKind: 'stay',
      subjectId: s.id,
      after: { paymentId: refundId, refundOf: p.id, method: p.method, amount: i.amount },
      reason: i.reason,
    });
  });
}

/** Corrects a charge with a new line (never an edit): all of it, or part, at most what is left of it. */
export async function postCorrection(rt: HotelRuntime, actor: TActor, venueId: number, input: unknown) {
  const i = parseInput(ZPostCorrection, input, 'correction');
  return changeStay(rt, venueId, i.stayId, async (tx, s) => {
    const line = await findFolioLine(tx, i.lineId);
    if (!line || line.stay_id !== s.id)
      throw new AppError('invalid', `lineId: ${i.lineId} is not a line of this folio`, { lineId: ['unknown'] });
    if (!['room_night', 'package', 'extra', 'fee'].includes(line.kind))
      throw new AppError('invalid', `lineId: a ${line.kind} line is not corrected (refund a payment instead)`, {
        lineId: ['not a charge'],
      });
    const left = line.amount_fen - line.corrected_fen;
    const amountFen = i.amount === undefined ? left : fen(i.amount);
    if (amountFen <= 0 || amountFen > left)
      throw new AppError('invalid', `amount: at most ${yuan(left)} is left of that line`, { amount: ['too much'] });
    const h = await hotelOf(tx, venueId, s.hotel_id);
    await insertFolioLines(tx, [
      {
        hotelId: s.hotel_id,
        stayId: s.id,
        businessDate: h.business_date,
        kind: 'correction',
        correctionOf: line.id,
        descriptionZh: `更正：${line.description_zh}`,
        descriptionEn: `Correction: ${line.description_en}`,
        amountFen: -amountFen,
        userId: actor.id ?? null,
        note: i.reason,
      },
    ]);
    await audit(tx, actor, {
      action: 'hotel.folio.correction',
      venueId,
      subjectKind: 'stay',
      subjectId: s.id,
      before: { line: line.id, amount: yuan(left) },
      after: { amount: yuan(left - amountFen) },
      reason: i.reason,
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Housekeeping (客房)

/** The rooms of a hotel with their housekeeping state, tonight's stay and live blocks (the housekeeping board). */
export async function roomBoard(db: Queryable, venueId: number, input: unknown) {
  const i = parseInput(ZHotelRef, input, 'rooms');
  const h = await hotelOf(db, venueId, i.hotelId);
  const d = h.business_date;
  const [rooms, blocks, stays] = await Promise.all([
    listRooms(db, h.id),
    listBlocks(db, h.id, d, addDays(d, 14)),
    listStays(db, h.id, { from: d, to: addDays(d, 1), states: ['confirmed', 'checked_in'] }),
  ]);
  return {
    hotelId: h.id,
    businessDate: d,
    rooms: rooms.map((r) => {
      const s = stays.find((x) => x.room_id === r.id && x.check_in <= d && x.check_out > d);
      return {
        id: r.id,
        number: r.number,
        floor: r.floor,
        roomType: r.type_code,
        housekeeping: r.housekeeping,
        active: r.active,
        tonight: s ? { stayId: s.id, state: s.state, checkOut: s.check_out } : null,
        blocks: blocks
          .filter((b) => b.room_id === r.id)
          .map((b) => ({ id: b.id, kind: b.kind, from: b.from_night, to: b.to_night, reason: b.reason })),
      };
    }),
  };
}

export async function markRoom(rt: HotelRuntime, actor: TActor, venueId: number, input: unknown) {
  const i = parseInput(ZMarkRoom, input, 'housekeeping');
  return rt.db.transaction(async (tx) => {
    const room = await roomAtVenue(tx, venueId, i.roomId);
    await setHousekeeping(tx, room.id, i.state);
    await audit(tx, actor, {
      action: 'hotel.room.mark',
      venueId,
      subjectKind: 'room',
      subjectId: room.id,
      before: { housekeeping: room.housekeeping },
      after: { housekeeping: i.state, room: room.number },
      reason: i.note ?? null,
    });
    return { id: room.id, number: room.number, housekeeping: i.state };
  });
}

/**
 * Blocks a room for [from, to): out of service stays sellable, out of order leaves the inventory
 * (which may then be overbooked: the wall alarms on it). A room a stay holds then is not blocked
 * out of order: move the stay first.
 */
export async function blockRoom(rt: HotelRuntime, actor: TActor, venueId: number, input: unknown) {
  const i = parseInput(ZBlockRoom, input, 'room block');
  return rt.db.transaction(async (tx) => {
    const room = await roomAtVenue(tx, venueId, i.roomId);
    if (i.kind === 'out_of_order') {
      const held = await tx.query<{ stay_id: number }>(
        'SELECT stay_id FROM room_assignments WHERE room_id = $1 AND nights && daterange($2::date, $3::date) LIMIT 1',
        [room.id, i.from, i.to],
      );
      if (held.rows.length)
        throw new AppError(
          'conflict',
          `room ${room.number} is held by stay ${held.rows[0].stay_id} then: move it first`,
        );
    }
    const id = await insertBlock(tx, { ...i, userId: actor.id ?? null });
    if (id === undefined)
      throw new AppError('conflict', `room ${room.number} is already ${i.kind.replace(/_/g, ' ')} then`);
    if (i.kind === 'out_of_order') await shiftOutOfOrder(tx, room.type_id, nightsOf(i.from, i.to), 1);
    await audit(tx, actor, {
      action: 'hotel.room.block',
      venueId,
      subjectKind: 'room',
      subjectId: room.id,
      after: { blockId: id, room: room.number, kind: i.kind, from: i.from, to: i.to },
      reason: i.reason,
    });
    return { id };
  });
}

export async function releaseBlock(rt: HotelRuntime, actor: TActor, venueId: number, input: unknown) {
  const i = parseInput(ZReleaseBlock, input, 'block release');
  return rt.db.transaction(async (tx) => {
    const b = await findBlock(tx, i.blockId, true);
    const room = b ? await findRoom(tx, b.room_id) : undefined;
    const h = room ? await findHotel(tx, room.hotel_id) : undefined;
    if (!b || !room || h?.venue_id !== venueId)
      throw new AppError('not_found', `block ${i.blockId} does not exist at this venue`);
    if (!(await releaseBlockRow(tx, b.id, actor.id ?? null)))
      throw new AppError('conflict', `block ${b.id} is released already`);
    if (b.kind === 'out_of_order') await shiftOutOfOrder(tx, room.type_id, nightsOf(b.from_night, b.to_night), -1);
    await audit(tx, actor, {
      action: 'hotel.room.release_block',
      venueId,
      subjectKind: 'room',
      subjectId: room.id,
      before: { blockId: b.id, kind: b.kind, from: b.from_night, to: b.to_night },
    });
    return { ok: true as const };
  });
}

// ---------------------------------------------------------------------------------------------
// Night audit history (夜审报告)

/** How many past night audits the desk's report lists (two weeks is what a desk looks back on). */
const AUDITS_LISTED = 14;

/**
 * A hotel's past night audits, newest first, for the desk's report: what each posted, its
 * no-shows with their fees and the late arrivals it listed. A no-show of an audit is a stay it
 * closed: the audit's claim and the stay's change are one transaction, so `cancelled_at` equals the
 * audit's `started_at` (both `now()`, the transaction's time).
 */
export async function nightAuditHistory(db: Queryable, venueId: number, input: unknown) {
  const i = parseInput(ZHotelRef, input, 'night audits');
  const h = await hotelOf(db, venueId, i.hotelId);
  const audits = await db.query<Omit<NightAuditRow, 'hotel_id'>>(
    `SELECT id, business_date::text AS business_date, started_at, actor_label, posted, no_shows, late_arrivals
     FROM night_audits WHERE hotel_id = $1 ORDER BY business_date DESC LIMIT $2`,
    [h.id, AUDITS_LISTED],
  );
  const noShows = await db.query<{
    audit_id: number;
    stay_id: number;
    order_code: string | null;
    name: string | null;
    fee_fen: string | null;
  }>(
    `SELECT a.id AS audit_id, s.id AS stay_id, o.code AS order_code, o.customer_name AS name,
            (SELECT sum(f.amount_fen) FROM folio_lines f
              WHERE f.stay_id = s.id AND f.kind = 'fee' AND f.business_date = a.business_date)::text AS fee_fen
     FROM night_audits a
     JOIN stays s ON s.hotel_id = a.hotel_id AND s.state = 'no_show' AND s.cancelled_at = a.started_at
     JOIN orders o ON o.id = s.order_id
     WHERE a.id = ANY($1::bigint[])
     ORDER BY s.id`,
    [audits.rows.map((a) => a.id)],
  );
  return {
    hotelId: h.id,
    businessDate: h.business_date,
    audits: audits.rows.map((a) => ({
      businessDate: a.business_date,
      at: new Date(a.started_at).toISOString(),
      by: a.actor_label,
      posted: a.posted,
      noShows: noShows.rows
        .filter((n) => Number(n.audit_id) === Number(a.id))
        .map((n) => ({ stayId: n.stay_id, orderCode: n.order_code, name: n.name, fee: yuan(Number(n.fee_fen ?? 0)) })),
      noShowCount: a.no_shows,
      lateArrivals: a.late_arrivals,
    })),
  };
}
