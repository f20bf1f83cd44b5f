import { createHash, randomBytes } from 'node:crypto';
import type { Database, Queryable } from '../../db/client.ts';
import { insertAudit } from '../../db/queries/audit.ts';
import { listTypeGraphRules, listTypeRides } from '../../db/queries/attractions.ts';
import type { ChannelRow } from '../../db/queries/channels.ts';
import {
  ensureQuotas,
  findOrder,
  insertOrder,
  insertSalesEvents,
  insertTickets,
  isHoliday,
  listTicketTypes,
  lockOrderTickets,
  markRefunded,
  quotaIds,
  readQuotas,
  returnQuota,
  setOrderResponse,
  takeQuota,
  type NewTicket,
  type OrderTicketRow,
  type SalesEventRow,
  type TicketTypeRow,
} from '../../db/queries/sales.ts';
import { bumpDailyCounters, readVenueClock } from '../../db/queries/scans.ts';
import {
  ensureShowQuotas,
  findTicketShows,
  listTypeShows,
  readShows,
  returnShowSeats,
  setTicketShows,
  takeShowSeats,
} from '../../db/queries/shows.ts';
import { AppError, fieldsOf, parseInput } from '../../lib/errors.ts';
import { maskIdCard } from '../../lib/id-card.ts';
import {
  type THolder,
  ZOrder,
  ZRefund,
  type TCatalog,
  type TCatalogShow,
  type TCatalogType,
  type TChannelAvailability,
  ZChannelAvailability,
  type TOrder,
  type TOrderResponse,
  type TRefundResponse,
} from '../../lib/schemas/order.ts';
import { listHotels, listRoomTypes, type HotelRow } from '../../db/queries/hotel.ts';
import { nightsOf } from '../../lib/hotel/rules.ts';
import { newGroupCode, newTicketCode, normalizeTicketCode } from '../../lib/ticket-code.ts';
import { addDays, localTime, minutesOf, weekdayOf } from '../../lib/venue-time.ts';
import { availability, bookStayInOrder, planStay, ratesPerGuest, takeStayNights, type TPlannedStay } from './hotel.ts';
import type { IdCrypto } from './id-crypto.ts';
import { yuan } from '../../lib/fen.ts';

/** How far ahead a visit date can be booked (days). */
export const BOOKING_HORIZON_DAYS = 90;

export interface SalesContext {
  db: Database;
  idCrypto: IdCrypto;
  now?: () => Date;
  /** Zones whose crowd policy paused the venue's online and OTA sales for today (empty: not paused). */
  onlinePausedBy?: (venueId: number) => number[];
  /** Tests only: leave out the quota rows' lock of an order with a package, to show the deadlock it prevents. */
  skipQuotaPrelock?: boolean;
}

/** A channel paused by a crowd policy is told to come back after this long (seconds). */
const POLICY_RETRY_S = 300;

export type DayKind = 'weekday' | 'weekend' | 'holiday';

function invalid(field: string, message: string): AppError {
  return new AppError('invalid', `${field}: ${message}`, { [field]: [message] });
}

/** Canonical form of an order request: the same ref must come with exactly this again. */
export function orderHash(o: TOrder): string {
  const canonical = {
    // Holders only when given, so orders without them keep the hash they always had.
    items: o.items.map((i) =>
      i.kind === 'room'
        ? // A room line is its own shape, so no ticket line's hash changes.
          { room: [i.hotel ?? null, i.roomType, i.ratePlan, i.checkIn, i.checkOut, i.guests.adults, i.guests.children] }
        : [
            i.type,
            i.qty,
            i.date,
            i.slot ?? null,
            ...(i.holders ? [i.holders.map((h) => [h.name, h.idNumber])] : []),
            // A show time only when given, as for holders.
            ...(i.show ? [{ show: i.show }] : []),
          ],
    ),
    customer: o.customer ? [o.customer.name, o.customer.phone ?? null, o.customer.idNumber ?? null] : null,
    // Only when given, as for holders: orders without a group keep their hash.
    ...(o.group ? { group: [o.group.guideName, o.group.guidePhone] } : {}),
    amount: Math.round(o.amount * 100),
    paidAt: o.paidAt ? new Date(o.paidAt).toISOString() : null,
  };
  return createHash('sha256').update(JSON.stringify(canonical)).digest('base64url');
}

export async function dayKind(db: Queryable, venueId: number, day: string): Promise<DayKind> {
  if (await isHoliday(db, venueId, day)) return 'holiday';
  const wd = weekdayOf(day);
  return wd === 0 || wd === 6 ? 'weekend' : 'weekday';
}

export function priceFor(t: TicketTypeRow, kind: DayKind): number {
  if (kind === 'holiday') return t.holiday_price_fen ?? t.weekend_price_fen ?? t.price_fen;
  if (kind === 'weekend') return t.weekend_price_fen ?? t.price_fen;
  return t.price_fen;
}

/** First and last valid day of a ticket of this type bought for `day`, or null when not sellable for it. */
export function validityFor(t: TicketTypeRow, day: string): { from: string; to: string } | null {
  if (t.validity === 'season') {
    if (!t.season_from || !t.season_to || day < t.season_from || day > t.season_to) return null;
    return { from: day, to: t.season_to };
  }
  if (t.validity === 'range') return { from: day, to: addDays(day, t.valid_days - 1) };
  return { from: day, to: day };
}

/** A ticket holder as stored: the ID number encrypted, indexed and masked, never in the clear. */
function holderRow(ctx: SalesContext, h: THolder): NonNullable<NewTicket['holder']> {
  return {
    name: h.name,
    idEncHex: ctx.idCrypto.encrypt(h.idNumber).toString('hex'),
    idBidxHex: ctx.idCrypto.blindIndex(h.idNumber).toString('hex'),
    idMasked: maskIdCard(h.idNumber),
    idTailsHex: ctx.idCrypto.tailIndexes(h.idNumber).map((b) => b.toString('hex')),
  };
}

/** What a channel can sell for a date: types, prices for the day kind, slots and what is left. */
export async function getCatalog(ctx: SalesContext, channel: ChannelRow, date: string): Promise<TCatalog> {
  const { db } = ctx;
  const clock = await readVenueClock(db, channel.venue_id);
  const today = localTime((ctx.now ?? (() => new Date()))(), clock.timezone, clock.resetMinute).day;
  if (date < today || date > addDays(today, BOOKING_HORIZON_DAYS)) {
    throw invalid('date', `must be between ${today} and ${addDays(today, BOOKING_HORIZON_DAYS)}`);
  }
  const [types, kind, quotas, venue, typeRides, graph, typeShows, shows, hotels] = await Promise.all([
    listTicketTypes(db, channel.venue_id),
    dayKind(db, channel.venue_id, date),
    readQuotas(db, channel.venue_id, date),
    db.query<{ code: string }>('SELECT code FROM venues WHERE id = $1', [channel.venue_id]),
    listTypeRides(db, channel.venue_id),
    listTypeGraphRules(db, channel.venue_id),
    listTypeShows(db, channel.venue_id),
    readShows(db, channel.venue_id, date),
    listHotels(db, channel.venue_id),
  ]);
  const dayQuota = quotas.find((q) => q.slot_start === null);
  const lt = localTime((ctx.now ?? (() => new Date()))(), clock.timezone, clock.resetMinute);
  const nowMinute = lt.date === today ? lt.minute : lt.minute + 1440;
  const ended = (end: string) => date === today && minutesOf(end) <= nowMinute;
  const byCode = new Map(types.map((t) => [t.code, t]));
  /** The show times of the show attractions a type (or a bundle's components) includes. */
  const showsOf = (t: TicketTypeRow): TCatalogShow[] => {
    const ids = new Set(showAttractionsOf(t, byCode, typeShows));
    return shows
      .filter((s) => ids.has(s.attraction_id))
      .map((s) => {
        const over = ended(s.ends);
        return {
          attraction: s.code,
          start: s.starts,
          end: s.ends,
          remaining: s.closed || over ? 0 : Math.max(0, s.capacity - s.sold),
          closed: s.closed || over,
          ...(over ? { ended: true as const } : {}),
        };
      });
  };
  return {
    venue: venue.rows[0].code,
    date,
    dayKind: kind,
    // Rooms have their own endpoint (nights, not one date): the catalog only says where.
    ...(hotels.length ? { rooms: { availability: '/api/channels/hotel/availability' } } : {}),
    remaining: dayQuota ? (dayQuota.closed ? 0 : Math.max(0, dayQuota.capacity - dayQuota.sold)) : null,
    types: types
      .filter((t) => t.active && validityFor(t, date))
      .map((t) => {
        const v = validityFor(t, date)!;
        return {
          code: t.code,
          nameZh: t.name_zh,
          nameEn: t.name_en,
          category: t.category,
          price: yuan(priceFor(t, kind)),
          entryPolicy: { kind: t.entry_policy, antiPassback: t.anti_passback, maxEntriesPerDay: t.max_entries_per_day },
          validity: v,
          slotRequired: t.slot_required || !!t.bundle?.some((b) => types.find((x) => x.code === b.type)?.slot_required),
          realName: !!t.real_name || !!t.bundle?.some((b) => types.find((x) => x.code === b.type)?.real_name),
          ...(t.bundle ? { bundle: t.bundle } : {}),
          ...rideTerms(t.id, typeRides, graph),
          ...(showAttractionsOf(t, byCode, typeShows).length ? { shows: showsOf(t) } : {}),
        };
      }),
    slots: quotas
      .filter((q) => q.slot_start !== null)
      .map((q) => ({
        start: q.slot_start!,
        end: q.slot_end!,
        remaining: q.closed || ended(q.slot_end!) ? 0 : Math.max(0, q.capacity - q.sold),
        closed: q.closed || ended(q.slot_end!),
      })),
  };
}

/**
 * The show attractions (with show times) whose rides a type includes, or its bundle's components
 * do: an item of it names a show time, and each ticket that includes the show books a seat.
 */
function showAttractionsOf(
  t: TicketTypeRow,
  byCode: Map<string, TicketTypeRow>,
  typeShows: Map<number, number[]>,
): number[] {
  const parts = t.bundle ? t.bundle.map((b) => byCode.get(b.type)).filter((c) => c !== undefined) : [t];
  return [...new Set(parts.flatMap((c) => typeShows.get(c.id) ?? []))];
}

/** What a type includes of the attractions and when it is valid, as the catalog shows it. */
function rideTerms(
  typeId: number,
  rides: Awaited<ReturnType<typeof listTypeRides>>,
  graph: Awaited<ReturnType<typeof listTypeGraphRules>>,
): Pick<TCatalogType, 'rides' | 'parkEntry' | 'points' | 'hours'> {
  const mine = rides.filter((r) => r.type_id === typeId);
  const g = graph.get(typeId);
  return {
    ...(g?.park_entry === false ? { parkEntry: false as const } : {}),
    ...(mine.length
      ? {
          rides: mine.map((r) => ({
            attraction: r.code,
            nameZh: r.name_zh,
            nameEn: r.name_en,
            rides: r.rides,
            share: yuan(r.share_fen),
          })),
        }
      : {}),
    ...(g?.points ? { points: g.points } : {}),
    ...(g?.hours_from && g.hours_to ? { hours: { from: g.hours_from.slice(0, 5), to: g.hours_to.slice(0, 5) } } : {}),
  };
}

interface PlannedTicket {
  type: TicketTypeRow;
  bundle: TicketTypeRow | null;
  date: string;
  slot: string | null;
  /** The show time booked for each show attraction the ticket's type includes (none: empty). */
  show: { item: number; start: string; attractionIds: number[] } | null;
  priceFen: number;
  holder: THolder | null;
}

/** What a sale at a window adds to a channel's order, written in the order's own transaction. */
export interface PlaceOrderExtras {
  /** The cashier's shift and user (orders sold at a window). */
  shiftId?: number;
  userId?: number;
  /** A phone without a customer name (the window asks only for the phone). */
  phone?: string;
  /** Runs inside the order's transaction once the order and its tickets exist (payments, audit). */
  onSold?: (tx: Queryable, sold: { orderId: number; ticketIds: number[]; totalFen: number }) => Promise<void>;
}

/** Alphabet of order codes: Crockford base32 (no I, L, O, U), so a code read out loud is unambiguous. */
const ORDER_CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** Characters of an order code: 40 random bits, short enough to read out over the counter. */
const ORDER_CODE_LENGTH = 8;

/** A new short order code (订单号) people read out at the desk. */
export function newOrderCode(): string {
  const bytes = randomBytes(ORDER_CODE_LENGTH);
  return Array.from(bytes, (b) => ORDER_CODE_ALPHABET[b & 31]).join('');
}

/**
 * Sells an order from a channel. Idempotent by (channel, ref): the same request again returns the
 * stored answer (200) and sells nothing; another body under the same ref is `idempotency_mismatch`.
 * Quotas are taken with atomic conditional updates in one transaction, so nothing is oversold and a
 * sold-out order sells nothing at all. Real-name types need a holder per ticket.
 */
export async function placeOrder(
  ctx: SalesContext,
  channel: ChannelRow,
  input: unknown,
  extras: PlaceOrderExtras = {},
): Promise<{ status: 200 | 201; body: TOrderResponse }> {
  const parsed = ZOrder.safeParse(input);
  if (!parsed.success) {
    const fields = fieldsOf(parsed.error.issues);
    throw new AppError('invalid', `invalid order: ${Object.keys(fields).join(', ')}`, fields);
  }
  const order = parsed.data;
  const hash = orderHash(order);
  const { db } = ctx;
  // A known ref is answered before anything else: the stored answer, or a mismatch.
  const known = await findOrder(db, channel.id, order.ref);
  if (known) {
    if (known.request_hash !== hash)
      throw new AppError(
        'idempotency_mismatch',
        `order ref ${order.ref} was already used by this channel for a different order`,
      );
    return { status: 200, body: known.response as TOrderResponse };
  }
  const now = (ctx.now ?? (() => new Date()))();
  const clock = await readVenueClock(db, channel.venue_id);
  const lt = localTime(now, clock.timezone, clock.resetMinute);
  const today = lt.day;
  // Minutes since midnight on the business day (past midnight before the reset counts on).
  const nowMinute = lt.date === today ? lt.minute : lt.minute + 1440;

  // Crowd control: while a zone is critical, online and OTA sales for today's remaining slots pause.
  const pauseToday = (sellsToday: boolean) => {
    if (
      (channel.kind === 'online' || channel.kind === 'ota') &&
      sellsToday &&
      ctx.onlinePausedBy?.(channel.venue_id).length
    )
      throw new AppError(
        'rate_limited',
        `online sales for today are paused while the venue is at critical capacity; dates from tomorrow can be sold`,
        undefined,
        POLICY_RETRY_S,
      );
  };
  pauseToday(order.items.some((i) => i.kind !== 'room' && i.date === today));

  // Plan the tickets (prices, bundles, slots) before touching any quota.
  const types = new Map((await listTicketTypes(db, channel.venue_id)).map((t) => [t.code, t]));
  const typeShows = await listTypeShows(db, channel.venue_id);
  const kinds = new Map<string, DayKind>();
  const planned: PlannedTicket[] = [];
  let totalFen = 0;
  for (const [idx, item] of order.items.entries()) {
    if (item.kind === 'room') continue;
    const t = types.get(item.type);
    if (!t?.active) throw invalid(`items.${idx}.type`, `ticket type ${item.type} is not on sale at this venue`);
    if (item.date < today || item.date > addDays(today, BOOKING_HORIZON_DAYS)) {
      throw invalid(`items.${idx}.date`, `must be between ${today} and ${addDays(today, BOOKING_HORIZON_DAYS)}`);
    }
    if (!validityFor(t, item.date)) throw invalid(`items.${idx}.date`, `${t.code} is not valid on ${item.date}`);
    if (!kinds.has(item.date)) kinds.set(item.date, await dayKind(db, channel.venue_id, item.date));
    const price = priceFor(t, kinds.get(item.date)!);
    totalFen += price * item.qty;
    const components = t.bundle
      ? t.bundle.map((b) => {
          const c = types.get(b.type);
          if (!c) throw new AppError('internal', `bundle ${t.code} names unknown type ${b.type}`);
          return { type: c, qty: b.qty };
        })
      : [{ type: t, qty: 1 }];
    const needsSlot = components.some((c) => c.type.slot_required);
    if (needsSlot && !item.slot) throw invalid(`items.${idx}.slot`, `${t.code} needs a time slot (see the catalog)`);
    if (!needsSlot && item.slot) throw invalid(`items.${idx}.slot`, `${t.code} is not sold by time slot`);
    const needsShow = showAttractionsOf(t, types, typeShows).length > 0;
    if (needsShow && !item.show)
      throw invalid(`items.${idx}.show`, `${t.code} includes a show: it needs a show time (see the catalog)`);
    if (!needsShow && item.show) throw invalid(`items.${idx}.show`, `${t.code} is not sold by show time`);
    const realName = t.real_name || components.some((c) => c.type.real_name);
    if (realName && !item.holders)
      throw invalid(
        `items.${idx}.holders`,
        `${t.code} is a real-name ticket: a holder (name and ID number) per ticket`,
      );
    for (let q = 0; q < item.qty; q++) {
      let first = true;
      for (const c of components) {
        for (let k = 0; k < c.qty; k++) {
          // A bundle's price sits on its first component ticket; the rest carry 0.
          const share = t.bundle ? (first ? price : 0) : price;
          first = false;
          planned.push({
            type: c.type,
            bundle: t.bundle ? t : null,
            date: item.date,
            slot: c.type.slot_required ? item.slot! : null,
            show: typeShows.has(c.type.id)
              ? { item: idx, start: item.show!, attractionIds: typeShows.get(c.type.id)! }
              : null,
            priceFen: share,
            holder: item.holders?.[q] ?? null,
          });
        }
      }
    }
  }
  const ticketFen = totalFen;

  // Room lines: checked and priced by the hotel's rules (hotel.ts planStay), before any lock.
  const stays = await planRoomItems(db, channel, order);
  // A package arriving today brings park tickets for today, paused like any (a room only does not).
  pauseToday(stays.some((p) => p.planned.checkIn === today && p.planned.plan.kind === 'package'));
  totalFen += stays.reduce((sum, p) => sum + p.planned.totalFen, 0);
  if (Math.round(order.amount * 100) !== totalFen)
    throw invalid('amount', `must be ${(totalFen / 100).toFixed(2)} for these items`);

  const id = order.customer?.idNumber;
  const code = newOrderCode();
  const groupCode = order.group ? newGroupCode() : null;
  return db.transaction(async (tx) => {
    const orderId = await insertOrder(tx, {
      venueId: channel.venue_id,
      channelId: channel.id,
      ref: order.ref,
      requestHash: hash,
      amountFen: totalFen,
      customerName: order.customer?.name ?? null,
      customerPhone: order.customer?.phone ?? extras.phone ?? null,
      idEnc: id ? ctx.idCrypto.encrypt(id) : null,
      idBidx: id ? ctx.idCrypto.blindIndex(id) : null,
      idMasked: id ? maskIdCard(id) : null,
      idTails: id ? ctx.idCrypto.tailIndexes(id).map((b) => b.toString('hex')) : null,
      paidAt: order.paidAt ? new Date(order.paidAt) : extras.shiftId ? now : null,
      code,
      shiftId: extras.shiftId ?? null,
      userId: extras.userId ?? null,
      group: order.group && groupCode ? { code: groupCode, ...order.group } : null,
    });
    if (orderId === undefined) {
      const existing = await findOrder(tx, channel.id, order.ref);
      if (!existing || existing.request_hash !== hash) {
        throw new AppError(
          'idempotency_mismatch',
          `order ref ${order.ref} was already used by this channel for a different order`,
        );
      }
      return { status: 200 as const, body: existing.response as TOrderResponse };
    }

    // Rooms first, every stay's nights in type order and then their package tickets, as the desk's
    // booking takes nights before quotas: orders lock inventory and quota rows in the same order.
    for (const p of [...stays].sort((a, b) => a.planned.type.id - b.planned.type.id))
      await takeStayNights(tx, p.planned);
    // The packages' tickets and the ticket lines take quota rows in separate passes, each in id
    // order but not together: lock every quota row of their days in id order first, so an order
    // that draws on the same days the other way round waits instead of deadlocking.
    const days = [
      ...new Set([
        ...order.items.flatMap((i) => (i.kind === 'room' ? [] : [i.date])),
        ...stays.flatMap((p) => (p.planned.plan.kind === 'package' ? p.planned.nights : [])),
      ]),
    ].sort();
    if (stays.some((p) => p.planned.plan.kind === 'package') && days.length && !ctx.skipQuotaPrelock) {
      for (const day of days) await ensureQuotas(tx, channel.venue_id, day);
      await tx.query('SELECT id FROM quotas WHERE venue_id = $1 AND day = ANY($2::date[]) ORDER BY id FOR UPDATE', [
        channel.venue_id,
        days,
      ]);
    }
    const soldStays = [];
    for (const p of stays) {
      const r = await bookStayInOrder(tx, {
        channelId: channel.id,
        orderId,
        hotel: p.hotel,
        planned: p.planned,
        now,
        nightsTaken: true,
      });
      soldStays.push({ ...p, ...r });
    }

    // Quotas: count what each quota row must give, then take them in id order.
    const need = new Map<number, { n: number; label: string }>();
    const tickets: NewTicket[] = [];
    const quotaCache = new Map<string, Awaited<ReturnType<typeof quotaIds>>>();
    // Show seats: counted like the quotas, taken after them (in id order), booked per ticket.
    const seats = new Map<number, { n: number; label: string }>();
    const showCache = new Map<string, Map<string, { id: number; end: string }>>();
    const booked: { ticket: number; attractionId: number; quotaId: number }[] = [];
    const allShows = [...new Set([...typeShows.values()].flat())];
    for (const p of planned) {
      if (!quotaCache.has(p.date)) {
        await ensureQuotas(tx, channel.venue_id, p.date);
        quotaCache.set(p.date, await quotaIds(tx, channel.venue_id, p.date));
      }
      const q = quotaCache.get(p.date)!;
      const ids: number[] = [];
      let slotEnd: string | null = null;
      if (p.type.draws_day_quota && q.day !== undefined) {
        ids.push(q.day);
        const e = need.get(q.day) ?? { n: 0, label: p.date };
        e.n++;
        need.set(q.day, e);
      }
      if (p.slot) {
        const s = q.slots.get(p.slot);
        if (!s) throw invalid('items.slot', `there is no ${p.slot} slot on ${p.date}`);
        // A slot that has ended today could only ever be refused at the gate.
        if (p.date === today && minutesOf(s.end) <= nowMinute)
          throw invalid('items.slot', `the ${p.slot}–${s.end} slot on ${p.date} has ended`);
        slotEnd = s.end;
        ids.push(s.id);
        const e = need.get(s.id) ?? { n: 0, label: `${p.date} ${p.slot}` };
        e.n++;
        need.set(s.id, e);
      }
      for (const attractionId of p.show?.attractionIds ?? []) {
        const field = `items.${p.show!.item}.show`;
        if (!showCache.has(p.date)) showCache.set(p.date, await ensureShowQuotas(tx, allShows, p.date));
        const shows = showCache.get(p.date)!;
        const s = shows.get(`${attractionId}|${p.show!.start}`);
        if (!s) throw invalid(field, `there is no ${p.show!.start} show of ${p.type.code} on ${p.date}`);
        // A show that has ended today could only ever be refused at its gate.
        if (p.date === today && minutesOf(s.end) <= nowMinute)
          throw invalid(field, `the ${p.show!.start}–${s.end} show on ${p.date} has ended`);
        const e = seats.get(s.id) ?? { n: 0, label: `the ${p.date} ${p.show!.start} show` };
        e.n++;
        seats.set(s.id, e);
        booked.push({ ticket: tickets.length, attractionId, quotaId: s.id });
      }
      const v = validityFor(p.type, p.date)!;
      tickets.push({
        orderId,
        venueId: channel.venue_id,
        typeId: p.type.id,
        bundleTypeId: p.bundle?.id ?? null,
        code: newTicketCode(),
        visitDate: p.date,
        validFrom: v.from,
        validTo: v.to,
        slotStart: p.slot,
        slotEnd,
        quotaIds: ids,
        priceFen: p.priceFen,
        ...(p.holder ? { holder: holderRow(ctx, p.holder) } : {}),
      });
    }
    for (const [quotaId, { n, label }] of [...need.entries()].sort((a, b) => a[0] - b[0])) {
      const r = await takeQuota(tx, quotaId, n);
      if (!r.ok) throw new AppError('sold_out', `sold out: ${label} has ${r.left} place(s) left, the order needs ${n}`);
    }
    for (const [quotaId, { n, label }] of [...seats.entries()].sort((a, b) => a[0] - b[0])) {
      const r = await takeShowSeats(tx, quotaId, n);
      if (!r.ok) throw new AppError('sold_out', `sold out: ${label} has ${r.left} seat(s) left, the order needs ${n}`);
    }
    const ticketIds = await insertTickets(tx, tickets);
    await setTicketShows(
      tx,
      booked.map((b) => ({ ticketId: ticketIds[b.ticket], attractionId: b.attractionId, quotaId: b.quotaId })),
    );
    const showOf = new Map(planned.map((p, k) => [tickets[k].code, p.show?.start]));

    const byType = new Map<number, SalesEventRow>();
    for (const t of tickets) {
      const e = byType.get(t.typeId) ?? {
        at: now,
        venueId: channel.venue_id,
        channelId: channel.id,
        orderId,
        typeId: t.typeId,
        kind: 'sale' as const,
        qty: 0,
        amountFen: 0,
        visitDate: t.visitDate,
      };
      e.qty++;
      e.amountFen += t.priceFen;
      byType.set(t.typeId, e);
    }
    await insertSalesEvents(tx, [...byType.values()]);
    // The ticket lines only: a package's tickets counted themselves, and room nights are not ticket sales.
    if (tickets.length)
      await bumpDailyCounters(tx, [
        { venueId: channel.venue_id, day: today, sold: tickets.length, revenueFen: ticketFen },
      ]);
    const typeCode = new Map([...types.values()].map((t) => [t.id, t.code]));
    const stayTickets = soldStays.length
      ? await listStayTickets(
          tx,
          soldStays.map((b) => b.stayId),
        )
      : [];
    for (const b of soldStays)
      await insertAudit(tx, {
        actorKind: 'channel',
        actorId: channel.id,
        actorLabel: `channel:${channel.code}`,
        action: 'hotel.book',
        venueId: channel.venue_id,
        subjectKind: 'stay',
        subjectId: b.stayId,
        after: {
          order: code,
          ref: order.ref,
          hotel: b.hotel.code,
          roomType: b.planned.type.code,
          ratePlan: b.planned.plan.code,
          checkIn: b.planned.checkIn,
          checkOut: b.planned.checkOut,
          adults: b.planned.adults,
          children: b.planned.children,
          amount: yuan(b.planned.totalFen),
          tickets: b.tickets,
        },
      });
    const body: TOrderResponse = {
      orderId,
      orderCode: code,
      ...(groupCode ? { groupCode } : {}),
      tickets: tickets
        .map((t) => ({
          code: t.code,
          type: typeCode.get(t.typeId)!,
          date: t.visitDate,
          ...(t.slotStart ? { slot: t.slotStart } : {}),
          ...(showOf.get(t.code) ? { show: showOf.get(t.code) } : {}),
        }))
        .concat(stayTickets.map((t) => ({ code: t.code, type: t.type, date: t.visit_date, stayId: t.stay_id }))),
      ...(soldStays.length
        ? {
            stays: soldStays.map((b) => ({
              stayId: b.stayId,
              hotel: b.hotel.code,
              roomType: b.planned.type.code,
              ratePlan: b.planned.plan.code,
              checkIn: b.planned.checkIn,
              checkOut: b.planned.checkOut,
              nights: b.planned.nights.length,
              adults: b.planned.adults,
              children: b.planned.children,
              amount: yuan(b.planned.totalFen),
              state: 'confirmed',
            })),
          }
        : {}),
    };
    await setOrderResponse(tx, orderId, body);
    await extras.onSold?.(tx, { orderId, ticketIds, totalFen });
    return { status: 201 as const, body };
  });
}

/** The hotel a room line is for: named by code, or the venue's only hotel. */
async function planRoomItems(db: Queryable, channel: ChannelRow, order: TOrder) {
  const rooms = order.items.flatMap((item, idx) => (item.kind === 'room' ? [{ item, idx }] : []));
  if (!rooms.length) return [];
  const hotels = await listHotels(db, channel.venue_id);
  const out: { hotel: HotelRow; planned: TPlannedStay }[] = [];
  for (const { item, idx } of rooms) {
    const at = `items.${idx}.`;
    const hotel = item.hotel ? hotels.find((h) => h.code === item.hotel) : hotels.length === 1 ? hotels[0] : undefined;
    if (!hotel)
      throw invalid(
        `${at}hotel`,
        item.hotel
          ? `${item.hotel} is not a hotel of this venue`
          : `name the hotel (${hotels.map((h) => h.code).join(', ') || 'this venue has none'})`,
      );
    const planned = await planStay(
      db,
      hotel,
      { ...item, adults: item.guests.adults, children: item.guests.children },
      at,
      `${at}guests.`,
    );
    out.push({ hotel, planned });
  }
  return out;
}

/** A stay's package tickets as an order's answer lists them. */
async function listStayTickets(tx: Queryable, stayIds: number[]) {
  const r = await tx.query<{ code: string; type: string; visit_date: string; stay_id: number }>(
    `SELECT t.code, tt.code AS type, to_char(t.visit_date, 'YYYY-MM-DD') AS visit_date, t.stay_id::int AS stay_id
     FROM tickets t JOIN ticket_types tt ON tt.id = t.type_id
       JOIN stays s ON s.id = t.stay_id JOIN hotels h ON h.id = s.hotel_id
     WHERE t.stay_id = ANY($1::bigint[]) AND t.type_id IS DISTINCT FROM h.pass_type_id
     ORDER BY t.stay_id, t.visit_date, t.stay_guest_no, t.id`,
    [stayIds],
  );
  return r.rows;
}

/**
 * The hotels' rooms a channel can book for the nights [from, to): per hotel its room types, and per
 * night the rooms left (the hotel's availability) and what each rate plan charges (the room, and
 * per adult and per child the plan's part), so an order's amount can be computed exactly.
 */
export async function getHotelAvailability(
  ctx: SalesContext,
  channel: ChannelRow,
  query: { from: string | null; to: string | null },
): Promise<TChannelAvailability> {
  const { from, to } = parseInput(
    ZChannelAvailability,
    { from: query.from ?? undefined, to: query.to ?? undefined },
    'availability',
  );
  const { db } = ctx;
  const [hotels, venue] = await Promise.all([
    listHotels(db, channel.venue_id),
    db.query<{ code: string }>('SELECT code FROM venues WHERE id = $1', [channel.venue_id]),
  ]);
  const nights = nightsOf(from, to);
  return {
    venue: venue.rows[0].code,
    from,
    to,
    hotels: await Promise.all(
      hotels.map(async (h) => {
        const [left, types] = await Promise.all([
          availability(db, channel.venue_id, { venueId: channel.venue_id, hotelId: h.id, from, to }),
          listRoomTypes(db, h.id),
        ]);
        const leftOf = new Map(left.types.map((t) => [t.code, new Map(t.nights.map((n) => [n.night, n.left]))]));
        let plans: Awaited<ReturnType<typeof ratesPerGuest>>['plans'] = [];
        const roomTypes = [];
        for (const t of types) {
          const r = await ratesPerGuest(db, h, t, nights);
          plans = r.plans;
          roomTypes.push({
            code: t.code,
            nameZh: t.name_zh,
            nameEn: t.name_en,
            bed: t.bed,
            maxAdults: t.max_adults,
            maxChildren: t.max_children,
            nights: nights.map((night) => ({
              night,
              left: leftOf.get(t.code)?.get(night) ?? 0,
              rates: r.byNight.get(night) ?? [],
            })),
          });
        }
        return {
          code: h.code,
          nameZh: h.name_zh,
          nameEn: h.name_en,
          checkInTime: h.check_in_time,
          checkOutTime: h.check_out_time,
          ratePlans: plans.map((p) => ({
            code: p.code,
            nameZh: p.name_zh,
            nameEn: p.name_en,
            kind: p.kind,
            freeCancelHours: p.free_cancel_hours,
            cancelFeePct: p.cancel_fee_pct,
          })),
          roomTypes,
        };
      }),
    ),
  };
}

/**
 * Refunds the unused tickets of an order (all by default, or those named), gives their places back
 * to the quotas and records the refund (sales event, counters, audit row). Used tickets are left as
 * they are and reported; already refunded ones are reported too, so a retry is harmless.
 */
export async function refundOrder(
  ctx: SalesContext,
  channel: ChannelRow,
  ref: string,
  input: unknown,
): Promise<TRefundResponse & { notRefunded: { code: string; reason: 'used' | 'stay' }[] }> {
  const parsed = ZRefund.safeParse(input ?? {});
  if (!parsed.success) {
    const fields = fieldsOf(parsed.error.issues);
    throw new AppError('invalid', `invalid refund: ${Object.keys(fields).join(', ')}`, fields);
  }
  const { db } = ctx;
  const now = (ctx.now ?? (() => new Date()))();
  const clock = await readVenueClock(db, channel.venue_id);
  const today = localTime(now, clock.timezone, clock.resetMinute).day;
  return db.transaction(async (tx) => {
    const order = await findOrder(tx, channel.id, ref, true);
    if (!order) throw new AppError('not_found', `order ${ref} does not exist for this channel`);
    const tickets = await lockOrderTickets(tx, order.id);
    const byCode = new Map(tickets.map((t) => [t.code, t]));
    let wanted = tickets;
    if (parsed.data.codes) {
      const unknown = parsed.data.codes.filter((c) => !byCode.has(normalizeTicketCode(c) ?? c));
      if (unknown.length) throw invalid('codes', `not tickets of order ${ref}: ${unknown.join(', ')}`);
      wanted = [...new Set(parsed.data.codes.map((c) => byCode.get(normalizeTicketCode(c) ?? c)!))];
    }
    // A package's tickets belong to their stay: the hotel desk cancels the stay by its rate plan's
    // rule (fee, nights back to stock, the tickets voided with it), so a refund here leaves them.
    const ofStay = new Set(
      (
        await tx.query<{ id: number }>('SELECT id FROM tickets WHERE order_id = $1 AND stay_id IS NOT NULL', [order.id])
      ).rows.map((r) => Number(r.id)),
    );
    const refund = wanted.filter((t) => t.status === 'valid' && t.entries === 0 && !ofStay.has(Number(t.id)));
    const alreadyRefunded = wanted.filter((t) => t.status === 'refunded').map((t) => t.code);
    const notRefunded = wanted
      .filter((t) => t.status === 'valid' && (t.entries > 0 || ofStay.has(Number(t.id))))
      .map((t) => ({ code: t.code, reason: ofStay.has(Number(t.id)) ? ('stay' as const) : ('used' as const) }));
    const amountFen = refund.reduce((s, t) => s + t.price_fen, 0);
    if (refund.length) {
      await recordRefund(tx, {
        venueId: channel.venue_id,
        channelId: channel.id,
        orderId: order.id,
        tickets: refund,
        now,
        today,
      });
      await insertAudit(tx, {
        actorKind: 'channel',
        actorId: channel.id,
        actorLabel: `channel:${channel.code}`,
        action: 'order.refund',
        venueId: channel.venue_id,
        subjectKind: 'order',
        subjectId: order.id,
        before: { tickets: refund.map((t) => ({ code: t.code, status: 'valid' })) },
        after: { tickets: refund.map((t) => ({ code: t.code, status: 'refunded' })), amount: yuan(amountFen) },
      });
    }
    return {
      orderId: order.id,
      refunded: refund.map((t) => t.code),
      alreadyRefunded,
      notRefunded,
      amount: yuan(amountFen),
    };
  });
}

/**
 * What every refund of tickets does, wherever it is made (a channel's API, the order desk): the
 * tickets are refunded, their places go back to the quotas (in id order), and the refund is a sales
 * event and a change of the day's totals. The caller holds the tickets' row locks and writes the
 * audit row and any payment rows.
 */
export async function recordRefund(
  tx: Queryable,
  r: {
    venueId: number;
    channelId: number;
    orderId: number;
    tickets: OrderTicketRow[];
    now: Date;
    today: string;
    feeFen?: number;
  },
): Promise<number> {
  const amountFen = r.tickets.reduce((s, t) => s + t.price_fen, 0);
  await markRefunded(
    tx,
    r.tickets.map((t) => t.id),
  );
  const give = new Map<number, number>();
  for (const t of r.tickets) for (const q of t.quota_ids) give.set(q, (give.get(q) ?? 0) + 1);
  for (const [q, n] of [...give.entries()].sort((a, b) => a[0] - b[0])) await returnQuota(tx, q, n);
  // The seats the tickets booked at shows go back too.
  const seats = new Map<number, number>();
  for (const s of await findTicketShows(
    tx,
    r.tickets.map((t) => t.id),
  ))
    seats.set(s.quota_id, (seats.get(s.quota_id) ?? 0) + 1);
  await returnShowSeats(tx, seats);
  const byType = new Map<number, SalesEventRow>();
  for (const t of r.tickets) {
    const e = byType.get(t.type_id) ?? {
      at: r.now,
      venueId: r.venueId,
      channelId: r.channelId,
      orderId: r.orderId,
      typeId: t.type_id,
      kind: 'refund' as const,
      qty: 0,
      amountFen: 0,
      visitDate: t.visit_date,
    };
    e.qty++;
    e.amountFen += t.price_fen;
    byType.set(t.type_id, e);
  }
  // A fee the venue keeps stays revenue: the first type's refund event carries it back.
  const fee = Math.min(r.feeFen ?? 0, amountFen);
  if (fee) [...byType.values()][0].amountFen -= fee;
  await insertSalesEvents(tx, [...byType.values()]);
  await bumpDailyCounters(tx, [
    { venueId: r.venueId, day: r.today, refunded: r.tickets.length, revenueFen: -(amountFen - fee) },
  ]);
  return amountFen - fee;
}
