import type { inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '../../../server/trpc/root.ts';
import type { TChartLocale } from './chart-theme.ts';

export type TChartSeries = inferRouterOutputs<AppRouter>['charts']['series'];
export type TArrivals = inferRouterOutputs<AppRouter>['charts']['arrivals'];

/** Most points one series may hold: 12 hours of minutes, the longest window the API serves. */
export const MAX_POINTS = 720;
/** Quarter hours of padding kept around the day's arrivals when the forecast is trimmed. */
const ARRIVAL_PAD_BUCKETS = 2;
const ARRIVAL_BUCKET_MS = 15 * 60_000;

/** Bucket starts (ms) from `from` (inclusive) to `to` (exclusive), at most MAX_POINTS, the latest kept. */
export function timeGrid(fromIso: string, toIso: string, stepMs: number): number[] {
  const from = Date.parse(fromIso);
  const to = Date.parse(toIso);
  if (!(stepMs > 0) || !(to > from)) return [];
  const n = Math.min(MAX_POINTS, Math.ceil((to - from) / stepMs));
  const first = to - n * stepMs;
  return Array.from({ length: n }, (_, i) => first + i * stepMs);
}

function indexOf(grid: number[], stepMs: number, iso: string): number {
  if (!grid.length) return -1;
  const i = Math.floor((Date.parse(iso) - grid[0]) / stepMs);
  return i >= 0 && i < grid.length ? i : -1;
}

export interface TZoneFlow {
  id: number;
  name: string;
  entries: number[];
  exits: number[];
}

/** Entries and exits per minute for each zone that had any in the window, on a dense minute grid. */
export function zoneFlows(
  s: TChartSeries,
  zoneName: (id: number) => string,
): { times: number[]; zones: TZoneFlow[]; totalEntries: number; totalExits: number } {
  const times = timeGrid(s.from, s.to, s.stepMs);
  const byZone = new Map<number, TZoneFlow>();
  let totalEntries = 0;
  let totalExits = 0;
  for (const r of s.entries) {
    const i = indexOf(times, s.stepMs, r.at);
    if (i < 0) continue;
    let z = byZone.get(r.zoneId);
    if (!z) {
      z = {
        id: r.zoneId,
        name: zoneName(r.zoneId),
        entries: new Array(times.length).fill(0),
        exits: new Array(times.length).fill(0),
      };
      byZone.set(r.zoneId, z);
    }
    z.entries[i] += r.entries;
    z.exits[i] += r.exits;
    totalEntries += r.entries;
    totalExits += r.exits;
  }
  return { times, zones: [...byZone.values()].sort((a, b) => a.id - b.id), totalEntries, totalExits };
}

/** Id of the series that gathers everything beyond the largest few. */
export const OTHER_ID = -1;

/**
 * Keeps the `max` items with the largest weight and adds the rest up into one item with id
 * OTHER_ID, last; the kept ones stay in their order, so stacks and colours do not jump around
 * when the ranking changes.
 */
export function foldSmallest<T extends { id: number }>(
  items: T[],
  max: number,
  weight: (x: T) => number,
  merge: (rest: T[]) => T,
): T[] {
  if (items.length <= max) return items;
  const keep = new Set(
    [...items]
      .sort((a, b) => weight(b) - weight(a) || a.id - b.id)
      .slice(0, Math.max(0, max - 1))
      .map((x) => x.id),
  );
  const rest = items.filter((x) => !keep.has(x.id));
  return [...items.filter((x) => keep.has(x.id)), merge(rest)];
}

const addUp = (rows: number[][]): number[] =>
  rows.reduce((acc, r) => acc.map((v, i) => v + r[i]), new Array<number>(rows[0]?.length ?? 0).fill(0));

/** Zone flows with at most `max` series, the quietest zones added up as `otherName`. */
export function foldZones(zones: TZoneFlow[], max: number, otherName: string): TZoneFlow[] {
  const sum = (a: number[]) => a.reduce((n, v) => n + v, 0);
  return foldSmallest(
    zones,
    max,
    (z) => sum(z.entries) + sum(z.exits),
    (rest) => ({
      id: OTHER_ID,
      name: otherName,
      entries: addUp(rest.map((z) => z.entries)),
      exits: addUp(rest.map((z) => z.exits)),
    }),
  );
}

/** Channel sales with at most `max` series, the smallest channels added up as `otherLabel`. */
export function foldChannels(channels: TChannelSales[], max: number, otherLabel: string): TChannelSales[] {
  return foldSmallest(
    channels,
    max,
    (c) => c.sold.reduce((n, v) => n + v, 0),
    (rest) => ({ id: OTHER_ID, code: '', label: otherLabel, sold: addUp(rest.map((c) => c.sold)) }),
  );
}

/**
 * A channel's name for the chart. Channel names are often bilingual ("官方微信商城 Official WeChat
 * shop"): the part in the wall's language is kept.
 */
export function channelLabel(name: string, code: string, locale: TChartLocale): string {
  const m = /^([^A-Za-z]*[^\sA-Za-z])\s+([A-Za-z].*)$/.exec(name.trim());
  if (m) return locale === 'en' ? m[2] : m[1];
  return name.trim() || code;
}

export interface TChannelSales {
  id: number;
  code: string;
  label: string;
  sold: number[];
}

/** Tickets sold per minute for each channel that sold in the window, with the window's totals. */
export function channelSales(
  s: TChartSeries,
  locale: TChartLocale,
): { times: number[]; channels: TChannelSales[]; totalSold: number; totalRefunded: number; revenueFen: number } {
  const times = timeGrid(s.from, s.to, s.stepMs);
  const info = new Map(s.channels.map((c) => [c.id, c]));
  const byChannel = new Map<number, TChannelSales>();
  let totalSold = 0;
  let totalRefunded = 0;
  let revenueFen = 0;
  for (const r of s.sales) {
    const i = indexOf(times, s.stepMs, r.at);
    if (i < 0) continue;
    totalSold += r.sold;
    totalRefunded += r.refunded;
    revenueFen += r.revenueFen;
    if (!r.sold) continue;
    let c = byChannel.get(r.channelId);
    if (!c) {
      const ch = info.get(r.channelId);
      c = {
        id: r.channelId,
        code: ch?.code ?? `#${r.channelId}`,
        label: ch ? channelLabel(ch.name, ch.code, locale) : `#${r.channelId}`,
        sold: new Array(times.length).fill(0),
      };
      byChannel.set(r.channelId, c);
    }
    c.sold[i] += r.sold;
  }
  return {
    times,
    channels: [...byChannel.values()].sort((a, b) => a.code.localeCompare(b.code)),
    totalSold,
    totalRefunded,
    revenueFen,
  };
}

export interface TArrivalPoint {
  at: number;
  time: string;
  expected: number;
  /** Null for a quarter hour that has not begun yet. */
  actual: number | null;
}

/**
 * The arrival forecast trimmed to the part of the day with arrivals (plus half an hour either
 * side), with expected and actual arrivals up to now: the expected count of the running quarter
 * hour is prorated.
 */
export function arrivalSeries(a: TArrivals): {
  points: TArrivalPoint[];
  nowIndex: number;
  expectedSoFar: number;
  actualSoFar: number;
  totalExpected: number;
  totalSold: number;
} {
  const now = Date.parse(a.now);
  const all = a.curve.map((b) => {
    const at = Date.parse(b.at);
    return { at, time: b.time, expected: b.expected, actual: at <= now ? b.actual : null };
  });
  let expectedSoFar = 0;
  let actualSoFar = 0;
  let totalExpected = 0;
  for (const p of all) {
    totalExpected += p.expected;
    expectedSoFar += p.expected * Math.min(1, Math.max(0, (now - p.at) / ARRIVAL_BUCKET_MS));
    actualSoFar += p.actual ?? 0;
  }
  const busy = all.map((p, i) => (p.expected > 0 || (p.actual ?? 0) > 0 ? i : -1)).filter((i) => i >= 0);
  const first = busy.length ? Math.max(0, busy[0] - ARRIVAL_PAD_BUCKETS) : 0;
  const last = busy.length ? Math.min(all.length - 1, busy[busy.length - 1] + ARRIVAL_PAD_BUCKETS) : -1;
  const points = all.slice(first, last + 1);
  const nowIndex = points.findIndex((p) => now >= p.at && now < p.at + ARRIVAL_BUCKET_MS);
  return {
    points,
    nowIndex,
    expectedSoFar,
    actualSoFar,
    totalExpected,
    totalSold: a.slots.reduce((n, s) => n + s.sold, 0),
  };
}
