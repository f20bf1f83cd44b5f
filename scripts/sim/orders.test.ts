import { describe, expect, it } from 'vitest';
import { ZOrder, type TCatalog } from '../../lib/schemas/order.ts';
import { dayCurve, SimClock } from './clock.ts';
import { buildOrder, chooseSlot, CHANNEL_PROFILES, fitToCatalog, planParty, slotNeed } from './orders.ts';
import { personsOf } from './sales.ts';

const type = (code: string, price: number, slotRequired: boolean, extra: Partial<TCatalog['types'][number]> = {}) => ({
  code,
  nameZh: code,
  nameEn: code,
  category: 'adult',
  price,
  entryPolicy: { kind: 'single' as const, antiPassback: true, maxEntriesPerDay: null },
  validity: { from: '2026-11-22', to: '2026-11-22' },
  slotRequired,
  realName: false,
  ...extra,
});

const CATALOG: TCatalog = {
  venue: 'YUNLING',
  date: '2026-11-22',
  dayKind: 'weekend',
  remaining: 9000,
  types: [
    type('ADULT', 220, true),
    type('CHILD', 110, true),
    type('SENIOR', 110, true),
    type('STUDENT', 130, true),
    type('TWO-DAY', 320, false),
    type('ROPEWAY', 120, false, {
      parkEntry: false,
      rides: [{ attraction: 'ROPEWAY', nameZh: '索道', nameEn: 'Ropeway', rides: 2, share: 120 }],
    }),
    type('COMBO', 300, true, {
      rides: [{ attraction: 'ROPEWAY', nameZh: '索道', nameEn: 'Ropeway', rides: 2, share: 90 }],
    }),
  ],
  slots: [
    { start: '08:00', end: '10:00', remaining: 10, closed: false },
    { start: '10:00', end: '12:00', remaining: 2500, closed: false },
    { start: '12:00', end: '14:00', remaining: 2000, closed: false },
    { start: '14:00', end: '16:00', remaining: 0, closed: false },
    { start: '16:00', end: '17:30', remaining: 800, closed: true },
  ],
};

const seq = (...values: number[]) => {
  let i = 0;
  return () => values[i++ % values.length];
};

describe('the simulated day', () => {
  it('peaks in the morning and is quiet at night', () => {
    expect(dayCurve(9 * 60 + 30)).toBe(1);
    expect(dayCurve(9 * 60 + 30)).toBeGreaterThan(dayCurve(14 * 60));
    expect(dayCurve(14 * 60)).toBeGreaterThan(dayCurve(17 * 60));
    expect(dayCurve(23 * 60)).toBeLessThan(0.05);
  });

  it('runs `speed` times faster and loops over the working day', () => {
    let now = Date.parse('2026-11-22T02:00:00Z'); // 10:00 in Shanghai
    const clock = new SimClock(30, 'Asia/Shanghai', () => now);
    expect(clock.simMinute()).toBe(600);
    now += 60_000; // one real minute = 30 simulated minutes
    expect(clock.simMinute()).toBe(630);
    now += 60_000 * 19; // 600 simulated minutes after 10:00 is past 18:30: back to 09:00
    expect(clock.simMinute()).toBe(540);
    expect(clock.realMs(30)).toBe(60_000);
  });
});

describe('orders', () => {
  it('prices an order exactly as the catalog does, with the slot only on slotted types', () => {
    const plan = { kind: 'combo' as const, persons: ['COMBO', 'CHILD', 'SENIOR', 'COMBO'], ropeway: 1 };
    const order = buildOrder({
      ref: 'WECHAT-20261122-1-abc',
      date: '2026-11-22',
      plan,
      catalog: CATALOG,
      slot: '10:00',
    });
    expect(ZOrder.safeParse(order).success).toBe(true);
    expect(order.amount).toBe(300 * 2 + 110 + 110 + 120);
    expect(order.items).toContainEqual({ type: 'COMBO', qty: 2, date: '2026-11-22', slot: '10:00' });
    expect(order.items).toContainEqual({ type: 'ROPEWAY', qty: 1, date: '2026-11-22' });
    expect(slotNeed(plan, CATALOG)).toBe(4);
  });

  it('plans parties of 1 to 6 from the catalog types', () => {
    for (let i = 0; i < 500; i++) {
      const plan = fitToCatalog(planParty(CHANNEL_PROFILES.CTRIP), CATALOG);
      expect(plan.persons.length).toBeGreaterThanOrEqual(1);
      expect(plan.persons.length).toBeLessThanOrEqual(6);
      expect(plan.ropeway).toBeLessThanOrEqual(plan.persons.length);
      for (const p of plan.persons) expect(CATALOG.types.map((t) => t.code)).toContain(p);
    }
  });

  it('books the slot admitting now, sometimes the next, never a full, closed or ending one', () => {
    expect(chooseSlot(CATALOG, 2, 10 * 60 + 30, 0.2, seq(0.5))?.start).toBe('10:00');
    expect(chooseSlot(CATALOG, 2, 10 * 60 + 30, 0.2, seq(0.1, 0.5))?.start).toBe('12:00');
    // 09:50: the 10:00 slot admits from 09:45 and is "current"; the 08:00 one has 10 places but ends soon.
    expect(chooseSlot(CATALOG, 2, 9 * 60 + 50, 0, seq(0.5))?.start).toBe('10:00');
    // After 13:50 nothing is left today: 14:00 is full, 16:00 closed.
    expect(chooseSlot(CATALOG, 1, 13 * 60 + 55, 0.2, seq(0.5))).toBeUndefined();
    expect(chooseSlot(CATALOG, 20, 8 * 60 + 30, 0, seq(0.5))?.start).toBe('10:00');
  });

  it('turns an order answer into persons with their ropeway tickets, by what the catalog says the types are', () => {
    const persons = personsOf(
      [
        { code: 'A1', type: 'ADULT', date: '2026-11-22', slot: '10:00' },
        { code: 'R1', type: 'ROPEWAY', date: '2026-11-22' },
        { code: 'C1', type: 'CHILD', date: '2026-11-22', slot: '10:00' },
      ],
      CATALOG.types,
    );
    expect(persons).toEqual([
      { entry: 'A1', entryType: 'ADULT', ropeway: 'R1' },
      { entry: 'C1', entryType: 'CHILD' },
    ]);
  });

  it("gives a combo's ropeway tickets to those whose own ticket does not ride the ropeway", () => {
    const persons = personsOf(
      [
        { code: 'K1', type: 'COMBO', date: '2026-11-22', slot: '10:00' },
        { code: 'C1', type: 'CHILD', date: '2026-11-22', slot: '10:00' },
        { code: 'R1', type: 'ROPEWAY', date: '2026-11-22' },
      ],
      CATALOG.types,
    );
    expect(persons).toEqual([
      { entry: 'K1', entryType: 'COMBO', rides: { ROPEWAY: 2 } },
      { entry: 'C1', entryType: 'CHILD', ropeway: 'R1' },
    ]);
  });

  it('keeps what a ski pass or a points card includes, and whether it enters again', () => {
    const persons = personsOf(
      [
        { code: 'S1', type: 'SKI-DAY', date: '2026-11-22' },
        { code: 'P1', type: 'POINTS', date: '2026-11-22' },
      ],
      [
        type('SKI-DAY', 380, false, {
          entryPolicy: { kind: 'multi', antiPassback: true, maxEntriesPerDay: 2 },
          rides: [{ attraction: 'LIFT-A', nameZh: 'A', nameEn: 'A', rides: null, share: 120 }],
        }),
        type('POINTS', 300, false, { points: 100 }),
      ],
    );
    expect(persons).toEqual([
      { entry: 'S1', entryType: 'SKI-DAY', multiEntry: true, rides: { 'LIFT-A': null } },
      { entry: 'P1', entryType: 'POINTS', points: 100 },
    ]);
  });

  it('sells ski passes and night tickets only while they can be used, the same pass for a party of skiers', () => {
    const profile = CHANNEL_PROFILES['WINDOW-1'];
    const kinds = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const plan = planParty(profile, Math.random, { ski: false, night: false });
      kinds.add(plan.kind);
      expect(plan.persons.every((p) => !['SKI-DAY', 'SKI-10', 'POINTS', 'NIGHT'].includes(p))).toBe(true);
    }
    expect(kinds.has('ski') || kinds.has('night')).toBe(false);
    let skiers = 0;
    for (let i = 0; i < 2000; i++) {
      const plan = planParty(profile, Math.random, { ski: true, night: false });
      if (plan.kind !== 'ski') continue;
      skiers++;
      expect(new Set(plan.persons).size).toBe(1);
      expect(plan.persons.length).toBeLessThanOrEqual(4);
      expect(plan.ropeway).toBe(plan.persons.length);
    }
    expect(skiers / 2000).toBeGreaterThan(0.05);
    expect(skiers / 2000).toBeLessThan(0.15);
    const night = planParty(profile, () => 0.1, { ski: true, night: true });
    expect(night.kind).toBe('night');
    expect(night.persons.every((p) => p === 'NIGHT')).toBe(true);
  });

  it("buys ropeway tickets for a combo's children and seniors, and for everyone of a riding party", () => {
    for (let i = 0; i < 500; i++) {
      const plan = planParty(CHANNEL_PROFILES.CTRIP);
      if (plan.kind === 'combo') expect(plan.ropeway).toBe(plan.persons.filter((p) => p !== 'COMBO').length);
      else if (plan.ropeway) expect(plan.ropeway).toBe(plan.persons.length);
    }
  });

  it('falls back to a day party when the catalog does not sell the kind', () => {
    const noSki = fitToCatalog({ kind: 'ski', persons: ['SKI-DAY', 'SKI-DAY'], ropeway: 2 }, CATALOG);
    expect(noSki).toEqual({ kind: 'day', persons: ['ADULT', 'ADULT'], ropeway: 2 });
    const noNight = fitToCatalog({ kind: 'night', persons: ['NIGHT'], ropeway: 0 }, CATALOG);
    expect(noNight.kind).toBe('day');
  });
});
