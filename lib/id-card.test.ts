import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { z } from 'zod';
import { checkIdCard, maskIdCard, ZIdCard, ID_CARD_MESSAGES } from './id-card.ts';

/** A fixed "today" so birth-date bounds do not drift with the calendar: 2025-06-15 noon in Beijing. */
const TODAY = new Date('2025-06-15T12:00:00+08:00');

/** Independent oracle for the check character, written from the standard rather than the module. */
function oracleCheckChar(first17: string): string {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((acc, digit, i) => acc + Number(digit) * weights[i], 0);
  return '10X98765432'[sum % 11];
}

const withCheck = (first17: string): string => first17 + oracleCheckChar(first17);

const CHECK_CHARS = [...'0123456789X'];
const digits = (n: number) =>
  fc.array(fc.integer({ min: 0, max: 9 }), { minLength: n, maxLength: n }).map((ds) => ds.join(''));

/** Birth dates from 1900-01-01 to TODAY (inclusive), as YYYYMMDD in China's calendar. */
const birthDate = fc
  .date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2025-06-15T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10).replaceAll('-', ''));

/** 17-digit prefixes (region, valid birth date, sequence) of numbers valid as of TODAY. */
const validPrefix = fc.tuple(digits(6), birthDate, digits(3)).map(([region, birth, seq]) => region + birth + seq);
const validId = validPrefix.map(withCheck);

describe('checkIdCard', () => {
  it('accepts well-known valid numbers', () => {
    // Verified by hand against the MOD 11-2 table: weighted sum 167, 167 mod 11 = 2 -> "X".
    expect(oracleCheckChar('11010519491231002')).toBe('X');
    for (const id of ['11010519491231002X', '110101199003074477', withCheck('31010420000229001')]) {
      expect(checkIdCard(id, TODAY)).toEqual({ ok: true, normalized: id });
    }
  });

  it('normalizes a lowercase x and surrounding whitespace', () => {
    expect(checkIdCard('11010519491231002x', TODAY)).toEqual({ ok: true, normalized: '11010519491231002X' });
    expect(checkIdCard('  11010519491231002X\t\n', TODAY)).toEqual({ ok: true, normalized: '11010519491231002X' });
  });

  it('reports length', () => {
    for (const id of [
      '',
      '   ',
      '1101051949123100',
      '11010519491231002',
      '11010519491231002XX',
      '110105194912310',
      '110105 19491231 002X',
    ]) {
      expect(checkIdCard(id, TODAY)).toEqual({ ok: false, reason: 'length' });
    }
  });

  it('reports format', () => {
    for (const id of [
      '1101051949123100XX',
      'X10105194912310021',
      '11010519491231002Y',
      '１１０１０５１９４９１２３１００２Ｘ'.slice(0, 18),
      '110105194912310 2X',
      '-1010519491231002X',
    ]) {
      expect(checkIdCard(id, TODAY)).toEqual({ ok: false, reason: 'format' });
    }
  });

  it('reports birthdate: not a calendar date, before 1900 or after today (in China)', () => {
    const cases = [
      '18991231', // before 1900
      '18800101',
      '19001301', // month 13
      '19000001', // month 0
      '19490100', // day 0
      '19490431', // April has 30 days
      '19000229', // 1900 is not a leap year
      '20230229',
      '20250616', // tomorrow
      '21000101',
    ];
    for (const birth of cases) {
      expect(checkIdCard(withCheck(`110105${birth}001`), TODAY), birth).toEqual({ ok: false, reason: 'birthdate' });
    }
    // 440524188001010014 has a correct checksum; the date is what fails.
    expect(checkIdCard('440524188001010014', TODAY)).toEqual({ ok: false, reason: 'birthdate' });
  });

  it('accepts the boundary dates: 1900-01-01, leap days and today', () => {
    for (const birth of ['19000101', '20000229', '20240229', '20250615']) {
      expect(checkIdCard(withCheck(`110105${birth}001`), TODAY).ok, birth).toBe(true);
    }
  });

  it('takes "today" in China Standard Time, not the host time zone', () => {
    const id = withCheck('11010520250616001');
    // 2025-06-15T16:00Z is already 2025-06-16 00:00 in Beijing.
    expect(checkIdCard(id, new Date('2025-06-15T15:59:59Z')).ok).toBe(false);
    expect(checkIdCard(id, new Date('2025-06-15T16:00:00Z')).ok).toBe(true);
  });

  it('reports checksum', () => {
    expect(checkIdCard('110105194912310021', TODAY)).toEqual({ ok: false, reason: 'checksum' });
    expect(checkIdCard('110101199003074470', TODAY)).toEqual({ ok: false, reason: 'checksum' });
  });

  it('uses the current date when today is omitted', () => {
    expect(checkIdCard('11010519491231002X').ok).toBe(true);
    const next = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10).replaceAll('-', '');
    expect(checkIdCard(withCheck(`110105${next}001`))).toEqual({ ok: false, reason: 'birthdate' });
  });

  it('rejects an invalid today without mentioning the number', () => {
    expect(() => checkIdCard('11010519491231002X', new Date(Number.NaN))).toThrow(/today must be a valid Date/);
    try {
      checkIdCard('11010519491231002X', new Date(Number.NaN));
    } catch (err) {
      expect(String(err)).not.toContain('11010519491231002X');
    }
  });

  it('property: for a prefix with a valid birth date exactly one of the 11 check characters passes', () => {
    fc.assert(
      fc.property(validPrefix, (prefix) => {
        const accepted = CHECK_CHARS.filter((c) => checkIdCard(prefix + c, TODAY).ok);
        expect(accepted).toEqual([oracleCheckChar(prefix)]);
        for (const c of CHECK_CHARS.filter((ch) => ch !== accepted[0])) {
          expect(checkIdCard(prefix + c, TODAY)).toEqual({ ok: false, reason: 'checksum' });
        }
      }),
    );
  });

  it('property: changing any single character of a valid number makes it invalid', () => {
    const mutation = validId.chain((id) =>
      fc.integer({ min: 0, max: 17 }).chain((pos) =>
        fc
          .constantFrom(...(pos === 17 ? CHECK_CHARS : CHECK_CHARS.slice(0, 10)))
          .filter((c) => c !== id[pos])
          .map((c) => ({ id, mutated: id.slice(0, pos) + c + id.slice(pos + 1) })),
      ),
    );
    fc.assert(
      fc.property(mutation, ({ id, mutated }) => {
        expect(checkIdCard(id, TODAY).ok).toBe(true);
        expect(checkIdCard(mutated, TODAY).ok).toBe(false);
      }),
    );
  });
});

describe('maskIdCard', () => {
  it('keeps the first 6 and last 4 characters of an 18-character number', () => {
    expect(maskIdCard('11010519491231002X')).toBe('110105********002X');
  });

  it('masks other lengths from 10 up and stars everything shorter', () => {
    expect(maskIdCard('1234567890')).toBe('1234567890');
    expect(maskIdCard('12345678901')).toBe('123456*8901');
    expect(maskIdCard('123456789')).toBe('*********');
    expect(maskIdCard('')).toBe('');
  });

  it('property: same length, ends kept, middle all stars', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme-ascii', minLength: 10, maxLength: 40 }), (s) => {
        const masked = maskIdCard(s);
        expect(masked).toHaveLength(s.length);
        expect(masked.slice(0, 6)).toBe(s.slice(0, 6));
        expect(masked.slice(-4)).toBe(s.slice(-4));
        expect(masked.slice(6, -4)).toBe('*'.repeat(s.length - 10));
      }),
    );
  });
});

describe('ZIdCard', () => {
  it('outputs the normalized number', () => {
    expect(ZIdCard.parse(' 11010519491231002x ')).toBe('11010519491231002X');
    // The declared contract: usable wherever a string schema is expected.
    const asStringSchema: z.ZodType<string> = ZIdCard;
    expect(asStringSchema.safeParse('11010519491231002X').success).toBe(true);
  });

  it('names the problem in English', () => {
    const messageOf = (input: unknown) => {
      const r = ZIdCard.safeParse(input);
      return r.success ? undefined : r.error.issues.map((i) => i.message);
    };
    expect(messageOf('110105194912310021')).toEqual(['ID-card number checksum does not match']);
    expect(messageOf('123')).toEqual([ID_CARD_MESSAGES.length]);
    expect(messageOf('11010519491231002Y')).toEqual([ID_CARD_MESSAGES.format]);
    expect(messageOf(withCheck('11010518991231002'))).toEqual([ID_CARD_MESSAGES.birthdate]);
    expect(messageOf(110105)).toHaveLength(1);
  });

  it('works inside an object schema with the field path', () => {
    const r = z.object({ idCard: ZIdCard }).safeParse({ idCard: '110105194912310021' });
    expect(r.success).toBe(false);
    if (!r.success) expect(r.error.issues[0].path).toEqual(['idCard']);
  });

  it('property: error output never contains the number, in any form', () => {
    // ID-like inputs: valid numbers with one character changed or lowercased, plus arbitrary strings
    // of 10+ characters (shorter strings could occur in a message by coincidence, e.g. "18").
    const nearValid = fc
      .tuple(validId, fc.integer({ min: 0, max: 17 }), fc.constantFrom(...'0123456789XxY '))
      .map(([id, pos, c]) => id.slice(0, pos) + c + id.slice(pos + 1));
    const input = fc.oneof(
      nearValid,
      fc.string({ minLength: 10, maxLength: 30 }),
      fc.string({ unit: fc.constantFrom(...'0123456789Xx '), minLength: 10, maxLength: 22 }),
    );
    fc.assert(
      fc.property(input, (raw) => {
        const r = ZIdCard.safeParse(raw);
        if (r.success) return;
        const everything = [
          r.error.message,
          JSON.stringify(r.error.issues),
          z.prettifyError(r.error),
          JSON.stringify(z.treeifyError(r.error)),
        ].join('\n');
        for (const form of new Set([raw, raw.trim(), raw.trim().toUpperCase()])) {
          if (form.length >= 10) expect(everything).not.toContain(form);
        }
      }),
    );
  });
});
