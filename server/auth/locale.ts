import 'server-only';
import { cookies } from 'next/headers';
import { LOCALE_COOKIE, resolveLocale, type TLocale } from '../../lib/i18n/config.ts';

export async function currentLocale(): Promise<TLocale> {
  return resolveLocale((await cookies()).get(LOCALE_COOKIE)?.value);
}
