/**
 * Yuan with fen for receipts and the till ("¥128.00"): the wall's whole-yuan format
 * (lib/i18n/money.ts) would hide the change a cashier has to hand over.
 */
export function yuanWithFen(locale: string): Intl.NumberFormat {
  return new Intl.NumberFormat(locale === 'en' ? 'en-US' : 'zh-CN', {
    style: 'currency',
    currency: 'CNY',
    currencyDisplay: 'narrowSymbol',
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
  });
}
