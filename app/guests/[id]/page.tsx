import { DeskShell } from '../../../components/front-desk/desk-shell.tsx';
import { GuestJourneyScreen } from '../../../components/guests/guest-journey-screen.tsx';
import { AreaPage } from '../../area-page.tsx';

/**
 * One guest's journey, in the desk shell (its function keys lead back to the desk's screens). The
 * id names a record (o-, t- or s-), never a phone or an ID number; the screen says when it is not
 * one. Signing in comes back to this very guest, so the guard is asked with the real path.
 */
export default async function Page({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return (
    <AreaPage path="/guests/[id]" returnTo={`/guests/${encodeURIComponent(id)}`}>
      {({ venues, user, locale }) => (
        <DeskShell venues={venues} user={user} locale={locale}>
          <GuestJourneyScreen anchor={decodeURIComponent(id)} />
        </DeskShell>
      )}
    </AreaPage>
  );
}
