import type { inferRouterOutputs } from '@trpc/server';
import type { TPaymentMethod } from '../../../lib/schemas/front-desk.ts';
import type { AppRouter } from '../../../server/trpc/root.ts';

type TOut = inferRouterOutputs<AppRouter>['frontDesk'];
export type TCatalog = TOut['catalog'];
export type TCatalogType = TCatalog['types'][number];
export type TSlot = TCatalog['slots'][number];
/** A show time of the date (演出场次) a type that includes a show is sold with. */
export type TShow = NonNullable<TCatalogType['shows']>[number];

/** A line of the cart: a ticket type, how many, and one holder per ticket for real-name types. */
export interface TLine {
  code: string;
  qty: number;
  holders: { name: string; idNumber: string }[];
}

/** One way the visitor pays: the last row always covers what the others leave (its amount is not typed). */
export interface TPayRow {
  key: number;
  method: TPaymentMethod;
  /** Yuan as typed; ignored for the last row. */
  amount: string;
  tendered: string;
  reference: string;
}

/** Most tickets one line takes (the schema's qty limit). */
export const MAX_QTY = 100;

/** Yuan as typed ("50", "12.5") to fen; null when it is not money. */
export function fenOf(text: string): number | null {
  const s = text.trim();
  if (!/^\d{1,8}(\.\d{0,2})?$/.test(s)) return null;
  return Math.round(Number(s) * 100);
}

export const fenOfYuan = (y: number) => Math.round(y * 100);

/**
 * What the picker was given: an optional count in front (`2cr` = two of 成人票) and the search.
 * A bare number (`3`) sets the count of the last line.
 */
export function parsePick(text: string): { qty: number | null; q: string } {
  const m = /^\s*(\d{1,3})\s*(.*)$/.exec(text);
  if (!m) return { qty: null, q: text.trim() };
  return { qty: Math.min(MAX_QTY, Math.max(1, Number(m[1]))), q: m[2].trim() };
}

/**
 * Ticket types matching what the cashier typed, best first: the exact code, pinyin initials
 * (`cr` → 成人票), the code's start, then any part of a name.
 */
export function matchTypes(types: TCatalogType[], q: string): TCatalogType[] {
  const s = q.trim().toLowerCase();
  if (!s) return types;
  const scored: { t: TCatalogType; score: number; i: number }[] = [];
  types.forEach((t, i) => {
    const code = t.code.toLowerCase();
    const score =
      code === s
        ? 0
        : t.initials.startsWith(s)
          ? 1
          : code.startsWith(s)
            ? 2
            : t.nameZh.includes(q.trim()) || t.nameEn.toLowerCase().includes(s)
              ? 3
              : t.initials.includes(s) || code.includes(s)
                ? 4
                : -1;
    if (score >= 0) scored.push({ t, score, i });
  });
  return scored.sort((a, b) => a.score - b.score || a.i - b.i).map((x) => x.t);
}

export function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** HH:MM of a slot start as the order schema wants it (the catalog may carry seconds). */
export const hhmm = (t: string) => t.slice(0, 5);

/** The first slot (or show time) that still has room, for the default choice. */
export function nextOpenSlot(slots: Pick<TSlot, 'start' | 'closed' | 'remaining'>[]): string | null {
  const s = slots.find((x) => !x.closed && x.remaining > 0);
  return s ? hhmm(s.start) : null;
}

/** Resizes a line's holders to its count, keeping what was typed. */
export function withHolders(line: TLine, realName: boolean): TLine {
  if (!realName) return line.holders.length ? { ...line, holders: [] } : line;
  const holders = line.holders.slice(0, line.qty);
  while (holders.length < line.qty) holders.push({ name: '', idNumber: '' });
  return { ...line, holders };
}

/**
 * The show times a sale picks from: those of the first line whose type includes a show (one show
 * time per sale, as one slot), and how many seats the lines that include a show take.
 */
export function cartShows(
  lines: TLine[],
  byCode: Map<string, Pick<TCatalogType, 'shows'>>,
): { shows: TShow[]; seats: number } {
  const withShow = lines.filter((l) => byCode.get(l.code)?.shows);
  return {
    shows: withShow.length ? byCode.get(withShow[0].code)!.shows! : [],
    seats: withShow.reduce((n, l) => n + l.qty, 0),
  };
}
