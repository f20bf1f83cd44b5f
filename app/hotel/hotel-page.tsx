import type { ReactNode } from 'react';
import { listVenues } from '../../db/queries/venues.ts';
import type { TPagePath } from '../../lib/page-access.ts';
import { currentLocale } from '../../server/auth/locale.ts';
import { requirePage } from '../../server/auth/page-guard.ts';
import { getRuntime } from '../../server/runtime.ts';
import { AppHeader } from '../../components/app-header.tsx';
import { Forbidden } from '../../components/forbidden.tsx';
import { HotelShell } from '../../components/hotel/hotel-shell.tsx';

/** A hotel desk page (server side): the page's access, the header, and the hotel shell around the screen. */
export async function HotelPage({
  path,
  children,
}: {
  path: Extract<TPagePath, `/hotel${string}`>;
  children: ReactNode;
}) {
  const { user, allowed } = await requirePage(path);
  const locale = await currentLocale();
  if (!allowed)
    return (
      <>
        <AppHeader user={user} locale={locale} />
        <Forbidden role={user.role} />
      </>
    );
  const venues = (await listVenues(getRuntime().db, user.venueIds)).map((v) => ({
    id: v.id,
    code: v.code,
    nameZh: v.name_zh,
    nameEn: v.name_en,
    timeZone: v.timezone,
  }));
  return (
    <>
      <AppHeader user={user} locale={locale} />
      <HotelShell
        venues={venues}
        user={{ id: user.id, email: user.email, name: user.name, role: user.role }}
        locale={locale}
      >
        {children}
      </HotelShell>
    </>
  );
}
