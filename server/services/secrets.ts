import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';

/** Bearer tokens carry 256 random bits, so a fast hash is enough to store them (nothing to brute-force). */
export function newToken(kind: 'device' | 'channel'): string {
  return `${kind === 'device' ? 'twd' : 'twc'}_${randomBytes(32).toString('base64url')}`;
}

export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** Passwords: argon2id (the library default) with its recommended cost. */
export function hashPassword(password: string): Promise<string> {
  return hash(password); // the library's default is argon2id
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

/** A hash to verify against when the account does not exist, so timing does not reveal accounts. */
let dummyHash: Promise<string> | undefined;
export function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
  return dummyHash;
}

/** Compares a presented secret with the configured one in constant time (by their hashes). */
export function sameSecret(presented: string, expected: string): boolean {
  return timingSafeEqual(hashToken(presented), hashToken(expected));
}
