import type { ReactNode } from 'react';
import type { TPagePath } from '../../lib/page-access.ts';
import { DeskShell } from '../../components/front-desk/desk-shell.tsx';
import { AreaPage } from '../area-page.tsx';

/** A front-desk page (server side): the page's access, the header, and the desk shell around the screen. */
export function DeskPage({
  path,
  children,
}: {
  path: Extract<TPagePath, `/front-desk/${string}`>;
  children: ReactNode;
}) {
  return (
    <AreaPage path={path}>
      {({ venues, user, locale }) => (
        <DeskShell venues={venues} user={user} locale={locale}>
          {children}
        </DeskShell>
      )}
    </AreaPage>
  );
}
