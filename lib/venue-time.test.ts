import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { addDays, isCalendarDate, localTime, minutesOf, weekdayOf } from './venue-time.ts';

const SHANGHAI = 'Asia/Shanghai';
/** China has kept UTC+8 without daylight saving since 1991, so an offset is an exact oracle after that. */
const SHANGHAI_OFFSET_MS = 8 * 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;
/** Property runs per test. */
const RUNS = 500;

const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const daysInMonth = (y: number, m: number) => [31, isLeap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];
const pad = (n: number, w: number) => String(n).padStart(w, '0');
const ymd = (y: number, m: number, d: number) => `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`;

/** Real calendar dates from years 1000 to 9000, built without Date. */
const arbDate = fc
  .tuple(fc.integer({ min: 1000, max: 9000 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 31 }))
  .map(([y, m, d]) => ymd(y, m, Math.min(d, daysInMonth(y, m))));

/** Whole days between two YYYY-MM-DD dates, by hand (days from a fixed epoch). */
function dayNumber(date: string): number {
  const [y, m, d] = date.split('-').map(Number);
  let n = 0;
  for (let year = 1000; year < y; year++) n += isLeap(year) ? 366 : 365;
  for (let month = 1; month < m; month++) n += daysInMonth(y, month);
  return n + d;
}

describe('localTime', () => {
  it('converts known instants to Shanghai time', () => {
    expect(localTime(new Date('2026-11-21T20:30:00Z'), SHANGHAI)).toEqual({
      date: '2026-11-22',
      day: '2026-11-22',
      minute: 270,
      weekday: 0,
    });
    // Local midnight is minute 0, not hour 24.
    expect(localTime(new Date('2026-11-21T16:00:00Z'), SHANGHAI)).toMatchObject({ date: '2026-11-22', minute: 0 });
    expect(localTime(new Date('2026-11-21T15:59:00Z'), SHANGHAI)).toMatchObject({
      date: '2026-11-21',
      minute: 1439,
      weekday: 6,
    });
    // New Year and a leap day.
    expect(localTime(new Date('2026-12-31T16:00:00Z'), SHANGHAI)).toMatchObject({ date: '2027-01-01', minute: 0 });
    expect(localTime(new Date('2028-02-28T17:05:00Z'), SHANGHAI)).toMatchObject({
      date: '2028-02-29',
      minute: 65,
      weekday: 2,
    });
  });

  it('keeps scans before the daily reset on the previous business day', () => {
    const at = new Date('2026-11-21T20:30:00Z'); // 04:30 on 2026-11-22 in Shanghai
    expect(localTime(at, SHANGHAI, 300)).toEqual({ date: '2026-11-22', day: '2026-11-21', minute: 270, weekday: 0 });
    expect(localTime(at, SHANGHAI, 270).day).toBe('2026-11-22'); // the reset minute itself starts the new day
    expect(localTime(at, SHANGHAI, 271).day).toBe('2026-11-21');
    // Across a month and a year.
    expect(localTime(new Date('2026-11-30T17:00:00Z'), SHANGHAI, 240).day).toBe('2026-11-30');
    expect(localTime(new Date('2026-12-31T18:00:00Z'), SHANGHAI, 240)).toMatchObject({
      date: '2027-01-01',
      day: '2026-12-31',
    });
  });

  it('follows the venue time zone, not the server one', () => {
    const at = new Date('2026-07-01T03:00:00Z');
    expect(localTime(at, 'UTC')).toMatchObject({ date: '2026-07-01', minute: 180 });
    expect(localTime(at, 'America/Los_Angeles')).toMatchObject({ date: '2026-06-30', minute: 20 * 60 }); // PDT, UTC-7
  });

  it('matches UTC+8 arithmetic for any instant and reset minute (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(1992, 0, 1), max: Date.UTC(2100, 0, 1) }),
        fc.integer({ min: 0, max: 720 }),
        (ms, resetMinute) => {
          const local = new Date(ms + SHANGHAI_OFFSET_MS);
          const date = local.toISOString().slice(0, 10);
          const minute = local.getUTCHours() * 60 + local.getUTCMinutes();
          const lt = localTime(new Date(ms), SHANGHAI, resetMinute);
          expect(lt.date).toBe(date);
          expect(lt.minute).toBe(minute);
          expect(lt.weekday).toBe(local.getUTCDay());
          expect(lt.day).toBe(
            minute < resetMinute ? new Date(ms + SHANGHAI_OFFSET_MS - DAY_MS).toISOString().slice(0, 10) : date,
          );
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('addDays', () => {
  it('crosses month, year and leap-year boundaries', () => {
    const cases: [string, number, string][] = [
      ['2026-01-31', 1, '2026-02-01'],
      ['2026-02-28', 1, '2026-03-01'],
      ['2028-02-28', 1, '2028-02-29'],
      ['2028-02-29', 1, '2028-03-01'],
      ['2028-03-01', -1, '2028-02-29'],
      ['2000-02-28', 1, '2000-02-29'], // divisible by 400: leap
      ['1900-02-28', 1, '1900-03-01'], // divisible by 100 only: not leap
      ['2026-12-31', 1, '2027-01-01'],
      ['2027-01-01', -1, '2026-12-31'],
      ['2026-03-15', 0, '2026-03-15'],
      ['2026-01-01', 365, '2027-01-01'],
      ['2028-01-01', 365, '2028-12-31'],
      ['2028-01-01', 366, '2029-01-01'],
    ];
    for (const [date, n, expected] of cases) expect(addDays(date, n)).toBe(expected);
  });

  it('addDays(addDays(d, n), -n) is d, and the result is n days away (property)', () => {
    fc.assert(
      fc.property(arbDate, fc.integer({ min: -3000, max: 3000 }), (d, n) => {
        const moved = addDays(d, n);
        expect(addDays(moved, -n)).toBe(d);
        expect(isCalendarDate(moved)).toBe(true);
        if (moved >= '1000-01-01') expect(dayNumber(moved) - dayNumber(d)).toBe(n);
      }),
      { numRuns: RUNS },
    );
  });

  it('composes: adding a then b equals adding a + b (property)', () => {
    fc.assert(
      fc.property(arbDate, fc.integer({ min: -400, max: 400 }), fc.integer({ min: -400, max: 400 }), (d, a, b) => {
        expect(addDays(addDays(d, a), b)).toBe(addDays(d, a + b));
      }),
      { numRuns: RUNS },
    );
  });
});

describe('isCalendarDate', () => {
  it('accepts real dates and rejects impossible or malformed ones', () => {
    for (const s of ['2026-01-01', '2026-12-31', '2028-02-29', '2000-02-29']) expect(isCalendarDate(s)).toBe(true);
    for (const s of [
      '2026-02-30',
      '2026-02-29',
      '1900-02-29',
      '2026-04-31',
      '2026-13-01',
      '2026-00-10',
      '2026-01-00',
      '2026-1-5',
      '26-01-05',
      ' 2026-01-05',
      '2026-01-05T00:00',
      '2026/01/05',
      '',
    ]) {
      expect(isCalendarDate(s), s).toBe(false);
    }
  });

  it('agrees with the Gregorian month lengths for any YYYY-MM-DD (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1000, max: 9999 }),
        fc.integer({ min: 0, max: 13 }),
        fc.integer({ min: 0, max: 32 }),
        (y, m, d) => {
          const valid = m >= 1 && m <= 12 && d >= 1 && d <= daysInMonth(y, m);
          expect(isCalendarDate(ymd(y, m, d))).toBe(valid);
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('weekdayOf and minutesOf', () => {
  it('weekdays of known dates', () => {
    expect(weekdayOf('2026-11-22')).toBe(0);
    expect(weekdayOf('2026-11-21')).toBe(6);
    expect(weekdayOf('2000-01-01')).toBe(6);
  });

  it('weekday advances by one per day (property)', () => {
    fc.assert(
      fc.property(arbDate, fc.integer({ min: -1000, max: 1000 }), (d, n) => {
        expect(weekdayOf(addDays(d, n))).toBe((((weekdayOf(d) + n) % 7) + 7) % 7);
      }),
      { numRuns: RUNS },
    );
  });

  it('parses HH:MM and HH:MM:SS', () => {
    expect(minutesOf('00:00')).toBe(0);
    expect(minutesOf('09:30')).toBe(570);
    expect(minutesOf('23:59:59')).toBe(1439);
  });
});
