import { listVenues } from '../../../db/queries/venues.ts';
import { PAGE_ACCESS } from '../../../lib/page-access.ts';
import { canUse } from '../../../lib/roles.ts';
import { currentLocale } from '../../../server/auth/locale.ts';
import { requireUser } from '../../../server/auth/page-guard.ts';
import { getRuntime } from '../../../server/runtime.ts';
import { AppHeader } from '../../../components/app-header.tsx';
import { Forbidden } from '../../../components/forbidden.tsx';
import { DeskShell } from '../../../components/front-desk/desk-shell.tsx';
import { GuestJourneyScreen } from '../../../components/guests/guest-journey-screen.tsx';

/**
 * One guest's journey, in the desk shell (its function keys lead back to the desk's screens). The
 * id names a record (o-, t- or s-), never a phone or an ID number; the screen says when it is not
 * one. Signing in comes back to this very guest, so the guard is asked with the real path.
 */
export default async function Page({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const user = await requireUser(`/guests/${encodeURIComponent(id)}`);
  const locale = await currentLocale();
  if (!canUse(user.role, PAGE_ACCESS['/guests/[id]']))
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
      <DeskShell
        venues={venues}
        user={{ id: user.id, email: user.email, name: user.name, role: user.role }}
        locale={locale}
      >
        <GuestJourneyScreen anchor={decodeURIComponent(id)} />
      </DeskShell>
    </>
  );
}
