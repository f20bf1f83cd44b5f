import { cookies } from 'next/headers';
import { Suspense } from 'react';
import { SignInForm } from '../../components/sign-in-form.tsx';
import { LOCALE_COOKIE, messagesFor, resolveLocale } from '../../lib/i18n/config.ts';

export default async function SignInPage() {
  const locale = resolveLocale((await cookies()).get(LOCALE_COOKIE)?.value);
  const { app } = messagesFor(locale);
  return (
    <div className="signin">
      <div>
        <div className="brand">
          <strong>{app.name}</strong>
          <span>{app.tagline}</span>
        </div>
        <Suspense>
          <SignInForm locale={locale} />
        </Suspense>
      </div>
    </div>
  );
}
