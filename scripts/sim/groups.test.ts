import { describe, expect, it } from 'vitest';
import { ZOrder, type TCatalog } from '../../lib/schemas/order.ts';
import { MAX_BATCH_SCANS } from '../../lib/schemas/scan.ts';
import { encodeTicketCode } from '../../lib/ticket-code.ts';
import { GroupMemory, nextBatch, SimGateDevice } from './gate-device.ts';
import { buildOrder, chooseSlot, fakeGuide, fitToCatalog, GROUP_SIZE, planGroup, slotNeed } from './orders.ts';
import { admittedMembers, type Person } from './visitors.ts';

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

const code = (prefix: 'T' | 'G', n: number) => encodeTicketCode(new Uint8Array(16).fill(n), prefix);

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

describe("a gate's offline rule for group codes", () => {
  it('lets a group it never heard of in whole, then refuses more than it learned was booked', () => {
    const m = new GroupMemory();
    expect(m.decide('G1', 25)).toEqual({ local: 'admit' });
    expect(m.decide('G1', 10)).toEqual({ local: 'admit' });
    expect(m.get('G1')).toEqual({ in: 35 });

    // Online: 25 admitted, 5 left: booked 30 as far as this gate can tell.
    m.learn('G2', 'in', { admitted: 25, left: 5 });
    expect(m.get('G2')).toEqual({ in: 25, booked: 30 });
    expect(m.decide('G2', 6)).toEqual({ local: 'reject', reason: 'used' });
    expect(m.decide('G2', 3)).toEqual({ local: 'admit' });
    expect(m.decide('G2', 2)).toEqual({ local: 'admit' });
    expect(m.decide('G2', 1)).toEqual({ local: 'reject', reason: 'used' });
    expect(m.get('G2')).toEqual({ in: 30, booked: 30 });

    // An answer without `left` keeps what was known; exits admit nobody in.
    m.learn('G2', 'out', { admitted: 3 });
    expect(m.get('G2')).toEqual({ in: 30, booked: 30 });
  });

  it('forgets the oldest groups beyond its limit', () => {
    const m = new GroupMemory(2);
    m.learn('G1', 'in', { admitted: 1, left: 0 });
    m.learn('G2', 'in', { admitted: 1, left: 0 });
    m.decide('G1', 1);
    m.learn('G3', 'in', { admitted: 1, left: 0 });
    expect(m.get('G2')).toBeUndefined();
    expect(m.get('G1')).toEqual({ in: 1, booked: 1 });
  });

  it('counts a group scan as its headcount in an upload', () => {
    const queue = [{ count: 400 }, {}, { count: 600 }, {}];
    expect(nextBatch(queue)).toEqual([{ count: 400 }, {}]);
    expect(nextBatch([{ count: MAX_BATCH_SCANS }, {}])).toEqual([{ count: MAX_BATCH_SCANS }]);
    expect(nextBatch(Array(MAX_BATCH_SCANS + 5).fill({}))).toHaveLength(MAX_BATCH_SCANS);
  });

  it('decides offline for the whole headcount and queues the scan with its count; tickets as before', async () => {
    const device = new SimGateDevice({ baseUrl: 'http://127.0.0.1:9', gateCode: 'MG-08', token: 'x', handheld: true });
    try {
      const g = code('G', 7);
      expect(await device.scan(g, 'in', 28)).toEqual({
        result: 'admit',
        offline: true,
        group: { requested: 28, admitted: 28, types: {} },
      });
      const t = code('T', 9);
      expect(await device.scan(t, 'in', 5)).toEqual({ result: 'admit', offline: true });
      expect(await device.scan(t, 'in')).toEqual({ result: 'reject', reason: 'used', offline: true });
      expect(await device.scan('not a code', 'in')).toEqual({ result: 'reject', reason: 'invalid', offline: true });
      expect(device.queueLength).toBe(4);
      const queue = (device as unknown as { queue: { code: string; count?: number; local: string }[] }).queue;
      expect(queue[0]).toMatchObject({ code: g, count: 28, local: 'admit' });
      // A count only goes with a group code: the server refuses one above 1 with a ticket code.
      expect(queue[1]).not.toHaveProperty('count');
    } finally {
      device.disconnect();
    }
  });
});

describe('who a group scan let in', () => {
  const members: Person[] = ['ADULT', 'SENIOR', 'ADULT', 'CHILD', 'ADULT'].map((t, i) => ({
    entry: `T${i}`,
    entryType: t,
  }));
  const codes = (ps: Person[]) => ps.map((p) => p.entry);

  it('takes the tickets per type the answer names, in the order order', () => {
    expect(codes(admittedMembers(members, 3, { ADULT: 2, CHILD: 1 }))).toEqual(['T0', 'T2', 'T3']);
  });

  it('takes them from the front when the answer names no types (offline)', () => {
    expect(codes(admittedMembers(members, 3))).toEqual(['T0', 'T1', 'T2']);
    expect(codes(admittedMembers(members, 9))).toEqual(['T0', 'T1', 'T2', 'T3', 'T4']);
    expect(admittedMembers(members, 0)).toEqual([]);
  });
});
