import { localTime, minutesOf } from '../../lib/venue-time.ts';

/** The park's working day as the simulator plays it (local minutes): first visitors to last exits. */
export const DAY_OPEN_MIN = 7 * 60 + 30;
export const DAY_CLOSE_MIN = 18 * 60 + 30;
/** Daily reset of the demo venue (venues.day_reset defaults to 04:00): before it, scans belong to the previous day. */
export const DEFAULT_RESET_MIN = 4 * 60;
/** Activity outside the working day (online bookings for later days keep trickling in), as a share of the peak. */
const NIGHT_LEVEL = 0.03;

/**
 * Visitor arrivals over a day at a Chinese mountain scenic area, relative to the peak: coaches and
 * tour groups make a sharp morning peak, a long midday plateau follows, and almost nobody comes after
 * the last slot. [local minute, level], linearly interpolated.
 */
const DAY_CURVE: [number, number][] = [
  [7 * 60 + 30, 0.1],
  [8 * 60, 0.45],
  [8 * 60 + 45, 0.9],
  [9 * 60 + 30, 1],
  [10 * 60 + 30, 0.85],
  [11 * 60 + 30, 0.6],
  [12 * 60 + 30, 0.45],
  [13 * 60 + 30, 0.5],
  [14 * 60 + 30, 0.4],
  [15 * 60 + 30, 0.25],
  [16 * 60 + 30, 0.12],
  [17 * 60 + 30, 0.04],
  [18 * 60 + 30, NIGHT_LEVEL],
];

/** Level of activity (0..1 of the morning peak) at a local minute of the day. */
export function dayCurve(minute: number): number {
  const first = DAY_CURVE[0];
  const last = DAY_CURVE[DAY_CURVE.length - 1];
  if (minute <= first[0] || minute >= last[0]) return NIGHT_LEVEL;
  for (let i = 1; i < DAY_CURVE.length; i++) {
    const [m1, v1] = DAY_CURVE[i];
    if (minute <= m1) {
      const [m0, v0] = DAY_CURVE[i - 1];
      return v0 + ((v1 - v0) * (minute - m0)) / (m1 - m0);
    }
  }
  return NIGHT_LEVEL;
}

export function formatMinute(minute: number): string {
  const m = Math.floor(((minute % 1440) + 1440) % 1440);
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

/**
 * Two clocks: the real one (tickets, slots and scans: the server decides on it) and the simulated
 * one, which runs `speed` times faster and drives the day curve and how long visitors stay. At speed
 * 1 they are the same; faster, the simulated day starts at the real time of day (or at opening when
 * the park is closed) and loops over the working day.
 */
export class SimClock {
  private readonly startReal: number;
  private readonly startSim: number;

  constructor(
    readonly speed: number,
    readonly timezone: string,
    private readonly now: () => number = Date.now,
  ) {
    this.startReal = now();
    const real = this.realLocal().minute;
    this.startSim = real >= DAY_OPEN_MIN && real < DAY_CLOSE_MIN ? real : DAY_OPEN_MIN;
  }

  /** Real local time at the venue: business day (with the default reset), calendar date and minute. */
  realLocal(at = this.now()) {
    return localTime(new Date(at), this.timezone, DEFAULT_RESET_MIN);
  }

  /** Simulated local minute of the day. */
  simMinute(at = this.now()): number {
    if (this.speed === 1) return this.realLocal(at).minute;
    const span = DAY_CLOSE_MIN - DAY_OPEN_MIN;
    const elapsed = ((at - this.startReal) / 60_000) * this.speed;
    return DAY_OPEN_MIN + ((this.startSim - DAY_OPEN_MIN + elapsed) % span);
  }

  /** Activity level now (0..1). */
  level(at = this.now()): number {
    return dayCurve(this.simMinute(at));
  }

  /** Real milliseconds that `simMinutes` simulated minutes take. */
  realMs(simMinutes: number): number {
    return (simMinutes * 60_000) / this.speed;
  }
}

/** A catalog slot window in real local minutes: admissible from 15 min before its start to its end. */
export function slotWindow(slot: { start: string; end: string }, earlyMin = 15): { from: number; to: number } {
  return { from: minutesOf(slot.start) - earlyMin, to: minutesOf(slot.end) };
}

/** Milliseconds from `now` until local minute `minute` of the same local day (negative when past). */
export function msUntilLocalMinute(clock: SimClock, minute: number, now = Date.now()): number {
  const d = new Date(now);
  const lt = clock.realLocal(now);
  const secondsIntoMinute = d.getUTCSeconds() * 1000 + d.getUTCMilliseconds();
  return (minute - lt.minute) * 60_000 - secondsIntoMinute;
}
