/** Yuan with two decimals, as the desk counts money ("¥1,234.50"); the wall's formatter rounds to whole yuan. */
export function deskYuan(locale: string): Intl.NumberFormat {
  return new Intl.NumberFormat(locale === 'en' ? 'en-US' : 'zh-CN', {
    style: 'currency',
    currency: 'CNY',
    currencyDisplay: 'narrowSymbol',
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
  });
}

/** A typed amount as a number for the zod schemas: blank and junk become NaN, which the schema refuses. */
export function yuanOf(v: unknown): number {
  if (typeof v === 'number') return v;
  const s = String(v ?? '')
    .trim()
    .replace(/[,，\s]/g, '');
  return s === '' ? Number.NaN : Number(s);
}

/** The server's typed error: its code (`conflict`, `invalid`...), message and field messages. */
export function appErrorOf(err: unknown): { code?: string; message: string; fields?: Record<string, string[]> } {
  if (!err || typeof err !== 'object') return { message: String(err) };
  const e = err as { message?: string; data?: { appCode?: string; fields?: Record<string, string[]> } | null };
  return { code: e.data?.appCode ?? undefined, message: e.message ?? String(err), fields: e.data?.fields ?? undefined };
}
