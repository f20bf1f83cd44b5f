import { cookies } from 'next/headers';
import { Suspense } from 'react';
import { SignInForm } from '../../components/sign-in-form.tsx';
import { LOCALE_COOKIE, resolveLocale } from '../../lib/i18n/config.ts';

export default async function SignInPage() {
  const locale = resolveLocale((await cookies()).get(LOCALE_COOKIE)?.value);
  return (
    <div className="signin">
      <Suspense>
        <SignInForm locale={locale} />
      </Suspense>
    </div>
  );
}
