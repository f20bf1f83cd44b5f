/**
 * Venue-local calendar arithmetic. Validity, slots and the daily occupancy reset follow the venue's
 * clock (Asia/Shanghai for most of our users), never the server's.
 */

export interface TLocalTime {
  /** Business day, YYYY-MM-DD: the local date, shifted back before the daily reset time. */
  day: string;
  /** Local calendar date, YYYY-MM-DD. */
  date: string;
  /** Minutes since local midnight, 0..1439. */
  minute: number;
  /** 0 = Sunday .. 6 = Saturday, of the local calendar date. */
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Adds days to a YYYY-MM-DD date. */
export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** 0 = Sunday .. 6 = Saturday for a YYYY-MM-DD date. */
export function weekdayOf(date: string): number {
  return new Date(`${date}T00:00:00Z`).getUTCDay();
}

/** 'HH:MM[:SS]' to minutes since midnight. */
export function minutesOf(time: string): number {
  const [h, m] = time.split(':').map(Number);
  return h * 60 + m;
}

/**
 * Local time of an instant at a venue. resetMinute is the daily reset (e.g. 240 for 04:00): scans
 * between midnight and the reset still belong to the previous business day.
 */
export function localTime(at: Date, timeZone: string, resetMinute = 0): TLocalTime {
  const parts = Object.fromEntries(
    formatter(timeZone)
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  const date = `${parts.year}-${parts.month}-${parts.day}`;
  const minute = Number(parts.hour) * 60 + Number(parts.minute);
  return { date, minute, day: minute < resetMinute ? addDays(date, -1) : date, weekday: weekdayOf(date) };
}

/** True for a YYYY-MM-DD string that is a real calendar date. */
export function isCalendarDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}
