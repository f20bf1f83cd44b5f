import 'server-only';
import { cookies, headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { PAGE_ACCESS, type TPagePath } from '../../lib/page-access.ts';
import { canUse } from '../../lib/roles.ts';
import { getRuntime } from '../runtime.ts';
import { userFromCookieHeader, type TSessionUser } from './session.ts';

/** The signed-in user for a page, re-read from the database; redirects to sign-in when there is none. */
export async function requireUser(returnTo: string): Promise<TSessionUser> {
  const { db, config } = getRuntime();
  const cookieHeader = (await headers()).get('cookie') ?? (await cookies()).toString();
  const user = await userFromCookieHeader(db, config.authSecret, cookieHeader);
  if (!user) redirect(`/sign-in?next=${encodeURIComponent(returnTo)}`);
  return user;
}

/**
 * For a page of lib/page-access.ts: the signed-in user (or a redirect to sign-in), and whether the
 * page's access lets their role in (the page renders a refusal if not).
 */
export async function requirePage(
  path: Exclude<TPagePath, '/sign-in'>,
  returnTo: string = path,
): Promise<{ user: TSessionUser; allowed: boolean }> {
  const user = await requireUser(returnTo);
  const access = PAGE_ACCESS[path];
  return { user, allowed: access === 'signedIn' || canUse(user.role, access) };
}
