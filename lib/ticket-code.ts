/**
 * Ticket codes (一票一码): 'T' + 26 characters of Crockford base32 = 130 bits of which 128 are
 * random. Upper-case letters and digits only, so a QR code stores them in its compact
 * alphanumeric mode and staff can read one aloud without ambiguity (no I, L, O, U).
 */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** Random bytes per code: 128 bits, unguessable. */
const CODE_BYTES = 16;
export const TICKET_CODE_RE = /^T[0-9A-HJKMNP-TV-Z]{26}$/;

export function encodeTicketCode(bytes: Uint8Array): string {
  if (bytes.length !== CODE_BYTES) throw new Error(`a ticket code needs ${CODE_BYTES} random bytes`);
  let out = 'T';
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

/** A new code from the platform's cryptographic random source. */
export function newTicketCode(): string {
  const bytes = new Uint8Array(CODE_BYTES);
  globalThis.crypto.getRandomValues(bytes);
  return encodeTicketCode(bytes);
}

/** Normalises what a scanner read (case, Crockford look-alikes) or returns null when it cannot be a code. */
export function normalizeTicketCode(raw: string): string | null {
  // ASCII only: upper-casing other scripts can turn them into code characters (ſ → S, ı → I).
  if (raw.length > 64 || /[^\t\n\r\x20-\x7e]/.test(raw)) return null;
  const s = raw.trim().toUpperCase().replace(/[IL]/g, '1').replace(/O/g, '0');
  return TICKET_CODE_RE.test(s) ? s : null;
}
