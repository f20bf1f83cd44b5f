/**
 * Whole yuan in the wall's language: "¥245,355" in both (en-US would otherwise write "CN¥", which
 * costs a wall tile its room and tells a Chinese site nothing).
 */
export function yuanFormat(locale: string): Intl.NumberFormat {
  return new Intl.NumberFormat(locale === 'en' ? 'en-US' : 'zh-CN', {
    style: 'currency',
    currency: 'CNY',
    currencyDisplay: 'narrowSymbol',
    maximumFractionDigits: 0,
  });
}
