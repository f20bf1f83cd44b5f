import { describe, expect, it } from 'vitest';
import {
  addDays,
  cartShows,
  fenOf,
  matchTypes,
  nextOpenSlot,
  parsePick,
  type TCatalogType,
  withHolders,
} from './sale-logic.ts';

const type = (code: string, nameZh: string, nameEn: string, initials: string) =>
  ({ code, nameZh, nameEn, initials }) as TCatalogType;
const TYPES = [
  type('ADULT', '成人票', 'Adult', 'crp'),
  type('CHILD', '儿童票（1.2–1.5米）', 'Child (1.2–1.5 m)', 'etp（1.2–1.5m）'),
  type('COMBO', '门票+索道套票', 'Entry + ropeway combo', 'mp+sdtp'),
  type('ROPEWAY', '索道往返票', 'Ropeway return', 'sdwfp'),
];

describe('the sale picker', () => {
  it('finds a type by pinyin initials, code or name, best first', () => {
    expect(matchTypes(TYPES, 'cr')[0].code).toBe('ADULT');
    expect(matchTypes(TYPES, 'et')[0].code).toBe('CHILD');
    expect(matchTypes(TYPES, 'rope')[0].code).toBe('ROPEWAY');
    expect(matchTypes(TYPES, '索道').map((t) => t.code)).toEqual(['COMBO', 'ROPEWAY']);
    expect(matchTypes(TYPES, 'sd')[0].code).toBe('ROPEWAY');
    expect(matchTypes(TYPES, 'combo')[0].code).toBe('COMBO');
    expect(matchTypes(TYPES, 'zzz')).toEqual([]);
  });
  it('reads a count in front of the search', () => {
    expect(parsePick('2cr')).toEqual({ qty: 2, q: 'cr' });
    expect(parsePick('3')).toEqual({ qty: 3, q: '' });
    expect(parsePick('cr')).toEqual({ qty: null, q: 'cr' });
    expect(parsePick('0cr').qty).toBe(1);
    expect(parsePick('999cr').qty).toBe(100);
  });
});

describe('money and days', () => {
  it('takes yuan with at most two decimals', () => {
    expect(fenOf('500')).toBe(50000);
    expect(fenOf('12.5')).toBe(1250);
    expect(fenOf('0.07')).toBe(7);
    expect(fenOf('1.234')).toBeNull();
    expect(fenOf('abc')).toBeNull();
    expect(fenOf('')).toBeNull();
  });
  it('moves a calendar day across months', () => {
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
  });
  it('defaults to the first slot with room', () => {
    const slots = [
      { start: '08:00:00', end: '10:00:00', remaining: 0, closed: true },
      { start: '10:00:00', end: '12:00:00', remaining: 0, closed: false },
      { start: '12:00:00', end: '14:00:00', remaining: 5, closed: false },
    ];
    expect(nextOpenSlot(slots)).toBe('12:00');
    expect(nextOpenSlot([])).toBeNull();
  });
  it('keeps one holder per real-name ticket', () => {
    const line = { code: 'ANNUAL', qty: 2, holders: [{ name: '张三', idNumber: 'x' }] };
    expect(withHolders(line, true).holders).toEqual([
      { name: '张三', idNumber: 'x' },
      { name: '', idNumber: '' },
    ]);
    expect(withHolders({ ...line, qty: 1 }, true).holders).toHaveLength(1);
    expect(withHolders(line, false).holders).toEqual([]);
  });
});

describe('show times at the window', () => {
  const show = (start: string, remaining: number, closed = false) => ({
    attraction: 'SHOW',
    start,
    end: '23:00',
    remaining,
    closed,
  });
  const byCode = new Map<string, Pick<TCatalogType, 'shows'>>([
    ['ADULT', {}],
    ['SHOW', { shows: [show('14:00', 0, true), show('19:30', 12)] }],
  ]);
  const line = (code: string, qty: number) => ({ code, qty, holders: [] });

  it('offers the show times of a type that includes a show, counting its seats, and picks the next with room', () => {
    expect(cartShows([line('ADULT', 2)], byCode)).toEqual({ shows: [], seats: 0 });
    const c = cartShows([line('ADULT', 2), line('SHOW', 3)], byCode);
    expect(c.seats).toBe(3);
    expect(c.shows.map((s) => s.start)).toEqual(['14:00', '19:30']);
    expect(nextOpenSlot(c.shows)).toBe('19:30');
  });
});
