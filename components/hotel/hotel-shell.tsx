'use client';
import { useQuery } from '@tanstack/react-query';
import type { inferRouterOutputs } from '@trpc/server';
import Link from 'next/link';
import { usePathname, useRouter } from 'next/navigation';
import { createContext, type ReactNode, useContext, useEffect, useMemo, useState } from 'react';
import { useHotkeys } from 'react-hotkeys-hook';
import { useTranslations } from 'use-intl';
import { useTRPC } from '../../lib/trpc/react.tsx';
import type { AppRouter } from '../../server/trpc/root.ts';
import type { TDeskUser, TDeskVenue } from '../front-desk/desk-shell.tsx';
import { useErrorText } from '../outage-notice.tsx';

type TOut = inferRouterOutputs<AppRouter>['hotel'];
export type THotel = TOut['hotels'][number];
export type TStay = TOut['stay'];
export type TToday = TOut['today'];

interface THotelDesk {
  venue: TDeskVenue;
  hotel: THotel;
  user: TDeskUser;
  locale: string;
  /** The zh or en of a pair, by the desk's language. */
  name: (x: { nameZh: string; nameEn: string }) => string;
}

const HotelContext = createContext<THotelDesk | null>(null);

/** The venue and hotel the desk works for, the user and the language: every hotel screen reads these. */
export function useHotelDesk(): THotelDesk {
  const d = useContext(HotelContext);
  if (!d) throw new Error('useHotelDesk() outside <HotelShell>');
  return d;
}

/** The hotel desk's tabs and their function keys (F2 and F8 as at the ticket desk, F4 the room rack; the screens act on F6, F7, F9). */
export const HOTEL_TABS = [
  { href: '/hotel', key: 'today', hotkey: 'f2' },
  { href: '/hotel/rack', key: 'rack', hotkey: 'f4' },
  { href: '/hotel/night-audit', key: 'nightAudit', hotkey: 'f8' },
] as const;

const VENUE_KEY = 'tw-desk-venue';
const HOTEL_KEY = 'tw-hotel';

/**
 * The frame of the hotel screens (酒店前台): tabs with their keys, the venue and the hotel (a
 * picker when there are several, remembered per browser), and the hotel's business date, which is
 * the hotel's own (the night audit moves it), not the clock's.
 */
export function HotelShell({
  venues,
  user,
  locale,
  children,
}: {
  venues: TDeskVenue[];
  user: TDeskUser;
  locale: string;
  children: ReactNode;
}) {
  const t = useTranslations('hotel');
  const errorText = useErrorText();
  const trpc = useTRPC();
  const pathname = usePathname();
  const router = useRouter();
  const [venueId, setVenueId] = useState(venues[0]?.id);
  const [hotelId, setHotelId] = useState<number | null>(null);
  useEffect(() => {
    const saved = Number(window.localStorage.getItem(VENUE_KEY));
    if (venues.some((v) => v.id === saved)) setVenueId(saved);
    const h = Number(window.localStorage.getItem(HOTEL_KEY));
    if (h) setHotelId(h);
  }, [venues]);
  useHotkeys(
    HOTEL_TABS.map((tab) => tab.hotkey),
    (e) => {
      const tab = HOTEL_TABS.find((x) => x.hotkey === e.key.toLowerCase());
      if (tab) router.push(tab.href);
    },
    { enableOnFormTags: true, preventDefault: true },
    [router],
  );
  const venue = venues.find((v) => v.id === venueId) ?? venues[0];
  const hotels = useQuery({ ...trpc.hotel.hotels.queryOptions({ venueId: venue?.id ?? 0 }), enabled: !!venue });
  const hotel = hotels.data?.find((h) => h.id === hotelId) ?? hotels.data?.[0];
  const value = useMemo(
    () =>
      venue && hotel
        ? {
            venue,
            hotel,
            user,
            locale,
            name: (x: { nameZh: string; nameEn: string }) => (locale === 'en' ? x.nameEn : x.nameZh),
          }
        : null,
    [venue, hotel, user, locale],
  );
  if (!venue)
    return (
      <main className="page">
        <p className="panel" role="alert">
          {t('noVenue')}
        </p>
      </main>
    );
  const nav = (
    <nav className="desk-tabs" aria-label={t('title')}>
      {HOTEL_TABS.map((tab) => (
        <Link key={tab.href} href={tab.href} aria-current={pathname === tab.href ? 'page' : undefined}>
          {t(`tabs.${tab.key}`)} <kbd>{tab.hotkey.toUpperCase()}</kbd>
        </Link>
      ))}
      <span className="desk-venue" data-testid="hotel-business-date">
        {hotel ? t('businessDate', { date: hotel.businessDate }) : null}
      </span>
      {venues.length > 1 ? (
        <select
          aria-label={t('venue')}
          value={venue.id}
          onChange={(e) => {
            window.localStorage.setItem(VENUE_KEY, e.target.value);
            setVenueId(Number(e.target.value));
            setHotelId(null);
          }}
        >
          {venues.map((v) => (
            <option key={v.id} value={v.id}>
              {locale === 'en' ? v.nameEn : v.nameZh}
            </option>
          ))}
        </select>
      ) : null}
      {hotels.data && hotels.data.length > 1 ? (
        <select
          aria-label={t('hotel')}
          data-testid="hotel-picker"
          value={hotel?.id}
          onChange={(e) => {
            window.localStorage.setItem(HOTEL_KEY, e.target.value);
            setHotelId(Number(e.target.value));
          }}
        >
          {hotels.data.map((h) => (
            <option key={h.id} value={h.id}>
              {locale === 'en' ? h.nameEn : h.nameZh}
            </option>
          ))}
        </select>
      ) : hotel ? (
        <span>{locale === 'en' ? hotel.nameEn : hotel.nameZh}</span>
      ) : null}
    </nav>
  );
  return (
    <>
      {nav}
      {value ? (
        <HotelContext.Provider value={value}>{children}</HotelContext.Provider>
      ) : (
        <main className="page">
          <p className="panel" role={hotels.isError ? 'alert' : 'status'}>
            {hotels.isPending ? t('loading') : hotels.isError ? errorText.read(hotels.error) : t('noHotel')}
          </p>
        </main>
      )}
    </>
  );
}
