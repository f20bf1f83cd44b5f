import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { createHmac, randomBytes } from 'node:crypto';
import { createIdCrypto, parseMasterKey } from './id-crypto.ts';

/** A fixed master key (0x00..0x1f) for the pinned vectors below. */
const FIXED_KEY = Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex');

/** Stored rows depend on these staying the same: a change to HKDF labels or layout must fail here, not in production. */
const PINNED_INDEX_HEX = 'bbcdf9017c738f35b2626aac5e2551bdc705c65a17974cc00ffc2a46bccba83c';
const PINNED_BLOB_HEX =
  '015a175929ba7145b6f229b2f4e7862d6fb59a93540af729f3cd8a55868905a93b63d360265a90b6df54a77c4314ef';

const ID = '11010519491231002X';

/** Any string in normalized ID format (17 digits + digit or X); the crypto layer checks format only. */
const normalizedId = fc
  .tuple(fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 17, maxLength: 17 }), fc.constantFrom(...'0123456789X'))
  .map(([ds, c]) => ds.join('') + c);

/** RFC 5869 HKDF-SHA256 for one 32-byte block, written out independently of node's hkdfSync. */
function rfc5869(ikm: Buffer, info: string): Buffer {
  const prk = createHmac('sha256', Buffer.alloc(32)).update(ikm).digest();
  return createHmac('sha256', prk)
    .update(Buffer.concat([Buffer.from(info, 'utf8'), Buffer.from([1])]))
    .digest();
}

function thrownBy(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the call to throw');
}

describe('createIdCrypto', () => {
  const crypto = createIdCrypto(FIXED_KEY);

  it('property: decrypt(encrypt(id)) === id', () => {
    const key = randomBytes(32);
    const c = createIdCrypto(key);
    fc.assert(
      fc.property(normalizedId, (id) => {
        expect(c.decrypt(c.encrypt(id))).toBe(id);
      }),
    );
  });

  it('writes version | 12-byte IV | ciphertext | 16-byte tag', () => {
    const blob = crypto.encrypt(ID);
    expect(blob[0]).toBe(1);
    expect(blob).toHaveLength(1 + 12 + ID.length + 16);
    expect(blob.includes(Buffer.from(ID))).toBe(false);
  });

  it('uses a fresh IV each time, so equal inputs give different ciphertexts', () => {
    const blobs = Array.from({ length: 50 }, () => crypto.encrypt(ID));
    expect(new Set(blobs.map((b) => b.subarray(1, 13).toString('hex'))).size).toBe(50);
    expect(new Set(blobs.map((b) => b.toString('hex'))).size).toBe(50);
    for (const b of blobs) expect(crypto.decrypt(b)).toBe(ID);
  });

  it('decrypts a blob written by an earlier run and keeps the blind index stable', () => {
    expect(crypto.decrypt(Buffer.from(PINNED_BLOB_HEX, 'hex'))).toBe(ID);
    expect(crypto.blindIndex(ID).toString('hex')).toBe(PINNED_INDEX_HEX);
  });

  it('derives the index key with HKDF-SHA256, not the master key itself', () => {
    const indexKey = rfc5869(FIXED_KEY, 'tidewatch/id-card/blind-index/hmac-sha256/v1');
    expect(crypto.blindIndex(ID)).toEqual(createHmac('sha256', indexKey).update(ID).digest());
    expect(crypto.blindIndex(ID)).not.toEqual(createHmac('sha256', FIXED_KEY).update(ID).digest());
  });

  it('blind index: 32 bytes, deterministic, distinct per input and per master key', () => {
    const other = createIdCrypto(randomBytes(32));
    fc.assert(
      fc.property(normalizedId, normalizedId, (a, b) => {
        const ia = crypto.blindIndex(a);
        expect(ia).toHaveLength(32);
        expect(crypto.blindIndex(a)).toEqual(ia);
        expect(createIdCrypto(FIXED_KEY).blindIndex(a)).toEqual(ia);
        expect(other.blindIndex(a)).not.toEqual(ia);
        if (a !== b) expect(crypto.blindIndex(b)).not.toEqual(ia);
      }),
    );
  });

  it('property: flipping any bit of a blob makes decrypt throw', () => {
    const blob = crypto.encrypt(ID);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: blob.length - 1 }), fc.integer({ min: 0, max: 7 }), (pos, bit) => {
        const tampered = Buffer.from(blob);
        tampered[pos] ^= 1 << bit;
        const err = thrownBy(() => crypto.decrypt(tampered));
        expect(err.message).toMatch(pos === 0 ? /unknown ciphertext version/ : /authentication failed/);
        expect(String(err)).not.toContain(ID);
      }),
    );
  });

  it('rejects the wrong key, truncation and other versions with clear errors', () => {
    const blob = crypto.encrypt(ID);
    expect(() => createIdCrypto(randomBytes(32)).decrypt(blob)).toThrow(/authentication failed/);
    expect(() => crypto.decrypt(blob.subarray(0, blob.length - 1))).toThrow(/authentication failed/);
    expect(() => crypto.decrypt(blob.subarray(0, 28))).toThrow(/malformed/);
    expect(() => crypto.decrypt(Buffer.alloc(0))).toThrow(/malformed/);
    expect(() => crypto.decrypt(Buffer.concat([Buffer.from([2]), blob.subarray(1)]))).toThrow(
      /unknown ciphertext version 2/,
    );
  });

  it('refuses IDs that are not normalized, without echoing them', () => {
    for (const bad of ['11010519491231002x', ` ${ID}`, '1101051949123100', '']) {
      for (const op of [() => crypto.encrypt(bad), () => crypto.blindIndex(bad)]) {
        const err = thrownBy(op);
        expect(err.message).toMatch(/normalized ID-card number/);
        if (bad.length >= 10) expect(err.message).not.toContain(bad.trim());
      }
    }
  });

  it('requires a 32-byte master key', () => {
    expect(() => createIdCrypto(randomBytes(16))).toThrow(/32 bytes/);
    expect(() => createIdCrypto(randomBytes(33))).toThrow(/32 bytes/);
  });

  it('exposes no key material when the object is logged', () => {
    expect(Object.keys(crypto).sort()).toEqual(['blindIndex', 'decrypt', 'encrypt', 'tailIndex', 'tailIndexes']);
    expect(JSON.stringify(crypto)).toBe('{}');
  });
});

describe('parseMasterKey', () => {
  const key = randomBytes(32);

  it('accepts hex (either case), base64 and base64url, with or without padding and whitespace', () => {
    expect(parseMasterKey(key.toString('hex'))).toEqual(key);
    expect(parseMasterKey(key.toString('hex').toUpperCase())).toEqual(key);
    expect(parseMasterKey(key.toString('base64'))).toEqual(key);
    expect(parseMasterKey(key.toString('base64').replace(/=$/, ''))).toEqual(key);
    expect(parseMasterKey(key.toString('base64url'))).toEqual(key);
    expect(parseMasterKey(`${key.toString('base64url')}=`)).toEqual(key);
    expect(parseMasterKey(`  ${key.toString('hex')}\n`)).toEqual(key);
  });

  it('property: any 32 bytes round-trip through every accepted spelling', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (bytes) => {
        const k = Buffer.from(bytes);
        fc.pre(!k.every((b) => b === 0));
        for (const text of [k.toString('hex'), k.toString('base64'), k.toString('base64url')]) {
          expect(parseMasterKey(text)).toEqual(k);
        }
      }),
    );
  });

  it('rejects wrong lengths and non-key text', () => {
    const bad = [
      randomBytes(31).toString('hex'),
      randomBytes(33).toString('hex'),
      randomBytes(16).toString('base64'),
      randomBytes(31).toString('base64'),
      randomBytes(33).toString('base64'),
      randomBytes(64).toString('base64url'),
      `${key.toString('hex').slice(0, 63)}g`,
      key.toString('base64').replace(/^./, '*'),
      'changeme',
      '',
    ];
    for (const text of bad) expect(() => parseMasterKey(text), text).toThrow(/must be 32 bytes/);
  });

  it('rejects a mixed or non-canonical base64 spelling', () => {
    // "+" and "_" from different alphabets in one value is a copy-paste accident, not a key.
    const mixed = `+_${key.toString('base64url').slice(2)}`;
    expect(() => parseMasterKey(mixed)).toThrow(/must be 32 bytes/);
    // The last of 43 characters carries 2 spare bits; a non-zero spare bit is a second spelling of another key.
    const canonical = Buffer.alloc(32, 7).toString('base64url');
    const last = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.indexOf(canonical[42]);
    const nonCanonical =
      canonical.slice(0, 42) + 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'[last | 1];
    expect(() => parseMasterKey(nonCanonical)).toThrow(/must be 32 bytes/);
  });

  it('rejects an all-zero placeholder key', () => {
    expect(() => parseMasterKey('0'.repeat(64))).toThrow(/all zeros/);
    expect(() => parseMasterKey(Buffer.alloc(32).toString('base64'))).toThrow(/all zeros/);
  });

  it('property: error messages never echo the value given', () => {
    // Values of 16+ characters, so a coincidental match with the message's own words is impossible.
    const wrong = fc.oneof(
      fc
        .uint8Array({ minLength: 8, maxLength: 80 })
        .filter((b) => b.length !== 32)
        .map((b) => Buffer.from(b).toString('hex')),
      fc
        .uint8Array({ minLength: 12, maxLength: 80 })
        .filter((b) => b.length !== 32)
        .map((b) => Buffer.from(b).toString('base64')),
      fc.string({ minLength: 16, maxLength: 100 }),
    );
    fc.assert(
      fc.property(wrong, (text) => {
        const err = thrownBy(() => parseMasterKey(text));
        expect(String(err)).not.toContain(text.trim());
        // Nor a long piece of it: 8 characters of a key would already be a leak.
        const t = text.trim();
        for (let i = 0; i + 8 <= t.length; i++) expect(err.message).not.toContain(t.slice(i, i + 8));
      }),
    );
  });
});
