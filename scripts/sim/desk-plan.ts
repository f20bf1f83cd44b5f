import type { TPaymentMethod } from '../../lib/schemas/front-desk.ts';
import { minutesOf } from '../../lib/venue-time.ts';
import { DAY_CLOSE_MIN, DAY_OPEN_MIN } from './clock.ts';
import { fakeCustomer, randomInt, type Rand } from './orders.ts';

/**
 * What the lodge's simulated front desk decides, without any I/O: when each guest comes to the
 * desk on the simulated clock, who they register, what deposit they leave and how the folio is
 * settled at departure. The desk itself (front-desk.ts) does it over the app's tRPC API.
 */

/** Arrivals come from this long before the check-in time (sim minutes): the early ones wait for a clean room. */
const EARLY_ARRIVAL_MIN = 120;
/** The last guests of the simulated day reach the desk this long before it ends (sim minutes). */
const LAST_ARRIVAL_BEFORE_CLOSE_MIN = 10;
/** Departures are done by this long before the check-out time (sim minutes). */
const LAST_DEPARTURE_BEFORE_CHECKOUT_MIN = 5;
/** Share of the arrivals who never come (the night audit makes them no-shows). */
const NO_SHOW_SHARE = 0.05;
/** Incidentals on top of the room charges in a deposit (yuan), one picked per guest. */
const INCIDENTALS_YUAN = [0, 100, 200, 300];
/** Share of departing guests who had something from the minibar or the restaurant on their room. */
const EXTRA_SHARE = 0.3;

export type TDeskTimes = { checkInTime: string; checkOutTime: string };

/** A number in [0, 1) fixed for a stay and what happens to it, so a restarted simulator plans the same. */
function stayFraction(stayId: number, what: string): number {
  // FNV-1a over the key, then a final avalanche (murmur3's fmix32) so neighbouring ids spread out.
  let h = 0x811c9dc5;
  for (const ch of `${stayId}:${what}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 2 ** 32;
}

/**
 * The simulated minute a stay's guest comes to the desk: arrivals from two hours before the
 * check-in time to the end of the simulated day, departures from the opening to the check-out time.
 */
export function deskMinute(stayId: number, kind: 'arrival' | 'departure', times: TDeskTimes): number {
  const [from, to] =
    kind === 'arrival'
      ? [minutesOf(times.checkInTime) - EARLY_ARRIVAL_MIN, DAY_CLOSE_MIN - LAST_ARRIVAL_BEFORE_CLOSE_MIN]
      : [DAY_OPEN_MIN, minutesOf(times.checkOutTime) - LAST_DEPARTURE_BEFORE_CHECKOUT_MIN];
  const lo = Math.max(DAY_OPEN_MIN, Math.min(from, to));
  const hi = Math.max(lo, to);
  return Math.floor(lo + stayFraction(stayId, kind) * (hi - lo));
}

/** A no-show never comes to the desk; the night audit deals with them. */
export function isNoShow(stayId: number): boolean {
  return stayFraction(stayId, 'no-show') < NO_SHOW_SHARE;
}

/**
 * The stays whose guests are at the desk by `simMinute`, in the order they came. An arrival that
 * is a no-show never is; a stay held back after a failure waits until its `retryAt` (real ms).
 */
export function dueAtDesk<T extends { id: number }>(
  lines: readonly T[],
  kind: 'arrival' | 'departure',
  simMinute: number,
  times: TDeskTimes,
  heldUntil: ReadonlyMap<number, number> = new Map(),
  now = Date.now(),
): T[] {
  return lines
    .filter((s) => !(kind === 'arrival' && isNoShow(s.id)))
    .filter((s) => (heldUntil.get(s.id) ?? 0) <= now)
    .map((s) => ({ s, at: deskMinute(s.id, kind, times) }))
    .filter((x) => x.at <= simMinute)
    .sort((a, b) => a.at - b.at || a.s.id - b.s.id)
    .map((x) => x.s);
}

/** GB 11643 region codes of cities the lodge's guests come from (Kunming, Chengdu, Shanghai, ...). */
const REGIONS = ['530102', '530103', '510107', '510104', '310104', '310115', '110105', '440106', '330106', '420106'];
const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = '10X98765432';

/**
 * A valid-looking resident ID-card number (身份证号: region, birth date, sequence, the ISO 7064
 * MOD 11-2 check character) of someone `age` years old on `today` (YYYY-MM-DD). Not a real person's:
 * the sequence is random.
 */
export function fakeIdNumber(age: number, today: string, rand: Rand = Math.random): string {
  const year = Number(today.slice(0, 4)) - age - 1;
  // A birthday in the year before the one that makes them `age`, any day of it (28th at most: every month has it).
  const two = (n: number) => String(n).padStart(2, '0');
  const birth = `${year}${two(randomInt(1, 12, rand))}${two(randomInt(1, 28, rand))}`;
  const region = REGIONS[randomInt(0, REGIONS.length - 1, rand)];
  const first17 = region + birth + String(randomInt(1, 999, rand)).padStart(3, '0');
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * ID_WEIGHTS[i];
  return first17 + ID_CHECK[sum % 11];
}

type TGuestEntry = { name: string; idNumber: string };

/**
 * Every guest of a stay as the desk registers them (实名登记): the booker first, the other adults,
 * then the children with the booker's surname; each a different ID number.
 */
export function registerGuests(
  stay: { adults: number; children: number; customer: { name: string | null } },
  today: string,
  rand: Rand = Math.random,
): TGuestEntry[] {
  const booker = stay.customer.name?.trim() || fakeCustomer(rand).name;
  const surname = Array.from(booker)[0];
  const guests: TGuestEntry[] = [];
  const seen = new Set<string>();
  const add = (name: string, age: number) => {
    let idNumber = fakeIdNumber(age, today, rand);
    while (seen.has(idNumber)) idNumber = fakeIdNumber(age, today, rand);
    seen.add(idNumber);
    guests.push({ name, idNumber });
  };
  for (let i = 0; i < stay.adults; i++) add(i === 0 ? booker : fakeCustomer(rand).name, randomInt(22, 72, rand));
  for (let i = 0; i < stay.children; i++) add(surname + fakeCustomer(rand).name.slice(1), randomInt(4, 13, rand));
  return guests;
}

const fen = (yuan: number) => Math.round(yuan * 100);

/**
 * The deposit (押金) a guest leaves at check-in: the stay's room and plan charges rounded up to
 * a hundred yuan, plus some incidentals; at least 100 yuan.
 */
export function depositYuan(stay: { rates: { room: number; plan: number }[] }, rand: Rand = Math.random): number {
  const charges = stay.rates.reduce((n, r) => n + fen(r.room) + fen(r.plan), 0);
  const rounded = Math.ceil(charges / 10_000) * 100;
  return Math.max(100, rounded + INCIDENTALS_YUAN[randomInt(0, INCIDENTALS_YUAN.length - 1, rand)]);
}

type TPaymentInput = { method: TPaymentMethod; amount: number; tendered?: number; reference?: string };

/** How a guest pays at the desk: mostly WeChat Pay or Alipay (a terminal reference), some cash, some card. */
export function deskPayment(amount: number, rand: Rand = Math.random): TPaymentInput {
  const r = rand();
  const ref = (prefix: string) => `${prefix}${String(randomInt(0, 999_999_999, rand)).padStart(9, '0')}`;
  if (r < 0.45) return { method: 'wechat', amount, reference: ref('WX') };
  if (r < 0.75) return { method: 'alipay', amount, reference: ref('ALI') };
  if (r < 0.9) return { method: 'card', amount, reference: ref('POS') };
  // Cash: what the guest hands over, in hundreds.
  return { method: 'cash', amount, tendered: Math.ceil(amount / 100) * 100 };
}

/** Something the guest had on their room before leaving (posted as an extra before settling), or none. */
export function departureExtra(
  rand: Rand = Math.random,
): { category: 'minibar' | 'restaurant'; descriptionZh: string; descriptionEn: string; amount: number } | null {
  if (rand() >= EXTRA_SHARE) return null;
  return rand() < 0.5
    ? { category: 'minibar', descriptionZh: '迷你吧', descriptionEn: 'Minibar', amount: randomInt(2, 8, rand) * 10 }
    : {
        category: 'restaurant',
        descriptionZh: '餐厅晚餐',
        descriptionEn: 'Restaurant dinner',
        amount: randomInt(8, 40, rand) * 10,
      };
}

type TSettlement =
  | { kind: 'none' }
  | { kind: 'pay'; amount: number }
  /** Gives back what the deposits cover of a credit balance, newest deposit first; `short` is what they do not. */
  | { kind: 'refund'; refunds: { paymentId: number; amount: number }[]; short: number };

/**
 * What settles a folio before check-out: a balance due is paid; a credit (the deposit was more
 * than the charges) is refunded from the deposits, never more than each was.
 */
export function settlement(stay: {
  balance: number;
  folio: { kind: string; amount: number; paymentId: number | null }[];
}): TSettlement {
  const balance = fen(stay.balance);
  if (balance === 0) return { kind: 'none' };
  if (balance > 0) return { kind: 'pay', amount: balance / 100 };
  let left = -balance;
  const refunds: { paymentId: number; amount: number }[] = [];
  const deposits = stay.folio.filter((l) => l.kind === 'deposit' && l.paymentId !== null && l.amount < 0);
  for (const d of deposits.reverse()) {
    if (!left) break;
    const amount = Math.min(left, -fen(d.amount));
    refunds.push({ paymentId: d.paymentId!, amount: amount / 100 });
    left -= amount;
  }
  return { kind: 'refund', refunds, short: left / 100 };
}

/**
 * The night audit (夜审) is due when the hotel's business date is behind the venue's business day
 * (the real one, with its reset): the night auditor closes the day after midnight.
 */
export function isAuditDue(hotelDate: string, venueDay: string): boolean {
  return hotelDate < venueDay;
}
