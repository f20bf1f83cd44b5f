'use client';
import Link from 'next/link';
import { useTranslations } from 'use-intl';
import type { TArea } from '../lib/roles.ts';

const AREA_LINKS: Partial<
  Record<
    TArea,
    {
      href: string;
      key: 'nav.commandCenter' | 'nav.admin' | 'nav.controls' | 'nav.frontDesk' | 'hotel.nav' | 'housekeeping.title';
    }
  >
> = {
  commandCenter: { href: '/command-center', key: 'nav.commandCenter' },
  controls: { href: '/controls', key: 'nav.controls' },
  frontdesk: { href: '/front-desk/sell', key: 'nav.frontDesk' },
  hotel: { href: '/hotel', key: 'hotel.nav' },
  housekeeping: { href: '/housekeeping', key: 'housekeeping.title' },
  admin: { href: '/admin', key: 'nav.admin' },
};

export function HomeAreas({ name, areas, venues }: { name: string; areas: TArea[]; venues: string[] }) {
  const t = useTranslations();
  const links = areas.map((a) => AREA_LINKS[a]).filter((l) => !!l);
  return (
    <main className="page">
      <h1>{t('home.title', { name })}</h1>
      <section className="panel" style={{ marginBottom: '1rem' }}>
        <h2>{t('home.areas')}</h2>
        {links.length ? (
          <ul>
            {links.map((l) => (
              <li key={l.href}>
                <Link href={l.href}>{t(l.key)}</Link>
              </li>
            ))}
          </ul>
        ) : (
          <p className="muted">{t('home.noAreas')}</p>
        )}
      </section>
      <section className="panel">
        <h2>{t('home.venues')}</h2>
        <ul>
          {venues.map((v) => (
            <li key={v}>{v}</li>
          ))}
        </ul>
      </section>
    </main>
  );
}
