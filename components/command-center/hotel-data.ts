import type { inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '../../server/trpc/root.ts';
import { barShare, percent } from './attractions-data.ts';

/*
 * Pure helpers for the wall's hotel panel: tonight's occupancy and its band. No React here, so it
 * is unit tested in Node (hotel-data.test.ts).
 */

export type THotelBoard = inferRouterOutputs<AppRouter>['charts']['hotels'];
export type THotelRow = THotelBoard['hotels'][number];

/** Occupancy tonight from which the bar turns amber: the last rooms are selling. */
export const OCCUPANCY_WARN = 0.9;

export type TOccupancyLevel = 'idle' | 'calm' | 'warn' | 'crit';

/** Rooms sold tonight against the rooms to sell after out-of-order blocks (above 1 when overbooked). */
export function occupancy(h: Pick<THotelRow, 'sold' | 'available'>): number {
  if (h.available > 0) return h.sold / h.available;
  // Every room out of order: any sale is an overbooking, none is an empty house.
  return h.sold > 0 ? Infinity : 0;
}

/** The bar's band: red when overbooked (the alarm's condition), amber near full, grey when empty. */
export function occupancyLevel(h: Pick<THotelRow, 'sold' | 'available' | 'overbooked'>): TOccupancyLevel {
  if (h.overbooked > 0) return 'crit';
  const ratio = occupancy(h);
  if (ratio >= OCCUPANCY_WARN) return 'warn';
  return h.sold > 0 ? 'calm' : 'idle';
}

/** Whole percent as the wall prints it; '–' when there is nothing to sell and nothing sold. */
export function occupancyText(h: Pick<THotelRow, 'sold' | 'available'>): string {
  const ratio = occupancy(h);
  return Number.isFinite(ratio) ? `${percent(ratio)}%` : '–';
}

export { barShare };
