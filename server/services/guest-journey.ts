import { z } from 'zod';
import type { Queryable } from '../../db/client.ts';
import {
  type AnchorRow,
  findJourneyOrders,
  findOrderAnchor,
  findStayGuestAnchor,
  findTicketAnchor,
  type JourneyOrderRow,
  type JourneyScanRow,
  listJourneyAudit,
  listJourneyFolio,
  listJourneyPayments,
  listJourneyScans,
  listJourneyStayGuests,
  listJourneyStays,
  listJourneyTickets,
  type TJourneyVia,
} from '../../db/queries/guest-journey.ts';
import { maskPhone } from '../../components/front-desk/orders/format.ts';
import { AppError, parseInput } from '../../lib/errors.ts';
import { yuan } from '../../lib/fen.ts';

/**
 * One guest's journey (一客一档, docs/guest-journey.md): from one record of a venue, an order (its
 * customer), a ticket (its holder) or a stay guest, the guest's keys (the full phone digits and the
 * ID number's blind index), and everything of the venue that shares one of them, as one timeline.
 * The keys never leave the server: the URL names the record, the answer shows the ID masked and
 * the phone masked in the middle.
 */

/** `o-<orderId>`, `t-<ticketId>` or `s-<stayGuestId>`: a record, never a phone or an ID number. */
export const ZGuestAnchor = z
  .string()
  .trim()
  .regex(/^[ots]-[1-9][0-9]{0,15}$/, 'a guest is o-<order>, t-<ticket> or s-<stay guest>');
export const ZGuestJourney = z.object({ venueId: z.number().int().positive(), anchor: ZGuestAnchor }).strict();

/** Beyond these the timeline says it is cut (a shared phone of a tour desk, say). */
const MAX_ORDERS = 200;
const MAX_SCANS = 1000;

/** Audit actions whose event has a timeline entry of its own (the order, the stay's steps, the folio's lines). */
const SHOWN_ELSEWHERE = new Set([
  'order.window_sale',
  'hotel.book',
  'hotel.check_in',
  'hotel.check_out',
  'hotel.folio.extra',
  'hotel.folio.payment',
  'hotel.folio.refund',
  'hotel.folio.correction',
]);

export type TJourneyKind =
  | 'order'
  | 'payment'
  | 'refund'
  | 'entry'
  | 'exit'
  | 'move'
  | 'ride'
  | 'rejected'
  | 'checkIn'
  | 'checkOut'
  | 'folio'
  | 'change';

/** Of two entries at the same instant, the one that happens first in the guest's day. */
const KIND_ORDER: TJourneyKind[] = [
  'order',
  'payment',
  'checkIn',
  'entry',
  'move',
  'ride',
  'rejected',
  'exit',
  'folio',
  'change',
  'refund',
  'checkOut',
];

type TText = { zh: string; en: string };

export interface TJourneyEntry {
  /** Unique within the journey (the kind and the row), for the screen's keys. */
  key: string;
  at: string;
  kind: TJourneyKind;
  /** Where: the channel, the gate and zone, the attraction, the hotel and room, the payment method. */
  place: TText | null;
  /** What: the ticket type, the folio line, the audit action, the order code. */
  what: TText | null;
  /** Yuan: orders, payments and folio charges positive; refunds and folio credits negative. */
  amount: number | null;
  /** A code or reference to read out (order code, ticket code tail, reject reason, audit action). */
  detail: string | null;
  orderId: number | null;
  stayId: number | null;
}

const iso = (d: Date | string) => new Date(d).toISOString();
const text = (zh: string, en: string): TText => ({ zh, en });

/**
 * Which keys an anchor gives. The anchor's own ID index always; the order's phone only when the
 * order is that person's: an order's customer is its holder when it names one holder (or none), a
 * ticket's holder is its order's customer when they are the only holder, and a stay guest is the
 * reservation's when they are its first guest. A family's order does not merge its members.
 */
export function keysOf(kind: 'o' | 't' | 's', a: AnchorRow): { phone: string | null; bidx: string[] } {
  const phone = a.phone_digits && a.phone_digits.length >= 7 ? a.phone_digits : null;
  if (kind === 'o') {
    const ids = a.bidx ? [a.bidx] : a.holders.length === 1 ? a.holders : [];
    return { phone, bidx: ids };
  }
  if (kind === 't') {
    if (!a.bidx) return { phone, bidx: a.order_bidx ? [a.order_bidx] : [] };
    const own = a.holders.length <= 1 && (!a.order_bidx || a.order_bidx === a.bidx);
    return { phone: own ? phone : null, bidx: [a.bidx] };
  }
  return { phone: a.guest_no === 1 ? phone : null, bidx: a.bidx ? [a.bidx] : [] };
}

async function anchorOf(db: Queryable, venueId: number, anchor: string) {
  const kind = anchor[0] as 'o' | 't' | 's';
  const id = Number(anchor.slice(2));
  const row =
    kind === 'o'
      ? await findOrderAnchor(db, id)
      : kind === 't'
        ? await findTicketAnchor(db, id)
        : await findStayGuestAnchor(db, id);
  // Another venue's record is as absent as one that does not exist.
  if (!row || row.venue_id !== venueId) throw new AppError('not_found', `guest ${anchor} does not exist`);
  return keysOf(kind, row);
}

function scanEntry(s: JourneyScanRow, orderId: number): TJourneyEntry {
  const kind: TJourneyKind =
    s.result === 'reject'
      ? 'rejected'
      : s.attraction_name_zh
        ? 'ride'
        : s.crossing === 'entry' || s.crossing === 'both'
          ? 'entry'
          : s.crossing === 'exit'
            ? 'exit'
            : 'move';
  return {
    key: `scan-${s.ticket_id}-${iso(s.at)}-${s.gate_code}`,
    at: iso(s.at),
    kind,
    place: text(`${s.gate_name_zh} · ${s.zone_name_zh}`, `${s.gate_name_en} · ${s.zone_name_en}`),
    what: s.attraction_name_zh ? text(s.attraction_name_zh, s.attraction_name_en ?? s.attraction_name_zh) : null,
    amount: null,
    detail: s.result === 'reject' ? s.reason : s.gate_code,
    orderId,
    stayId: null,
  };
}

/** The journey of the guest an anchor names, at a venue: who they are, what matched, and the timeline. */
export async function guestJourney(db: Queryable, input: unknown) {
  const i = parseInput(ZGuestJourney, input, 'guest journey');
  const keys = await anchorOf(db, i.venueId, i.anchor);
  const orders = await findJourneyOrders(db, i.venueId, keys.phone, keys.bidx, MAX_ORDERS + 1);
  const truncated = orders.length > MAX_ORDERS;
  orders.length = Math.min(orders.length, MAX_ORDERS);
  const orderIds = orders.map((o) => o.id);
  const byId = new Map<number, JourneyOrderRow>(orders.map((o) => [o.id, o]));
  const ids = new Set(keys.bidx);

  // An order reached only through one of its holders is someone else's: only that holder's tickets.
  const ownOrder = (o: JourneyOrderRow) => o.via.some((v) => v !== 'holderId');
  const tickets = (await listJourneyTickets(db, orderIds)).filter(
    (t) => ownOrder(byId.get(t.order_id)!) || (t.holder_bidx !== null && ids.has(t.holder_bidx)),
  );
  const ticketOrder = new Map(tickets.map((t) => [t.id, t.order_id]));
  const [scans, payments, stays] = await Promise.all([
    listJourneyScans(
      db,
      tickets.map((t) => t.id),
      MAX_SCANS,
    ),
    listJourneyPayments(db, orderIds),
    listJourneyStays(db, i.venueId, orderIds, keys.bidx),
  ]);
  const stayIds = stays.map((s) => s.id);
  const since = orders.length ? new Date(orders[0].created_at) : new Date();
  const [guests, folio, audit] = await Promise.all([
    listJourneyStayGuests(db, stayIds),
    listJourneyFolio(db, stayIds),
    listJourneyAudit(db, i.venueId, since, {
      orders: orderIds,
      tickets: tickets.map((t) => t.id),
      stays: stayIds,
    }),
  ]);
  const hotelOf = new Map(stays.map((s) => [s.id, s]));

  const entries: TJourneyEntry[] = [];
  for (const o of orders)
    entries.push({
      key: `order-${o.id}`,
      at: iso(o.created_at),
      kind: 'order',
      place: text(o.channel_name, o.channel_name),
      what: null,
      amount: yuan(o.amount_fen),
      detail: o.code ?? o.ref,
      orderId: o.id,
      stayId: stays.find((s) => s.order_id === o.id)?.id ?? null,
    });
  for (const p of payments)
    entries.push({
      key: `payment-${p.id}`,
      at: iso(p.at),
      kind: p.amount_fen < 0 ? 'refund' : 'payment',
      place: null,
      what: null,
      amount: yuan(p.amount_fen),
      detail: p.method,
      orderId: p.order_id,
      stayId: null,
    });
  for (const s of scans) entries.push(scanEntry(s, ticketOrder.get(s.ticket_id)!));
  for (const s of stays) {
    const room = s.room_number ? ` ${s.room_number}` : '';
    const place = text(`${s.hotel_name_zh}${room}`, `${s.hotel_name_en}${room}`);
    const what = text(
      `${s.type_name_zh} ${s.check_in} → ${s.check_out}`,
      `${s.type_name_en} ${s.check_in} → ${s.check_out}`,
    );
    const base = { place, what, amount: null, detail: s.state, orderId: s.order_id, stayId: s.id };
    if (s.checked_in_at) entries.push({ ...base, key: `checkin-${s.id}`, at: iso(s.checked_in_at), kind: 'checkIn' });
    if (s.checked_out_at)
      entries.push({ ...base, key: `checkout-${s.id}`, at: iso(s.checked_out_at), kind: 'checkOut' });
  }
  // A folio's payments and deposits are payments rows, shown once as such.
  for (const f of folio.filter((l) => l.payment_id === null)) {
    const s = hotelOf.get(f.stay_id)!;
    entries.push({
      key: `folio-${f.id}`,
      at: iso(f.at),
      kind: 'folio',
      place: text(s.hotel_name_zh, s.hotel_name_en),
      what: text(
        f.qty > 1 ? `${f.description_zh} ×${f.qty}` : f.description_zh,
        f.qty > 1 ? `${f.description_en} ×${f.qty}` : f.description_en,
      ),
      amount: yuan(f.amount_fen),
      detail: f.kind,
      orderId: s.order_id,
      stayId: s.id,
    });
  }
  for (const a of audit.filter((x) => !SHOWN_ELSEWHERE.has(x.action))) {
    const subject = Number(a.subject_id);
    const orderId =
      a.subject_kind === 'order'
        ? subject
        : a.subject_kind === 'ticket'
          ? (ticketOrder.get(subject) ?? null)
          : (hotelOf.get(subject)?.order_id ?? null);
    entries.push({
      key: `audit-${a.id}`,
      at: iso(a.at),
      kind: 'change',
      place: null,
      what: null,
      amount: null,
      detail: a.action,
      orderId,
      stayId: a.subject_kind === 'stay' ? subject : null,
    });
  }
  entries.sort(
    (x, y) =>
      x.at.localeCompare(y.at) || KIND_ORDER.indexOf(x.kind) - KIND_ORDER.indexOf(y.kind) || x.key.localeCompare(y.key),
  );

  const matched = (via: TJourneyVia) => orders.filter((o) => o.via.includes(via)).length;
  const guestRows = guests.filter((g) => ids.has(g.bidx) || (g.guest_no === 1 && keys.phone !== null));
  const names = new Set<string>();
  const idNumbers = new Set<string>();
  for (const o of orders.filter(ownOrder)) if (o.customer_name) names.add(o.customer_name);
  for (const t of tickets)
    if (t.holder_bidx && ids.has(t.holder_bidx)) {
      if (t.holder_name) names.add(t.holder_name);
      if (t.holder_id_masked) idNumbers.add(t.holder_id_masked);
    }
  for (const o of orders) if (o.via.includes('orderId') && o.id_number_masked) idNumbers.add(o.id_number_masked);
  for (const g of guestRows) {
    names.add(g.name);
    if (ids.has(g.bidx)) idNumbers.add(g.id_number_masked);
  }
  const phoneOrder = orders.find((o) => o.via.includes('phone'));
  return {
    anchor: i.anchor,
    names: [...names],
    idNumbers: [...idNumbers],
    phone: phoneOrder ? maskPhone(phoneOrder.customer_phone) : null,
    keys: { phone: keys.phone !== null, idNumber: keys.bidx.length > 0 },
    matched: {
      ordersByPhone: matched('phone'),
      ordersById: matched('orderId'),
      ordersByHolder: matched('holderId'),
      staysById: stays.filter((s) => guests.some((g) => g.stay_id === s.id && ids.has(g.bidx))).length,
    },
    orders: orders.map((o) => ({ id: o.id, code: o.code, ref: o.ref, via: o.via })),
    stays: stays.map((s) => ({
      id: s.id,
      orderId: s.order_id,
      hotel: text(s.hotel_name_zh, s.hotel_name_en),
      room: s.room_number,
      checkIn: s.check_in,
      checkOut: s.check_out,
      state: s.state,
    })),
    entries,
    truncated,
  };
}
