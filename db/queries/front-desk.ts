import type { Queryable } from '../client.ts';

/** A cashier's shift at a window, with its cashier and window names. */
export interface ShiftRow {
  id: number;
  venue_id: number;
  channel_id: number;
  channel_code: string;
  channel_name: string;
  user_id: number;
  user_email: string;
  user_name: string;
  opened_at: Date;
  opening_float_fen: number;
  closed_at: Date | null;
  counted: Record<string, number> | null;
  expected: Record<string, number> | null;
  close_note: string | null;
}

const SHIFT_COLS = `s.id, s.venue_id, s.channel_id, c.code AS channel_code, c.name AS channel_name, s.user_id, u.email AS user_email,
  u.name AS user_name, s.opened_at, s.opening_float_fen, s.closed_at, s.counted, s.expected, s.close_note`;
const SHIFT_FROM = 'shifts s JOIN channels c ON c.id = s.channel_id JOIN users u ON u.id = s.user_id';

/** Opens a shift; undefined when the cashier or the window already has an open one. */
export async function insertShift(
  tx: Queryable,
  s: { venueId: number; channelId: number; userId: number; floatFen: number },
): Promise<number | undefined> {
  const r = await tx.query<{ id: number }>(
    `INSERT INTO shifts (venue_id, channel_id, user_id, opening_float_fen) VALUES ($1, $2, $3, $4)
     ON CONFLICT DO NOTHING RETURNING id`,
    [s.venueId, s.channelId, s.userId, s.floatFen],
  );
  return r.rows[0]?.id;
}

export async function findShift(db: Queryable, id: number, forUpdate = false): Promise<ShiftRow | undefined> {
  const r = await db.query<ShiftRow>(
    `SELECT ${SHIFT_COLS} FROM ${SHIFT_FROM} WHERE s.id = $1${forUpdate ? ' FOR UPDATE OF s' : ''}`,
    [id],
  );
  return r.rows[0];
}

/** The open shift of a cashier, or of a window. */
export async function findOpenShift(
  db: Queryable,
  by: { userId?: number; channelId?: number },
): Promise<ShiftRow | undefined> {
  const r = await db.query<ShiftRow>(
    `SELECT ${SHIFT_COLS} FROM ${SHIFT_FROM}
     WHERE s.closed_at IS NULL AND ($1::int IS NULL OR s.user_id = $1) AND ($2::int IS NULL OR s.channel_id = $2)
     ORDER BY s.id LIMIT 1`,
    [by.userId ?? null, by.channelId ?? null],
  );
  return r.rows[0];
}

/** A venue's shifts, newest first (one cashier's when userId is given). */
export async function listShifts(
  db: Queryable,
  venueId: number,
  opts: { userId?: number; limit: number },
): Promise<ShiftRow[]> {
  const r = await db.query<ShiftRow>(
    `SELECT ${SHIFT_COLS} FROM ${SHIFT_FROM} WHERE s.venue_id = $1 AND ($2::int IS NULL OR s.user_id = $2)
     ORDER BY s.opened_at DESC LIMIT $3`,
    [venueId, opts.userId ?? null, opts.limit],
  );
  return r.rows;
}

export async function insertCashMove(
  tx: Queryable,
  m: { shiftId: number; amountFen: number; reason: string; userId: number },
): Promise<number> {
  const r = await tx.query<{ id: number }>(
    'INSERT INTO cash_moves (shift_id, amount_fen, reason, user_id) VALUES ($1, $2, $3, $4) RETURNING id',
    [m.shiftId, m.amountFen, m.reason, m.userId],
  );
  return r.rows[0].id;
}

export interface CashMoveRow {
  id: number;
  at: Date;
  amount_fen: number;
  reason: string;
  user_email: string;
}

export async function listCashMoves(db: Queryable, shiftId: number): Promise<CashMoveRow[]> {
  const r = await db.query<CashMoveRow>(
    `SELECT m.id, m.at, m.amount_fen, m.reason, u.email AS user_email FROM cash_moves m JOIN users u ON u.id = m.user_id
     WHERE m.shift_id = $1 ORDER BY m.id`,
    [shiftId],
  );
  return r.rows;
}

/** Per method, what a shift's payments add up to (refunds are negative), and its cash moves. */
export async function shiftTotals(
  db: Queryable,
  shiftId: number,
): Promise<{ byMethod: Record<string, number>; cashMovesFen: number }> {
  const [p, m] = await Promise.all([
    db.query<{ method: string; fen: number }>(
      'SELECT method, sum(amount_fen)::bigint AS fen FROM payments WHERE shift_id = $1 GROUP BY method',
      [shiftId],
    ),
    db.query<{ fen: number | null }>('SELECT sum(amount_fen)::bigint AS fen FROM cash_moves WHERE shift_id = $1', [
      shiftId,
    ]),
  ]);
  return { byMethod: Object.fromEntries(p.rows.map((r) => [r.method, r.fen])), cashMovesFen: m.rows[0].fen ?? 0 };
}

export async function closeShiftRow(
  tx: Queryable,
  id: number,
  c: { counted: Record<string, number>; expected: Record<string, number>; note: string | null },
): Promise<boolean> {
  const r = await tx.query(
    'UPDATE shifts SET closed_at = now(), counted = $2, expected = $3, close_note = $4 WHERE id = $1 AND closed_at IS NULL',
    [id, JSON.stringify(c.counted), JSON.stringify(c.expected), c.note],
  );
  return r.rowCount > 0;
}

export interface PaymentRow {
  id: number;
  order_id: number;
  shift_id: number | null;
  at: Date;
  method: string;
  amount_fen: number;
  tendered_fen: number | null;
  change_fen: number | null;
  reference: string | null;
  refund_of: number | null;
  user_email: string | null;
}

export interface NewPayment {
  orderId: number;
  shiftId: number | null;
  method: string;
  amountFen: number;
  tenderedFen?: number | null;
  changeFen?: number | null;
  reference?: string | null;
  refundOf?: number | null;
  userId: number | null;
}

export async function insertPayments(tx: Queryable, rows: NewPayment[]): Promise<void> {
  if (!rows.length) return;
  await tx.query(
    `INSERT INTO payments (order_id, shift_id, method, amount_fen, tendered_fen, change_fen, reference, refund_of, user_id)
     SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[], $7::text[], $8::bigint[], $9::int[])`,
    [
      rows.map((r) => r.orderId),
      rows.map((r) => r.shiftId),
      rows.map((r) => r.method),
      rows.map((r) => r.amountFen),
      rows.map((r) => r.tenderedFen ?? null),
      rows.map((r) => r.changeFen ?? null),
      rows.map((r) => r.reference ?? null),
      rows.map((r) => r.refundOf ?? null),
      rows.map((r) => r.userId),
    ],
  );
}

export async function listPayments(db: Queryable, orderId: number): Promise<PaymentRow[]> {
  const r = await db.query<PaymentRow>(
    `SELECT p.id, p.order_id, p.shift_id, p.at, p.method, p.amount_fen, p.tendered_fen, p.change_fen, p.reference, p.refund_of,
            u.email AS user_email
     FROM payments p LEFT JOIN users u ON u.id = p.user_id WHERE p.order_id = $1 ORDER BY p.id`,
    [orderId],
  );
  return r.rows;
}

/**
 * The windows (window channels) of a venue: the ticket windows first, then the hotels' desks (a
 * lodge desk is a window too, its shift takes the stays' payments), so a ticket cashier's first
 * free window is a ticket window.
 */
export async function listWindows(
  db: Queryable,
  venueId: number,
): Promise<{ id: number; code: string; name: string; taken: boolean }[]> {
  const r = await db.query<{ id: number; code: string; name: string; taken: boolean }>(
    `SELECT c.id, c.code, c.name,
            EXISTS (SELECT 1 FROM shifts s WHERE s.channel_id = c.id AND s.closed_at IS NULL) AS taken
     FROM channels c WHERE c.venue_id = $1 AND c.kind = 'window' AND c.revoked_at IS NULL
     ORDER BY EXISTS (SELECT 1 FROM hotels h WHERE h.channel_id = c.id), c.code`,
    [venueId],
  );
  return r.rows;
}

/** An order as the order desk shows it. */
export interface DeskOrderRow {
  id: number;
  venue_id: number;
  code: string | null;
  ref: string;
  channel_id: number;
  channel_code: string;
  channel_name: string;
  channel_kind: string;
  amount_fen: number;
  customer_name: string | null;
  customer_phone: string | null;
  id_number_masked: string | null;
  created_at: Date;
  shift_id: number | null;
  cashier_email: string | null;
  tickets: number;
  /** A group's order (团体票): its group code and guide. */
  group_code: string | null;
  guide_name: string | null;
  guide_phone: string | null;
}

const ORDER_COLS = `o.id, o.venue_id, o.code, o.ref, o.channel_id, c.code AS channel_code, c.name AS channel_name, c.kind AS channel_kind,
  o.amount_fen, o.customer_name, o.customer_phone, o.id_number_masked, o.created_at, o.shift_id, u.email AS cashier_email,
  o.group_code, o.guide_name, o.guide_phone,
  (SELECT count(*)::int FROM tickets t WHERE t.order_id = o.id) AS tickets`;
const ORDER_FROM = 'orders o JOIN channels c ON c.id = o.channel_id LEFT JOIN users u ON u.id = o.user_id';

export async function findDeskOrder(db: Queryable, orderId: number): Promise<DeskOrderRow | undefined> {
  const r = await db.query<DeskOrderRow>(`SELECT ${ORDER_COLS} FROM ${ORDER_FROM} WHERE o.id = $1`, [orderId]);
  return r.rows[0];
}

/** How the order desk looks an order up; every kind uses an index (never a scan or decryption of rows). */
export type TDeskLookup =
  | { kind: 'orderCode'; code: string }
  | { kind: 'ticketCode'; code: string }
  | { kind: 'ref'; ref: string }
  | { kind: 'phone'; digits: string }
  | { kind: 'phoneLast4'; digits: string }
  | { kind: 'idNumber'; bidxHex: string }
  | { kind: 'idTail'; tailHex: string }
  | { kind: 'name'; prefix: string };

/** Finds a venue's orders by one look-up, newest first. */
export async function searchOrders(
  db: Queryable,
  venueId: number,
  l: TDeskLookup,
  limit: number,
): Promise<DeskOrderRow[]> {
  // Each kind is a set of order ids from index look-ups (on orders, or on tickets for the holders),
  // joined back to orders by primary key: no kind reads more rows than it finds.
  const ids = {
    orderCode: 'SELECT id FROM orders WHERE code = $2',
    ticketCode: 'SELECT order_id FROM tickets WHERE code = $2',
    ref: 'SELECT id FROM orders WHERE ref = $2',
    phone: 'SELECT id FROM orders WHERE phone_digits = $2',
    // Many orders share 4 digits: the venue's newest come in order from the index (0012), unread others.
    phoneLast4: `SELECT id FROM orders WHERE venue_id = $1 AND right(phone_digits, 4) = $2 AND phone_digits IS NOT NULL
      ORDER BY created_at DESC, id DESC LIMIT $3`,
    idNumber: `SELECT id FROM orders WHERE id_number_bidx = decode($2, 'hex')
      UNION SELECT order_id FROM tickets WHERE holder_id_bidx = decode($2, 'hex') AND holder_id_bidx IS NOT NULL`,
    idTail: `SELECT id FROM orders WHERE id_number_tails @> ARRAY[decode($2, 'hex')] AND id_number_tails IS NOT NULL
      UNION SELECT order_id FROM tickets WHERE holder_id_tails @> ARRAY[decode($2, 'hex')] AND holder_id_tails IS NOT NULL`,
    name: `SELECT id FROM orders WHERE lower(customer_name) LIKE $2 AND customer_name IS NOT NULL
      UNION SELECT order_id FROM tickets WHERE lower(holder_name) LIKE $2 AND holder_name IS NOT NULL`,
  }[l.kind];
  const value =
    l.kind === 'orderCode' || l.kind === 'ticketCode'
      ? l.code
      : l.kind === 'ref'
        ? l.ref
        : l.kind === 'phone' || l.kind === 'phoneLast4'
          ? l.digits
          : l.kind === 'idNumber'
            ? l.bidxHex
            : l.kind === 'idTail'
              ? l.tailHex
              : `${l.prefix.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const r = await db.query<DeskOrderRow>(
    `SELECT ${ORDER_COLS} FROM ${ORDER_FROM} WHERE o.venue_id = $1 AND o.id IN (${ids}) ORDER BY o.created_at DESC, o.id DESC LIMIT $3`,
    [venueId, value, limit],
  );
  return r.rows;
}

/** A ticket as the desk shows and changes it. */
export interface DeskTicketRow {
  /** The show it booked (演出场次), if its type includes one. */
  show: { start: string; end: string; nameZh: string; nameEn: string } | null;
  /** A hotel stay's ticket (its package's park ticket, or a guest's lodge pass): the hotel desk changes it. */
  stay_id: number | null;
  id: number;
  order_id: number;
  venue_id: number;
  code: string;
  type_id: number;
  type_code: string;
  type_name_zh: string;
  type_name_en: string;
  visit_date: string;
  valid_from: string;
  valid_to: string;
  slot_start: string | null;
  slot_end: string | null;
  price_fen: number;
  status: 'valid' | 'refunded' | 'replaced';
  refunded_at: Date | null;
  entries: number;
  entries_day: string | null;
  inside: boolean;
  zone_id: number | null;
  holder_name: string | null;
  holder_id_masked: string | null;
  replaced_by: number | null;
  replaces: number | null;
  rebooked_from: string | null;
  printed_at: Date | null;
  quota_ids: number[];
  entry_policy: 'single' | 'multi';
  max_entries_per_day: number | null;
  slot_required: boolean;
  real_name: boolean;
}

const TICKET_COLS = `t.id, t.order_id, t.venue_id, t.code, t.type_id, tt.code AS type_code, tt.name_zh AS type_name_zh, tt.name_en AS type_name_en,
  t.visit_date, t.valid_from, t.valid_to, t.slot_start::text, t.slot_end::text, t.price_fen, t.status, t.refunded_at, t.entries, t.entries_day,
  t.inside, t.zone_id, t.holder_name, t.holder_id_masked, t.replaced_by, t.replaces, t.rebooked_from, t.printed_at, t.quota_ids,
  tt.entry_policy, tt.max_entries_per_day, tt.slot_required, tt.real_name, t.stay_id,
  (SELECT json_build_object('start', to_char(q.starts, 'HH24:MI'), 'end', to_char(q.ends, 'HH24:MI'), 'nameZh', a.name_zh, 'nameEn', a.name_en)
   FROM ticket_shows ts JOIN show_quotas q ON q.id = ts.quota_id JOIN attractions a ON a.id = ts.attraction_id
   WHERE ts.ticket_id = t.id ORDER BY ts.attraction_id LIMIT 1) AS show`;

export async function listOrderTickets(db: Queryable, orderId: number, forUpdate = false): Promise<DeskTicketRow[]> {
  const r = await db.query<DeskTicketRow>(
    `SELECT ${TICKET_COLS} FROM tickets t JOIN ticket_types tt ON tt.id = t.type_id WHERE t.order_id = $1 ORDER BY t.id${forUpdate ? ' FOR UPDATE OF t' : ''}`,
    [orderId],
  );
  return r.rows;
}

export async function findDeskTicket(
  db: Queryable,
  by: { id?: number; code?: string },
): Promise<DeskTicketRow | undefined> {
  const r = await db.query<DeskTicketRow>(
    `SELECT ${TICKET_COLS} FROM tickets t JOIN ticket_types tt ON tt.id = t.type_id WHERE ($1::bigint IS NULL OR t.id = $1) AND ($2::text IS NULL OR t.code = $2)`,
    [by.id ?? null, by.code ?? null],
  );
  return r.rows[0];
}

/** Tickets of a real-name holder valid on a day at a venue (entry by ID card). */
export async function findHolderTickets(
  db: Queryable,
  venueId: number,
  bidxHex: string,
  day: string,
): Promise<DeskTicketRow[]> {
  const r = await db.query<DeskTicketRow>(
    `SELECT ${TICKET_COLS} FROM tickets t JOIN ticket_types tt ON tt.id = t.type_id
     WHERE t.venue_id = $1 AND t.holder_id_bidx = decode($2, 'hex') AND t.status = 'valid' AND t.valid_from <= $3 AND t.valid_to >= $3
     ORDER BY t.id`,
    [venueId, bidxHex, day],
  );
  return r.rows;
}

/** Moves tickets to another visit date (and slot); the old date no longer admits. */
export async function rebookTickets(
  tx: Queryable,
  rows: {
    id: number;
    visitDate: string;
    validFrom: string;
    validTo: string;
    slotStart: string | null;
    slotEnd: string | null;
    quotaIds: number[];
    priceFen: number;
  }[],
): Promise<void> {
  if (!rows.length) return;
  await tx.query(
    `UPDATE tickets t SET rebooked_from = COALESCE(t.rebooked_from, t.visit_date), visit_date = r.vd, valid_from = r.vf, valid_to = r.vt,
       slot_start = r.ss, slot_end = r.se, quota_ids = COALESCE(string_to_array(NULLIF(r.q, ''), ',')::bigint[], '{}'), price_fen = r.p
     FROM unnest($1::bigint[], $2::date[], $3::date[], $4::date[], $5::time[], $6::time[], $7::text[], $8::int[]) AS r(id, vd, vf, vt, ss, se, q, p)
     WHERE t.id = r.id`,
    [
      rows.map((r) => r.id),
      rows.map((r) => r.visitDate),
      rows.map((r) => r.validFrom),
      rows.map((r) => r.validTo),
      rows.map((r) => r.slotStart),
      rows.map((r) => r.slotEnd),
      rows.map((r) => r.quotaIds.join(',')),
      rows.map((r) => r.priceFen),
    ],
  );
}

/** Revokes a ticket's code in favour of a new ticket for the same entitlement (补票). */
export async function replaceTicket(tx: Queryable, oldId: number, newCode: string): Promise<number> {
  const r = await tx.query<{ id: number }>(
    `WITH n AS (
       INSERT INTO tickets (order_id, venue_id, type_id, bundle_type_id, code, visit_date, valid_from, valid_to, slot_start, slot_end, quota_ids,
                            price_fen, entries, entries_on_day, entries_day, inside, zone_id, first_entry_at, last_scan_at,
                            entry_inferred, moved_at, points_used,
                            holder_name, holder_id_enc, holder_id_bidx, holder_id_masked, holder_id_tails, replaces, rebooked_from)
       SELECT order_id, venue_id, type_id, bundle_type_id, $2, visit_date, valid_from, valid_to, slot_start, slot_end, quota_ids,
              price_fen, entries, entries_on_day, entries_day, inside, zone_id, first_entry_at, last_scan_at,
              entry_inferred, moved_at, points_used,
              holder_name, holder_id_enc, holder_id_bidx, holder_id_masked, holder_id_tails, id, rebooked_from
       FROM tickets WHERE id = $1
       RETURNING id
     )
     UPDATE tickets SET status = 'replaced', replaced_by = (SELECT id FROM n), inside = false WHERE id = $1 RETURNING replaced_by AS id`,
    [oldId, newCode],
  );
  const newId = r.rows[0].id;
  // The same entitlement: the rides it used (a ropeway return ridden up stays one ride left) and
  // the show seat it booked (given back if the new code is refunded) go with it.
  await tx.query('UPDATE ticket_rides SET ticket_id = $2 WHERE ticket_id = $1', [oldId, newId]);
  await tx.query('UPDATE ticket_shows SET ticket_id = $2 WHERE ticket_id = $1', [oldId, newId]);
  return newId;
}

export async function markPrinted(tx: Queryable, orderId: number): Promise<void> {
  await tx.query("UPDATE tickets SET printed_at = now() WHERE order_id = $1 AND status = 'valid'", [orderId]);
}

/** A ticket's scans, newest first, with the gate and zone names. */
export interface TicketScanRow {
  ticket_id: number;
  at: Date;
  gate_code: string;
  zone_code: string;
  direction: string;
  result: string;
  reason: string | null;
  offline: boolean;
  conflict: boolean;
  manual_user_id: number | null;
  override_reason: string | null;
  /** At an attraction gate: the attraction ridden (a ski pass holder's lifts, in order). */
  attraction_name_zh: string | null;
  attraction_name_en: string | null;
  inferred: string | null;
}

export async function listTicketScans(db: Queryable, ticketIds: number[]): Promise<TicketScanRow[]> {
  if (!ticketIds.length) return [];
  const r = await db.query<TicketScanRow>(
    `SELECT s.ticket_id, s.at, g.code AS gate_code, z.code AS zone_code, s.direction, s.result, s.reason, s.offline, s.conflict,
            s.manual_user_id, s.override_reason, a.name_zh AS attraction_name_zh, a.name_en AS attraction_name_en, s.inferred
     FROM gate_scans s JOIN gates g ON g.id = s.gate_id JOIN zones z ON z.id = s.zone_id
       LEFT JOIN attractions a ON a.id = g.attraction_id
     WHERE s.ticket_id = ANY($1::bigint[]) ORDER BY s.at DESC LIMIT 500`,
    [ticketIds],
  );
  return r.rows;
}

/** The audit trail of an order and its tickets. */
export async function listOrderAudit(
  db: Queryable,
  orderId: number,
  ticketIds: number[],
): Promise<
  { at: Date; actor_label: string; action: string; before: unknown; after: unknown; reason: string | null }[]
> {
  const r = await db.query<{
    at: Date;
    actor_label: string;
    action: string;
    before: unknown;
    after: unknown;
    reason: string | null;
  }>(
    `SELECT at, actor_label, action, before, after, reason FROM audit_log
     WHERE (subject_kind = 'order' AND subject_id = $1::text) OR (subject_kind = 'ticket' AND subject_id = ANY($2::text[]))
     ORDER BY at, id`,
    [orderId, ticketIds.map(String)],
  );
  return r.rows;
}

/** Overrides at a venue's check-in desks since a time, per supervisor and reason. */
export async function overrideReport(
  db: Queryable,
  venueId: number,
  since: Date,
): Promise<{ supervisor_email: string; reason: string; n: number }[]> {
  const r = await db.query<{ supervisor_email: string; reason: string; n: number }>(
    `SELECT u.email AS supervisor_email, s.override_reason AS reason, count(*)::int AS n
     FROM gate_scans s JOIN users u ON u.id = s.supervisor_id
     WHERE s.venue_id = $1 AND s.at >= $2 AND s.override_reason IS NOT NULL
     GROUP BY 1, 2 ORDER BY 3 DESC`,
    [venueId, since],
  );
  return r.rows;
}

/** The supervisor approvals recorded during a shift (audit rows naming the shift and a supervisor). */
export async function listShiftApprovals(
  db: Queryable,
  shiftId: number,
): Promise<
  { at: Date; action: string; actor_label: string; after: { supervisor?: string } | null; reason: string | null }[]
> {
  const r = await db.query<{
    at: Date;
    action: string;
    actor_label: string;
    after: { supervisor?: string } | null;
    reason: string | null;
  }>(
    `SELECT at, action, actor_label, after, reason FROM audit_log
     WHERE (after->>'shiftId')::bigint = $1 AND after ? 'supervisor' ORDER BY at`,
    [shiftId],
  );
  return r.rows;
}

/** What a shift did (not what it should hold): orders paid and refunds given, counts and fen. */
export async function shiftActivity(
  db: Queryable,
  shiftId: number,
): Promise<{ sales: number; sold_fen: number; refunds: number; refunded_fen: number }> {
  const r = await db.query<{ sales: number; sold_fen: number; refunds: number; refunded_fen: number }>(
    `SELECT count(DISTINCT order_id) FILTER (WHERE amount_fen > 0)::int AS sales,
            coalesce(sum(amount_fen) FILTER (WHERE amount_fen > 0), 0)::bigint AS sold_fen,
            count(*) FILTER (WHERE amount_fen < 0)::int AS refunds,
            coalesce(-sum(amount_fen) FILTER (WHERE amount_fen < 0), 0)::bigint AS refunded_fen
     FROM payments WHERE shift_id = $1`,
    [shiftId],
  );
  return r.rows[0];
}
