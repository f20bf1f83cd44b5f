'use client';
import { signOut } from 'next-auth/react';
import Link from 'next/link';
import { usePathname, useRouter } from 'next/navigation';
import { useTranslations } from 'use-intl';
import { rememberOtherLocale } from '../lib/i18n/switch-locale.ts';
import { canUse, type TRole } from '../lib/roles.ts';

/** Top bar: areas the role may open, the user, the language switch (remembered in a cookie) and sign-out. */
export function AppHeader({ user, locale }: { user: { name: string; email: string; role: TRole }; locale: string }) {
  const t = useTranslations();
  const pathname = usePathname();
  const router = useRouter();
  const links = [
    { href: '/', label: t('nav.home'), show: true },
    { href: '/command-center', label: t('nav.commandCenter'), show: canUse(user.role, 'commandCenter') },
    { href: '/controls', label: t('nav.controls'), show: canUse(user.role, 'controls') },
    { href: '/front-desk/sell', label: t('nav.frontDesk'), show: canUse(user.role, 'frontdesk') },
    { href: '/hotel', label: t('hotel.nav'), show: canUse(user.role, 'hotel') },
    { href: '/housekeeping', label: t('housekeeping.title'), show: canUse(user.role, 'housekeeping') },
    { href: '/admin', label: t('nav.admin'), show: canUse(user.role, 'admin') },
  ].filter((l) => l.show);
  const switchLanguage = () => {
    rememberOtherLocale(locale);
    router.refresh();
  };
  return (
    <header className="app-header">
      <Link href="/" className="brand">
        {t('app.name')}
      </Link>
      <nav aria-label="main">
        {links.map((l) => (
          <Link
            key={l.href}
            href={l.href}
            aria-current={
              pathname === l.href ||
              (l.href.startsWith('/front-desk') && pathname.startsWith('/front-desk')) ||
              (l.href === '/hotel' && pathname.startsWith('/hotel/'))
                ? 'page'
                : undefined
            }
          >
            {l.label}
          </Link>
        ))}
      </nav>
      <span className="who" data-testid="who">
        {user.name || user.email} · {t(`roles.${user.role}`)}
      </span>
      <button type="button" className="secondary" onClick={switchLanguage} data-testid="language-switch">
        {t('nav.language')}
      </button>
      <button type="button" className="secondary" onClick={() => signOut({ callbackUrl: '/sign-in' })}>
        {t('nav.signOut')}
      </button>
    </header>
  );
}
