import type { ReactNode } from 'react';
import type { TPagePath } from '../../lib/page-access.ts';
import { HotelShell } from '../../components/hotel/hotel-shell.tsx';
import { AreaPage } from '../area-page.tsx';

/** A hotel desk page (server side): the page's access, the header, and the hotel shell around the screen. */
export function HotelPage({ path, children }: { path: Extract<TPagePath, `/hotel${string}`>; children: ReactNode }) {
  return (
    <AreaPage path={path}>
      {({ venues, user, locale }) => (
        <HotelShell venues={venues} user={user} locale={locale}>
          {children}
        </HotelShell>
      )}
    </AreaPage>
  );
}
