import { describe, expect, it } from 'vitest';
import { checkIdCard } from '../../lib/id-card.ts';
import { ZCheckIn, ZPostPayment } from '../../lib/schemas/hotel.ts';
import { DAY_CLOSE_MIN, DAY_OPEN_MIN } from './clock.ts';
import {
  departureExtra,
  deskMinute,
  deskPayment,
  depositYuan,
  dueAtDesk,
  fakeIdNumber,
  isAuditDue,
  isNoShow,
  registerGuests,
  settlement,
} from './desk-plan.ts';

/** A seeded generator (mulberry32), so every run of the test draws the same numbers. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TIMES = { checkInTime: '14:00:00', checkOutTime: '12:00:00' };
const ids = Array.from({ length: 400 }, (_, i) => i + 1);

describe('when guests come to the desk', () => {
  it('arrivals come from two hours before check-in to the end of the day, departures before check-out', () => {
    for (const id of ids) {
      const a = deskMinute(id, 'arrival', TIMES);
      expect(a).toBeGreaterThanOrEqual(12 * 60);
      expect(a).toBeLessThan(DAY_CLOSE_MIN);
      const d = deskMinute(id, 'departure', TIMES);
      expect(d).toBeGreaterThanOrEqual(DAY_OPEN_MIN);
      expect(d).toBeLessThan(12 * 60);
    }
    // Spread over the window, not bunched: every hour of the arrivals' window has some.
    const hours = new Set(ids.map((id) => Math.floor(deskMinute(id, 'arrival', TIMES) / 60)));
    expect([...hours].sort()).toEqual([12, 13, 14, 15, 16, 17, 18]);
  });

  it('plans the same minute for a stay every time (a restarted simulator agrees with itself)', () => {
    const plan = () => ids.map((id) => deskMinute(id, 'arrival', TIMES));
    expect(plan()).toEqual(plan());
  });

  it('a few arrivals never come', () => {
    const noShows = ids.filter(isNoShow).length;
    expect(noShows).toBeGreaterThan(0);
    expect(noShows).toBeLessThan(ids.length * 0.12);
  });

  it('serves the stays due by the simulated minute in the order they came, skipping no-shows and held stays', () => {
    const lines = ids.map((id) => ({ id }));
    const at = 15 * 60;
    const due = dueAtDesk(lines, 'arrival', at, TIMES);
    expect(due.length).toBeGreaterThan(0);
    for (const s of due) {
      expect(deskMinute(s.id, 'arrival', TIMES)).toBeLessThanOrEqual(at);
      expect(isNoShow(s.id)).toBe(false);
    }
    const minutes = due.map((s) => deskMinute(s.id, 'arrival', TIMES));
    expect(minutes).toEqual([...minutes].sort((a, b) => a - b));
    // Before the first arrival's window nobody is at the desk.
    expect(dueAtDesk(lines, 'arrival', DAY_OPEN_MIN, TIMES)).toEqual([]);
    // A stay held after a failure waits until its time has come.
    const held = new Map([[due[0].id, 2_000]]);
    expect(dueAtDesk(lines, 'arrival', at, TIMES, held, 1_000).map((s) => s.id)).not.toContain(due[0].id);
    expect(dueAtDesk(lines, 'arrival', at, TIMES, held, 2_000).map((s) => s.id)).toContain(due[0].id);
    // Departures: no no-shows among them.
    expect(dueAtDesk(lines, 'departure', 12 * 60, TIMES)).toHaveLength(ids.length);
  });
});

describe('registration', () => {
  it('generates ID numbers that pass the check the server makes, of the age asked', () => {
    const rand = seeded(7);
    for (let i = 0; i < 500; i++) {
      const age = 1 + Math.floor(rand() * 90);
      const id = fakeIdNumber(age, '2026-11-22', rand);
      expect(checkIdCard(id, new Date('2026-11-22T12:00:00+08:00'))).toEqual({ ok: true, normalized: id });
      const year = Number(id.slice(6, 10));
      expect(2026 - year).toBeGreaterThanOrEqual(age);
      expect(2026 - year).toBeLessThanOrEqual(age + 1);
    }
  });

  it('registers every guest of the stay, the booker first, children with the booker surname, all different', () => {
    const rand = seeded(11);
    for (let i = 0; i < 50; i++) {
      const stay = { adults: 1 + (i % 3), children: i % 2, customer: { name: '王芳' } };
      const guests = registerGuests(stay, '2026-11-22', rand);
      expect(guests).toHaveLength(stay.adults + stay.children);
      expect(guests[0].name).toBe('王芳');
      if (stay.children) expect(guests.at(-1)!.name.startsWith('王')).toBe(true);
      expect(new Set(guests.map((g) => g.idNumber)).size).toBe(guests.length);
    }
    const anonymous = registerGuests({ adults: 1, children: 0, customer: { name: null } }, '2026-11-22', rand);
    expect(anonymous[0].name).not.toBe('');
  });

  it('makes a check-in the API accepts: guests and deposit parse with its schema', () => {
    const rand = seeded(3);
    for (let i = 0; i < 100; i++) {
      const stay = { adults: 2, children: 1, customer: { name: '李明' }, rates: [{ room: 488, plan: 0 }] };
      const input = {
        venueId: 1,
        stayId: 1,
        roomId: 1,
        guests: registerGuests(stay, new Date().toISOString().slice(0, 10), rand),
        deposit: deskPayment(depositYuan(stay, rand), rand),
      };
      expect(ZCheckIn.safeParse(input).success).toBe(true);
    }
  });

  it('takes a deposit of the charges rounded up to a hundred and some incidentals', () => {
    const stay = {
      rates: [
        { room: 488, plan: 76 },
        { room: 588, plan: 76 },
      ],
    };
    const rand = seeded(5);
    for (let i = 0; i < 50; i++) {
      const d = depositYuan(stay, rand);
      expect(d % 100).toBe(0);
      expect(d).toBeGreaterThanOrEqual(1300);
      expect(d).toBeLessThanOrEqual(1600);
    }
    expect(depositYuan({ rates: [] }, () => 0)).toBe(100);
  });
});

describe('settling at check-out', () => {
  const deposit = (paymentId: number, amount: number) => ({ kind: 'deposit', amount: -amount, paymentId });

  it('pays a balance due, refunds a credit from the deposits newest first, and does nothing at zero', () => {
    expect(settlement({ balance: 0, folio: [] })).toEqual({ kind: 'none' });
    expect(settlement({ balance: 123.4, folio: [deposit(1, 500)] })).toEqual({ kind: 'pay', amount: 123.4 });
    expect(settlement({ balance: -200, folio: [deposit(1, 500)] })).toEqual({
      kind: 'refund',
      refunds: [{ paymentId: 1, amount: 200 }],
      short: 0,
    });
    const room = { kind: 'room_night', amount: 488, paymentId: null };
    expect(settlement({ balance: -700, folio: [deposit(1, 500), room, deposit(2, 300)] })).toEqual({
      kind: 'refund',
      refunds: [
        { paymentId: 2, amount: 300 },
        { paymentId: 1, amount: 400 },
      ],
      short: 0,
    });
    // A credit the deposits do not cover (a payment made twice) is left for a person.
    expect(settlement({ balance: -600, folio: [deposit(1, 500)] })).toMatchObject({ short: 100 });
  });

  it('pays in ways the API accepts', () => {
    const rand = seeded(9);
    const methods = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const payment = deskPayment(1 + Math.floor(rand() * 3000), rand);
      methods.add(payment.method);
      expect(ZPostPayment.safeParse({ venueId: 1, stayId: 1, payment }).success).toBe(true);
    }
    expect([...methods].sort()).toEqual(['alipay', 'card', 'cash', 'wechat']);
  });

  it('posts an extra now and then', () => {
    const rand = seeded(13);
    const extras = Array.from({ length: 200 }, () => departureExtra(rand)).filter(Boolean);
    expect(extras.length).toBeGreaterThan(20);
    expect(extras.length).toBeLessThan(100);
    for (const e of extras) expect(e!.amount).toBeGreaterThan(0);
  });
});

it('runs the night audit when the venue day has moved past the hotel business date', () => {
  expect(isAuditDue('2026-11-21', '2026-11-22')).toBe(true);
  expect(isAuditDue('2026-11-22', '2026-11-22')).toBe(false);
  expect(isAuditDue('2026-11-23', '2026-11-22')).toBe(false);
});
