import { TRPCClientError } from '@trpc/client';
import { checkIdCard } from '../../../lib/id-card.ts';
import { normalizeTicketCode } from '../../../lib/ticket-code.ts';
import type { TDeskTicket } from './order-types.ts';

/** Yuan with fen, as the cashier counts it: "¥190.00". */
export function moneyFormat(locale: string): (yuan: number) => string {
  const f = new Intl.NumberFormat(locale === 'en' ? 'en-US' : 'zh-CN', {
    style: 'currency',
    currency: 'CNY',
    currencyDisplay: 'narrowSymbol',
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
  });
  return (yuan) => f.format(yuan);
}

/** A signed difference: "+¥40.00", "−¥20.00", "¥0.00". */
export function signedMoney(money: (yuan: number) => string, yuan: number): string {
  if (yuan > 0) return `+${money(yuan)}`;
  if (yuan < 0) return `−${money(-yuan)}`;
  return money(0);
}

/** Date and minute in the venue's time zone, the same way in both languages (2026-12-02 09:51). */
export function timeFormat(timeZone: string): (iso: string) => string {
  const f = new Intl.DateTimeFormat('sv-SE', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: false,
  });
  return (iso) => f.format(new Date(iso));
}

/** A phone as the desk shows it to whoever stands behind the visitor: 139****5678. */
export function maskPhone(phone: string | null): string | null {
  if (!phone) return null;
  // A mainland number given with the country code (+86 150 0000 0006, 0086…) shows as the number.
  const d = phone.replace(/\D/g, '').replace(/^(?:00)?86(?=1\d{10}$)/, '');
  if (d.length < 7) return phone;
  return `${d.slice(0, 3)}****${d.slice(-4)}`;
}

/** A ticket code shortened for lists: the full code is in the row's title and in the detail. */
export const shortCode = (code: string) => `${code.slice(0, 6)}…${code.slice(-4)}`;

/** Tickets the desk may refund: anything still valid (used ones need a supervisor). */
export const isRefundable = (t: TDeskTicket) => t.state !== 'refunded' && t.state !== 'replaced';
/** Tickets the desk may move to another date: valid and never admitted. */
export const isUnused = (t: TDeskTicket) => t.entries === 0 && (t.state === 'unused' || t.state === 'rebooked');

export interface TServerError {
  code: string;
  message: string;
  fields: Record<string, string[]>;
}

/** The typed error a procedure answered with (AppError code, message and fields), or a plain one. */
export function serverError(err: unknown): TServerError {
  if (err instanceof TRPCClientError) {
    const data = (err.data ?? {}) as { appCode?: string; code?: string; fields?: Record<string, string[] | undefined> };
    const fields: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(data.fields ?? {})) if (v?.length) fields[k] = v;
    return { code: data.appCode ?? 'other', message: err.message, fields };
  }
  return { code: 'other', message: err instanceof Error ? err.message : String(err), fields: {} };
}

/**
 * What the search box's text will be looked up as, the same reading as the server's `lookupsOf`
 * (server/services/front-desk.ts), so an empty answer can say what was tried.
 */
export function lookupKinds(q: string): string[] {
  const raw = q.trim();
  const compact = raw.replace(/[\s-]/g, '').toUpperCase();
  if (normalizeTicketCode(raw)) return ['ticketCode'];
  if (checkIdCard(compact).ok) return ['idNumber'];
  const out: string[] = [];
  if (/^[0-9A-HJKMNP-TV-Z]{8}$/.test(compact) && /[A-Z]/.test(compact)) out.push('orderCode');
  if (/^\+?\d{7,15}$/.test(compact)) out.push('phone');
  if (/^\d{4}$/.test(compact)) out.push('phoneLast4');
  if (/^[0-9]{3,5}[0-9X]$/.test(compact) && compact.length >= 4 && compact.length <= 6) out.push('idTail');
  out.push('ref');
  if (/\p{L}/u.test(raw)) out.push('name');
  return out;
}

const KNOWN_CODES = new Set([
  'invalid',
  'unauthorized',
  'forbidden',
  'not_found',
  'conflict',
  'sold_out',
  'rate_limited',
  'unavailable',
]);
/** The message key (fd.orders.errors.*) of a server error code; unknown codes read as a plain error. */
export const errorKey = (code: string) => (KNOWN_CODES.has(code) ? code : 'other') as 'other';
