import attractionControlsEn from './messages/attraction-controls.en.json';
import attractionControlsZh from './messages/attraction-controls.zh-CN.json';
import attractionsEn from './messages/attractions.en.json';
import attractionsZh from './messages/attractions.zh-CN.json';
import en from './messages/en.json';
import fdApprovalsEn from './messages/front-desk/approvals.en.json';
import fdApprovalsZh from './messages/front-desk/approvals.zh-CN.json';
import fdCheckInEn from './messages/front-desk/checkIn.en.json';
import fdCheckInZh from './messages/front-desk/checkIn.zh-CN.json';
import fdCommonEn from './messages/front-desk/common.en.json';
import fdCommonZh from './messages/front-desk/common.zh-CN.json';
import fdOrdersEn from './messages/front-desk/orders.en.json';
import fdOrdersZh from './messages/front-desk/orders.zh-CN.json';
import fdSellEn from './messages/front-desk/sell.en.json';
import fdSellZh from './messages/front-desk/sell.zh-CN.json';
import fdShiftsEn from './messages/front-desk/shifts.en.json';
import fdShiftsZh from './messages/front-desk/shifts.zh-CN.json';
import guestsEn from './messages/guests/en.json';
import guestsZh from './messages/guests/zh-CN.json';
import hotelEn from './messages/hotel/hotel.en.json';
import hotelZh from './messages/hotel/hotel.zh-CN.json';
import hotelRackEn from './messages/hotel-rack/rack.en.json';
import hotelRackZh from './messages/hotel-rack/rack.zh-CN.json';
import housekeepingEn from './messages/housekeeping/board.en.json';
import housekeepingZh from './messages/housekeeping/board.zh-CN.json';
import zhCN from './messages/zh-CN.json';

/** Simplified Chinese first: most of our users are in China. */
export const LOCALES = ['zh-CN', 'en'] as const;
export type TLocale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: TLocale = 'zh-CN';
/** The remembered language choice (a year, in seconds). */
export const LOCALE_COOKIE = 'tw-locale';
export const LOCALE_COOKIE_MAX_AGE_S = 365 * 24 * 3600;

/**
 * The front desk's screens keep their words in files of their own (messages/front-desk/), under `fd`;
 * the controls screen's attractions theirs, under `attractionControls`.
 */
const EN = {
  ...en,
  attractions: attractionsEn,
  attractionControls: attractionControlsEn,
  guests: guestsEn,
  hotel: hotelEn,
  hotelRack: hotelRackEn,
  housekeeping: housekeepingEn,
  fd: {
    ...fdCommonEn,
    sell: fdSellEn,
    orders: fdOrdersEn,
    checkIn: fdCheckInEn,
    shifts: fdShiftsEn,
    approvals: fdApprovalsEn,
  },
};
const ZH: typeof EN = {
  ...zhCN,
  attractions: attractionsZh,
  attractionControls: attractionControlsZh,
  guests: guestsZh,
  hotel: hotelZh,
  hotelRack: hotelRackZh,
  housekeeping: housekeepingZh,
  fd: {
    ...fdCommonZh,
    sell: fdSellZh,
    orders: fdOrdersZh,
    checkIn: fdCheckInZh,
    shifts: fdShiftsZh,
    approvals: fdApprovalsZh,
  },
};

export type TMessages = typeof EN;
const MESSAGES: Record<TLocale, TMessages> = { 'zh-CN': ZH, en: EN };

export function resolveLocale(value: string | undefined | null): TLocale {
  return (LOCALES as readonly string[]).includes(value ?? '') ? (value as TLocale) : DEFAULT_LOCALE;
}

export function messagesFor(locale: TLocale): TMessages {
  return MESSAGES[locale];
}
