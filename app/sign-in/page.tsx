import { cookies } from 'next/headers';
import { Suspense } from 'react';
import { SignInForm } from '../../components/sign-in-form.tsx';
import { LOCALE_COOKIE, resolveLocale } from '../../lib/i18n/config.ts';

export default async function SignInPage() {
  const locale = resolveLocale((await cookies()).get(LOCALE_COOKIE)?.value);
  return (
    <div className="signin">
      <div>
        <div className="brand">
          <strong>{locale === 'en' ? 'Tidewatch' : 'Tidewatch 潮汐'}</strong>
          <span>{locale === 'en' ? 'Operations command center for scenic areas and resorts' : '景区运营指挥中心'}</span>
        </div>
        <Suspense>
          <SignInForm locale={locale} />
        </Suspense>
      </div>
    </div>
  );
}
