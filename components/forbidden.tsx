'use client';
import Link from 'next/link';
import { useTranslations } from 'use-intl';

export function Forbidden({ role }: { role: string }) {
  const t = useTranslations();
  return (
    <main className="page">
      <div className="panel" data-testid="forbidden" role="alert">
        <h1>{t('forbidden.title')}</h1>
        <p>{t('forbidden.body', { role: t(`roles.${role}` as 'roles.admin') })}</p>
        <Link href="/">{t('forbidden.back')}</Link>
      </div>
    </main>
  );
}
