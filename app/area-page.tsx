import type { ReactNode } from 'react';
import { listVenues } from '../db/queries/venues.ts';
import type { TAreaUser, TAreaVenue } from '../lib/area.ts';
import type { TPagePath } from '../lib/page-access.ts';
import { currentLocale } from '../server/auth/locale.ts';
import { requirePage } from '../server/auth/page-guard.ts';
import { getRuntime } from '../server/runtime.ts';
import { AppHeader } from '../components/app-header.tsx';
import { Forbidden } from '../components/forbidden.tsx';

/**
 * A signed-in page of an area (server side), for the desk, the hotel, the rooms and the guest
 * journey: the page's access (lib/page-access.ts; sign-in comes back to `returnTo`, the real path
 * of a page with a parameter), the header, a refusal for a role outside the area, and otherwise the
 * screen with the user's venues and the language.
 */
export async function AreaPage({
  path,
  returnTo,
  children,
}: {
  path: Exclude<TPagePath, '/sign-in'>;
  returnTo?: string;
  children: (p: { venues: TAreaVenue[]; user: TAreaUser; locale: string }) => ReactNode;
}) {
  const { user, allowed } = await requirePage(path, returnTo);
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
      {children({ venues, user: { id: user.id, email: user.email, name: user.name, role: user.role }, locale })}
    </>
  );
}
