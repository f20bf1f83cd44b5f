import { AdminScreen } from '../../components/admin/admin-screen.tsx';
import { AppHeader } from '../../components/app-header.tsx';
import { Forbidden } from '../../components/forbidden.tsx';
import { currentLocale } from '../../server/auth/locale.ts';
import { requirePage } from '../../server/auth/page-guard.ts';

export default async function AdminPage() {
  const { user, allowed } = await requirePage('/admin');
  const locale = await currentLocale();
  return (
    <>
      <AppHeader user={user} locale={locale} />
      {allowed ? <AdminScreen selfId={user.id} /> : <Forbidden role={user.role} />}
    </>
  );
}
