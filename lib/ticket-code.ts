/**
 * Ticket codes (一票一码): 'T' + 26 characters of Crockford base32 = 130 bits of which 128 are
 * random. Upper-case letters and digits only, so a QR code stores them in its compact
 * alphanumeric mode and staff can read one aloud without ambiguity (no I, L, O, U).
 */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** Random bytes per code: 128 bits, unguessable. */
const CODE_BYTES = 16;
export const TICKET_CODE_RE = /^T[0-9A-HJKMNP-TV-Z]{26}$/;

/**
 * Group codes (团体码): the same form with 'G' in front. One group code stands for the unused
 * tickets of a group's order; a gate that scans it admits the headcount it states.
 */
export const GROUP_CODE_RE = /^G[0-9A-HJKMNP-TV-Z]{26}$/;

export function encodeTicketCode(bytes: Uint8Array, prefix: 'T' | 'G' = 'T'): string {
  if (bytes.length !== CODE_BYTES) throw new Error(`a ticket code needs ${CODE_BYTES} random bytes`);
  let out: string = prefix;
  let buffer = 0;
  let bits = 0;
  for (const b of bytes) {
    buffer = (buffer << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

function randomCode(prefix: 'T' | 'G'): string {
  const bytes = new Uint8Array(CODE_BYTES);
  globalThis.crypto.getRandomValues(bytes);
  return encodeTicketCode(bytes, prefix);
}

/** A new code from the platform's cryptographic random source. */
export function newTicketCode(): string {
  return randomCode('T');
}

/** A new group code (a group order's one code for its headcount). */
export function newGroupCode(): string {
  return randomCode('G');
}

/** What a scanner read, upper-cased with Crockford look-alikes mapped, or null for non-ASCII input. */
function canonical(raw: string): string | null {
  // ASCII only: upper-casing other scripts can turn them into code characters (ſ → S, ı → I).
  if (raw.length > 64 || /[^\t\n\r\x20-\x7e]/.test(raw)) return null;
  return raw.trim().toUpperCase().replace(/[IL]/g, '1').replace(/O/g, '0');
}

/** Normalises what a scanner read (case, Crockford look-alikes) or returns null when it cannot be a code. */
export function normalizeTicketCode(raw: string): string | null {
  const s = canonical(raw);
  return s !== null && TICKET_CODE_RE.test(s) ? s : null;
}

/** The same for a group code: null when what was read cannot be one. */
export function normalizeGroupCode(raw: string): string | null {
  const s = canonical(raw);
  return s !== null && GROUP_CODE_RE.test(s) ? s : null;
}
