import type { Queryable } from '../client.ts';

/**
 * One guest's journey (docs/guest-journey.md): everything of a venue sharing a guest's keys, the
 * full phone digits (orders.phone_digits) and the ID number's keyed blind indexes (orders,
 * tickets' holders, stay guests). Every look-up goes through those keyed indexes; no row is
 * decrypted. Blind indexes travel as hex so both drivers (pg's Buffer, PGlite's Uint8Array) agree.
 */

/** The blind indexes given as hex, as one array the planner takes once (an index condition, not a join). */
const BIDX = (p: string) => `ARRAY(SELECT decode(x, 'hex') FROM unnest(${p}::text[]) x)`;

/** What an anchor record says about its guest, before the service decides which keys are theirs. */
export interface AnchorRow {
  venue_id: number;
  phone_digits: string | null;
  /** The anchor's own ID blind index (the order's, the holder's or the stay guest's). */
  bidx: string | null;
  /** Order: its tickets' distinct holders. Ticket: the other holders of its order. */
  holders: string[];
  /** Ticket: its order's own ID blind index. Stay guest: null. */
  order_bidx: string | null;
  /** Stay guest: 1 is the guest the reservation is under. */
  guest_no: number | null;
}

export async function findOrderAnchor(db: Queryable, orderId: number): Promise<AnchorRow | undefined> {
  const r = await db.query<AnchorRow>(
    `SELECT o.venue_id, o.phone_digits, encode(o.id_number_bidx, 'hex') AS bidx,
            ARRAY(SELECT DISTINCT encode(t.holder_id_bidx, 'hex') FROM tickets t
                  WHERE t.order_id = o.id AND t.holder_id_bidx IS NOT NULL) AS holders,
            NULL::text AS order_bidx, NULL::int AS guest_no
     FROM orders o WHERE o.id = $1`,
    [orderId],
  );
  return r.rows[0];
}

export async function findTicketAnchor(db: Queryable, ticketId: number): Promise<AnchorRow | undefined> {
  const r = await db.query<AnchorRow>(
    `SELECT t.venue_id, o.phone_digits, encode(t.holder_id_bidx, 'hex') AS bidx,
            ARRAY(SELECT DISTINCT encode(x.holder_id_bidx, 'hex') FROM tickets x
                  WHERE x.order_id = t.order_id AND x.holder_id_bidx IS NOT NULL) AS holders,
            encode(o.id_number_bidx, 'hex') AS order_bidx, NULL::int AS guest_no
     FROM tickets t JOIN orders o ON o.id = t.order_id WHERE t.id = $1`,
    [ticketId],
  );
  return r.rows[0];
}

export async function findStayGuestAnchor(db: Queryable, stayGuestId: number): Promise<AnchorRow | undefined> {
  const r = await db.query<AnchorRow>(
    `SELECT s.venue_id, o.phone_digits, encode(g.id_number_bidx, 'hex') AS bidx, '{}'::text[] AS holders,
            NULL::text AS order_bidx, g.guest_no
     FROM stay_guests g JOIN stays s ON s.id = g.stay_id JOIN orders o ON o.id = s.order_id WHERE g.id = $1`,
    [stayGuestId],
  );
  return r.rows[0];
}

/** How an order was reached: the phone, the order's ID, a ticket holder's ID, or a stay guest's ID. */
export type TJourneyVia = 'phone' | 'orderId' | 'holderId' | 'stayGuestId';

export interface JourneyOrderRow {
  id: number;
  code: string | null;
  ref: string;
  channel_code: string;
  channel_name: string;
  channel_kind: string;
  amount_fen: number;
  customer_name: string | null;
  customer_phone: string | null;
  id_number_masked: string | null;
  created_at: Date;
  via: TJourneyVia[];
}

/** A venue's orders sharing the full phone digits or one of the blind indexes, oldest first. */
export async function findJourneyOrders(
  db: Queryable,
  venueId: number,
  phone: string | null,
  bidx: string[],
  limit: number,
): Promise<JourneyOrderRow[]> {
  const r = await db.query<JourneyOrderRow>(
    `WITH m AS (
       SELECT id AS order_id, 'phone' AS via FROM orders WHERE venue_id = $1 AND phone_digits = $2::text
       UNION ALL SELECT id, 'orderId' FROM orders WHERE venue_id = $1 AND id_number_bidx = ANY(${BIDX('$3')})
       UNION ALL SELECT order_id, 'holderId' FROM tickets WHERE venue_id = $1 AND holder_id_bidx = ANY(${BIDX('$3')})
       UNION ALL SELECT s.order_id, 'stayGuestId' FROM stay_guests g JOIN stays s ON s.id = g.stay_id
                 WHERE s.venue_id = $1 AND g.id_number_bidx = ANY(${BIDX('$3')})
     )
     SELECT o.id, o.code, o.ref, c.code AS channel_code, c.name AS channel_name, c.kind AS channel_kind, o.amount_fen,
            o.customer_name, o.customer_phone, o.id_number_masked, o.created_at, array_agg(DISTINCT m.via) AS via
     FROM m JOIN orders o ON o.id = m.order_id JOIN channels c ON c.id = o.channel_id
     GROUP BY o.id, c.id ORDER BY o.created_at, o.id LIMIT $4`,
    [venueId, phone, bidx, limit],
  );
  return r.rows;
}

export interface JourneyTicketRow {
  id: number;
  order_id: number;
  code: string;
  type_name_zh: string;
  type_name_en: string;
  visit_date: string;
  price_fen: number;
  status: 'valid' | 'refunded' | 'replaced';
  holder_name: string | null;
  holder_id_masked: string | null;
  holder_bidx: string | null;
  stay_id: number | null;
}

export async function listJourneyTickets(db: Queryable, orderIds: number[]): Promise<JourneyTicketRow[]> {
  if (!orderIds.length) return [];
  const r = await db.query<JourneyTicketRow>(
    `SELECT t.id, t.order_id, t.code, tt.name_zh AS type_name_zh, tt.name_en AS type_name_en, t.visit_date, t.price_fen,
            t.status, t.holder_name, t.holder_id_masked, encode(t.holder_id_bidx, 'hex') AS holder_bidx, t.stay_id
     FROM tickets t JOIN ticket_types tt ON tt.id = t.type_id WHERE t.order_id = ANY($1::bigint[]) ORDER BY t.id`,
    [orderIds],
  );
  return r.rows;
}

export interface JourneyScanRow {
  ticket_id: number;
  at: Date;
  gate_code: string;
  gate_name_zh: string;
  gate_name_en: string;
  zone_name_zh: string;
  zone_name_en: string;
  direction: 'in' | 'out';
  result: 'admit' | 'reject';
  reason: string | null;
  crossing: 'entry' | 'exit' | 'both' | null;
  attraction_name_zh: string | null;
  attraction_name_en: string | null;
}

export async function listJourneyScans(db: Queryable, ticketIds: number[], limit: number): Promise<JourneyScanRow[]> {
  if (!ticketIds.length) return [];
  const r = await db.query<JourneyScanRow>(
    `SELECT s.ticket_id, s.at, g.code AS gate_code, g.name_zh AS gate_name_zh, g.name_en AS gate_name_en,
            z.name_zh AS zone_name_zh, z.name_en AS zone_name_en, s.direction, s.result, s.reason, s.crossing,
            a.name_zh AS attraction_name_zh, a.name_en AS attraction_name_en
     FROM gate_scans s JOIN gates g ON g.id = s.gate_id JOIN zones z ON z.id = s.zone_id
       LEFT JOIN attractions a ON a.id = g.attraction_id
     WHERE s.ticket_id = ANY($1::bigint[]) ORDER BY s.at LIMIT $2`,
    [ticketIds, limit],
  );
  return r.rows;
}

export interface JourneyPaymentRow {
  id: number;
  order_id: number;
  at: Date;
  method: string;
  amount_fen: number;
  refund_of: number | null;
}

export async function listJourneyPayments(db: Queryable, orderIds: number[]): Promise<JourneyPaymentRow[]> {
  if (!orderIds.length) return [];
  const r = await db.query<JourneyPaymentRow>(
    'SELECT id, order_id, at, method, amount_fen, refund_of FROM payments WHERE order_id = ANY($1::bigint[]) ORDER BY at, id',
    [orderIds],
  );
  return r.rows;
}

export interface JourneyStayRow {
  id: number;
  order_id: number;
  hotel_name_zh: string;
  hotel_name_en: string;
  type_name_zh: string;
  type_name_en: string;
  room_number: string | null;
  check_in: string;
  check_out: string;
  state: string;
  checked_in_at: Date | null;
  checked_out_at: Date | null;
  cancelled_at: Date | null;
  created_at: Date;
}

/** The stays of the guest's orders and those where a guest registered under one of the blind indexes. */
export async function listJourneyStays(
  db: Queryable,
  venueId: number,
  orderIds: number[],
  bidx: string[],
): Promise<JourneyStayRow[]> {
  const r = await db.query<JourneyStayRow>(
    `SELECT s.id, s.order_id, h.name_zh AS hotel_name_zh, h.name_en AS hotel_name_en, rt.name_zh AS type_name_zh,
            rt.name_en AS type_name_en, r.number AS room_number, s.check_in, s.check_out, s.state, s.checked_in_at,
            s.checked_out_at, s.cancelled_at, s.created_at
     FROM stays s JOIN hotels h ON h.id = s.hotel_id JOIN room_types rt ON rt.id = s.type_id
       LEFT JOIN rooms r ON r.id = s.room_id
     WHERE s.venue_id = $1 AND (s.order_id = ANY($2::bigint[])
       OR s.id IN (SELECT stay_id FROM stay_guests WHERE id_number_bidx = ANY(${BIDX('$3')})))
     ORDER BY s.created_at, s.id`,
    [venueId, orderIds, bidx],
  );
  return r.rows;
}

export interface JourneyStayGuestRow {
  id: number;
  stay_id: number;
  guest_no: number;
  name: string;
  id_number_masked: string;
  bidx: string;
}

export async function listJourneyStayGuests(db: Queryable, stayIds: number[]): Promise<JourneyStayGuestRow[]> {
  if (!stayIds.length) return [];
  const r = await db.query<JourneyStayGuestRow>(
    `SELECT id, stay_id, guest_no, name, id_number_masked, encode(id_number_bidx, 'hex') AS bidx
     FROM stay_guests WHERE stay_id = ANY($1::bigint[]) ORDER BY stay_id, guest_no`,
    [stayIds],
  );
  return r.rows;
}

export interface JourneyFolioRow {
  id: number;
  stay_id: number;
  at: Date;
  kind: string;
  category: string | null;
  description_zh: string;
  description_en: string;
  qty: number;
  amount_fen: number;
  payment_id: number | null;
}

export async function listJourneyFolio(db: Queryable, stayIds: number[]): Promise<JourneyFolioRow[]> {
  if (!stayIds.length) return [];
  const r = await db.query<JourneyFolioRow>(
    `SELECT id, stay_id, at, kind, category, description_zh, description_en, qty, amount_fen, payment_id
     FROM folio_lines WHERE stay_id = ANY($1::bigint[]) ORDER BY at, id`,
    [stayIds],
  );
  return r.rows;
}

export interface JourneyAuditRow {
  id: number;
  at: Date;
  action: string;
  subject_kind: string;
  subject_id: string;
  actor_label: string;
  reason: string | null;
}

/**
 * The audit rows of the guest's orders, tickets and stays. The audit log is indexed by venue and
 * time only, so the look-up reads the venue's rows from the guest's first record on.
 */
export async function listJourneyAudit(
  db: Queryable,
  venueId: number,
  since: Date,
  subjects: { orders: number[]; tickets: number[]; stays: number[] },
): Promise<JourneyAuditRow[]> {
  const r = await db.query<JourneyAuditRow>(
    `SELECT id, at, action, subject_kind, subject_id, actor_label, reason FROM audit_log
     WHERE venue_id = $1 AND at >= $2
       AND ((subject_kind = 'order' AND subject_id = ANY($3::text[]))
         OR (subject_kind = 'ticket' AND subject_id = ANY($4::text[]))
         OR (subject_kind = 'stay' AND subject_id = ANY($5::text[])))
     ORDER BY at, id LIMIT 500`,
    [venueId, since, subjects.orders.map(String), subjects.tickets.map(String), subjects.stays.map(String)],
  );
  return r.rows;
}
