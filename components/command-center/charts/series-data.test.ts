import { describe, expect, it } from 'vitest';
import {
  arrivalSeries,
  channelLabel,
  channelSales,
  foldChannels,
  foldZones,
  MAX_POINTS,
  OTHER_ID,
  timeGrid,
  zoneFlows,
  type TArrivals,
  type TChartSeries,
} from './series-data.ts';

const T0 = Date.UTC(2026, 10, 22, 2, 0, 0);
const iso = (min: number) => new Date(T0 + min * 60_000).toISOString();

const series = (over: Partial<TChartSeries> = {}): TChartSeries => ({
  from: iso(0),
  to: iso(5),
  timezone: 'Asia/Shanghai',
  stepMs: 60_000,
  zones: [
    { id: 1, code: 'A', nameZh: '甲', nameEn: 'A' },
    { id: 2, code: 'B', nameZh: '乙', nameEn: 'B' },
  ],
  channels: [
    { id: 7, code: 'WECHAT', name: '官方微信商城 Official WeChat shop', kind: 'online' },
    { id: 8, code: 'CTRIP', name: '携程 Ctrip', kind: 'ota' },
  ],
  entries: [],
  sales: [],
  annotations: [],
  ...over,
});

describe('minute grid', () => {
  it('has one point per step in [from, to), bounded to the latest MAX_POINTS', () => {
    expect(timeGrid(iso(0), iso(3), 60_000)).toEqual([T0, T0 + 60_000, T0 + 120_000]);
    const long = timeGrid(iso(0), iso(24 * 60), 60_000);
    expect(long).toHaveLength(MAX_POINTS);
    expect(long[long.length - 1]).toBe(T0 + (24 * 60 - 1) * 60_000);
    expect(timeGrid(iso(3), iso(3), 60_000)).toEqual([]);
  });
});

describe('zone flows', () => {
  it('fills the minutes without scans with zeros and keeps only zones with activity', () => {
    const f = zoneFlows(
      series({
        entries: [
          { at: iso(1), zoneId: 2, entries: 4, exits: 1 },
          { at: iso(3), zoneId: 2, entries: 2, exits: 0 },
          { at: iso(9), zoneId: 1, entries: 99, exits: 0 },
        ],
      }),
      (id) => `zone ${id}`,
    );
    expect(f.times).toHaveLength(5);
    expect(f.zones).toEqual([{ id: 2, name: 'zone 2', entries: [0, 4, 0, 2, 0], exits: [0, 1, 0, 0, 0] }]);
    expect([f.totalEntries, f.totalExits]).toEqual([6, 1]);
  });
});

describe('channel sales', () => {
  it('sums sold per minute by channel and the window totals, refunds included', () => {
    const s = channelSales(
      series({
        sales: [
          { at: iso(0), channelId: 8, sold: 3, refunded: 0, revenueFen: 57000 },
          { at: iso(0), channelId: 7, sold: 1, refunded: 1, revenueFen: 0 },
          { at: iso(4), channelId: 8, sold: 0, refunded: 2, revenueFen: -38000 },
        ],
      }),
      'zh-CN',
    );
    expect(s.channels.map((c) => [c.code, c.label, c.sold])).toEqual([
      ['CTRIP', '携程', [3, 0, 0, 0, 0]],
      ['WECHAT', '官方微信商城', [1, 0, 0, 0, 0]],
    ]);
    expect([s.totalSold, s.totalRefunded, s.revenueFen]).toEqual([4, 3, 19000]);
  });

  it('names a channel in the wall language', () => {
    expect(channelLabel('自助售取票机 Kiosk 1', 'KIOSK-1', 'en')).toBe('Kiosk 1');
    expect(channelLabel('自助售取票机 Kiosk 1', 'KIOSK-1', 'zh-CN')).toBe('自助售取票机');
    expect(channelLabel('Fliggy', 'FLIGGY', 'zh-CN')).toBe('Fliggy');
    expect(channelLabel('飞猪', 'FLIGGY', 'en')).toBe('飞猪');
    expect(channelLabel(' ', 'X', 'en')).toBe('X');
  });
});

describe('arrival series', () => {
  const quarter = 15 * 60_000;
  const day0 = Date.parse('2026-11-21T16:00:00Z'); // 00:00 in Asia/Shanghai
  const curve = Array.from({ length: 96 }, (_, i) => {
    const h = String(Math.floor(i / 4)).padStart(2, '0');
    const m = String((i % 4) * 15).padStart(2, '0');
    return {
      at: new Date(day0 + i * quarter).toISOString(),
      time: `${h}:${m}`,
      expected: i >= 31 && i < 40 ? 1 : 0,
      actual: i === 32 ? 3 : 0,
    };
  });
  const arrivals = (nowMs: number): TArrivals => ({
    day: '2026-11-22',
    timezone: 'Asia/Shanghai',
    now: new Date(nowMs).toISOString(),
    slots: [{ start: '08:00', end: '10:00', capacity: 2500, sold: 9, arrived: 3 }],
    curve,
  });

  it('trims the day to the arrivals with half an hour either side and hides the quarter hours to come', () => {
    // Now: 08:37:30, halfway through the 08:30 quarter hour.
    const a = arrivalSeries(arrivals(day0 + 34 * quarter + quarter / 2));
    expect(a.points[0].time).toBe('07:15');
    expect(a.points[a.points.length - 1].time).toBe('10:15');
    expect(a.points[a.nowIndex].time).toBe('08:30');
    expect(a.points.find((p) => p.time === '08:45')!.actual).toBeNull();
    expect(a.points.find((p) => p.time === '08:30')!.actual).toBe(0);
    // 07:45, 08:00, 08:15 whole and half of 08:30.
    expect(a.expectedSoFar).toBeCloseTo(3.5, 9);
    expect([a.actualSoFar, a.totalExpected, a.totalSold]).toEqual([3, 9, 9]);
  });

  it('has no points for a day without slot tickets', () => {
    const empty = arrivalSeries({
      ...arrivals(day0),
      slots: [],
      curve: curve.map((b) => ({ ...b, expected: 0, actual: 0 })),
    });
    expect(empty.points).toEqual([]);
    expect(empty.nowIndex).toBe(-1);
  });
});

describe('folding the smallest series', () => {
  it('keeps the largest in their order and adds up the rest as one series, last', () => {
    const z = (id: number, n: number) => ({ id, name: `z${id}`, entries: [n, 0], exits: [0, 1] });
    const folded = foldZones([z(1, 1), z(2, 50), z(3, 2), z(4, 40)], 3, 'other');
    expect(folded.map((x) => x.id)).toEqual([2, 4, OTHER_ID]);
    expect(folded[2]).toEqual({ id: OTHER_ID, name: 'other', entries: [3, 0], exits: [0, 2] });
    expect(foldZones([z(1, 1), z(2, 2)], 3, 'other').map((x) => x.id)).toEqual([1, 2]);
    const c = (id: number, n: number) => ({ id, code: `C${id}`, label: `c${id}`, sold: [n] });
    expect(foldChannels([c(1, 5), c(2, 1), c(3, 9)], 2, 'other').map((x) => [x.label, x.sold[0]])).toEqual([
      ['c3', 9],
      ['other', 6],
    ]);
  });
});
