import type { ReactElement } from 'react';
import { listVenues } from '../../../db/queries/venues.ts';
import { currentLocale } from '../../../server/auth/locale.ts';
import { requirePage } from '../../../server/auth/page-guard.ts';
import { getRuntime } from '../../../server/runtime.ts';
import { AppHeader } from '../../app-header.tsx';
import { Forbidden } from '../../forbidden.tsx';

export interface TRoomsVenue {
  id: number;
  nameZh: string;
  nameEn: string;
}

/**
 * A page of the hotel's rooms (server side): the room rack and the housekeeping board. The page's
 * access, the header, and the user's venues for the screen (which picks the first, as the desk does).
 */
export async function RoomsPage({
  path,
  screen,
}: {
  path: '/hotel/rack' | '/housekeeping';
  screen: (p: { venues: TRoomsVenue[]; locale: string }) => ReactElement;
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
    nameZh: v.name_zh,
    nameEn: v.name_en,
  }));
  return (
    <>
      <AppHeader user={user} locale={locale} />
      {screen({ venues, locale })}
    </>
  );
}
