import 'server-only';
import { cookies, headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { canUse, type TArea } from '../../lib/roles.ts';
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

/** For pages of one area: the user, and whether their role may use it (the page renders a refusal if not). */
export async function requireArea(area: TArea, returnTo: string): Promise<{ user: TSessionUser; allowed: boolean }> {
  const user = await requireUser(returnTo);
  return { user, allowed: canUse(user.role, area) };
}
