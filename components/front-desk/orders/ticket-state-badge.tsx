'use client';
import { useLocale } from 'use-intl';
import en from '../../../lib/i18n/messages/front-desk/orders.en.json';
import zh from '../../../lib/i18n/messages/front-desk/orders.zh-CN.json';
import type { TTicketStateLabel } from '../../../lib/ticket-state.ts';
import s from './orders.module.css';

/**
 * A ticket's state (lib/ticket-state.ts) as a coloured badge in both languages, the desk's own
 * first: the cashier reads one, and a visitor looking at the screen the other.
 */
export function TicketStateBadge({ state }: { state: TTicketStateLabel }) {
  const locale = useLocale();
  const [first, second] = locale === 'en' ? [en.state, zh.state] : [zh.state, en.state];
  return (
    <span className={`${s.badge} ${s[`state_${state}`] ?? ''}`} data-testid="ticket-state" data-state={state}>
      {first[state]}
      <span className={s.badgeOther} lang={locale === 'en' ? 'zh-CN' : 'en'}>
        {second[state]}
      </span>
    </span>
  );
}
