import { AppHeader } from '../../components/app-header.tsx';
import { CommandCenter } from '../../components/command-center/command-center.tsx';
import { Forbidden } from '../../components/forbidden.tsx';
import { listVenues, listZones } from '../../db/queries/venues.ts';
import { currentLocale } from '../../server/auth/locale.ts';
import { requirePage } from '../../server/auth/page-guard.ts';
import { getRuntime } from '../../server/runtime.ts';

export default async function CommandCenterPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const sp = await searchParams;
  const { user, allowed } = await requirePage('/command-center');
  const locale = await currentLocale();
  if (!allowed)
    return (
      <>
        <AppHeader user={user} locale={locale} />
        <Forbidden role={user.role} />
      </>
    );
  const { db } = getRuntime();
  const venues = await Promise.all(
    (await listVenues(db, user.venueIds)).map(async (v) => ({
      id: v.id,
      code: v.code,
      nameZh: v.name_zh,
      nameEn: v.name_en,
      plan: { image: v.plan.image ?? '', width: v.plan.width ?? 2000, height: v.plan.height ?? 1400 },
      capacity: v.capacity,
      zones: (await listZones(db, v.id)).map((z) => ({
        id: z.id,
        code: z.code,
        nameZh: z.name_zh,
        nameEn: z.name_en,
        polygon: z.polygon,
        warnRatio: z.warn_ratio,
        criticalRatio: z.critical_ratio,
      })),
    })),
  );
  const kiosk = sp.kiosk === '1';
  const venueCode = typeof sp.venue === 'string' ? sp.venue : undefined;
  return (
    <div className="wall">
      {!kiosk && <AppHeader user={user} locale={locale} />}
      <CommandCenter venues={venues} initialVenueCode={venueCode} kiosk={kiosk} />
    </div>
  );
}
