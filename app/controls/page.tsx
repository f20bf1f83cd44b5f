import { AppHeader } from '../../components/app-header.tsx';
import { ControlsScreen } from '../../components/controls/controls-screen.tsx';
import { Forbidden } from '../../components/forbidden.tsx';
import { listVenues } from '../../db/queries/venues.ts';
import { currentLocale } from '../../server/auth/locale.ts';
import { requirePage } from '../../server/auth/page-guard.ts';
import { getRuntime } from '../../server/runtime.ts';

export default async function ControlsPage() {
  const { user, allowed } = await requirePage('/controls');
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
  }));
  return (
    <>
      <AppHeader user={user} locale={locale} />
      <ControlsScreen venues={venues} />
    </>
  );
}
