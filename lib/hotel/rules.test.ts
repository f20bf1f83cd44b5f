import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays } from '../venue-time.ts';
import {
  balanceOf,
  cancellationFee,
  dayKindOf,
  firstNightFen,
  isReadyForGuest,
  laterDate,
  localInstant,
  nightsOf,
  noShowFee,
  rateFor,
  STAY_TRANSITIONS,
} from './rules.ts';

const RUNS = 300;
/** Calendar dates 2000..2099 as YYYY-MM-DD. */
const arbDate = fc.integer({ min: 0, max: 36_500 }).map((n) => addDays('2000-01-01', n));

describe('nights of a stay', () => {
  it('are the dates from check-in up to, not including, check-out', () => {
    expect(nightsOf('2026-02-27', '2026-03-02')).toEqual(['2026-02-27', '2026-02-28', '2026-03-01']);
    expect(nightsOf('2028-02-28', '2028-03-01')).toEqual(['2028-02-28', '2028-02-29']);
    expect(nightsOf('2026-05-01', '2026-05-01')).toEqual([]);
  });
  it('number check-out minus check-in, consecutive and sorted', () => {
    fc.assert(
      fc.property(arbDate, fc.integer({ min: 0, max: 40 }), (from, n) => {
        const nights = nightsOf(from, addDays(from, n));
        expect(nights).toHaveLength(n);
        expect(nights).toEqual(Array.from({ length: n }, (_, i) => addDays(from, i)));
      }),
      { numRuns: RUNS },
    );
  });
  it('laterDate picks the later day', () => {
    expect(laterDate('2026-01-02', '2026-01-10')).toBe('2026-01-10');
    expect(laterDate('2026-12-31', '2026-01-10')).toBe('2026-12-31');
  });
});

describe('rates by day kind', () => {
  const t = { rate_fen: 48000, weekend_rate_fen: 58000, holiday_rate_fen: 68000 };
  it('Friday and Saturday nights are the weekend, a holiday beats both', () => {
    // 2026-05-01 is a Friday (and Labour Day).
    expect(dayKindOf('2026-04-30', new Set())).toBe('weekday');
    expect(dayKindOf('2026-05-01', new Set())).toBe('weekend');
    expect(dayKindOf('2026-05-02', new Set())).toBe('weekend');
    expect(dayKindOf('2026-05-03', new Set())).toBe('weekday');
    expect(dayKindOf('2026-05-01', new Set(['2026-05-01']))).toBe('holiday');
    expect(dayKindOf('2026-05-04', new Set(['2026-05-04']))).toBe('holiday');
  });
  it('price the day kind, weekend and holiday rates falling back as ticket prices do', () => {
    expect(rateFor(t, 'weekday')).toBe(48000);
    expect(rateFor(t, 'weekend')).toBe(58000);
    expect(rateFor(t, 'holiday')).toBe(68000);
    expect(rateFor({ ...t, holiday_rate_fen: null }, 'holiday')).toBe(58000);
    expect(rateFor({ ...t, holiday_rate_fen: null, weekend_rate_fen: null }, 'holiday')).toBe(48000);
    expect(rateFor({ ...t, weekend_rate_fen: null }, 'weekend')).toBe(48000);
  });
});

describe('cancellation and no-show fees', () => {
  const rule = { free_cancel_hours: 24, cancel_fee_pct: 50, no_show_fee_pct: 100 };
  const arrival = localInstant('2026-07-10', '14:00', 'Asia/Shanghai');
  it('the arrival is the check-in time at the venue', () => {
    expect(arrival.toISOString()).toBe('2026-07-10T06:00:00.000Z');
    // Across a daylight-saving change the venue's own offset is used.
    expect(localInstant('2026-03-29', '14:00', 'Europe/Berlin').toISOString()).toBe('2026-03-29T12:00:00.000Z');
    expect(localInstant('2026-03-28', '14:00', 'Europe/Berlin').toISOString()).toBe('2026-03-28T13:00:00.000Z');
  });
  it('is free until the hours before arrival, then the share of the first night', () => {
    const first = firstNightFen([
      { night: '2026-07-10', room: 48000, plan: 9600 },
      { night: '2026-07-11', room: 58000, plan: 9600 },
    ]);
    expect(first).toBe(57600);
    const at = (iso: string) => cancellationFee(rule, arrival, new Date(iso), first);
    expect(at('2026-07-09T05:59:59Z')).toBe(0);
    expect(at('2026-07-09T06:00:00Z')).toBe(28800);
    expect(at('2026-07-11T00:00:00Z')).toBe(28800);
    expect(noShowFee(rule, first)).toBe(57600);
    expect(noShowFee({ ...rule, no_show_fee_pct: 0 }, first)).toBe(0);
    expect(firstNightFen([])).toBe(0);
  });
  it('never costs more than the first night, and never less later', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 720 }),
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.integer({ min: -1000, max: 1000 }),
        fc.integer({ min: 0, max: 1000 }),
        (hours, pct, firstNight, h1, dh) => {
          const r = { free_cancel_hours: hours, cancel_fee_pct: pct, no_show_fee_pct: pct };
          const t1 = new Date(arrival.getTime() + h1 * 3_600_000);
          const t2 = new Date(t1.getTime() + dh * 3_600_000);
          const f1 = cancellationFee(r, arrival, t1, firstNight);
          expect(f1).toBeGreaterThanOrEqual(0);
          expect(f1).toBeLessThanOrEqual(firstNight);
          expect(cancellationFee(r, arrival, t2, firstNight)).toBeGreaterThanOrEqual(f1);
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('states and the folio', () => {
  it('reverts are the only transitions that need a supervisor, and each goes back where it came from', () => {
    const needs = Object.entries(STAY_TRANSITIONS)
      .filter(([, t]) => t.supervisor)
      .map(([k]) => k);
    expect(needs.sort()).toEqual(['revert_check_in', 'revert_check_out']);
    expect(STAY_TRANSITIONS.revert_check_in.to).toBe(STAY_TRANSITIONS.check_in.from);
    expect(STAY_TRANSITIONS.revert_check_out.to).toBe(STAY_TRANSITIONS.check_out.from);
  });
  it('a guest checks in to a clean or inspected room only', () => {
    expect([isReadyForGuest('clean'), isReadyForGuest('inspected'), isReadyForGuest('dirty')]).toEqual([
      true,
      true,
      false,
    ]);
  });
  it('the balance is the sum of the lines', () => {
    expect(balanceOf([{ amount_fen: 48000 }, { amount_fen: 3000 }, { amount_fen: -51000 }])).toBe(0);
    expect(balanceOf([])).toBe(0);
  });
});
