import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  GROUP_CODE_RE,
  TICKET_CODE_RE,
  encodeTicketCode,
  newGroupCode,
  newTicketCode,
  normalizeGroupCode,
  normalizeTicketCode,
} from './ticket-code.ts';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** 'T' + 26 base32 characters. */
const CODE_LENGTH = 27;
/** Property runs per test. */
const RUNS = 500;

const arbBytes = fc.uint8Array({ minLength: 16, maxLength: 16 });
const arbCode = arbBytes.map(encodeTicketCode);

/** Independent oracle: the 128-bit number, padded with two zero bits, written in 26 base-32 digits. */
function oracleEncode(bytes: Uint8Array): string {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  n <<= 2n;
  let digits = '';
  for (let i = 0; i < 26; i++) {
    digits = CROCKFORD[Number(n & 31n)] + digits;
    n >>= 5n;
  }
  return `T${digits}`;
}

/** Inverse of the oracle, to show no two byte strings share a code. */
function oracleDecode(code: string): Uint8Array {
  let n = 0n;
  for (const ch of code.slice(1)) n = (n << 5n) | BigInt(CROCKFORD.indexOf(ch));
  n >>= 2n;
  const out = new Uint8Array(16);
  for (let i = 15; i >= 0; i--) {
    out[i] = Number(n & 255n);
    n >>= 8n;
  }
  return out;
}

describe('encodeTicketCode', () => {
  it('encodes known values', () => {
    expect(encodeTicketCode(new Uint8Array(16))).toBe(`T${'0'.repeat(26)}`);
    // 128 one bits then two zero padding bits: 25 x 31, then 0b11100.
    expect(encodeTicketCode(new Uint8Array(16).fill(255))).toBe(`T${'Z'.repeat(25)}W`);
    const one = new Uint8Array(16);
    one[15] = 1;
    expect(encodeTicketCode(one)).toBe(`T${'0'.repeat(25)}4`);
  });

  it('refuses anything but 16 bytes', () => {
    for (const n of [0, 15, 17, 32]) expect(() => encodeTicketCode(new Uint8Array(n))).toThrow(/16/);
  });

  it('gives 27-character codes matching TICKET_CODE_RE, equal to a BigInt base-32 oracle (property)', () => {
    fc.assert(
      fc.property(arbBytes, (bytes) => {
        const code = encodeTicketCode(bytes);
        expect(code).toHaveLength(CODE_LENGTH);
        expect(code).toMatch(TICKET_CODE_RE);
        expect(code).toBe(oracleEncode(bytes));
        expect(oracleDecode(code)).toEqual(bytes);
      }),
      { numRuns: RUNS },
    );
  });

  it('is injective: different bytes give different codes (property)', () => {
    fc.assert(
      fc.property(arbBytes, arbBytes, (a, b) => {
        fc.pre(!a.every((x, i) => x === b[i]));
        expect(encodeTicketCode(a)).not.toBe(encodeTicketCode(b));
      }),
      { numRuns: RUNS },
    );
    // Random pairs almost never share a prefix: also try codes that differ in one bit anywhere.
    fc.assert(
      fc.property(arbBytes, fc.integer({ min: 0, max: 127 }), (a, bit) => {
        const b = Uint8Array.from(a);
        b[bit >> 3] ^= 1 << (7 - (bit & 7));
        expect(encodeTicketCode(a)).not.toBe(encodeTicketCode(b));
      }),
      { numRuns: RUNS },
    );
  });
});

describe('newTicketCode', () => {
  it('makes 10,000 well-formed, distinct codes', () => {
    const codes = new Set<string>();
    for (let i = 0; i < 10_000; i++) {
      const code = newTicketCode();
      expect(code).toMatch(TICKET_CODE_RE);
      codes.add(code);
    }
    expect(codes.size).toBe(10_000);
  });
});

describe('normalizeTicketCode', () => {
  const code = encodeTicketCode(Uint8Array.from({ length: 16 }, (_, i) => i * 17));

  it('accepts a canonical code as is, and lowercase or padded input', () => {
    expect(normalizeTicketCode(code)).toBe(code);
    expect(normalizeTicketCode(code.toLowerCase())).toBe(code);
    expect(normalizeTicketCode(`  ${code}\n`)).toBe(code);
  });

  it('reads I and L as 1 and O as 0', () => {
    const raw = `T01${'A'.repeat(24)}`;
    expect(normalizeTicketCode(`TOI${'A'.repeat(24)}`)).toBe(raw);
    expect(normalizeTicketCode(`tol${'a'.repeat(24)}`)).toBe(raw);
    expect(normalizeTicketCode(`T0L${'A'.repeat(24)}`)).toBe(raw);
  });

  it('rejects wrong length, prefix or characters', () => {
    for (const raw of [
      '',
      'T',
      code.slice(0, -1),
      `${code}0`,
      `X${code.slice(1)}`,
      `${code.slice(1)}0`, // no prefix
      `${code.slice(0, -1)}U`, // U is not in Crockford base32
      `${code.slice(0, 10)}-${code.slice(11)}`,
      `${code.slice(0, 10)} ${code.slice(11)}`,
    ]) {
      expect(normalizeTicketCode(raw), raw).toBeNull();
    }
  });

  it('rejects input over 64 characters even when it would trim to a code', () => {
    const padded = (n: number) => ' '.repeat(n) + code;
    expect(normalizeTicketCode(padded(64 - CODE_LENGTH))).toBe(code);
    expect(normalizeTicketCode(padded(65 - CODE_LENGTH))).toBeNull();
    expect(normalizeTicketCode('T'.repeat(10_000))).toBeNull();
  });

  it('restores codes read with any case and look-alikes (property)', () => {
    const lookAlikes: Record<string, string[]> = { '1': ['1', 'I', 'i', 'L', 'l'], '0': ['0', 'O', 'o'] };
    const arbMangled = arbCode.chain((c) =>
      fc.tuple(
        fc.constant(c),
        fc
          .tuple(...[...c].map((ch) => fc.constantFrom(...(lookAlikes[ch] ?? [ch, ch.toLowerCase()]))))
          .map((chs) => chs.join('')),
      ),
    );
    fc.assert(
      fc.property(arbMangled, ([c, mangled]) => {
        expect(normalizeTicketCode(mangled)).toBe(c);
      }),
      { numRuns: RUNS },
    );
  });

  it('returns null or a canonical code, and is idempotent (property)', () => {
    const arbRaw = fc.oneof(
      fc.string({ maxLength: 80 }),
      fc.string({
        unit: fc.constantFrom(...'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz -'),
        minLength: 25,
        maxLength: 30,
      }),
      arbCode.map((c) => c.slice(0, -1)),
    );
    fc.assert(
      fc.property(arbRaw, (raw) => {
        const n = normalizeTicketCode(raw);
        if (raw.length > 64) expect(n).toBeNull();
        if (n === null) return;
        expect(n).toMatch(TICKET_CODE_RE);
        expect(normalizeTicketCode(n)).toBe(n);
      }),
      { numRuns: RUNS },
    );
  });

  it('rejects ASCII input whose trimmed length is not 27 or that holds a character outside the alphabet (property)', () => {
    const ok = new Set([...CROCKFORD, ...CROCKFORD.toLowerCase(), 'I', 'i', 'L', 'l', 'O', 'o']);
    fc.assert(
      fc.property(
        fc.string({
          unit: fc.constantFrom(...'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_.'),
          minLength: 20,
          maxLength: 34,
        }),
        (body) => {
          const raw = `T${body}`;
          const fits = raw.length === CODE_LENGTH && [...body].every((ch) => ok.has(ch));
          expect(normalizeTicketCode(raw) !== null).toBe(fits);
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('group codes', () => {
  it('are a G and 26 base32 characters, never read as a ticket code (and the other way round)', () => {
    fc.assert(
      fc.property(arbBytes, (bytes) => {
        const group = encodeTicketCode(bytes, 'G');
        const ticket = encodeTicketCode(bytes);
        expect(group).toMatch(GROUP_CODE_RE);
        expect(group.slice(1)).toBe(ticket.slice(1));
        expect(normalizeGroupCode(group.toLowerCase())).toBe(group);
        expect(normalizeTicketCode(group)).toBeNull();
        expect(normalizeGroupCode(ticket)).toBeNull();
      }),
      { numRuns: RUNS },
    );
    expect(newGroupCode()).toMatch(GROUP_CODE_RE);
    expect(newGroupCode()).not.toBe(newGroupCode());
  });
});
