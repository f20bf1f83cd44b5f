import type { inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '../../server/trpc/root.ts';

/*
 * Pure helpers for the wall's attractions panel: utilisation and its band, and the words of a
 * row. No React here, so it is unit tested in Node (attractions-data.test.ts).
 */

export type TAttractionBoard = inferRouterOutputs<AppRouter>['charts']['attractions'];
export type TAttractionRow = TAttractionBoard['attractions'][number];
export type TAttractionState = TAttractionRow['state'];

/** Utilisation (rides in the last hour / hourly capacity) from which the bar turns amber: a queue is likely. */
export const UTILISATION_WARN = 0.8;
/** ...and red: at or near what the attraction can carry. */
export const UTILISATION_CRIT = 0.95;

export type TUtilisationLevel = 'idle' | 'calm' | 'warn' | 'crit';

/** Rides in the last hour against the hourly capacity (0..; above 1 when it carried more). */
export function utilisation(a: Pick<TAttractionRow, 'ridesLastHour' | 'hourlyCapacity'>): number {
  return a.hourlyCapacity > 0 ? a.ridesLastHour / a.hourlyCapacity : 0;
}

/** The bar's band: grey while the attraction does not run (closed, outside hours), else by utilisation. */
export function utilisationLevel(ratio: number, state: TAttractionState): TUtilisationLevel {
  if (state === 'closed' || state === 'outside_hours') return 'idle';
  if (ratio >= UTILISATION_CRIT) return 'crit';
  if (ratio >= UTILISATION_WARN) return 'warn';
  return 'calm';
}

/** Whole percent, as the wall prints it. */
export function percent(ratio: number): number {
  return Math.round(ratio * 100);
}

/** Bar length (share of the track, 0..1): a bar never runs off its track, the percentage says the rest. */
export function barShare(ratio: number): number {
  return Math.min(1, Math.max(0, ratio));
}

/** The words of a row (messages `attractions`), resolved by the component or by a test's translator. */
export interface TAttractionStrings {
  allDay: string;
  hours: (opens: string, closes: string) => string;
  throttledTo: (n: number) => string;
  state: (s: TAttractionState) => string;
}

/** What the state badge says: a throttle names its rate, a closed attraction the manager's note. */
export function stateText(a: TAttractionRow, t: TAttractionStrings): string {
  if (a.state === 'throttled' && a.ridesPerMin !== null)
    return `${t.state('throttled')} · ${t.throttledTo(a.ridesPerMin)}`;
  if (a.state === 'closed' && a.controlNote?.trim()) return `${t.state('closed')} · ${a.controlNote.trim()}`;
  return t.state(a.state);
}

/** Opening hours as the row prints them. */
export function hoursText(a: Pick<TAttractionRow, 'opens' | 'closes' | 'allDay'>, t: TAttractionStrings): string {
  return a.allDay ? t.allDay : t.hours(a.opens, a.closes);
}
