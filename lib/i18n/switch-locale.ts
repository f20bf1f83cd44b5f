'use client';
import { LOCALE_COOKIE, LOCALE_COOKIE_MAX_AGE_S } from './config.ts';

/**
 * Remembers the other language for this browser (the server reads the cookie on the next request);
 * the caller then refreshes the page.
 */
export function rememberOtherLocale(current: string): void {
  const next = current === 'en' ? 'zh-CN' : 'en';
  // biome-ignore lint/suspicious/noDocumentCookie: the Cookie Store API is not in every browser a desk may run; a plain cookie is what the server reads
  document.cookie = `${LOCALE_COOKIE}=${next}; path=/; max-age=${LOCALE_COOKIE_MAX_AGE_S}; samesite=lax`;
}
