'use client';
import { signIn } from 'next-auth/react';
import { useRouter, useSearchParams } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { useTranslations } from 'use-intl';
import { rememberOtherLocale } from '../lib/i18n/switch-locale.ts';

/** Codes the server's authorize() throws (server/auth/next-auth-options.ts SIGNIN_ERRORS) and the form's own. */
const KNOWN_ERRORS = new Set(['invalid_credentials', 'throttled', 'unavailable', 'unreachable', 'missing']);

export function SignInForm({ locale }: { locale: string }) {
  const t = useTranslations('signIn');
  const tn = useTranslations('nav');
  const router = useRouter();
  const params = useSearchParams();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const email = String(form.get('email') ?? '').trim();
    const password = String(form.get('password') ?? '');
    if (!email || !password) return setError('missing');
    setBusy(true);
    setError(null);
    let res: Awaited<ReturnType<typeof signIn>>;
    try {
      res = await signIn('credentials', { email, password, redirect: false });
    } catch {
      // No answer, or not next-auth's (the network, or a proxy in front of a stopped server).
      setBusy(false);
      return setError('unreachable');
    }
    setBusy(false);
    if (!res || res.error) return setError(res?.error && KNOWN_ERRORS.has(res.error) ? res.error : 'unknown');
    const next = params.get('next');
    // Only same-site paths: never bounce a signed-in user to another host.
    router.replace(next?.startsWith('/') && !next.startsWith('//') ? next : '/');
    router.refresh();
  }

  const switchLanguage = () => {
    rememberOtherLocale(locale);
    router.refresh();
  };

  return (
    <form className="panel" onSubmit={onSubmit} noValidate aria-describedby={error ? 'signin-error' : undefined}>
      <div className="status-line" style={{ justifyContent: 'space-between' }}>
        <h1>{t('title')}</h1>
        <button type="button" className="secondary" onClick={switchLanguage} data-testid="language-switch">
          {tn('language')}
        </button>
      </div>
      <label>
        {t('email')}
        <input
          name="email"
          type="email"
          autoComplete="username"
          // biome-ignore lint/a11y/noAutofocus: the sign-in page has one task; the cursor waits where the desk types first
          autoFocus
          required
        />
      </label>
      <label>
        {t('password')}
        <input name="password" type="password" autoComplete="current-password" required />
      </label>
      {error && (
        <p id="signin-error" className="error" role="alert" data-testid="signin-error" data-code={error}>
          {t(error as 'invalid_credentials')}
        </p>
      )}
      <button type="submit" disabled={busy}>
        {busy ? t('submitting') : t('submit')}
      </button>
    </form>
  );
}
