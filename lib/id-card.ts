import { z } from 'zod';

/**
 * Chinese resident ID-card numbers (身份证号, GB 11643-1999). Shared by browser forms and the
 * server, so nothing here imports node: modules. Nothing this module returns or throws contains
 * the number itself: an ID number is personal data and error messages end up in logs.
 */

export type TIdCardCheck =
  | { ok: true; normalized: string }
  | { ok: false; reason: 'length' | 'format' | 'birthdate' | 'checksum' };

export type TIdCardFailure = Extract<TIdCardCheck, { ok: false }>['reason'];

/** Characters in a second-generation ID-card number (the 15-digit first generation expired in 2013). */
const ID_CARD_LENGTH = 18;

/** ISO 7064 MOD 11-2 weights for the first 17 digits (2^(17-i) mod 11, so every digit counts). */
const CHECKSUM_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;

/** Check character for each weighted sum mod 11 (index 0..10). */
const CHECKSUM_CHARS = '10X98765432';

/** Earliest accepted birth year: no living holder is older, so earlier years are typos. */
const MIN_BIRTH_YEAR = 1900;

/** China Standard Time offset (ms): birth dates are Chinese calendar dates and China has had no DST since 1991. */
const CHINA_OFFSET_MS = 8 * 3600 * 1000;

/** Characters kept visible at each end by maskIdCard: the region code and the sequence + check digits. */
const MASK_KEEP_START = 6;
const MASK_KEEP_END = 4;

/** English messages per failure; they name the problem, never the number. */
export const ID_CARD_MESSAGES: Record<TIdCardFailure, string> = {
  length: 'ID-card number must be 18 characters long',
  format: 'ID-card number must be 17 digits followed by a digit or X',
  birthdate: 'ID-card number contains an invalid birth date (must be a real date from 1900 to today)',
  checksum: 'ID-card number checksum does not match',
};

const FORMAT_RE = /^\d{17}[\dX]$/;

function checkCharOf(first17: string): string {
  let sum = 0;
  for (let i = 0; i < CHECKSUM_WEIGHTS.length; i++) sum += (first17.charCodeAt(i) - 48) * CHECKSUM_WEIGHTS[i];
  return CHECKSUM_CHARS[sum % 11];
}

function daysInMonth(year: number, month: number): number {
  // Day 0 of the next month is the last day of this one; UTC avoids local DST gaps.
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Today's date in China as YYYYMMDD, comparable with the birth date as a number. */
function chinaDateNumber(now: Date): number {
  const d = new Date(now.getTime() + CHINA_OFFSET_MS);
  return d.getUTCFullYear() * 10000 + (d.getUTCMonth() + 1) * 100 + d.getUTCDate();
}

function isValidBirthDate(yyyymmdd: string, today: Date): boolean {
  const year = Number(yyyymmdd.slice(0, 4));
  const month = Number(yyyymmdd.slice(4, 6));
  const day = Number(yyyymmdd.slice(6, 8));
  if (year < MIN_BIRTH_YEAR || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return false;
  return Number(yyyymmdd) <= chinaDateNumber(today);
}

/**
 * Validates and normalises (trim, uppercase x) an ID-card number.
 * Checks run in the order length, format, birth date, checksum; the first failure is reported.
 * `today` (default now) bounds the birth date; its calendar date is taken in China Standard Time.
 */
export function checkIdCard(input: string, today: Date = new Date()): TIdCardCheck {
  if (Number.isNaN(today.getTime())) throw new TypeError('checkIdCard: today must be a valid Date');
  const normalized = input.trim().toUpperCase();
  if (normalized.length !== ID_CARD_LENGTH) return { ok: false, reason: 'length' };
  if (!FORMAT_RE.test(normalized)) return { ok: false, reason: 'format' };
  if (!isValidBirthDate(normalized.slice(6, 14), today)) return { ok: false, reason: 'birthdate' };
  if (checkCharOf(normalized) !== normalized[17]) return { ok: false, reason: 'checksum' };
  return { ok: true, normalized };
}

/**
 * Shows first 6 and last 4 characters: 110101********1234. Works on any string length >= 10
 * (else all stars). The output has as many characters as the input.
 */
export function maskIdCard(id: string): string {
  // Code points, not UTF-16 units, so a stray non-BMP character is never split into half a pair.
  const chars = Array.from(id);
  if (chars.length < MASK_KEEP_START + MASK_KEEP_END) return '*'.repeat(chars.length);
  const hidden = chars.length - MASK_KEEP_START - MASK_KEEP_END;
  return (
    chars.slice(0, MASK_KEEP_START).join('') + '*'.repeat(hidden) + chars.slice(chars.length - MASK_KEEP_END).join('')
  );
}

/**
 * A string that passes checkIdCard (against the current date), output in normalized form.
 * Issues carry only ID_CARD_MESSAGES; zod leaves the input out of issues unless a caller parses
 * with `reportInput: true`, which must not be done for this schema.
 */
export const ZIdCard = z.string().transform((value, ctx) => {
  const result = checkIdCard(value);
  if (!result.ok) {
    ctx.addIssue({ code: 'custom', message: ID_CARD_MESSAGES[result.reason] });
    return z.NEVER;
  }
  return result.normalized;
});
