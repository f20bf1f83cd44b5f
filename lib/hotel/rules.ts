import { addDays, localTime, minutesOf, weekdayOf } from '../venue-time.ts';

/**
 * The hotel's rules that need no database: the nights of a stay, rates by day kind, what a
 * cancellation or no-show costs, and which state changes are allowed. The services (server/services/
 * hotel*.ts) apply them inside their transactions; the screens show the same numbers.
 */

/** How ticket types price a day (server/services/sales.ts dayKind): the rooms price the same way. */
export type TDayKind = 'weekday' | 'weekend' | 'holiday';

/** Longest stay one booking takes (nights): longer stays are several bookings (or a long-stay contract). */
export const MAX_NIGHTS = 30;

/** The nights of a stay [checkIn, checkOut): a stay from the 1st to the 3rd is the nights of the 1st and the 2nd. */
export function nightsOf(checkIn: string, checkOut: string): string[] {
  const out: string[] = [];
  for (let d = checkIn; d < checkOut; d = addDays(d, 1)) out.push(d);
  return out;
}

/** The later of two YYYY-MM-DD dates (they sort as text). */
export function laterDate(a: string, b: string): string {
  return [a, b].sort()[1];
}

/** The day kind of a night: a holiday (the venue's holidays table), else Saturday and Sunday nights are the weekend. */
export function dayKindOf(night: string, holidays: ReadonlySet<string>): TDayKind {
  if (holidays.has(night)) return 'holiday';
  const wd = weekdayOf(night);
  // Friday and Saturday nights are a hotel's weekend (the guest stays into Saturday and Sunday).
  return wd === 5 || wd === 6 ? 'weekend' : 'weekday';
}

/** A room type's rate (fen) for a day kind; weekend and holiday rates fall back as ticket prices do. */
export function rateFor(
  t: { rate_fen: number; weekend_rate_fen: number | null; holiday_rate_fen: number | null },
  kind: TDayKind,
): number {
  if (kind === 'holiday') return t.holiday_rate_fen ?? t.weekend_rate_fen ?? t.rate_fen;
  if (kind === 'weekend') return t.weekend_rate_fen ?? t.rate_fen;
  return t.rate_fen;
}

/** One night as quoted at booking: the room's rate and the plan's part (breakfast, package tickets). */
export interface TNightRate {
  night: string;
  room: number;
  plan: number;
}

/** The first night's charge (fen): what cancellation and no-show fees are a share of. */
export function firstNightFen(rates: readonly TNightRate[]): number {
  const r = rates[0];
  return r ? r.room + r.plan : 0;
}

/**
 * The instant a local date and time happen at a venue (the arrival day's check-in time). Correct
 * for any timezone the Intl database knows, DST included: the guess at UTC is moved by the offset
 * the venue had then, twice (the second pass settles an offset that changed in between).
 */
export function localInstant(date: string, time: string, timeZone: string): Date {
  const wanted = Date.parse(`${date}T00:00:00Z`) + minutesOf(time) * 60_000;
  let at = wanted;
  for (let i = 0; i < 2; i++) {
    const lt = localTime(new Date(at), timeZone);
    const seen = Date.parse(`${lt.date}T00:00:00Z`) + lt.minute * 60_000;
    at += wanted - seen;
  }
  return new Date(at);
}

export interface TCancelRule {
  free_cancel_hours: number;
  cancel_fee_pct: number;
  no_show_fee_pct: number;
}

/**
 * What cancelling costs (fen): nothing until `free_cancel_hours` before the arrival day's check-in
 * time, then `cancel_fee_pct` of the first night. `arrival` is that instant (localInstant).
 */
export function cancellationFee(rule: TCancelRule, arrival: Date, now: Date, firstNight: number): number {
  const freeUntil = arrival.getTime() - rule.free_cancel_hours * 3_600_000;
  if (now.getTime() < freeUntil) return 0;
  return Math.round((firstNight * rule.cancel_fee_pct) / 100);
}

/** What a no-show costs (fen): `no_show_fee_pct` of the first night. */
export function noShowFee(rule: TCancelRule, firstNight: number): number {
  return Math.round((firstNight * rule.no_show_fee_pct) / 100);
}

/** A stay's states (db/migrations/0017_hotel.sql). */
export const STAY_STATES = ['confirmed', 'checked_in', 'checked_out', 'no_show', 'cancelled'] as const;
export type TStayState = (typeof STAY_STATES)[number];

/**
 * Allowed changes of a stay's state: the table every transition is checked against, each then
 * made by one UPDATE guarded by its `from` state so two desks at once cannot both make it. The
 * reverts (a mistaken check-in or check-out) need a supervisor.
 */
export const STAY_TRANSITIONS = {
  check_in: { from: 'confirmed', to: 'checked_in', supervisor: false },
  check_out: { from: 'checked_in', to: 'checked_out', supervisor: false },
  cancel: { from: 'confirmed', to: 'cancelled', supervisor: false },
  no_show: { from: 'confirmed', to: 'no_show', supervisor: false },
  revert_check_in: { from: 'checked_in', to: 'confirmed', supervisor: true },
  revert_check_out: { from: 'checked_out', to: 'checked_in', supervisor: true },
} as const satisfies Record<string, { from: TStayState; to: TStayState; supervisor: boolean }>;
export type TStayTransition = keyof typeof STAY_TRANSITIONS;

/** Housekeeping states of a room: checking out makes it dirty; a guest checks in to clean or inspected only. */
export const HOUSEKEEPING_STATES = ['clean', 'dirty', 'inspected'] as const;
export type THousekeeping = (typeof HOUSEKEEPING_STATES)[number];

export function isReadyForGuest(state: THousekeeping): boolean {
  return state === 'clean' || state === 'inspected';
}

/** The balance of a folio (fen): charges are positive, payments and credits negative. */
export function balanceOf(lines: readonly { amount_fen: number }[]): number {
  return lines.reduce((s, l) => s + Number(l.amount_fen), 0);
}
