import en from './messages/en.json';
import zhCN from './messages/zh-CN.json';

/** Simplified Chinese first: most of our users are in China. */
export const LOCALES = ['zh-CN', 'en'] as const;
export type TLocale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: TLocale = 'zh-CN';
/** The remembered language choice (a year, in seconds). */
export const LOCALE_COOKIE = 'tw-locale';
export const LOCALE_COOKIE_MAX_AGE_S = 365 * 24 * 3600;

export type TMessages = typeof en;
const MESSAGES: Record<TLocale, TMessages> = { 'zh-CN': zhCN, en };

export function resolveLocale(value: string | undefined | null): TLocale {
  return (LOCALES as readonly string[]).includes(value ?? '') ? (value as TLocale) : DEFAULT_LOCALE;
}

export function messagesFor(locale: TLocale): TMessages {
  return MESSAGES[locale];
}
