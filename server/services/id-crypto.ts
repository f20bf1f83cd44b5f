import { createCipheriv, createDecipheriv, createHmac, createSecretKey, hkdfSync, randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

/**
 * ID-card numbers at rest: AES-256-GCM ciphertext to read them back, plus a keyed blind index
 * (HMAC) so equality look-ups work without decrypting every row. Both keys come from one master
 * key. No message thrown here contains an ID number or key material.
 */

/** Format version written as the first byte; bump it (and keep reading the old one) to change the layout or keys. */
const BLOB_VERSION = 1;

/** AES-256 key and HMAC-SHA256 key size (bytes); also the master key size. */
const KEY_BYTES = 32;

/** GCM nonce size (bytes): 96 bits is the size GCM is specified for; random per message. */
const IV_BYTES = 12;

/** GCM tag size (bytes): the full 128 bits, never truncated. */
const TAG_BYTES = 16;

/** Smallest well-formed blob (bytes): version, IV and tag around an empty ciphertext. */
const MIN_BLOB_BYTES = 1 + IV_BYTES + TAG_BYTES;

/** HKDF info labels: distinct so the encryption and index keys are independent; changing them orphans stored data. */
const HKDF_INFO_ENCRYPTION = 'tidewatch/id-card/aes-256-gcm/v1';
const HKDF_INFO_INDEX = 'tidewatch/id-card/blind-index/hmac-sha256/v1';

/** HKDF salt: empty, as RFC 5869 allows when the input key is already uniformly random. */
const HKDF_SALT = Buffer.alloc(0);

/** Normalized form (see checkIdCard): encrypting or indexing "...002x" and "...002X" differently would make look-ups miss. */
const NORMALIZED_ID_RE = /^\d{17}[\dX]$/;

export interface IdCrypto {
  /** AES-256-GCM; output = version byte (1) | 12-byte IV | ciphertext | 16-byte tag, as a Buffer. */
  encrypt(normalizedId: string): Buffer;
  /** Reverses encrypt; throws on an unknown version, a malformed blob, tampering or the wrong key. */
  decrypt(blob: Buffer): string;
  /** HMAC-SHA256 with a separate key derived from the master key; deterministic, for equality look-up. 32-byte Buffer. */
  blindIndex(normalizedId: string): Buffer;
  /**
   * Keyed indexes of the last 4, 5 and 6 characters (what a visitor reads off their card at the
   * desk), stored beside the full index so "the last digits" are found without decrypting any row.
   */
  tailIndexes(normalizedId: string): Buffer[];
  /** The keyed index of one such tail (4 to 6 characters, digits and X). */
  tailIndex(tail: string): Buffer;
}

/** Tail lengths the order desk finds ID numbers by. */
export const ID_TAIL_LENGTHS = [4, 5, 6] as const;
const TAIL_RE = /^[0-9X]{4,6}$/;

function deriveKey(masterKey: Buffer, info: string): KeyObject {
  return createSecretKey(Buffer.from(hkdfSync('sha256', masterKey, HKDF_SALT, info, KEY_BYTES)));
}

function assertNormalized(id: unknown, operation: string): asserts id is string {
  if (typeof id !== 'string' || !NORMALIZED_ID_RE.test(id)) {
    throw new Error(
      `id-crypto ${operation}: expected a normalized ID-card number (17 digits and a digit or X; run checkIdCard first)`,
    );
  }
}

/**
 * masterKey: 32 bytes. Derive two independent subkeys (encryption, index) with HKDF-SHA256
 * (node:crypto hkdfSync) using distinct info strings. The master key itself is not retained.
 */
export function createIdCrypto(masterKey: Buffer): IdCrypto {
  if (!Buffer.isBuffer(masterKey) || masterKey.length !== KEY_BYTES) {
    throw new Error(`id-crypto: master key must be ${KEY_BYTES} bytes`);
  }
  const encryptionKey = deriveKey(masterKey, HKDF_INFO_ENCRYPTION);
  const indexKey = deriveKey(masterKey, HKDF_INFO_INDEX);
  // The version byte is authenticated too, so a blob cannot be relabelled as another format.
  const aad = Buffer.from([BLOB_VERSION]);

  return {
    encrypt(normalizedId) {
      assertNormalized(normalizedId, 'encrypt');
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', encryptionKey, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(aad);
      const ciphertext = Buffer.concat([cipher.update(normalizedId, 'utf8'), cipher.final()]);
      return Buffer.concat([aad, iv, ciphertext, cipher.getAuthTag()]);
    },

    decrypt(blob) {
      if (!Buffer.isBuffer(blob) || blob.length < MIN_BLOB_BYTES) {
        throw new Error(`id-crypto decrypt: ciphertext is malformed (expected at least ${MIN_BLOB_BYTES} bytes)`);
      }
      const version = blob[0];
      if (version !== BLOB_VERSION) {
        throw new Error(
          `id-crypto decrypt: unknown ciphertext version ${version} (this build reads version ${BLOB_VERSION})`,
        );
      }
      const iv = blob.subarray(1, 1 + IV_BYTES);
      const ciphertext = blob.subarray(1 + IV_BYTES, blob.length - TAG_BYTES);
      const tag = blob.subarray(blob.length - TAG_BYTES);
      const decipher = createDecipheriv('aes-256-gcm', encryptionKey, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(aad);
      decipher.setAuthTag(tag);
      try {
        return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
      } catch (cause) {
        throw new Error(
          'id-crypto decrypt: authentication failed (ciphertext was altered or the master key is wrong)',
          { cause },
        );
      }
    },

    blindIndex(normalizedId) {
      assertNormalized(normalizedId, 'blindIndex');
      return createHmac('sha256', indexKey).update(normalizedId, 'utf8').digest();
    },

    tailIndexes(normalizedId) {
      assertNormalized(normalizedId, 'tailIndexes');
      return ID_TAIL_LENGTHS.map((n) => this.tailIndex(normalizedId.slice(-n)));
    },

    tailIndex(tail) {
      if (!TAIL_RE.test(tail)) throw new Error('id-crypto tailIndex: a tail is 4 to 6 digits or X');
      // Prefixed, so a tail's index can never equal a whole number's.
      return createHmac('sha256', indexKey).update(`tail${tail.length}:${tail}`, 'utf8').digest();
    },
  };
}

const HEX_KEY_RE = /^[0-9a-fA-F]{64}$/;
// 32 bytes are 43 base64 characters plus one optional "=": one alphabet or the other, not mixed.
const BASE64_KEY_RE = /^[A-Za-z0-9+/]{43}=?$/;
const BASE64URL_KEY_RE = /^[A-Za-z0-9_-]{43}=?$/;

/**
 * Parses a key given as 64 hex chars or base64/base64url of 32 bytes (surrounding whitespace
 * ignored); throws Error with a clear message (that never echoes the key) otherwise. An all-zero
 * key is refused as a placeholder that was never replaced.
 */
export function parseMasterKey(text: string): Buffer {
  const trimmed = typeof text === 'string' ? text.trim() : '';
  let key: Buffer | undefined;
  if (HEX_KEY_RE.test(trimmed)) {
    key = Buffer.from(trimmed, 'hex');
  } else if (BASE64_KEY_RE.test(trimmed) || BASE64URL_KEY_RE.test(trimmed)) {
    const isUrl = BASE64URL_KEY_RE.test(trimmed) && !BASE64_KEY_RE.test(trimmed);
    const decoded = Buffer.from(trimmed, isUrl ? 'base64url' : 'base64');
    // Node ignores the 2 spare bits of the last character; requiring them to be zero keeps one spelling per key.
    const canonical = decoded.toString(isUrl ? 'base64url' : 'base64').replace(/=+$/, '');
    if (decoded.length === KEY_BYTES && canonical === trimmed.replace(/=+$/, '')) key = decoded;
  }
  if (!key) {
    throw new Error(
      `ID-card master key must be ${KEY_BYTES} bytes written as 64 hex characters or as base64/base64url ` +
        `(generate one with: openssl rand -base64 32); the value given (${trimmed.length} characters) is neither`,
    );
  }
  if (key.every((byte) => byte === 0)) {
    throw new Error(
      'ID-card master key is all zeros, a placeholder; generate a real one with: openssl rand -base64 32',
    );
  }
  return key;
}
