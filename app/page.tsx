import Link from 'next/link';
import { redirect } from 'next/navigation';
import { AppHeader } from '../components/app-header.tsx';
import { HomeAreas } from '../components/home-areas.tsx';
import { listVenues } from '../db/queries/venues.ts';
import { AREA_ROLES, canUse, type TArea } from '../lib/roles.ts';
import { currentLocale } from '../server/auth/locale.ts';
import { requirePage } from '../server/auth/page-guard.ts';
import { getRuntime } from '../server/runtime.ts';

export default async function HomePage() {
  const { user } = await requirePage('/');
  // Control-room roles go straight to the wall display.
  if (canUse(user.role, 'commandCenter') && user.role === 'operator') redirect('/command-center');
  // Cashiers go straight to the ticket window.
  if (user.role === 'frontdesk') redirect('/front-desk/sell');
  const locale = await currentLocale();
  const venues = await listVenues(getRuntime().db, user.venueIds);
  const areas = (Object.keys(AREA_ROLES) as TArea[]).filter((a) => canUse(user.role, a));
  return (
    <>
      <AppHeader user={user} locale={locale} />
      <HomeAreas
        name={user.name || user.email}
        areas={areas}
        venues={venues.map((v) => (locale === 'en' ? v.name_en : v.name_zh))}
      />
      <noscript>
        <Link href="/command-center">Command center</Link>
      </noscript>
    </>
  );
}
