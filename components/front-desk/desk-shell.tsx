'use client';
import Link from 'next/link';
import { usePathname, useRouter } from 'next/navigation';
import { createContext, type ReactNode, useContext, useEffect, useMemo, useState } from 'react';
import { useHotkeys } from 'react-hotkeys-hook';
import { useTranslations } from 'use-intl';
import { canUse, type TRole } from '../../lib/roles.ts';

export interface TDeskVenue {
  id: number;
  code: string;
  nameZh: string;
  nameEn: string;
  timeZone: string;
}
export interface TDeskUser {
  id: number;
  email: string;
  name: string;
  role: string;
}
interface TDesk {
  venue: TDeskVenue;
  venues: TDeskVenue[];
  user: TDeskUser;
  locale: string;
}

const DeskContext = createContext<TDesk | null>(null);

/** The venue the desk works for, the signed-in user and the language: every front-desk screen reads these. */
export function useDesk(): TDesk {
  const d = useContext(DeskContext);
  if (!d) throw new Error('useDesk() outside <DeskShell>');
  return d;
}

/**
 * The desk's tabs and their function keys (browsers leave F2, F4 and F8 alone; F3 is taken back
 * from find). The supervisors' approvals take F10: F6, F7 and F9 act on the screens, F5 reloads,
 * F11 and F12 stay the browser's.
 */
export const DESK_TABS = [
  { href: '/front-desk/sell', key: 'sell', hotkey: 'f2' },
  { href: '/front-desk/orders', key: 'orders', hotkey: 'f3' },
  { href: '/front-desk/check-in', key: 'checkIn', hotkey: 'f4' },
  { href: '/front-desk/shifts', key: 'shifts', hotkey: 'f8' },
  { href: '/front-desk/approvals', key: 'approvals', hotkey: 'f10', supervisors: true },
] as const;

const VENUE_KEY = 'tw-desk-venue';

/**
 * The frame of the front-desk screens: tabs with their function keys (shown on each tab), the venue
 * (remembered per browser when the user has several) and the context the screens read.
 */
export function DeskShell({
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
  const t = useTranslations('fd');
  const pathname = usePathname();
  const router = useRouter();
  const [venueId, setVenueId] = useState(venues[0]?.id);
  const isSupervisor = canUse(user.role as TRole, 'controls');
  const tabs = useMemo(() => DESK_TABS.filter((tab) => !('supervisors' in tab) || isSupervisor), [isSupervisor]);
  useEffect(() => {
    const saved = Number(window.localStorage.getItem(VENUE_KEY));
    if (venues.some((v) => v.id === saved)) setVenueId(saved);
  }, [venues]);
  useHotkeys(
    tabs.map((tab) => tab.hotkey),
    (e) => {
      const tab = tabs.find((x) => x.hotkey === e.key.toLowerCase());
      if (tab) router.push(tab.href);
    },
    { enableOnFormTags: true, preventDefault: true },
    [router, tabs],
  );
  const venue = venues.find((v) => v.id === venueId) ?? venues[0];
  const value = useMemo(() => (venue ? { venue, venues, user, locale } : null), [venue, venues, user, locale]);
  if (!value)
    return (
      <main className="page">
        <p className="panel" role="alert">
          {t('noVenue')}
        </p>
      </main>
    );
  return (
    <DeskContext.Provider value={value}>
      <nav className="desk-tabs" aria-label={t('title')}>
        {tabs.map((tab) => (
          <Link key={tab.href} href={tab.href} aria-current={pathname === tab.href ? 'page' : undefined}>
            {tab.key === 'approvals' ? t('approvals.tab') : t(`tabs.${tab.key}`)} <kbd>{tab.hotkey.toUpperCase()}</kbd>
          </Link>
        ))}
        {venues.length > 1 ? (
          <label className="desk-venue">
            {t('venue')}{' '}
            <select
              value={value.venue.id}
              onChange={(e) => {
                window.localStorage.setItem(VENUE_KEY, e.target.value);
                setVenueId(Number(e.target.value));
              }}
            >
              {venues.map((v) => (
                <option key={v.id} value={v.id}>
                  {locale === 'en' ? v.nameEn : v.nameZh}
                </option>
              ))}
            </select>
          </label>
        ) : (
          <span className="desk-venue">{locale === 'en' ? value.venue.nameEn : value.venue.nameZh}</span>
        )}
      </nav>
      {children}
    </DeskContext.Provider>
  );
}
