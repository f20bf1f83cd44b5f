import type { TLiveCounters } from '../../lib/schemas/live.ts';

/** Most reasons shown under the reject count: more do not fit a tile read from three metres. */
const MAX_REJECT_REASONS = 2;

/**
 * The largest reasons of today's rejections under the reject count ("已核销 12 · 无效码 5 · 其他 3"):
 * the rest, and rejections counted before reasons were (an upgrade mid-day), as "other".
 */
export function rejectDetail(
  c: Pick<TLiveCounters, 'rejects' | 'rejectsByReason'>,
  reasonLabel: (reason: string) => string,
  otherLabel: string,
  locale?: string,
): string | undefined {
  const rows = Object.entries(c.rejectsByReason)
    .filter((r): r is [string, number] => (r[1] ?? 0) > 0)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  if (!rows.length) return undefined;
  const shown = rows.slice(0, MAX_REJECT_REASONS);
  const other = c.rejects - shown.reduce((n, [, v]) => n + v, 0);
  const fmt = (n: number) => n.toLocaleString(locale);
  return [
    ...shown.map(([r, n]) => `${reasonLabel(r)} ${fmt(n)}`),
    ...(other > 0 ? [`${otherLabel} ${fmt(other)}`] : []),
  ].join(' · ');
}
