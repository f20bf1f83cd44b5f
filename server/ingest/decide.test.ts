import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import type { TScanReason } from '../../lib/schemas/scan.ts';
import {
  decide,
  recordOffline,
  type TDecision,
  type TScanContext,
  type TTicketRules,
  type TTicketState,
} from './decide.ts';

/** Business days spanning a month end, so day comparisons cannot pass by numeric accident. */
const DAYS = [
  '2026-02-26',
  '2026-02-27',
  '2026-02-28',
  '2026-03-01',
  '2026-03-02',
  '2026-03-03',
  '2026-03-04',
] as const;
const FIRST_DAY = DAYS[0];
const LAST_DAY = DAYS[DAYS.length - 1];
/** Zone ids of the generated gates. */
const ZONES = [1, 2, 3, 4, 5, 6] as const;
/** Property runs per test: enough to hit the rule boundaries, small enough to keep the file under a few seconds. */
const RUNS = 300;

function ticket(over: Partial<TTicketState> = {}): TTicketState {
  return {
    status: 'valid',
    validFrom: FIRST_DAY,
    validTo: LAST_DAY,
    slotStart: null,
    slotEnd: null,
    entries: 0,
    entriesOnDay: 0,
    entriesDay: null,
    inside: false,
    zoneId: null,
    ...over,
  };
}

function rules(over: Partial<TTicketRules> = {}): TTicketRules {
  return {
    entryPolicy: 'multi',
    antiPassback: false,
    maxEntriesPerDay: null,
    entryWindowBeforeMin: 0,
    allowedZoneIds: null,
    ...over,
  };
}

function scan(over: Partial<TScanContext> = {}): TScanContext {
  return { direction: 'in', day: '2026-02-28', minute: 600, zoneId: 1, zoneHasRoom: true, ...over };
}

// Arbitraries.

const arbDay = fc.constantFrom(...DAYS);
const arbZone = fc.constantFrom(...ZONES);
const arbMinute = fc.integer({ min: 0, max: 1439 });

const arbScan: fc.Arbitrary<TScanContext> = fc.record({
  direction: fc.constantFrom('in' as const, 'out' as const),
  day: arbDay,
  minute: arbMinute,
  zoneId: arbZone,
  zoneHasRoom: fc.boolean(),
});

/** Scans at gates with room, on days the default ticket is valid. */
const arbRoomyScan = arbScan.map((c) => ({ ...c, zoneHasRoom: true }));

const arbScans = (a: fc.Arbitrary<TScanContext> = arbScan) => fc.array(a, { minLength: 1, maxLength: 30 });

/** Scans in business-day order, as the server's clock produces them. */
const arbOrderedScans = (a: fc.Arbitrary<TScanContext> = arbScan) =>
  arbScans(a).map((cs) => [...cs].sort((x, y) => (x.day < y.day ? -1 : x.day > y.day ? 1 : 0)));

const arbSlot = fc
  .tuple(fc.integer({ min: 0, max: 1439 }), fc.integer({ min: 0, max: 600 }))
  .map(([start, len]) => ({ slotStart: start, slotEnd: Math.min(1439, start + len) }));

/** Validity windows inside DAYS, sometimes a single day. */
const arbValidity = fc
  .tuple(fc.integer({ min: 0, max: DAYS.length - 1 }), fc.integer({ min: 0, max: DAYS.length - 1 }))
  .map(([a, b]) => ({ validFrom: DAYS[Math.min(a, b)], validTo: DAYS[Math.max(a, b)] }));

/** Any plausible stored ticket state (the counters agree with each other, zoneId is set only inside). */
const arbState: fc.Arbitrary<TTicketState> = fc
  .record({
    status: fc.constantFrom('valid' as const, 'refunded' as const),
    validity: arbValidity,
    slot: fc.option(arbSlot, { nil: null }),
    entries: fc.integer({ min: 0, max: 5 }),
    onDay: fc.integer({ min: 0, max: 5 }),
    entriesDay: fc.option(arbDay, { nil: null }),
    inside: fc.boolean(),
    zoneId: arbZone,
  })
  .map((s) => {
    const entries = s.inside ? Math.max(1, s.entries) : s.entries;
    const entriesDay = entries === 0 ? null : s.entriesDay;
    return {
      status: s.status,
      ...s.validity,
      slotStart: s.slot?.slotStart ?? null,
      slotEnd: s.slot?.slotEnd ?? null,
      entries,
      entriesOnDay: entriesDay === null ? 0 : Math.min(entries, Math.max(1, s.onDay)),
      entriesDay,
      inside: s.inside,
      zoneId: s.inside ? s.zoneId : null,
    };
  });

const arbRules: fc.Arbitrary<TTicketRules> = fc.record({
  entryPolicy: fc.constantFrom('single' as const, 'multi' as const),
  antiPassback: fc.boolean(),
  maxEntriesPerDay: fc.option(fc.integer({ min: 1, max: 4 }), { nil: null }),
  entryWindowBeforeMin: fc.constantFrom(0, 15, 30, 60),
  allowedZoneIds: fc.option(fc.subarray([...ZONES]), { nil: null }),
});

// Helpers.

interface TStep {
  before: TTicketState;
  c: TScanContext;
  d: TDecision;
}

/** Runs scans through decide, carrying admitted states forward as the ingest does. */
function run(t0: TTicketState, r: TTicketRules, scans: TScanContext[]): { steps: TStep[]; final: TTicketState } {
  let t = t0;
  const steps: TStep[] = [];
  for (const c of scans) {
    const d = decide(t, r, c);
    steps.push({ before: t, c, d });
    if (d.result === 'admit') t = d.next;
  }
  return { steps, final: t };
}

const admittedIns = (steps: TStep[]) => steps.filter((s) => s.c.direction === 'in' && s.d.result === 'admit');
const reasonOf = (d: TDecision): TScanReason | null => (d.result === 'reject' ? d.reason : null);

/**
 * The checks that come before the entry-count rules, written from the documented order
 * (refunded, validity, slot, zone) rather than taken from the module.
 */
function earlierRefusal(t: TTicketState, r: TTicketRules, c: TScanContext): TScanReason | null {
  if (t.status === 'refunded') return 'refunded';
  if (c.day < t.validFrom || c.day > t.validTo) return 'not_valid_today';
  if (t.slotStart !== null && t.slotEnd !== null) {
    const opens = t.slotStart - r.entryWindowBeforeMin;
    if (c.day !== t.validFrom || c.minute < opens || c.minute > t.slotEnd) return 'outside_slot';
  }
  if (r.allowedZoneIds !== null && !r.allowedZoneIds.includes(c.zoneId)) return 'wrong_zone';
  return null;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

// 1. Single entry.

describe('single-entry tickets', () => {
  const single = rules({ entryPolicy: 'single' });

  it('admits once, then refuses with used, and lets the visitor out', () => {
    const first = decide(ticket(), single, scan());
    expect(first).toMatchObject({ result: 'admit', into: 1, outOf: null, entriesLeft: 0 });
    if (first.result !== 'admit') return;
    const out = decide(first.next, single, scan({ direction: 'out', minute: 700 }));
    expect(out).toMatchObject({ result: 'admit', into: null, outOf: 1 });
    if (out.result !== 'admit') return;
    expect(decide(out.next, single, scan({ minute: 720 }))).toEqual({ result: 'reject', reason: 'used' });
    expect(decide(out.next, single, scan({ day: '2026-03-01' }))).toEqual({ result: 'reject', reason: 'used' });
  });

  it('admits the first in and refuses every later in with used (valid days, open zones with room)', () => {
    fc.assert(
      fc.property(arbScans(arbRoomyScan), (scans) => {
        const { steps, final } = run(ticket(), single, scans);
        const ins = steps.filter((s) => s.c.direction === 'in');
        if (ins.length > 0) expect(ins[0].d.result).toBe('admit');
        for (const s of ins.slice(1)) expect(s.d).toEqual({ result: 'reject', reason: 'used' });
        // Exits are never refused for a valid ticket.
        for (const s of steps.filter((x) => x.c.direction === 'out')) expect(s.d.result).toBe('admit');
        expect(final.entries).toBe(ins.length > 0 ? 1 : 0);
      }),
      { numRuns: RUNS },
    );
  });

  it('never admits two ins whatever the rules, slot, validity, zone list or capacity', () => {
    fc.assert(
      fc.property(arbState, arbRules, arbScans(), (s, r, scans) => {
        const t0: TTicketState = {
          ...s,
          status: 'valid',
          entries: 0,
          entriesOnDay: 0,
          entriesDay: null,
          inside: false,
          zoneId: null,
        };
        const r1: TTicketRules = { ...r, entryPolicy: 'single' };
        const { steps, final } = run(t0, r1, scans);
        expect(admittedIns(steps).length).toBeLessThanOrEqual(1);
        expect(final.entries).toBeLessThanOrEqual(1);
        for (const step of steps) {
          if (step.c.direction !== 'in' || step.d.result === 'admit') continue;
          const earlier = earlierRefusal(step.before, r1, step.c);
          const expected = earlier ?? (step.before.entries >= 1 ? 'used' : 'capacity');
          expect(reasonOf(step.d)).toBe(expected);
        }
      }),
      { numRuns: RUNS },
    );
  });
});

// 2. Multi entry, with and without anti-passback.

describe('multi-entry tickets', () => {
  it('anti-passback refuses a second in until an out', () => {
    const r = rules({ antiPassback: true });
    const a = decide(ticket(), r, scan());
    if (a.result !== 'admit') throw new Error('first entry refused');
    expect(decide(a.next, r, scan({ zoneId: 2 }))).toEqual({ result: 'reject', reason: 'passback' });
    const out = decide(a.next, r, scan({ direction: 'out' }));
    if (out.result !== 'admit') throw new Error('exit refused');
    expect(decide(out.next, r, scan({ zoneId: 2 }))).toMatchObject({ result: 'admit', into: 2, outOf: null });
  });

  it('anti-passback guards the entry seen at the perimeter, not one only inferred (a hotel guest placed in the lodge)', () => {
    const r = rules({ antiPassback: true });
    // Placed at an inner door (a hotel desk's check-in): inside, an inferred entry, no allowance used.
    const lodge = decide(ticket(), r, scan({ edge: 'transfer', zoneId: 3, otherZoneId: 2 }));
    if (lodge.result !== 'admit') throw new Error('placement refused');
    expect(lodge.next).toMatchObject({ inside: true, zoneId: 3, entryInferred: true, entries: 0 });
    // Left unseen, at the main gate: admitted, an exit inferred and the entry seen.
    const main = decide(lodge.next, r, scan({ zoneId: 1 }));
    expect(main).toMatchObject({ result: 'admit', into: 1, outOf: 3, crossings: { entry: true, exit: true } });
    if (main.result !== 'admit') throw new Error('entry refused');
    expect(main.next).toMatchObject({ entries: 1, entryInferred: false });
    // That entry was seen: a second one without an exit is a passback.
    expect(decide(main.next, r, scan({ zoneId: 1 }))).toEqual({ result: 'reject', reason: 'passback' });
  });

  it('anti-passback: between two admitted ins of one business day there is always an admitted out, unless the entry was only inferred', () => {
    fc.assert(
      fc.property(arbRules, arbValidity, arbOrderedScans(), (r0, validity, scans) => {
        const r: TTicketRules = { ...r0, entryPolicy: 'multi', antiPassback: true };
        const { steps } = run(ticket(validity), r, scans);
        let lastAdmitted: 'in' | 'out' | null = null;
        let lastDay: string | null = null;
        for (const step of steps) {
          if (step.d.result !== 'admit') continue;
          // Occupancy starts again each business day: a ticket never scanned out may enter next day.
          if (step.c.day !== lastDay) lastAdmitted = null;
          // An entry only inferred (at an inner gate) used no allowance: the visitor may have left
          // unseen, and the next in at the perimeter is the entry seen.
          if (step.c.direction === 'in' && !(step.before.entryInferred && step.before.entriesDay === step.c.day))
            expect(lastAdmitted).not.toBe('in');
          lastAdmitted = step.c.direction;
          lastDay = step.c.day;
        }
        // And it is not vacuous: an in while inside is refused for passback unless an earlier check
        // refuses it; an in while outside with nothing against it is admitted.
        for (const step of steps) {
          if (step.c.direction !== 'in') continue;
          const earlier = earlierRefusal(step.before, r, step.c);
          if (earlier) expect(reasonOf(step.d)).toBe(earlier);
          else if (step.before.inside && step.before.entriesDay === step.c.day && !step.before.entryInferred)
            expect(reasonOf(step.d)).toBe('passback');
          else {
            const today = step.before.entriesDay === step.c.day ? step.before.entriesOnDay : 0;
            const capped = r.maxEntriesPerDay !== null && today >= r.maxEntriesPerDay;
            if (!capped && step.c.zoneHasRoom) expect(step.d.result).toBe('admit');
          }
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('without anti-passback, repeated ins on one day are admitted up to the cap, then refused with used', () => {
    fc.assert(
      fc.property(
        fc.option(fc.integer({ min: 1, max: 5 }), { nil: null }),
        fc.array(
          fc.record({ direction: fc.constantFrom('in' as const, 'out' as const), zoneId: arbZone, minute: arbMinute }),
          { minLength: 1, maxLength: 20 },
        ),
        (cap, moves) => {
          const r = rules({ maxEntriesPerDay: cap });
          const scans = moves.map((m) => scan({ ...m, day: '2026-03-01' }));
          const { steps } = run(ticket(), r, scans);
          let admitted = 0;
          for (const step of steps) {
            if (step.c.direction === 'out') {
              expect(step.d.result).toBe('admit');
              continue;
            }
            if (cap === null || admitted < cap) {
              expect(step.d.result).toBe('admit');
              admitted += 1;
              if (step.d.result === 'admit') expect(step.d.entriesLeft).toBe(cap === null ? undefined : cap - admitted);
            } else {
              expect(step.d).toEqual({ result: 'reject', reason: 'used' });
            }
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});

// 3. Per-day cap.

describe('per-day entry cap', () => {
  it('resets on a new business day', () => {
    const r = rules({ maxEntriesPerDay: 1 });
    const a = decide(ticket(), r, scan({ day: '2026-02-28' }));
    if (a.result !== 'admit') throw new Error('first entry refused');
    expect(decide(a.next, r, scan({ day: '2026-02-28', minute: 900 }))).toEqual({ result: 'reject', reason: 'used' });
    expect(decide(a.next, r, scan({ day: '2026-03-01' }))).toMatchObject({ result: 'admit', entriesLeft: 0 });
  });

  it('admitted ins per business day never exceed the cap (any rules, scans in day order)', () => {
    fc.assert(
      fc.property(arbRules, fc.integer({ min: 1, max: 3 }), arbOrderedScans(), (r0, cap, scans) => {
        const r: TTicketRules = { ...r0, entryPolicy: 'multi', maxEntriesPerDay: cap };
        const { steps } = run(ticket(), r, scans);
        const perDay = new Map<string, number>();
        for (const s of admittedIns(steps)) perDay.set(s.c.day, (perDay.get(s.c.day) ?? 0) + 1);
        for (const n of perDay.values()) expect(n).toBeLessThanOrEqual(cap);
      }),
      { numRuns: RUNS },
    );
  });

  it('admits exactly min(cap, ins that day) on each day when nothing else refuses', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), arbOrderedScans(arbRoomyScan), (cap, scans) => {
        const { steps } = run(ticket(), rules({ maxEntriesPerDay: cap }), scans);
        const ins = new Map<string, number>();
        const admitted = new Map<string, number>();
        for (const s of steps) {
          if (s.c.direction !== 'in') continue;
          ins.set(s.c.day, (ins.get(s.c.day) ?? 0) + 1);
          if (s.d.result === 'admit') {
            admitted.set(s.c.day, (admitted.get(s.c.day) ?? 0) + 1);
            expect(s.d.entriesLeft).toBe(cap - admitted.get(s.c.day)!);
          } else expect(reasonOf(s.d)).toBe('used');
        }
        for (const [day, n] of ins) expect(admitted.get(day) ?? 0).toBe(Math.min(cap, n));
      }),
      { numRuns: RUNS },
    );
  });

  // Regression: the ticket keeps one (day, count) pair, and an offline admission uploaded late for
  // an earlier day once overwrote today's count, so today's cap started again.
  it("a late offline upload for yesterday does not reset today's count", () => {
    const r = rules({ maxEntriesPerDay: 1 });
    const today = scan({ day: '2026-03-01' });
    const a = decide(ticket(), r, today);
    if (a.result !== 'admit') throw new Error('first entry refused');
    const late = recordOffline(a.next, r, scan({ day: '2026-02-28' }), 'admit');
    expect(decide(late.next!, r, scan({ day: '2026-03-01', minute: 900 }))).toEqual({
      result: 'reject',
      reason: 'used',
    });
  });
});

// 4. Validity window and slots.

describe('validity and slots', () => {
  it('refuses an in before validFrom or after validTo with not_valid_today', () => {
    fc.assert(
      fc.property(arbValidity, arbRules, arbDay, arbMinute, arbZone, (validity, r0, day, minute, zoneId) => {
        const r: TTicketRules = { ...r0, allowedZoneIds: null };
        const d = decide(ticket(validity), r, scan({ day, minute, zoneId }));
        if (day < validity.validFrom || day > validity.validTo)
          expect(d).toEqual({ result: 'reject', reason: 'not_valid_today' });
        else expect(d.result).toBe('admit');
        // Leaving does not depend on the day.
        expect(decide(ticket(validity), r, scan({ direction: 'out', day })).result).toBe('admit');
      }),
      { numRuns: RUNS },
    );
  });

  it('slot tickets: admitted only on validFrom within [slotStart - window, slotEnd]', () => {
    const arbCase = fc
      .record({
        validity: arbValidity,
        slot: arbSlot,
        window: fc.constantFrom(0, 10, 30, 90),
        day: arbDay,
        onVisitDate: fc.boolean(),
      })
      .chain((p) => {
        // Minutes anywhere, or within two minutes of either edge of the entry window.
        const edges = fc
          .tuple(fc.constantFrom(p.slot.slotStart - p.window, p.slot.slotEnd), fc.integer({ min: -2, max: 2 }))
          .map(([b, d]) => b + d);
        return fc.tuple(fc.constant(p), fc.oneof(arbMinute, edges));
      });
    fc.assert(
      fc.property(arbCase, ([{ validity, slot, window, day, onVisitDate }, minute]) => {
        const scanDay = onVisitDate ? validity.validFrom : day;
        const d = decide(
          ticket({ ...validity, ...slot }),
          rules({ entryWindowBeforeMin: window }),
          scan({ day: scanDay, minute }),
        );
        if (scanDay < validity.validFrom || scanDay > validity.validTo)
          expect(d).toEqual({ result: 'reject', reason: 'not_valid_today' });
        else if (scanDay !== validity.validFrom || minute < slot.slotStart - window || minute > slot.slotEnd)
          expect(d).toEqual({ result: 'reject', reason: 'outside_slot' });
        else expect(d.result).toBe('admit');
      }),
      { numRuns: 500 },
    );
  });

  it('slot boundaries, by example', () => {
    const t = ticket({ validFrom: '2026-03-01', validTo: '2026-03-01', slotStart: 600, slotEnd: 660 });
    const r = rules({ entryWindowBeforeMin: 15 });
    const at = (minute: number, day = '2026-03-01') => decide(t, r, scan({ day, minute }));
    expect(at(584)).toEqual({ result: 'reject', reason: 'outside_slot' });
    expect(at(585).result).toBe('admit');
    expect(at(660).result).toBe('admit');
    expect(at(661)).toEqual({ result: 'reject', reason: 'outside_slot' });
    expect(at(600, '2026-03-02')).toEqual({ result: 'reject', reason: 'not_valid_today' });
  });
});

// 5-7. Zones, refunds, capacity.

describe('zones, refunds and capacity', () => {
  it('refuses an in at a zone outside allowedZoneIds with wrong_zone', () => {
    fc.assert(
      fc.property(
        fc.option(fc.subarray([...ZONES]), { nil: null }),
        arbZone,
        fc.constantFrom('single' as const, 'multi' as const),
        (allowed, zoneId, entryPolicy) => {
          const d = decide(ticket(), rules({ allowedZoneIds: allowed, entryPolicy }), scan({ zoneId }));
          if (allowed !== null && !allowed.includes(zoneId))
            expect(d).toEqual({ result: 'reject', reason: 'wrong_zone' });
          else expect(d).toMatchObject({ result: 'admit', into: zoneId });
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('refuses every in of a refunded ticket with refunded; lets it out only when inside', () => {
    fc.assert(
      fc.property(arbState, arbRules, arbScan, (s, r, c) => {
        const t: TTicketState = { ...s, status: 'refunded' };
        const d = decide(t, r, c);
        if (c.direction === 'in' || !t.inside) expect(d).toEqual({ result: 'reject', reason: 'refunded' });
        else if (t.entriesDay !== null && c.day < t.entriesDay)
          // A scan from before the ticket's last entry day does not move it (only an upload can be that late).
          expect(d).toMatchObject({ result: 'admit', into: null, outOf: null, next: { inside: t.inside } });
        else
          expect(d).toMatchObject({
            result: 'admit',
            outOf: t.entriesDay === c.day ? t.zoneId : null,
            into: null,
            next: { inside: false, zoneId: null },
          });
      }),
      { numRuns: RUNS },
    );
  });

  it('a full zone turns exactly the otherwise admissible ins into capacity and never affects outs', () => {
    fc.assert(
      fc.property(arbState, arbRules, arbScan, (t, r, c) => {
        const withRoom = decide(t, r, { ...c, zoneHasRoom: true });
        const full = decide(t, r, { ...c, zoneHasRoom: false });
        if (c.direction === 'out') expect(full).toEqual(withRoom);
        else if (withRoom.result === 'admit') expect(full).toEqual({ result: 'reject', reason: 'capacity' });
        else expect(full).toEqual(withRoom);
        expect(reasonOf(withRoom)).not.toBe('capacity');
      }),
      { numRuns: RUNS },
    );
  });
});

// 8. Occupancy bookkeeping.

describe('occupancy deltas', () => {
  /**
   * Applies admitted decisions' into/outOf to per-day occupancy (counts start at zero each business
   * day) and checks the ticket's contribution to the scan's day after each step.
   */
  function checkOccupancy(t0: TTicketState, r: TTicketRules, scans: TScanContext[]): void {
    const occ = new Map<string, number>();
    let t = t0;
    for (const c of scans) {
      const d = decide(t, r, c);
      if (d.result !== 'admit') continue;
      if (d.into !== null) occ.set(`${c.day}|${d.into}`, (occ.get(`${c.day}|${d.into}`) ?? 0) + 1);
      if (d.outOf !== null) occ.set(`${c.day}|${d.outOf}`, (occ.get(`${c.day}|${d.outOf}`) ?? 0) - 1);
      t = d.next;
      for (const n of occ.values()) expect(n).toBeGreaterThanOrEqual(0);
      const today = [...occ.entries()].filter(([k]) => k.startsWith(`${c.day}|`));
      const total = today.reduce((a, [, n]) => a + n, 0);
      const insideToday = t.inside && t.entriesDay === c.day;
      expect(total).toBe(insideToday ? 1 : 0);
      if (insideToday) expect(occ.get(`${c.day}|${t.zoneId}`)).toBe(1);
    }
  }

  it('with anti-passback, a ticket counts 0 or 1 in all zones together, in the zone it is in', () => {
    fc.assert(
      fc.property(arbRules, arbValidity, arbOrderedScans(), (r0, validity, scans) => {
        checkOccupancy(ticket(validity), { ...r0, antiPassback: true }, scans);
      }),
      { numRuns: RUNS },
    );
  });

  it('without anti-passback too, in server (day) order', () => {
    fc.assert(
      fc.property(arbRules, arbValidity, arbOrderedScans(), (r0, validity, scans) => {
        checkOccupancy(ticket(validity), { ...r0, antiPassback: false }, scans);
      }),
      { numRuns: RUNS },
    );
  });

  it('moving zones without anti-passback moves the count', () => {
    const r = rules();
    const a = decide(ticket(), r, scan({ zoneId: 1 }));
    if (a.result !== 'admit') throw new Error('first entry refused');
    expect(decide(a.next, r, scan({ zoneId: 2 }))).toMatchObject({ result: 'admit', into: 2, outOf: 1 });
  });

  // Regression: an in at the zone the ticket is already inside once added +1 with no -1, counting
  // the visitor twice (online without anti-passback; offline uploads even with it).
  it('re-entering the zone a ticket is already inside does not count it twice (no anti-passback)', () => {
    checkOccupancy(ticket(), rules(), [scan({ zoneId: 1 }), scan({ zoneId: 1, minute: 700 })]);
  });

  it('an offline in at the zone a ticket is already inside does not count it twice (anti-passback)', () => {
    const r = rules({ antiPassback: true });
    const a = decide(ticket(), r, scan({ zoneId: 1 }));
    if (a.result !== 'admit') throw new Error('first entry refused');
    const off = recordOffline(a.next, r, scan({ zoneId: 1, minute: 700 }), 'admit');
    expect(off.conflict).toBe(true);
    // The ticket was already counted in zone 1: the net change must be 0.
    expect((off.into === 1 ? 1 : 0) - (off.outOf === 1 ? 1 : 0)).toBe(0);
  });
});

// 9. Offline uploads.

describe('recordOffline', () => {
  it('a local reject changes nothing', () => {
    fc.assert(
      fc.property(arbState, arbRules, arbScan, (t, r, c) => {
        const before = structuredClone(t);
        expect(recordOffline(t, r, c, 'reject')).toEqual({
          next: null,
          into: null,
          outOf: null,
          crossings: { entry: false, exit: false, inferred: null },
          conflict: false,
        });
        expect(t).toEqual(before);
      }),
      { numRuns: RUNS },
    );
  });

  it('a local admit of an in always applies, and conflicts exactly when decide would refuse for a reason other than capacity', () => {
    fc.assert(
      fc.property(arbState, arbRules, arbScan, (t, r, c0) => {
        const c: TScanContext = { ...c0, direction: 'in' };
        const rec = recordOffline(t, r, c, 'admit');
        const today = t.entriesDay === c.day ? t.entriesOnDay : 0;
        const late = t.entriesDay !== null && c.day < t.entriesDay;
        // A late upload from an earlier day adds to the total only: today's tally and place stay.
        expect(rec.next).toEqual(
          late
            ? { ...t, entries: t.entries + 1 }
            : {
                ...t,
                entries: t.entries + 1,
                entriesOnDay: today + 1,
                entriesDay: c.day,
                inside: true,
                zoneId: c.zoneId,
                // Seen at the perimeter: today's entry is no longer only inferred.
                entryInferred: false,
              },
        );
        // Into the gate's zone, unless it is already there today (a move within a zone moves nothing).
        const there = t.inside && t.entriesDay === c.day && t.zoneId === c.zoneId;
        expect(rec.into).toBe(late || there ? null : c.zoneId);
        const d = decide(t, r, c);
        const refused = d.result === 'reject' && d.reason !== 'capacity';
        expect(rec.conflict).toBe(refused);
        expect(rec.reason).toBe(refused ? reasonOf(d) : undefined);
        // When the rules admit it, the fact is applied exactly as an online admission would be.
        const online = decide(t, r, { ...c, zoneHasRoom: true });
        if (online.result === 'admit')
          expect({ next: rec.next, into: rec.into, outOf: rec.outOf }).toEqual({
            next: online.next,
            into: online.into,
            outOf: online.outOf,
          });
      }),
      { numRuns: RUNS },
    );
  });

  it('a local admit of an out leaves and is never a conflict', () => {
    fc.assert(
      fc.property(arbState, arbRules, arbScan, (t, r, c0) => {
        const rec = recordOffline(t, r, { ...c0, direction: 'out' }, 'admit');
        const wasInside = t.inside && t.entriesDay === c0.day;
        const late = t.entriesDay !== null && c0.day < t.entriesDay;
        // Out without having been seen in today: the entry is inferred (today's, no allowance used).
        const seen =
          wasInside || late
            ? {}
            : { entriesDay: c0.day, entriesOnDay: t.entriesDay === c0.day ? t.entriesOnDay : 0, entryInferred: true };
        // An exit from an earlier day than the ticket's last entry is history: it does not move the ticket.
        expect(rec).toEqual({
          next: late ? t : { ...t, ...seen, inside: false, zoneId: null },
          into: null,
          outOf: wasInside ? t.zoneId : null,
          crossings: wasInside
            ? { entry: false, exit: true, inferred: null }
            : { entry: true, exit: true, inferred: 'entry' },
          conflict: false,
        });
      }),
      { numRuns: RUNS },
    );
  });

  it('flags a second offline admission of a single-entry ticket as used', () => {
    const r = rules({ entryPolicy: 'single' });
    const a = decide(ticket(), r, scan({ zoneId: 1 }));
    if (a.result !== 'admit') throw new Error('first entry refused');
    const rec = recordOffline(
      { ...a.next, inside: false, zoneId: null },
      r,
      scan({ zoneId: 2, zoneHasRoom: false }),
      'admit',
    );
    expect(rec).toMatchObject({
      conflict: true,
      reason: 'used',
      into: 2,
      next: { entries: 2, inside: true, zoneId: 2 },
    });
  });
});

// 10. Purity.

describe('purity', () => {
  it('decide and recordOffline do not mutate their inputs and are deterministic', () => {
    fc.assert(
      fc.property(
        arbState,
        arbRules,
        arbScan,
        fc.constantFrom('admit' as const, 'reject' as const),
        (t, r, c, local) => {
          const snapshot = structuredClone({ t, r, c });
          const [ft, fr, fcx] = [deepFreeze(t), deepFreeze(r), deepFreeze(c)];
          // Frozen inputs make any write throw (ES modules run in strict mode).
          const d1 = decide(ft, fr, fcx);
          const d2 = decide(ft, fr, fcx);
          const o1 = recordOffline(ft, fr, fcx, local);
          expect(d2).toEqual(d1);
          expect(recordOffline(ft, fr, fcx, local)).toEqual(o1);
          expect({ t, r, c }).toEqual(snapshot);
          if (d1.result === 'admit') expect(d1.next).not.toBe(t);
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('rides', () => {
  const LIFT = { id: 7, open: true, points: 10, rideGapMin: 5 };
  const at = (min: number) => Date.UTC(2026, 1, 28, 2, min);
  const lift = (over: Partial<TScanContext> = {}) =>
    scan({ edge: 'attraction', otherZoneId: null, attraction: LIFT, ...over });
  const pass = rules({ rides: { 7: null } });

  it('refuses the same pass within the ride gap, and an upload of an earlier ride only when it was that close', () => {
    const a = decide(ticket(), pass, lift({ at: at(0) }));
    if (a.result !== 'admit') throw new Error('first ride refused');
    expect(decide(a.next, pass, lift({ at: at(3) }))).toEqual({ result: 'reject', reason: 'ride_too_soon' });
    const b = decide(a.next, pass, lift({ at: at(6) }));
    expect(b.result).toBe('admit');
    if (b.result !== 'admit') return;
    // Uploaded out of order: a ride 20 minutes before the last one is no passback, one 2 minutes before is.
    expect(recordOffline(b.next, pass, lift({ at: at(-14) }), 'admit')).toMatchObject({ conflict: false });
    expect(recordOffline(b.next, pass, lift({ at: at(4) }), 'admit')).toMatchObject({
      conflict: true,
      reason: 'ride_too_soon',
    });
    // The last ride stays the latest one whatever order the uploads come in.
    const old = recordOffline(b.next, pass, lift({ at: at(-14) }), 'admit');
    expect(old.next?.rides?.[7]).toEqual({ used: 3, lastAt: at(6) });
  });
});

describe('show times', () => {
  const SHOW = { id: 9, open: true, points: 0, rideGapMin: 0, doorsMin: 30 };
  // The 19:30–20:40 show on 2026-02-28.
  const booked = { 9: { day: '2026-02-28', start: 19 * 60 + 30, end: 20 * 60 + 40 } };
  const seat = rules({ rides: { 9: 1 } });
  const show = (over: Partial<TScanContext> = {}) =>
    scan({ edge: 'attraction', otherZoneId: null, attraction: SHOW, ...over });

  it('a booked show admits from its doors until it ends, on its day; otherwise outside_slot', () => {
    const t = ticket({ shows: booked });
    const at = (minute: number, day = '2026-02-28', a = SHOW) => decide(t, seat, show({ day, minute, attraction: a }));
    expect(at(18 * 60 + 59)).toEqual({ result: 'reject', reason: 'outside_slot' });
    expect(at(19 * 60)).toMatchObject({ result: 'admit', ride: { attractionId: 9, ridesLeft: 0 } });
    expect(at(20 * 60 + 40).result).toBe('admit');
    expect(at(20 * 60 + 41)).toEqual({ result: 'reject', reason: 'outside_slot' });
    // Another day of a ticket valid for several: not that show.
    expect(at(19 * 60 + 30, '2026-03-01')).toEqual({ result: 'reject', reason: 'outside_slot' });
    // The doors are the attraction's: with none, only from the start.
    expect(at(19 * 60 + 29, '2026-02-28', { ...SHOW, doorsMin: 0 })).toEqual({
      result: 'reject',
      reason: 'outside_slot',
    });
    // Outside its show time the answer is the show time, even when the show is not open then.
    expect(at(12 * 60, '2026-02-28', { ...SHOW, open: false })).toEqual({ result: 'reject', reason: 'outside_slot' });
    expect(at(19 * 60 + 45, '2026-02-28', { ...SHOW, open: false })).toEqual({
      result: 'reject',
      reason: 'attraction_closed',
    });
  });

  it('the seat is one ride: used once, then no ride left; a ticket without a booked show rides as before', () => {
    const first = decide(ticket({ shows: booked }), seat, show({ minute: 19 * 60 + 10 }));
    if (first.result !== 'admit') throw new Error('refused in its show time');
    expect(first.next.shows).toEqual(booked);
    expect(decide(first.next, seat, show({ minute: 19 * 60 + 40 }))).toEqual({
      result: 'reject',
      reason: 'no_rides_left',
    });
    // Old data: a type with the show but no show booked is not held to a show time.
    expect(decide(ticket(), seat, show({ minute: 9 * 60 })).result).toBe('admit');
    // A show booked at another attraction says nothing here.
    expect(decide(ticket({ shows: { 4: booked[9] } }), seat, show({ minute: 9 * 60 })).result).toBe('admit');
  });

  it('an offline admission outside the show time is recorded as a conflict, like a slot', () => {
    const r = recordOffline(ticket({ shows: booked }), seat, show({ minute: 9 * 60 }), 'admit');
    expect(r).toMatchObject({ conflict: true, reason: 'outside_slot' });
    expect(r.next?.rides?.[9]?.used).toBe(1);
    expect(recordOffline(ticket({ shows: booked }), seat, show({ minute: 19 * 60 + 5 }), 'admit')).toMatchObject({
      conflict: false,
    });
  });
});

describe('package tickets activated by the stay', () => {
  // A package's ticket for 2026-02-28, as the hotel books it (valid on its day only).
  const pkg = (activated: boolean, over: Partial<TTicketState> = {}) =>
    ticket({ validFrom: '2026-02-28', validTo: '2026-02-28', activated, ...over });
  const inner = (edge: 'transfer' | 'checkpoint' | 'attraction') =>
    scan({
      edge,
      otherZoneId: 2,
      ...(edge === 'attraction' ? { attraction: { id: 9, open: true, points: 0, rideGapMin: 0 } } : {}),
    });
  const ride = rules({ rides: { 9: null } });

  it('before check-in every gate refuses it not_activated; once checked in it admits like any ticket', () => {
    for (const c of [scan(), inner('transfer'), inner('checkpoint'), inner('attraction')]) {
      expect(decide(pkg(false), ride, c)).toEqual({ result: 'reject', reason: 'not_activated' });
      expect(decide(pkg(true), ride, c).result).toBe('admit');
      // Not a package ticket: activation is not looked at.
      expect(decide(ticket({ validFrom: '2026-02-28', validTo: '2026-02-28' }), ride, c).result).toBe('admit');
    }
  });

  it('activation does not widen the stay days, and a voided ticket is refunded whether checked in or not', () => {
    // The day after: not valid today, checked in or not (checking in would not help).
    for (const activated of [false, true])
      expect(decide(pkg(activated), rules(), scan({ day: '2026-03-01' }))).toEqual({
        result: 'reject',
        reason: 'not_valid_today',
      });
    // Early departure voids the next day's ticket through the refund path.
    for (const activated of [false, true])
      expect(decide(pkg(activated, { status: 'refunded' }), rules(), scan())).toEqual({
        result: 'reject',
        reason: 'refunded',
      });
  });

  it('a ticket that got in anyway (an offline gate) may leave; activation passes on with the state', () => {
    const inside = pkg(false, { inside: true, zoneId: 1, entries: 1, entriesOnDay: 1, entriesDay: '2026-02-28' });
    const out = decide(inside, rules(), scan({ direction: 'out' }));
    expect(out).toMatchObject({ result: 'admit', outOf: 1, into: null });
    const inAgain = decide(pkg(true), rules(), scan());
    if (inAgain.result !== 'admit') throw new Error('refused after check-in');
    expect(inAgain.next.activated).toBe(true);
  });

  it('an offline admission before check-in is recorded, counted and flagged as a conflict not_activated', () => {
    const rec = recordOffline(pkg(false), rules(), scan(), 'admit');
    expect(rec).toMatchObject({ conflict: true, reason: 'not_activated', into: 1, crossings: { entry: true } });
    expect(rec.next).toMatchObject({ inside: true, zoneId: 1, entries: 1 });
    expect(recordOffline(pkg(false), rules(), inner('transfer'), 'admit')).toMatchObject({
      conflict: true,
      reason: 'not_activated',
    });
    expect(recordOffline(pkg(true), rules(), scan(), 'admit')).toMatchObject({ conflict: false });
    // A local rejection changes nothing, whatever the reason.
    expect(recordOffline(pkg(false), rules(), scan(), 'reject')).toMatchObject({ next: null, conflict: false });
  });

  it('property: an unactivated ticket is never admitted online, at any gate, on any day', () => {
    fc.assert(
      fc.property(
        arbState,
        arbRules,
        arbScan,
        fc.constantFrom('perimeter', 'transfer', 'checkpoint'),
        (t0, r, c, edge) => {
          const t = { ...t0, activated: false };
          const d = decide(t, r, { ...c, edge: edge as TScanContext['edge'], otherZoneId: 2 });
          // Leaving the venue is always possible; every other admission needs the check-in.
          if (d.result === 'admit') expect(c.direction === 'out' && edge === 'perimeter').toBe(true);
          else if (c.direction === 'in' && t.status === 'valid' && c.day >= t.validFrom && c.day <= t.validTo)
            expect(d.reason).toBe('not_activated');
        },
      ),
      { numRuns: RUNS },
    );
  });
});
