import type { Queryable } from '../../db/client.ts';
import { type ChannelRow, findChannel } from '../../db/queries/channels.ts';
import type { DeviceAuthRow } from '../../db/queries/devices.ts';
import {
  closeShiftRow,
  type DeskOrderRow,
  type DeskTicketRow,
  findDeskOrder,
  findDeskTicket,
  findHolderTickets,
  findOpenShift,
  findShift,
  insertCashMove,
  insertPayments,
  insertShift,
  listCashMoves,
  listOrderAudit,
  listOrderTickets,
  listPayments,
  listShiftApprovals,
  listShifts,
  listTicketScans,
  listWindows,
  markPrinted,
  type NewPayment,
  type PaymentRow,
  rebookTickets,
  replaceTicket,
  type ShiftRow,
  searchOrders,
  shiftActivity,
  shiftTotals,
  type TDeskLookup,
} from '../../db/queries/front-desk.ts';
import { ensureQuotas, listTicketTypes, quotaIds, returnQuota, takeQuota } from '../../db/queries/sales.ts';
import {
  ensureShowQuotas,
  findTicketShows,
  listTypeShows,
  returnShowSeats,
  setTicketShows,
  takeShowSeats,
} from '../../db/queries/shows.ts';
import {
  countGroup,
  findGroupTicketCodes,
  lockTicketsByCode,
  readOccupancy,
  readVenueClock,
} from '../../db/queries/scans.ts';
import { findGateForDesk, type GateForDesk } from '../../db/queries/gates.ts';
import { findUserForSignIn } from '../../db/queries/users.ts';
import { AppError, parseInput } from '../../lib/errors.ts';
import { checkIdCard } from '../../lib/id-card.ts';
import { canUse } from '../../lib/roles.ts';
import {
  PAYMENT_METHODS,
  type TPayment,
  ZCashMove,
  ZCheckTicket,
  ZCloseShift,
  ZDeskRefund,
  ZDeskSearch,
  ZCheckGroup,
  ZGroupAdmit,
  ZManualAdmit,
  ZOpenShift,
  ZPrinted,
  ZRebook,
  ZReplace,
  ZWindowSale,
} from '../../lib/schemas/front-desk.ts';
import type { TScanAck } from '../../lib/schemas/scan.ts';
import { newTicketCode, normalizeGroupCode, normalizeTicketCode } from '../../lib/ticket-code.ts';
import { ticketStateOf } from '../../lib/ticket-state.ts';
import { localTime, minutesOf } from '../../lib/venue-time.ts';
import { decide } from '../ingest/decide.ts';
import { groupAnswer, groupMembers } from '../ingest/group-scans.ts';
import { rulesOf, stateOf } from '../ingest/scan-ingest.ts';
import type { Runtime } from '../runtime.ts';
import type { TActor } from './actor.ts';
import { audit, auditOnce } from './audit.ts';
import { claimApproval } from './override-requests.ts';
import { dayKind, placeOrder, priceFor, recordRefund, validityFor } from './sales.ts';
import { verifyPassword } from './secrets.ts';
import { fen, yuan } from '../../lib/fen.ts';

/**
 * The front desk (售票窗口, 订单查询, 人工检票台) on the data the gates and channels use: cashier
 * shifts with a blind close, window sales through the channels' sales service, refunds, rebooking
 * and replacement of tickets, and admissions by hand through the gates' own ingest. Every change is
 * audited; money rows are never edited.
 */

async function todayAt(db: Queryable, venueId: number, now = new Date()) {
  const clock = await readVenueClock(db, venueId);
  return localTime(now, clock.timezone, clock.resetMinute);
}

// ---------------------------------------------------------------------------------------------
// Supervisor approval (主管授权)

/** Failed supervisor approvals allowed per supervisor account per window (their password is at stake). */
const SUPERVISOR_FAILS = 5;
const SUPERVISOR_WINDOW_S = 15 * 60;

/**
 * One limiter per runtime: the in-process limiter keeps its counts in the instance, so one made per
 * call would never reach the limit (the Redis one would, its counts live in Redis).
 */
const supervisorLimiters = new WeakMap<Runtime, ReturnType<Runtime['shared']['rateLimiter']>>();
function supervisorLimiterOf(rt: Runtime) {
  let limiter = supervisorLimiters.get(rt);
  if (!limiter) {
    limiter = rt.shared.rateLimiter({
      keyPrefix: 'supervisor-fail',
      points: SUPERVISOR_FAILS,
      duration: SUPERVISOR_WINDOW_S,
      blockDuration: SUPERVISOR_WINDOW_S,
    });
    supervisorLimiters.set(rt, limiter);
  }
  return limiter;
}

/**
 * Checks a supervisor's own credentials typed at the desk: a manager (or admin) of this venue,
 * active, with the right password. Failures are throttled per account like sign-ins.
 */
export async function verifySupervisor(
  rt: Runtime,
  venueId: number,
  creds: { email: string; password: string },
): Promise<{ id: number; email: string }> {
  const limiter = supervisorLimiterOf(rt);
  const left = await limiter.get(creds.email);
  if (left && left.remainingPoints <= 0)
    throw new AppError(
      'rate_limited',
      'too many failed approvals for this supervisor; try again later',
      undefined,
      Math.ceil(left.msBeforeNext / 1000) || SUPERVISOR_WINDOW_S,
    );
  const row = await findUserForSignIn(rt.db, creds.email);
  const ok = !!row && !row.disabled_at && (await verifyPassword(row.password_hash, creds.password));
  const sees = !!row && (row.all_venues || row.venue_ids.includes(venueId));
  if (!row || !ok || !sees || (row.role !== 'manager' && row.role !== 'admin')) {
    await limiter.consume(creds.email).catch(() => {});
    throw new AppError(
      'forbidden',
      'supervisor approval refused: a manager of this venue must enter their own email and password',
    );
  }
  return { id: row.id, email: row.email };
}

// ---------------------------------------------------------------------------------------------
// Shifts (交接班)

export interface TShiftView {
  id: number;
  window: { id: number; code: string; name: string };
  cashier: string;
  openedAt: string;
  openingFloat: number;
  closedAt: string | null;
  /** Shown once the shift is closed, or to a supervisor: the blind count stays blind until then. */
  expected?: Record<string, number>;
  counted?: Record<string, number>;
  difference?: Record<string, number>;
  note: string | null;
  cashMoves?: { at: string; amount: number; reason: string; by: string }[];
}

function shiftView(
  s: ShiftRow,
  opts: {
    reveal: boolean;
    cashMoves?: Awaited<ReturnType<typeof listCashMoves>>;
    liveExpected?: Record<string, number>;
  },
): TShiftView {
  const expected = s.expected ?? opts.liveExpected;
  const toYuan = (r: Record<string, number>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, yuan(v)]));
  return {
    id: s.id,
    window: { id: s.channel_id, code: s.channel_code, name: s.channel_name },
    cashier: s.user_email,
    openedAt: new Date(s.opened_at).toISOString(),
    openingFloat: yuan(s.opening_float_fen),
    closedAt: s.closed_at ? new Date(s.closed_at).toISOString() : null,
    ...(opts.reveal && expected ? { expected: toYuan(expected) } : {}),
    ...(s.counted ? { counted: toYuan(s.counted) } : {}),
    ...(s.counted && expected
      ? {
          difference: Object.fromEntries(
            [...new Set([...Object.keys(expected), ...Object.keys(s.counted)])].map((m) => [
              m,
              yuan((s.counted![m] ?? 0) - (expected[m] ?? 0)),
            ]),
          ),
        }
      : {}),
    note: s.close_note,
    ...(opts.cashMoves
      ? {
          cashMoves: opts.cashMoves.map((m) => ({
            at: new Date(m.at).toISOString(),
            amount: yuan(m.amount_fen),
            reason: m.reason,
            by: m.user_email,
          })),
        }
      : {}),
  };
}

/** What a shift should hold per method (fen): cash = float + cash payments + cash moves. */
async function expectedOf(db: Queryable, s: ShiftRow): Promise<Record<string, number>> {
  const t = await shiftTotals(db, s.id);
  const out: Record<string, number> = { cash: s.opening_float_fen + (t.byMethod.cash ?? 0) + t.cashMovesFen };
  for (const m of PAYMENT_METHODS) if (m !== 'cash' && t.byMethod[m]) out[m] = t.byMethod[m];
  return out;
}

/** A cashier's own open shift; refuses a closed one or someone else's. */
async function ownOpenShift(db: Queryable, actor: TActor, shiftId: number, forUpdate = false): Promise<ShiftRow> {
  const s = await findShift(db, shiftId, forUpdate);
  if (!s) throw new AppError('not_found', `shift ${shiftId} does not exist`);
  if (s.user_id !== actor.id) throw new AppError('forbidden', `shift ${shiftId} is ${s.user_email}'s, not yours`);
  if (s.closed_at) throw new AppError('conflict', `shift ${shiftId} is closed; open a new one`);
  return s;
}

/** The windows of a venue and the caller's open shift (the sell screen starts here). */
export async function deskWindows(db: Queryable, venueId: number, userId: number) {
  const [windows, mine, lt] = await Promise.all([
    listWindows(db, venueId),
    findOpenShift(db, { userId }),
    todayAt(db, venueId),
  ]);
  return {
    windows,
    openShift: mine && mine.venue_id === venueId ? shiftView(mine, { reveal: false }) : null,
    /** The venue's business day (its daily reset, 04:00 in the demo), which a sale "for today" is for. */
    today: lt.day,
  };
}

/** Opens a shift at a window with an opening float (备用金). One open shift per cashier and per window. */
export async function openShift(rt: Runtime, actor: TActor, input: unknown, venueId: number): Promise<TShiftView> {
  const i = parseInput(ZOpenShift, input, 'open shift');
  return rt.db.transaction(async (tx) => {
    const w = (await listWindows(tx, venueId)).find((x) => x.id === i.channelId);
    if (!w) throw new AppError('invalid', `channel ${i.channelId} is not a window of this venue`);
    const id = await insertShift(tx, { venueId, channelId: w.id, userId: actor.id!, floatFen: fen(i.openingFloat) });
    if (id === undefined) {
      const mine = await findOpenShift(tx, { userId: actor.id });
      throw new AppError(
        'conflict',
        mine
          ? `you already have shift ${mine.id} open at ${mine.channel_code}`
          : `window ${w.code} already has an open shift`,
      );
    }
    await audit(tx, actor, {
      action: 'shift.open',
      venueId,
      subjectKind: 'shift',
      subjectId: id,
      after: { window: w.code, openingFloat: i.openingFloat },
    });
    return shiftView((await findShift(tx, id))!, { reveal: false });
  });
}

/** Cash in (change top-up) or out (bank drop) during a shift, with a reason. */
export async function cashMove(rt: Runtime, actor: TActor, input: unknown): Promise<{ ok: true }> {
  const i = parseInput(ZCashMove, input, 'cash move');
  return rt.db.transaction(async (tx) => {
    const s = await ownOpenShift(tx, actor, i.shiftId, true);
    await insertCashMove(tx, { shiftId: s.id, amountFen: fen(i.amount), reason: i.reason, userId: actor.id! });
    await audit(tx, actor, {
      action: 'shift.cash_move',
      venueId: s.venue_id,
      subjectKind: 'shift',
      subjectId: s.id,
      after: { amount: i.amount },
      reason: i.reason,
    });
    return { ok: true as const };
  });
}

/**
 * Closes a shift with a blind count (盲点): the cashier has entered what they counted per method
 * without seeing what was expected; a difference needs a note. Returns expected against counted.
 */
export async function closeShift(rt: Runtime, actor: TActor, input: unknown): Promise<TShiftView> {
  const i = parseInput(ZCloseShift, input, 'close shift');
  return rt.db.transaction(async (tx) => {
    const s = await ownOpenShift(tx, actor, i.shiftId, true);
    const expected = await expectedOf(tx, s);
    const counted = Object.fromEntries(Object.entries(i.counted).map(([m, v]) => [m, fen(v)]));
    const methods = new Set([...Object.keys(expected), ...Object.keys(counted)]);
    const off = [...methods].filter((m) => (counted[m] ?? 0) !== (expected[m] ?? 0));
    if (off.length && !i.note)
      throw new AppError('invalid', `counted differs from expected for ${off.join(', ')}: say why in a note`, {
        note: ['required when counted and expected differ'],
      });
    if (!(await closeShiftRow(tx, s.id, { counted, expected, note: i.note ?? null })))
      throw new AppError('conflict', `shift ${s.id} is already closed`);
    await audit(tx, actor, {
      action: 'shift.close',
      venueId: s.venue_id,
      subjectKind: 'shift',
      subjectId: s.id,
      after: {
        counted: i.counted,
        expected: Object.fromEntries(Object.entries(expected).map(([k, v]) => [k, yuan(v)])),
      },
      reason: i.note ?? null,
    });
    const closed = (await findShift(tx, s.id))!;
    return shiftView(closed, { reveal: true, cashMoves: await listCashMoves(tx, s.id) });
  });
}

/** A shift's report; what was expected shows once it is closed, or to a supervisor at any time. */
export async function shiftReport(db: Queryable, shiftId: number, viewer: { id: number; role: string }) {
  const s = await findShift(db, shiftId);
  if (!s) throw new AppError('not_found', `shift ${shiftId} does not exist`);
  const supervisor = canUse(viewer.role as 'manager', 'controls');
  if (!supervisor && s.user_id !== viewer.id) throw new AppError('forbidden', `shift ${shiftId} is ${s.user_email}'s`);
  const reveal = !!s.closed_at || supervisor;
  const [moves, live, approvals, activity] = await Promise.all([
    listCashMoves(db, s.id),
    s.closed_at ? Promise.resolve(undefined) : expectedOf(db, s),
    listShiftApprovals(db, s.id),
    shiftActivity(db, s.id),
  ]);
  const a = activity;
  return {
    ...shiftView(s, { reveal, cashMoves: moves, liveExpected: live }),
    // Hidden from the cashier while the count is blind, like what is expected.
    activity: reveal
      ? {
          orders: a.sales,
          sold: Number(a.sold_fen) / 100,
          refunds: a.refunds,
          refunded: Number(a.refunded_fen) / 100,
        }
      : undefined,
    approvals: approvals.map((a) => ({
      at: new Date(a.at).toISOString(),
      action: a.action,
      by: a.actor_label,
      supervisor: a.after?.supervisor ?? null,
      reason: a.reason,
    })),
  };
}

/** The venue's shifts: a supervisor sees all, a cashier their own. */
export async function deskShifts(db: Queryable, venueId: number, viewer: { id: number; role: string }) {
  const supervisor = canUse(viewer.role as 'manager', 'controls');
  const rows = await listShifts(db, venueId, { userId: supervisor ? undefined : viewer.id, limit: 100 });
  return rows.map((s) => shiftView(s, { reveal: !!s.closed_at }));
}

// ---------------------------------------------------------------------------------------------
// Window sale (售票)

function paymentRows(
  payments: TPayment[],
  orderId: number,
  shiftId: number | null,
  userId: number | null,
): NewPayment[] {
  return payments.map((p) => ({
    orderId,
    shiftId,
    method: p.method,
    amountFen: fen(p.amount),
    tenderedFen: p.method === 'cash' && p.tendered !== undefined ? fen(p.tendered) : null,
    changeFen: p.method === 'cash' && p.tendered !== undefined ? fen(p.tendered) - fen(p.amount) : null,
    reference: p.reference ?? null,
    userId,
  }));
}

/**
 * Sells at a window, through the same sales service as the channels (quotas, prices, idempotency
 * by the screen's ref: a double Enter or a retry after a network error never sells twice), and
 * records the payments on the cashier's shift in the same transaction.
 */
export async function sellAtWindow(rt: Runtime, actor: TActor, input: unknown) {
  const i = parseInput(ZWindowSale, input, 'sale');
  const s = await ownOpenShift(rt.db, actor, i.shiftId);
  const channel = await windowChannel(rt.db, s.channel_id);
  const sold = await placeOrder(
    rt.sales!,
    channel,
    { ref: i.ref, items: i.items, amount: i.amount, ...(i.group ? { group: i.group } : {}) },
    {
      shiftId: s.id,
      userId: actor.id,
      phone: i.phone,
      onSold: async (tx, o) => {
        await insertPayments(tx, paymentRows(i.payments, o.orderId, s.id, actor.id ?? null));
        await audit(tx, actor, {
          action: 'order.window_sale',
          venueId: s.venue_id,
          subjectKind: 'order',
          subjectId: o.orderId,
          after: {
            shiftId: s.id,
            amount: yuan(o.totalFen),
            tickets: o.ticketIds.length,
            payments: i.payments.map((p) => ({ method: p.method, amount: p.amount })),
          },
        });
      },
    },
  );
  rt.hub?.touchCounters(s.venue_id);
  return { status: sold.status, order: await orderDetail(rt, sold.body.orderId) };
}

async function windowChannel(db: Queryable, channelId: number): Promise<ChannelRow> {
  const c = await findChannel(db, channelId);
  if (c?.kind !== 'window') throw new AppError('invalid', `channel ${channelId} is not a window`);
  return c;
}

// ---------------------------------------------------------------------------------------------
// Order desk (订单查询, 退改签)

/** What the search box was given, as index look-ups (several when it is ambiguous, e.g. 4 digits). */
export function lookupsOf(q: string, idTail: (tail: string) => string, idIndex: (id: string) => string): TDeskLookup[] {
  const raw = q.trim();
  const compact = raw.replace(/[\s-]/g, '').toUpperCase();
  const out: TDeskLookup[] = [];
  const ticket = normalizeTicketCode(raw);
  if (ticket) return [{ kind: 'ticketCode', code: ticket }];
  const id = checkIdCard(compact);
  if (id.ok) return [{ kind: 'idNumber', bidxHex: idIndex(id.normalized) }];
  if (/^[0-9A-HJKMNP-TV-Z]{8}$/.test(compact) && /[A-Z]/.test(compact)) out.push({ kind: 'orderCode', code: compact });
  if (/^\+?\d{7,15}$/.test(compact))
    out.push({ kind: 'phone', digits: compact.replace(/^\+?86/, '').replace(/\D/g, '') });
  if (/^\d{4}$/.test(compact)) out.push({ kind: 'phoneLast4', digits: compact });
  if (/^[0-9]{3,5}[0-9X]$/.test(compact) && compact.length >= 4 && compact.length <= 6)
    out.push({ kind: 'idTail', tailHex: idTail(compact) });
  out.push({ kind: 'ref', ref: raw });
  if (/\p{L}/u.test(raw) && raw.length >= 1) out.push({ kind: 'name', prefix: raw });
  return out;
}

/** The order desk's one search box: order code, ticket code, channel reference, phone, ID number or name. */
export async function deskSearch(rt: Runtime, venueId: number, input: unknown) {
  const i = parseInput(ZDeskSearch, input, 'search');
  const crypto = rt.sales!.idCrypto;
  const lookups = lookupsOf(
    i.q,
    (t) => crypto.tailIndex(t).toString('hex'),
    (n) => crypto.blindIndex(n).toString('hex'),
  );
  const found = new Map<number, { order: DeskOrderRow; matched: string[] }>();
  for (const l of lookups) {
    for (const o of await searchOrders(rt.db, venueId, l, 20)) {
      const f = found.get(o.id) ?? { order: o, matched: [] };
      f.matched.push(l.kind);
      found.set(o.id, f);
    }
  }
  return [...found.values()]
    .sort((a, b) => new Date(b.order.created_at).getTime() - new Date(a.order.created_at).getTime())
    .slice(0, 20)
    .map(({ order, matched }) => ({ ...orderSummary(order), matched }));
}

function orderSummary(o: DeskOrderRow) {
  return {
    id: o.id,
    code: o.code,
    ref: o.ref,
    channel: { code: o.channel_code, name: o.channel_name, kind: o.channel_kind },
    amount: yuan(o.amount_fen),
    customer: o.customer_name,
    phone: o.customer_phone,
    idNumber: o.id_number_masked,
    createdAt: new Date(o.created_at).toISOString(),
    cashier: o.cashier_email,
    tickets: o.tickets,
    group: o.group_code ? { code: o.group_code, guideName: o.guide_name, guidePhone: o.guide_phone } : null,
  };
}

function ticketView(t: DeskTicketRow, today: string) {
  return {
    id: t.id,
    code: t.code,
    type: { code: t.type_code, nameZh: t.type_name_zh, nameEn: t.type_name_en },
    date: t.visit_date,
    validTo: t.valid_to,
    slot: t.slot_start ? { start: t.slot_start.slice(0, 5), end: t.slot_end?.slice(0, 5) ?? null } : null,
    show: t.show,
    price: yuan(t.price_fen),
    state: ticketStateOf(
      {
        status: t.status,
        entries: t.entries,
        inside: t.inside,
        entriesDay: t.entries_day,
        validTo: t.valid_to,
        rebookedFrom: t.rebooked_from,
        entryPolicy: t.entry_policy,
      },
      today,
    ),
    entries: t.entries,
    holder: t.holder_name ? { name: t.holder_name, idNumber: t.holder_id_masked } : null,
    rebookedFrom: t.rebooked_from,
    replacedBy: t.replaced_by,
    replaces: t.replaces,
    printedAt: t.printed_at ? new Date(t.printed_at).toISOString() : null,
  };
}

/** An order as the desk shows it: channel, cashier, payments, every ticket with its state and scans, and the audit trail. */
export async function orderDetail(rt: Runtime, orderId: number) {
  const o = await findDeskOrder(rt.db, orderId);
  if (!o) throw new AppError('not_found', `order ${orderId} does not exist`);
  const [tickets, payments, today] = await Promise.all([
    listOrderTickets(rt.db, orderId),
    listPayments(rt.db, orderId),
    todayAt(rt.db, o.venue_id),
  ]);
  const ids = tickets.map((t) => t.id);
  const [scans, trail, headcount] = await Promise.all([
    listTicketScans(rt.db, ids),
    listOrderAudit(rt.db, orderId, ids),
    o.group_code ? countGroup(rt.db, o.venue_id, o.group_code) : null,
  ]);
  const summary = orderSummary(o);
  return {
    ...summary,
    // A group's booked against arrived: what sites hold agencies to.
    group: summary.group && headcount ? { ...summary.group, ...headcount } : null,
    today: today.day,
    payments: payments.map((p) => ({
      id: p.id,
      at: new Date(p.at).toISOString(),
      method: p.method,
      amount: yuan(p.amount_fen),
      tendered: p.tendered_fen === null ? null : yuan(p.tendered_fen),
      change: p.change_fen === null ? null : yuan(p.change_fen),
      reference: p.reference,
      refundOf: p.refund_of,
      by: p.user_email,
    })),
    tickets: tickets.map((t) => ({
      ...ticketView(t, today.day),
      scans: scans
        .filter((s) => s.ticket_id === t.id)
        .map((s) => ({
          at: new Date(s.at).toISOString(),
          gate: s.gate_code,
          zone: s.zone_code,
          direction: s.direction,
          result: s.result,
          reason: s.reason,
          offline: s.offline,
          manual: s.manual_user_id !== null,
          override: s.override_reason,
          ride: s.attraction_name_zh ? { nameZh: s.attraction_name_zh, nameEn: s.attraction_name_en ?? '' } : null,
          inferred: s.inferred === 'entry',
        })),
    })),
    audit: trail.map((a) => ({
      at: new Date(a.at).toISOString(),
      by: a.actor_label,
      action: a.action,
      before: a.before,
      after: a.after,
      reason: a.reason,
    })),
  };
}

/**
 * Gives money back against the payments it came with (newest first, never more than each gave),
 * as negative payment rows pointing at them, on the shift the money leaves from.
 */
function refundRows(
  payments: PaymentRow[],
  amountFen: number,
  shiftId: number | null,
  userId: number | null,
): NewPayment[] {
  const given = new Map<number, number>();
  for (const p of payments)
    if (p.refund_of !== null) given.set(p.refund_of, (given.get(p.refund_of) ?? 0) - p.amount_fen);
  const rows: NewPayment[] = [];
  let left = amountFen;
  for (const p of [...payments].filter((x) => x.amount_fen > 0).reverse()) {
    if (left <= 0) break;
    const room = p.amount_fen - (given.get(p.id) ?? 0);
    const take = Math.min(room, left);
    if (take <= 0) continue;
    rows.push({
      orderId: p.order_id,
      shiftId: p.method === 'cash' ? shiftId : (shiftId ?? p.shift_id),
      method: p.method,
      amountFen: -take,
      refundOf: p.id,
      userId,
    });
    left -= take;
  }
  return rows;
}

/**
 * Refunds chosen tickets of an order at the desk (退票): unused ones by default; a ticket already
 * used only with a supervisor's approval and a reason. The amount is the price less an optional
 * fee; places go back to the quotas; the money is recorded against the original payments.
 */
export async function refundAtDesk(rt: Runtime, actor: TActor, input: unknown) {
  const i = parseInput(ZDeskRefund, input, 'refund');
  const o = await findDeskOrder(rt.db, i.orderId);
  if (!o) throw new AppError('not_found', `order ${i.orderId} does not exist`);
  const shift = i.shiftId ? await ownOpenShift(rt.db, actor, i.shiftId) : null;
  const supervisor = i.supervisor ? await verifySupervisor(rt, o.venue_id, i.supervisor) : null;
  const now = new Date();
  const today = (await todayAt(rt.db, o.venue_id, now)).day;
  const out = await rt.db.transaction(async (tx) => {
    // The tickets' row locks: a gate admitting one of them at this instant waits, or wins first.
    const tickets = await listOrderTickets(tx, o.id, true);
    const byId = new Map(tickets.map((t) => [t.id, t]));
    const foreign = i.ticketIds.filter((id) => !byId.has(id));
    if (foreign.length)
      throw new AppError('invalid', `not tickets of order ${o.code ?? o.id}: ${foreign.join(', ')}`, {
        ticketIds: ['not in this order'],
      });
    const wanted = [...new Set(i.ticketIds)].map((id) => byId.get(id)!);
    refuseStayTickets(wanted, 'refunded');
    const gone = wanted.filter((t) => t.status !== 'valid');
    if (gone.length) throw new AppError('conflict', `already ${gone.map((t) => `${t.code} ${t.status}`).join(', ')}`);
    const used = wanted.filter((t) => t.entries > 0);
    if (used.length && !supervisor)
      throw new AppError(
        'forbidden',
        `${used.map((t) => t.code).join(', ')} ${used.length === 1 ? 'was' : 'were'} used: a supervisor must approve`,
        {
          supervisor: ['required for a used ticket'],
        },
      );
    if (used.length && !i.reason)
      throw new AppError('invalid', 'a reason is required to refund a used ticket', { reason: ['required'] });
    const priceFen = wanted.reduce((n, t) => n + t.price_fen, 0);
    const feeFen = Math.min(fen(i.fee), priceFen);
    const refundedFen = await recordRefund(tx, {
      venueId: o.venue_id,
      channelId: o.channel_id,
      orderId: o.id,
      tickets: wanted,
      now,
      today,
      feeFen,
    });
    const rows = refundRows(await listPayments(tx, o.id), refundedFen, shift?.id ?? null, actor.id ?? null);
    await insertPayments(tx, rows);
    await audit(tx, actor, {
      action: 'ticket.refund',
      venueId: o.venue_id,
      subjectKind: 'order',
      subjectId: o.id,
      before: { tickets: wanted.map((t) => ({ code: t.code, status: t.status, entries: t.entries })) },
      after: {
        tickets: wanted.map((t) => ({ code: t.code, status: 'refunded' })),
        amount: yuan(refundedFen),
        fee: yuan(feeFen),
        ...(shift ? { shiftId: shift.id } : {}),
        ...(supervisor ? { supervisor: supervisor.email } : {}),
        payments: rows.map((r) => ({ method: r.method, amount: yuan(r.amountFen) })),
      },
      reason: i.reason ?? null,
    });
    return { refunded: wanted.map((t) => t.code), amount: yuan(refundedFen), fee: yuan(feeFen) };
  });
  rt.hub?.touchCounters(o.venue_id);
  return out;
}

/**
 * Moves unused tickets to another date or slot (改签), subject to capacity and the type's rules;
 * the ticket keeps its code and the old date no longer admits. A dearer day is paid at the shift;
 * a cheaper one is given back against the original payments.
 */
/**
 * A hotel stay's tickets (a package's park tickets, the guests' lodge passes) are changed with the
 * stay at the hotel desk: its cancellation or early departure voids them and credits the folio, so
 * a refund or a new date here would pay them back twice or part them from the stay's days.
 */
function refuseStayTickets(tickets: { code: string; stay_id: number | null }[], what: string): void {
  const ofStay = tickets.filter((t) => t.stay_id !== null);
  if (ofStay.length)
    throw new AppError(
      'conflict',
      `${ofStay.map((t) => t.code).join(', ')} belong${ofStay.length === 1 ? 's' : ''} to a hotel stay: not ${what} here; the hotel desk cancels the stay or departs it early`,
      { ticketIds: ['a hotel stay’s ticket'] },
    );
}

export async function rebookAtDesk(rt: Runtime, actor: TActor, input: unknown) {
  const i = parseInput(ZRebook, input, 'rebook');
  const o = await findDeskOrder(rt.db, i.orderId);
  if (!o) throw new AppError('not_found', `order ${i.orderId} does not exist`);
  const shift = i.shiftId ? await ownOpenShift(rt.db, actor, i.shiftId) : null;
  const now = new Date();
  const lt = await todayAt(rt.db, o.venue_id, now);
  const nowMinute = lt.date === lt.day ? lt.minute : lt.minute + 1440;
  if (i.date < lt.day) throw new AppError('invalid', `date: must be ${lt.day} or later`, { date: ['in the past'] });
  const types = new Map((await listTicketTypes(rt.db, o.venue_id)).map((t) => [t.id, t]));
  const kind = await dayKind(rt.db, o.venue_id, i.date);
  const typeShows = await listTypeShows(rt.db, o.venue_id);
  const out = await rt.db.transaction(async (tx) => {
    const tickets = await listOrderTickets(tx, o.id, true);
    const byId = new Map(tickets.map((t) => [t.id, t]));
    const wanted = [...new Set(i.ticketIds)].map((id) => {
      const t = byId.get(id);
      if (!t)
        throw new AppError('invalid', `ticket ${id} is not in order ${o.code ?? o.id}`, {
          ticketIds: ['not in this order'],
        });
      if (t.status !== 'valid' || t.entries > 0)
        throw new AppError(
          'conflict',
          `${t.code} is ${t.entries > 0 ? 'used' : t.status}: only unused tickets are rebooked`,
        );
      return t;
    });
    refuseStayTickets(wanted, 'rebooked');
    await ensureQuotas(tx, o.venue_id, i.date);
    const q = await quotaIds(tx, o.venue_id, i.date);
    const moved = [];
    const give = new Map<number, number>();
    const take = new Map<number, number>();
    // A ticket that includes a show moves to a show on the new date: its seat goes with it.
    const oldSeats = await findTicketShows(
      tx,
      wanted.map((t) => t.id),
    );
    const shows = wanted.some((t) => typeShows.has(t.type_id))
      ? await ensureShowQuotas(tx, [...new Set([...typeShows.values()].flat())], i.date)
      : new Map<string, { id: number; end: string }>();
    const giveSeats = new Map<number, number>();
    const takeSeats = new Map<number, number>();
    const booked: { ticketId: number; attractionId: number; quotaId: number }[] = [];
    let diffFen = 0;
    for (const t of wanted) {
      const type = types.get(t.type_id)!;
      const v = validityFor(type, i.date);
      if (!v)
        throw new AppError('invalid', `${type.code} is not valid on ${i.date}`, {
          date: [`${type.code} is not sold for it`],
        });
      let slot: { start: string; end: string } | null = null;
      if (type.slot_required) {
        if (!i.slot) throw new AppError('invalid', `${type.code} needs a time slot`, { slot: ['required'] });
        const s = q.slots.get(i.slot);
        if (!s) throw new AppError('invalid', `there is no ${i.slot} slot on ${i.date}`, { slot: ['no such slot'] });
        if (i.date === lt.day && minutesOf(s.end) <= nowMinute)
          throw new AppError('invalid', `the ${i.slot} slot has ended`, { slot: ['ended'] });
        slot = { start: i.slot, end: s.end };
      }
      for (const attractionId of typeShows.get(t.type_id) ?? []) {
        if (!i.show)
          throw new AppError('invalid', `${type.code} includes a show: pick a show time`, { show: ['required'] });
        const s = shows.get(`${attractionId}|${i.show}`);
        if (!s) throw new AppError('invalid', `there is no ${i.show} show on ${i.date}`, { show: ['no such show'] });
        if (i.date === lt.day && minutesOf(s.end) <= nowMinute)
          throw new AppError('invalid', `the ${i.show} show has ended`, { show: ['ended'] });
        takeSeats.set(s.id, (takeSeats.get(s.id) ?? 0) + 1);
        booked.push({ ticketId: t.id, attractionId, quotaId: s.id });
      }
      for (const s of oldSeats)
        if (s.ticket_id === t.id) giveSeats.set(s.quota_id, (giveSeats.get(s.quota_id) ?? 0) + 1);
      const ids: number[] = [];
      if (type.draws_day_quota && q.day !== undefined) ids.push(q.day);
      if (slot) ids.push(q.slots.get(slot.start)!.id);
      for (const id of t.quota_ids) give.set(id, (give.get(id) ?? 0) + 1);
      for (const id of ids) take.set(id, (take.get(id) ?? 0) + 1);
      // A bundle's components carry 0: only what the ticket cost before and now is compared.
      const price = t.price_fen === 0 ? 0 : priceFor(type, kind);
      diffFen += price - t.price_fen;
      moved.push({
        id: t.id,
        visitDate: i.date,
        validFrom: v.from,
        validTo: v.to,
        slotStart: slot?.start ?? null,
        slotEnd: slot?.end ?? null,
        quotaIds: ids,
        priceFen: price,
      });
    }
    // Net of what the tickets already hold (a slot change on the same day keeps its day place).
    for (const [qid, n] of [...take.entries()].sort((a, b) => a[0] - b[0])) {
      const net = n - (give.get(qid) ?? 0);
      if (net <= 0) continue;
      const r = await takeQuota(tx, qid, net);
      if (!r.ok)
        throw new AppError('sold_out', `sold out: ${i.date}${i.slot ? ` ${i.slot}` : ''} has ${r.left} place(s) left`);
    }
    for (const [qid, n] of [...takeSeats.entries()].sort((a, b) => a[0] - b[0])) {
      const net = n - (giveSeats.get(qid) ?? 0);
      if (net <= 0) continue;
      const r = await takeShowSeats(tx, qid, net);
      if (!r.ok) throw new AppError('sold_out', `sold out: the ${i.date} ${i.show} show has ${r.left} seat(s) left`);
    }
    for (const [qid, n] of [...give.entries()].sort((a, b) => a[0] - b[0])) {
      const back = n - (take.get(qid) ?? 0);
      if (back > 0) await returnQuota(tx, qid, back);
    }
    await returnShowSeats(
      tx,
      new Map(
        [...giveSeats]
          .map(([qid, n]): [number, number] => [qid, n - (takeSeats.get(qid) ?? 0)])
          .filter(([, n]) => n > 0),
      ),
    );
    await rebookTickets(tx, moved);
    await setTicketShows(tx, booked);
    const payments: NewPayment[] = [];
    if (diffFen > 0) {
      const paid = Math.round((i.payments ?? []).reduce((n, p) => n + fen(p.amount), 0));
      if (paid !== diffFen)
        throw new AppError('invalid', `the new date costs ${yuan(diffFen)} more: take it as payments`, {
          payments: [`must add up to ${yuan(diffFen)}`],
        });
      payments.push(...paymentRows(i.payments!, o.id, shift?.id ?? null, actor.id ?? null));
    } else if (diffFen < 0)
      payments.push(...refundRows(await listPayments(tx, o.id), -diffFen, shift?.id ?? null, actor.id ?? null));
    await insertPayments(tx, payments);
    await audit(tx, actor, {
      action: 'ticket.rebook',
      venueId: o.venue_id,
      subjectKind: 'order',
      subjectId: o.id,
      before: {
        tickets: wanted.map((t) => ({
          code: t.code,
          date: t.visit_date,
          slot: t.slot_start?.slice(0, 5) ?? null,
          price: yuan(t.price_fen),
        })),
      },
      after: {
        tickets: moved.map((m) => ({ id: m.id, date: m.visitDate, slot: m.slotStart, price: yuan(m.priceFen) })),
        ...(booked.length ? { show: i.show } : {}),
        difference: yuan(diffFen),
        ...(shift ? { shiftId: shift.id } : {}),
      },
    });
    return {
      rebooked: wanted.map((t) => t.code),
      date: i.date,
      slot: i.slot ?? null,
      ...(booked.length ? { show: i.show! } : {}),
      difference: yuan(diffFen),
    };
  });
  rt.hub?.touchCounters(o.venue_id);
  return out;
}

/**
 * Replaces a lost ticket (补票): the old code is revoked (gates answer `replaced`) and a new code is
 * issued for the same entitlement, with what the old one already used.
 */
export async function replaceAtDesk(rt: Runtime, actor: TActor, input: unknown) {
  const i = parseInput(ZReplace, input, 'replace');
  return rt.db.transaction(async (tx) => {
    const t = await findDeskTicket(tx, { id: i.ticketId });
    if (!t) throw new AppError('not_found', `ticket ${i.ticketId} does not exist`);
    await lockTicketsByCode(tx, [t.code]);
    if (t.status !== 'valid')
      throw new AppError('conflict', `${t.code} is ${t.status}: only a valid ticket is replaced`);
    const code = newTicketCode();
    const newId = await replaceTicket(tx, t.id, code);
    await audit(tx, actor, {
      action: 'ticket.replace',
      venueId: t.venue_id,
      subjectKind: 'ticket',
      subjectId: t.id,
      before: { code: t.code, status: 'valid' },
      after: { status: 'replaced', replacedBy: newId, newCode: `${code.slice(0, 5)}…` },
      reason: i.reason,
    });
    return { oldCode: t.code, ticketId: newId, code, orderId: t.order_id };
  });
}

/** Records that an order's tickets were printed; a reprint is audited (补打). */
export async function markOrderPrinted(rt: Runtime, actor: TActor, input: unknown, venueId: number) {
  const i = parseInput(ZPrinted, input, 'print');
  await rt.db.transaction(async (tx) => {
    await markPrinted(tx, i.orderId);
    await audit(tx, actor, {
      action: i.reprint ? 'order.reprint' : 'order.print',
      venueId,
      subjectKind: 'order',
      subjectId: i.orderId,
    });
  });
  return { ok: true as const };
}

// ---------------------------------------------------------------------------------------------
// Check-in desk (人工检票台)

async function gateOf(db: Queryable, gateId: number): Promise<GateForDesk> {
  const g = await findGateForDesk(db, gateId);
  if (!g) throw new AppError('not_found', `gate ${gateId} does not exist`);
  return g;
}

/** The desk as the ingest sees it: a device (id 0) standing at the chosen gate. */
export function deskDevice(gate: GateForDesk): DeviceAuthRow {
  return {
    id: 0,
    gate_id: gate.id,
    gate_code: gate.code,
    venue_id: gate.venue_id,
    zone_id: gate.zone_id,
    perimeter: gate.perimeter,
    edge: gate.edge,
    other_zone_id: gate.other_zone_id,
    attraction_id: gate.attraction_id,
  };
}

/** The ticket a code or an ID number presents at a gate: for an ID number, the holder's ticket valid today. */
async function presentedTicket(
  rt: Runtime,
  venueId: number,
  presented: { code: string } | { idNumber: string },
  today: string,
) {
  if ('code' in presented) {
    const code = normalizeTicketCode(presented.code);
    if (!code) return { error: 'invalid' as const };
    const t = await findDeskTicket(rt.db, { code });
    return t && t.venue_id === venueId ? { ticket: t } : { error: 'unknown' as const };
  }
  const held = await findHolderTickets(
    rt.db,
    venueId,
    rt.sales!.idCrypto.blindIndex(presented.idNumber).toString('hex'),
    today,
  );
  if (!held.length) return { error: 'unknown' as const };
  if (held.length > 1)
    return {
      error: 'ambiguous' as const,
      candidates: held.map((t) => ({
        id: t.id,
        type: t.type_code,
        typeNameZh: t.type_name_zh,
        typeNameEn: t.type_name_en,
        date: t.visit_date,
      })),
    };
  return { ticket: held[0] };
}

/**
 * Whether a presented ticket would be admitted now at this gate, and if not why: the gates' own
 * decision, on the ticket's current state, with no side effects.
 */
export async function checkAtDesk(rt: Runtime, input: unknown) {
  const i = parseInput(ZCheckTicket, input, 'check');
  const gate = await gateOf(rt.db, i.gateId);
  const lt = await todayAt(rt.db, gate.venue_id);
  const found = await presentedTicket(rt, gate.venue_id, i.presented, lt.day);
  if (!('ticket' in found) || !found.ticket)
    return {
      found: false as const,
      reason: found.error,
      ...('candidates' in found ? { candidates: found.candidates } : {}),
    };
  const [row] = await lockTicketsByCode(rt.db, [found.ticket.code], false);
  const occ = await readOccupancy(rt.db, [{ zoneId: gate.zone_id, day: lt.day }]);
  const o = occ?.get(`${gate.zone_id}|${lt.day}`);
  const d = decide(stateOf(row), rulesOf(row), {
    direction: i.direction,
    day: lt.day,
    minute: lt.minute,
    zoneId: gate.zone_id,
    zoneHasRoom: !o || o.count < o.capacity,
  });
  return {
    found: true as const,
    ticket: { ...ticketView(found.ticket, lt.day), orderId: found.ticket.order_id },
    decision: d.result === 'admit' ? { result: 'admit' as const } : { result: 'reject' as const, reason: d.reason },
  };
}

/**
 * Admits by hand at a gate (人工放行), like a gate scan (occupancy, totals, gate_scans marked with the
 * user) through the gates' own ingest; a refusal of the rules is overridden only with a supervisor's
 * own credentials and a reason, or with a supervisor's approval of the desk's request (used up by
 * this admission), recorded on the scan and reported per supervisor and reason.
 */
export async function admitAtDesk(
  rt: Runtime,
  actor: TActor,
  input: unknown,
): Promise<TScanAck & { supervisor?: string }> {
  const i = parseInput(ZManualAdmit, input, 'manual admission');
  const gate = await gateOf(rt.db, i.gateId);
  const t = await findDeskTicket(rt.db, { id: i.ticketId });
  if (!t || t.venue_id !== gate.venue_id)
    throw new AppError('not_found', `ticket ${i.ticketId} does not exist at this venue`);
  // A supervisor's credentials typed here, or their approval from their own screen (used up here).
  const o = i.override;
  const override =
    o && 'approvalId' in o
      ? await claimApproval(rt, actor, {
          approvalId: o.approvalId,
          ticketId: t.id,
          gateId: gate.id,
          direction: i.direction,
          admissionId: i.requestId,
        })
      : o
        ? { supervisor: await verifySupervisor(rt, gate.venue_id, o.supervisor), reason: o.reason, note: o.note }
        : null;
  const desk = deskDevice(gate);
  const [ack] = await rt.ingest!.submit(
    desk,
    [{ id: `desk-${actor.id}-${i.requestId}`, code: t.code, direction: i.direction, at: new Date() }],
    [],
    undefined,
    {
      userId: actor.id!,
      ...(override ? { override: { reason: override.reason, supervisorId: override.supervisor.id } } : {}),
    },
  );
  if ('result' in ack && ack.result === 'admit' && override) {
    // A retry of this admission (its answer was lost) is answered from the gates' idempotency: no
    // second entry, and no second override in the audit trail or the supervisors' report.
    await rt.db.transaction((tx) =>
      auditOnce(tx, actor, i.requestId, {
        action: 'gate.override',
        venueId: gate.venue_id,
        subjectKind: 'ticket',
        subjectId: t.id,
        after: {
          gate: gate.code,
          direction: i.direction,
          supervisor: override.supervisor.email,
          overrideReason: override.reason,
          ...(o && 'approvalId' in o ? { approvalId: o.approvalId } : {}),
        },
        reason: override.note ?? override.reason,
      }),
    );
  }
  return { ...ack, ...(override ? { supervisor: override.supervisor.email } : {}) };
}

/**
 * A group code at the desk (团体码): the group's order and guide, booked against arrived, and how
 * many of its tickets this gate would admit now (the gates' own decision, no side effects).
 */
export async function checkGroupAtDesk(rt: Runtime, input: unknown) {
  const i = parseInput(ZCheckGroup, input, 'group check');
  const code = normalizeGroupCode(i.groupCode);
  if (!code) throw new AppError('invalid', 'groupCode: not a group code', { groupCode: ['not a group code'] });
  const gate = await gateOf(rt.db, i.gateId);
  const lt = await todayAt(rt.db, gate.venue_id);
  const { direction } = i;
  const members = await findGroupTicketCodes(rt.db, gate.venue_id, code);
  if (!members.length) return { found: false as const, reason: 'unknown' as const };
  const [rows, headcount, first] = await Promise.all([
    lockTicketsByCode(rt.db, members, false),
    countGroup(rt.db, gate.venue_id, code),
    findDeskTicket(rt.db, { code: members[0] }),
  ]);
  const o = first ? await findDeskOrder(rt.db, first.order_id) : undefined;
  const occ = await readOccupancy(rt.db, [{ zoneId: gate.zone_id, day: lt.day }]);
  const z = occ?.get(`${gate.zone_id}|${lt.day}`);
  const room = z ? Math.max(0, z.capacity - z.count) : Number.POSITIVE_INFINITY;
  const admissible = rows.filter(
    (t) =>
      decide(stateOf(t), rulesOf(t), {
        direction,
        day: lt.day,
        minute: lt.minute,
        zoneId: gate.zone_id,
        zoneHasRoom: true,
      }).result === 'admit',
  ).length;
  return {
    found: true as const,
    group: {
      code,
      orderId: o?.id ?? null,
      orderCode: o?.code ?? null,
      guideName: o?.guide_name ?? null,
      guidePhone: o?.guide_phone ?? null,
      ...headcount,
      /** How many this gate would let in now: admissible tickets, within the zone's room for entries. */
      admissibleNow: direction === 'in' ? Math.min(admissible, room) : admissible,
    },
  };
}

/**
 * Lets a group in by hand at the desk (团体检票): a headcount of its unused tickets, through the
 * gates' own ingest as a group scan, marked manual with the user; never more than are left.
 */
export async function admitGroupAtDesk(rt: Runtime, actor: TActor, input: unknown): Promise<TScanAck> {
  const i = parseInput(ZGroupAdmit, input, 'group admission');
  const code = normalizeGroupCode(i.groupCode);
  if (!code) throw new AppError('invalid', 'groupCode: not a group code', { groupCode: ['not a group code'] });
  const gate = await gateOf(rt.db, i.gateId);
  const desk = deskDevice(gate);
  const id = `desk-${actor.id}-${i.requestId}`;
  const acks = await rt.ingest!.submit(
    desk,
    groupMembers({ id, direction: i.direction, at: new Date() }, code, i.count),
    [],
    undefined,
    { userId: actor.id! },
  );
  const answer = await groupAnswer(rt.db, rt.config, desk, id, code, acks);
  const admitted = 'group' in answer ? (answer.group?.admitted ?? 0) : 0;
  if (admitted)
    await rt.db.transaction((tx) =>
      auditOnce(tx, actor, i.requestId, {
        action: 'gate.group_admit',
        venueId: gate.venue_id,
        subjectKind: 'gate',
        subjectId: gate.id,
        after: { group: code, direction: i.direction, requested: i.count, admitted },
      }),
    );
  return answer;
}
