import { describe, expect, it } from 'vitest';
import { ZOrder, type TCatalog } from '../../lib/schemas/order.ts';
import { buildOrder, chooseSlot, fakeGuide, fitToCatalog, GROUP_SIZE, planGroup, slotNeed } from './orders.ts';

const type = (code: string, slotRequired = true) => ({
  code,
  nameZh: code,
  nameEn: code,
  category: 'adult',
  price: code === 'ADULT' ? 220 : 110,
  entryPolicy: { kind: 'single' as const, antiPassback: true, maxEntriesPerDay: null },
  validity: { from: '2026-11-22', to: '2026-11-22' },
  slotRequired,
  realName: false,
});

const CATALOG: TCatalog = {
  venue: 'YUNLING',
  date: '2026-11-22',
  dayKind: 'weekend',
  remaining: 9000,
  types: [type('ADULT'), type('CHILD'), type('SENIOR'), type('ROPEWAY', false)],
  slots: [
    { start: '08:00', end: '10:00', remaining: 12, closed: false },
    { start: '10:00', end: '12:00', remaining: 2500, closed: false },
  ],
};

describe('tour groups', () => {
  it('are 10 to 40 persons, mostly adults with some seniors and children, without ropeway', () => {
    let adults = 0;
    let all = 0;
    for (let i = 0; i < 300; i++) {
      const plan = planGroup();
      expect(plan.kind).toBe('group');
      expect(plan.persons.length).toBeGreaterThanOrEqual(GROUP_SIZE.min);
      expect(plan.persons.length).toBeLessThanOrEqual(GROUP_SIZE.max);
      expect(plan.ropeway).toBe(0);
      for (const p of plan.persons) expect(['ADULT', 'SENIOR', 'CHILD']).toContain(p);
      adults += plan.persons.filter((p) => p === 'ADULT').length;
      all += plan.persons.length;
    }
    expect(adults / all).toBeGreaterThan(0.6);
    expect(adults / all).toBeLessThan(0.95);
  });

  it('take adult tickets for the types a day does not sell, and stay a group', () => {
    const adultsOnly: TCatalog = { ...CATALOG, types: [type('ADULT')] };
    const plan = fitToCatalog(
      { kind: 'group', persons: ['ADULT', 'SENIOR', 'CHILD', 'ADULT'], ropeway: 0 },
      adultsOnly,
    );
    expect(plan).toEqual({ kind: 'group', persons: ['ADULT', 'ADULT', 'ADULT', 'ADULT'], ropeway: 0 });
  });

  it('book a slot with room for the whole group', () => {
    const plan = fitToCatalog(
      { kind: 'group', persons: Array.from({ length: 20 }, (_, i) => (i % 5 ? 'ADULT' : 'SENIOR')), ropeway: 0 },
      CATALOG,
    );
    expect(slotNeed(plan, CATALOG)).toBe(20);
    // 08:30: the 08:00 slot admits now but has 12 places; the group takes the next one.
    expect(chooseSlot(CATALOG, slotNeed(plan, CATALOG), 8 * 60 + 30, 0, () => 0.5)?.start).toBe('10:00');
    expect(chooseSlot(CATALOG, 2600, 8 * 60 + 30, 0, () => 0.5)).toBeUndefined();
  });

  it('are ordered with the guide, which the channel protocol accepts', () => {
    const guide = fakeGuide();
    expect(guide.guidePhone).toMatch(/^1\d{10}$/);
    expect(guide.guideName.length).toBeGreaterThanOrEqual(2);
    const plan = { kind: 'group' as const, persons: [...Array(12).fill('ADULT'), 'SENIOR', 'CHILD'], ropeway: 0 };
    const order = buildOrder({
      ref: 'CTRIP-1',
      date: '2026-11-22',
      plan,
      catalog: CATALOG,
      slot: '10:00',
      group: guide,
    });
    const parsed = ZOrder.safeParse(order);
    expect(parsed.success).toBe(true);
    expect(order.group).toEqual(guide);
    expect(order.amount).toBe(12 * 220 + 110 + 110);
    expect(order.items).toContainEqual({ type: 'ADULT', qty: 12, date: '2026-11-22', slot: '10:00' });
  });
});
