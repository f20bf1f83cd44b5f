import { decode } from 'next-auth/jwt';
import type { Queryable } from '../../db/client.ts';
import { findUserById } from '../../db/queries/users.ts';
import type { TRole } from '../../lib/roles.ts';

/** The signed-in user as every check sees it: always re-read from the users row, never from the token alone. */
export interface TSessionUser {
  id: number;
  email: string;
  name: string;
  role: TRole;
  venueIds: number[] | 'all';
}

/** next-auth names the cookie with a __Secure- prefix when served over HTTPS. */
export const SESSION_COOKIES = ['__Secure-next-auth.session-token', 'next-auth.session-token'];

export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!header) return out;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    const k = part.slice(0, i).trim();
    try {
      out.set(k, decodeURIComponent(part.slice(i + 1).trim()));
    } catch {
      // A malformed cookie is ignored, like a missing one.
    }
  }
  return out;
}

/** The session token, also when next-auth split a large one into .0, .1 ... chunks. */
function sessionToken(cookies: Map<string, string>): string | undefined {
  for (const name of SESSION_COOKIES) {
    if (cookies.has(name)) return cookies.get(name);
    const chunks: string[] = [];
    for (let i = 0; cookies.has(`${name}.${i}`); i++) chunks.push(cookies.get(`${name}.${i}`)!);
    if (chunks.length) return chunks.join('');
  }
  return undefined;
}

/**
 * The user behind a Cookie header, or null when there is no valid session or the account is
 * disabled. A role change or a disabled account takes effect on the next request.
 */
export async function userFromCookieHeader(
  db: Queryable,
  secret: string,
  cookieHeader: string | undefined,
): Promise<TSessionUser | null> {
  const token = sessionToken(parseCookies(cookieHeader));
  if (!token) return null;
  let jwt: Awaited<ReturnType<typeof decode>>;
  try {
    jwt = await decode({ token, secret });
  } catch {
    return null;
  }
  const id = Number(jwt?.sub);
  if (!Number.isInteger(id) || id <= 0) return null;
  return userById(db, id);
}

export async function userById(db: Queryable, id: number): Promise<TSessionUser | null> {
  const row = await findUserById(db, id);
  if (!row || row.disabled_at) return null;
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    venueIds: row.all_venues ? 'all' : row.venue_ids,
  };
}

export function canSeeVenue(user: TSessionUser, venueId: number): boolean {
  return user.venueIds === 'all' || user.venueIds.includes(venueId);
}
