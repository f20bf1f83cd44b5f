import type { TCatalog, TOrderInput } from '../../lib/schemas/order.ts';
import { minutesOf } from '../../lib/venue-time.ts';

export type Rand = () => number;

/** How a channel's customers buy: who they are, when they come, how far ahead they book. */
export interface ChannelProfile {
  transport: 'http' | 'socket';
  /** Buyers standing at the park (window, kiosk): today, the slot that admits now, arriving within minutes. */
  walkUp: boolean;
  /** Share of orders for a later visit date (not scanned today). */
  advanceShare: number;
  /** Of today's slot orders, the share for the next slot rather than the current one. */
  nextSlotShare: number;
  /** Mean time from purchase to arriving at a gate (simulated minutes). */
  arrivalSimMin: number;
  /** Relative weights of party sizes 1..6. */
  sizeWeights: number[];
  seniorShare: number;
  childShare: number;
  studentShare: number;
  /** Share of orders that are two-day passes (hotel guests, hikers), combos, ropeway add-ons. */
  twoDayShare: number;
  comboShare: number;
  ropewayShare: number;
  /** Online channels know the buyer (real-name booking). */
  named: boolean;
  /**
   * This channel's part of the venue's tour groups (团体票, see planGroup), relative to the other
   * channels'; 0: it sells none. Groups come on a schedule of their own (SalesChannel), not as a
   * share of orders: a share large enough to be seen in a short demo made them most of the visitors.
   */
  groupWeight: number;
  /** Share of orders that are skiers (ski passes and a ropeway return each), while the lifts run today. */
  skiShare: number;
  /** Share of orders that are night-session tickets, while the night session admits (real time). */
  nightShare: number;
  /** Lodge rooms this channel books per real minute (room lines, docs/channel-protocol.md); 0: none. */
  roomsPerMin: number;
  /** Of those, the share on the package plan (the room with its park tickets), the rest room only or B&B. */
  packageShare: number;
}

const BASE: ChannelProfile = {
  transport: 'http',
  walkUp: false,
  advanceShare: 0.12,
  nextSlotShare: 0.15,
  arrivalSimMin: 45,
  sizeWeights: [18, 34, 20, 15, 8, 5],
  seniorShare: 0.1,
  childShare: 0.12,
  studentShare: 0.08,
  twoDayShare: 0.06,
  comboShare: 0.09,
  ropewayShare: 0.05,
  named: true,
  groupWeight: 0,
  skiShare: 0.08,
  nightShare: 0.5,
  roomsPerMin: 0,
  packageShare: 0,
};

/** The demo channels (server/services/seed.ts DEMO_CHANNELS); an unknown code is treated as an online shop. */
export const CHANNEL_PROFILES: Record<string, ChannelProfile> = {
  WECHAT: { ...BASE },
  // The OTAs also sell for travel agencies: they book the tour groups, Ctrip more of them.
  CTRIP: {
    ...BASE,
    advanceShare: 0.2,
    nextSlotShare: 0.2,
    arrivalSimMin: 70,
    twoDayShare: 0.09,
    comboShare: 0.12,
    groupWeight: 0.6,
    skiShare: 0.1,
    // The OTAs sell the lodge: about 50 rooms an hour between them fill its 60 for tonight and the next days.
    roomsPerMin: 0.5,
    packageShare: 0.4,
  },
  MEITUAN: {
    ...BASE,
    advanceShare: 0.15,
    arrivalSimMin: 55,
    studentShare: 0.14,
    sizeWeights: [22, 38, 18, 12, 6, 4],
    groupWeight: 0.4,
    skiShare: 0.06,
    roomsPerMin: 0.3,
    packageShare: 0.3,
  },
  'WINDOW-1': {
    ...BASE,
    transport: 'socket',
    walkUp: true,
    advanceShare: 0,
    nextSlotShare: 0,
    arrivalSimMin: 5,
    seniorShare: 0.22,
    comboShare: 0.07,
    named: false,
    skiShare: 0.1,
    nightShare: 0.7,
  },
  'KIOSK-1': {
    ...BASE,
    transport: 'socket',
    walkUp: true,
    advanceShare: 0,
    nextSlotShare: 0,
    arrivalSimMin: 3,
    sizeWeights: [30, 40, 16, 10, 3, 1],
    seniorShare: 0.04,
    named: false,
    // The kiosk sells park tickets; skiers buy at the window or online.
    skiShare: 0,
    nightShare: 0.7,
  },
};

export function profileOf(channelCode: string): ChannelProfile {
  return CHANNEL_PROFILES[channelCode] ?? BASE;
}

export function pickWeighted<T>(items: readonly T[], weights: readonly number[], rand: Rand = Math.random): T {
  const total = weights.reduce((s, w) => s + w, 0);
  let r = rand() * total;
  for (let i = 0; i < items.length; i++) {
    r -= weights[i];
    if (r < 0) return items[i];
  }
  return items[items.length - 1];
}

export function randomInt(min: number, max: number, rand: Rand = Math.random): number {
  return min + Math.floor(rand() * (max - min + 1));
}

/** Exponentially distributed wait with this mean (Poisson arrivals). */
export function expo(mean: number, rand: Rand = Math.random): number {
  return -Math.log(1 - rand()) * mean;
}

export type PartyKind = 'day' | 'combo' | 'two-day' | 'group' | 'ski' | 'night';

/** What one party wants to buy: one entry ticket type per person, plus ropeway add-ons. */
export interface PartyPlan {
  kind: PartyKind;
  /** Ticket type per person: ADULT, CHILD, SENIOR, STUDENT, COMBO, TWO-DAY, SKI-DAY, SKI-10, POINTS or NIGHT. */
  persons: string[];
  /** ROPEWAY tickets bought on top (the first `ropeway` persons ride). */
  ropeway: number;
}

/** What can be sold now, by the clocks: ski passes while the lifts run today, night tickets in the night session. */
export interface SellingNow {
  ski: boolean;
  night: boolean;
}

/** The ski passes (with entry) and how often each is bought. */
const SKI_TYPES: [string, number][] = [
  ['SKI-DAY', 5],
  ['SKI-10', 2.5],
  ['POINTS', 2.5],
];

export function planParty(
  profile: ChannelProfile,
  rand: Rand = Math.random,
  now: SellingNow = { ski: false, night: false },
): PartyPlan {
  const size = pickWeighted([1, 2, 3, 4, 5, 6], profile.sizeWeights, rand);
  if (now.night && rand() < profile.nightShare)
    return { kind: 'night', persons: Array(Math.min(size, 4)).fill('NIGHT'), ropeway: 0 };
  const roll = rand();
  if (roll < profile.twoDayShare) return { kind: 'two-day', persons: Array(size).fill('TWO-DAY'), ropeway: 0 };
  const isCombo = roll < profile.twoDayShare + profile.comboShare;
  if (!isCombo && now.ski && roll < profile.twoDayShare + profile.comboShare + profile.skiShare) {
    // Skiers come in ones to fours with the same pass, and a ropeway return each (the ski area is at the summit).
    const n = Math.min(size, 4);
    const pass = pickWeighted(
      SKI_TYPES.map(([t]) => t),
      SKI_TYPES.map(([, w]) => w),
      rand,
    );
    return { kind: 'ski', persons: Array(n).fill(pass), ropeway: n };
  }
  const persons: string[] = [];
  for (let i = 0; i < size; i++) {
    // The first person is the one who buys (no child); the others are family and friends.
    const child = i > 0 ? profile.childShare : 0;
    const r = rand();
    let type = 'ADULT';
    if (r < child) type = 'CHILD';
    else if (r < child + profile.seniorShare) type = 'SENIOR';
    else if (r < child + profile.seniorShare + profile.studentShare) type = 'STUDENT';
    persons.push(isCombo && type === 'ADULT' ? 'COMBO' : type);
  }
  // A party that rides buys a ropeway ticket for everyone; a combo's adults have theirs on their
  // ticket, and the children and seniors with them get a ropeway ticket each.
  const ropeway = isCombo ? persons.filter((p) => p !== 'COMBO').length : rand() < profile.ropewayShare ? size : 0;
  return { kind: isCombo ? 'combo' : 'day', persons, ropeway };
}

/** A tour group's headcount: a minibus to a full coach. */
export const GROUP_SIZE = { min: 10, max: 40 } as const;
/** Of a tour group, the share of seniors and of children (the rest are adults). */
const GROUP_SENIOR_SHARE = 0.15;
const GROUP_CHILD_SHARE = 0.08;

/**
 * A tour group an agency books (团体票): 10 to 40 persons, mostly adults with some seniors and
 * children, day tickets only (no ropeway: the guide buys those at the station if the group rides).
 * fitToCatalog turns the types a day does not sell into adult tickets, like any party's.
 */
export function planGroup(rand: Rand = Math.random): PartyPlan {
  const size = randomInt(GROUP_SIZE.min, GROUP_SIZE.max, rand);
  const persons: string[] = [];
  for (let i = 0; i < size; i++) {
    const r = rand();
    persons.push(r < GROUP_SENIOR_SHARE ? 'SENIOR' : r < GROUP_SENIOR_SHARE + GROUP_CHILD_SHARE ? 'CHILD' : 'ADULT');
  }
  return { kind: 'group', persons, ropeway: 0 };
}

/** Replaces types the catalog does not sell that day (e.g. no two-day passes) with adult tickets. */
export function fitToCatalog(plan: PartyPlan, catalog: TCatalog): PartyPlan {
  const sold = new Set(catalog.types.map((t) => t.code));
  const fallback = sold.has('ADULT') ? 'ADULT' : catalog.types[0]?.code;
  const persons = plan.persons.map((p) => (sold.has(p) ? p : fallback)).filter((p): p is string => !!p);
  const keeps: Partial<Record<PartyKind, (p: string) => boolean>> = {
    'two-day': (p) => p === 'TWO-DAY',
    combo: (p) => p === 'COMBO',
    ski: (p) => SKI_TYPES.some(([t]) => t === p),
    night: (p) => p === 'NIGHT',
  };
  const keep = keeps[plan.kind];
  const kind: PartyKind = keep && !persons.some(keep) ? 'day' : plan.kind;
  return { kind, persons, ropeway: sold.has('ROPEWAY') ? Math.min(plan.ropeway, persons.length) : 0 };
}

/** Persons of the plan whose ticket needs a time slot (a combo includes a slotted adult ticket). */
export function slotNeed(plan: PartyPlan, catalog: TCatalog): number {
  const slotted = new Set(catalog.types.filter((t) => t.slotRequired).map((t) => t.code));
  return plan.persons.filter((p) => slotted.has(p)).length;
}

export type TSlot = TCatalog['slots'][number];

/** Minutes before a slot's end after which nobody sells it for today any more. */
const LAST_SALE_BEFORE_END_MIN = 10;
/** A slot ticket admits from this long before the slot start (ticket_types.entry_window_before_min of the demo). */
export const ENTRY_WINDOW_BEFORE_MIN = 15;

/**
 * The slot a party books: for today (nowMinute given) the slot that admits now, sometimes the next
 * one; for a later date any slot, mostly the morning. Only slots with room for `need`.
 */
export function chooseSlot(
  catalog: TCatalog,
  need: number,
  nowMinute: number | null,
  nextShare: number,
  rand: Rand = Math.random,
): TSlot | undefined {
  const open = catalog.slots
    .filter((s) => !s.closed && s.remaining >= need)
    .sort((a, b) => minutesOf(a.start) - minutesOf(b.start));
  if (nowMinute === null)
    return open.length
      ? pickWeighted(
          open,
          open.map((_, i) => Math.max(1, 5 - i)),
          rand,
        )
      : undefined;
  const sellable = open.filter((s) => minutesOf(s.end) - LAST_SALE_BEFORE_END_MIN > nowMinute);
  const admitting = sellable.filter((s) => minutesOf(s.start) - ENTRY_WINDOW_BEFORE_MIN <= nowMinute);
  const upcoming = sellable.filter((s) => minutesOf(s.start) - ENTRY_WINDOW_BEFORE_MIN > nowMinute);
  // The slot that started last among those admitting now is "the current one".
  const current = admitting[admitting.length - 1];
  if (current && (rand() >= nextShare || !upcoming.length)) return current;
  if (!upcoming.length) return undefined;
  return rand() < 0.85 ? upcoming[0] : upcoming[randomInt(0, upcoming.length - 1, rand)];
}

/** Price of the order in fen from the catalog (the server wants exactly this amount). */
export function amountFen(catalog: TCatalog, items: { type: string; qty: number }[]): number {
  let fen = 0;
  for (const i of items) {
    const t = catalog.types.find((x) => x.code === i.type);
    if (!t) throw new Error(`type ${i.type} is not in the catalog`);
    fen += Math.round(t.price * 100) * i.qty;
  }
  return fen;
}

const SURNAMES = [
  '王',
  '李',
  '张',
  '刘',
  '陈',
  '杨',
  '黄',
  '赵',
  '吴',
  '周',
  '徐',
  '孙',
  '马',
  '朱',
  '胡',
  '郭',
  '何',
  '林',
  '罗',
  '高',
];
const GIVEN = [
  '伟',
  '芳',
  '娜',
  '敏',
  '静',
  '丽',
  '强',
  '磊',
  '洋',
  '艳',
  '勇',
  '军',
  '杰',
  '娟',
  '涛',
  '明',
  '超',
  '秀英',
  '晓东',
  '海燕',
  '建华',
  '子涵',
  '雨轩',
];
const MOBILE_PREFIXES = ['130', '135', '138', '139', '150', '158', '166', '177', '186', '189', '199'];

export function fakeCustomer(rand: Rand = Math.random): { name: string; phone: string } {
  const name = SURNAMES[randomInt(0, SURNAMES.length - 1, rand)] + GIVEN[randomInt(0, GIVEN.length - 1, rand)];
  const prefix = MOBILE_PREFIXES[randomInt(0, MOBILE_PREFIXES.length - 1, rand)];
  const rest = String(randomInt(0, 99_999_999, rand)).padStart(8, '0');
  return { name, phone: `+86 ${prefix} ${rest.slice(0, 4)} ${rest.slice(4)}` };
}

/** The tour guide who brings a group (the order's `group`): a name and a mobile number as agencies send it. */
export function fakeGuide(rand: Rand = Math.random): { guideName: string; guidePhone: string } {
  const { name } = fakeCustomer(rand);
  const prefix = MOBILE_PREFIXES[randomInt(0, MOBILE_PREFIXES.length - 1, rand)];
  return { guideName: name, guidePhone: `${prefix}${String(randomInt(0, 99_999_999, rand)).padStart(8, '0')}` };
}

/** The order body for a party: items grouped by type, slot on the slotted ones, the exact amount. */
export function buildOrder(opts: {
  ref: string;
  date: string;
  plan: PartyPlan;
  catalog: TCatalog;
  slot?: string;
  customer?: { name: string; phone: string };
  /** A tour group's guide: the order becomes a group order and gets a group code. */
  group?: { guideName: string; guidePhone: string };
  paidAt?: string;
}): TOrderInput {
  const { plan, catalog, date } = opts;
  const qty = new Map<string, number>();
  for (const p of plan.persons) qty.set(p, (qty.get(p) ?? 0) + 1);
  if (plan.ropeway) qty.set('ROPEWAY', (qty.get('ROPEWAY') ?? 0) + plan.ropeway);
  const slotted = new Set(catalog.types.filter((t) => t.slotRequired).map((t) => t.code));
  const items = [...qty.entries()].map(([type, n]) => ({
    type,
    qty: n,
    date,
    ...(slotted.has(type) && opts.slot ? { slot: opts.slot } : {}),
  }));
  const fen = amountFen(catalog, items);
  return {
    ref: opts.ref,
    items,
    ...(opts.customer ? { customer: opts.customer } : {}),
    ...(opts.group ? { group: opts.group } : {}),
    amount: fen / 100,
    ...(opts.paidAt ? { paidAt: opts.paidAt } : {}),
  };
}
