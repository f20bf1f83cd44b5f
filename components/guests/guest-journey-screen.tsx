'use client';
import type { inferRouterOutputs } from '@trpc/server';
import { useQuery } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useHotkeys } from 'react-hotkeys-hook';
import { useLocale, useTranslations } from 'use-intl';
import { useTRPC } from '../../lib/trpc/react.tsx';
import type { AppRouter } from '../../server/trpc/root.ts';
import { useDesk } from '../front-desk/desk-shell.tsx';
import { moneyFormat, serverError, signedMoney, timeFormat } from '../front-desk/orders/format.ts';
import { PrintPortal, printNow } from '../front-desk/print-portal.tsx';
import s from './guests.module.css';

type TJourney = inferRouterOutputs<AppRouter>['guests']['journey'];
type TEntry = TJourney['entries'][number];
type TKind = TEntry['kind'];

/** A sign per kind, so a long day reads at a glance (plain text signs: desk PCs and paper have no emoji font). */
const ICONS: Record<TKind, string> = {
  order: '#',
  payment: '¥',
  refund: '↩',
  entry: '⇥',
  exit: '⇤',
  move: '→',
  ride: '▲',
  rejected: '✕',
  checkIn: '⌂',
  checkOut: '⇱',
  folio: '≡',
  change: '∆',
};

/** Where the order desk opens one order: its search box, given the order's code. */
export const orderHref = (code: string) => `/front-desk/orders?q=${encodeURIComponent(code)}`;
/** Where the hotel desk opens a stay (the hotel screens, app/hotel). */
export const stayHref = (stayId: number) => `/hotel?stay=${stayId}`;

/**
 * One guest's journey (docs/guest-journey.md): who they are (names, ID masked, phone masked in the
 * middle), what linked the records, and one timeline grouped by day. ↑/↓ move through the entries,
 * Enter opens the entry's order at the order desk (or its stay), Esc goes back, P prints (A4).
 */
export function GuestJourneyScreen({ anchor }: { anchor: string }) {
  const t = useTranslations('guests');
  const locale = useLocale();
  const router = useRouter();
  const trpc = useTRPC();
  const { venue } = useDesk();
  const res = useQuery({ ...trpc.guests.journey.queryOptions({ venueId: venue.id, anchor }), retry: false });
  const j = res.data;
  const entries = j?.entries ?? [];
  const [active, setActive] = useState(0);
  const listRef = useRef<HTMLOListElement>(null);
  const money = moneyFormat(locale);
  const time = timeFormat(venue.timeZone);
  // What the order desk finds an order by: its code, or the channel reference of a code-less one.
  const codeOf = useMemo(() => new Map((j?.orders ?? []).map((o) => [o.id, o.code ?? o.ref])), [j]);

  const days = useMemo(() => {
    const out: { day: string; items: { e: TEntry; index: number }[] }[] = [];
    entries.forEach((e, index) => {
      const day = time(e.at).slice(0, 10);
      if (out.at(-1)?.day !== day) out.push({ day, items: [] });
      out.at(-1)!.items.push({ e, index });
    });
    return out;
  }, [entries, time]);

  useEffect(() => {
    listRef.current?.querySelector<HTMLElement>(`[data-index="${active}"]`)?.scrollIntoView({ block: 'nearest' });
  }, [active]);

  const open = (e: TEntry | undefined) => {
    if (!e) return;
    const code = e.orderId ? codeOf.get(e.orderId) : null;
    if (e.stayId && (e.kind === 'checkIn' || e.kind === 'checkOut' || e.kind === 'folio'))
      router.push(stayHref(e.stayId));
    else if (code) router.push(orderHref(code));
    else if (e.stayId) router.push(stayHref(e.stayId));
  };
  const back = () => (window.history.length > 1 ? router.back() : router.push('/front-desk/orders'));
  const noDialog = () => !!document.querySelector('dialog[open]');
  useHotkeys(
    'down',
    () => setActive((a) => Math.min(a + 1, Math.max(0, entries.length - 1))),
    {
      preventDefault: true,
    },
    [entries.length],
  );
  useHotkeys('up', () => setActive((a) => Math.max(0, a - 1)), { preventDefault: true });
  useHotkeys('enter', () => open(entries[active]), { preventDefault: true }, [entries, active, codeOf]);
  useHotkeys('esc', back, { preventDefault: true, ignoreEventWhen: noDialog });
  useHotkeys('p', () => j && printNow(), { preventDefault: true }, [j]);

  const err = res.isError ? serverError(res.error) : null;
  const kindLabel = (k: TKind) => t(`kinds.${k}`);
  const label = (x: { zh: string; en: string } | null) => (x ? (locale === 'en' ? x.en : x.zh) : '');
  const detailOf = (e: TEntry) => {
    // A stay's state is what its entry's kind already says.
    if (!e.detail || e.kind === 'checkIn' || e.kind === 'checkOut') return '';
    if (e.kind === 'payment' || e.kind === 'refund')
      return t.has(`methods.${e.detail}`) ? t(`methods.${e.detail}` as 'methods.cash') : e.detail;
    if (e.kind === 'change') {
      const key = `actions.${e.detail.replace(/\./g, '_')}`;
      return t.has(key) ? t(key as 'actions.ticket_refund') : e.detail;
    }
    return e.detail;
  };
  const amountOf = (e: TEntry) =>
    e.amount === null ? '' : e.kind === 'refund' || e.kind === 'folio' ? signedMoney(money, e.amount) : money(e.amount);

  const matchedParts = j
    ? (['ordersByPhone', 'ordersById', 'ordersByHolder', 'staysById'] as const)
        .filter((k) => j.matched[k] > 0)
        .map((k) => t(`matchedParts.${k}`, { count: j.matched[k] }))
    : [];

  return (
    <main
      className={`page ${s.screen}`}
      data-testid="guest-journey"
      data-state={res.isPending ? 'loading' : err ? 'error' : 'loaded'}
    >
      <header className={s.head}>
        <h1>{t('title')}</h1>
        <p className={s.keys}>
          <kbd>↑</kbd>
          <kbd>↓</kbd> {t('keys.move')} · <kbd>Enter</kbd> {t('keys.open')} · <kbd>Esc</kbd> {t('keys.back')} ·{' '}
          <kbd>P</kbd> {t('keys.print')}
        </p>
      </header>
      {res.isPending ? (
        <p className="muted" data-testid="journey-loading">
          {t('loading')}
        </p>
      ) : err ? (
        <div className="panel" role="alert" data-testid="journey-error">
          <p className="error">{err.code === 'not_found' ? t('notFound') : err.message}</p>
          <button type="button" onClick={() => void res.refetch()}>
            {t('retry')}
          </button>{' '}
          <button type="button" onClick={back}>
            {t('back')} <kbd>Esc</kbd>
          </button>
        </div>
      ) : j ? (
        <>
          <section className={s.who} data-testid="journey-guest">
            <div>
              <span className="muted">{t('guest')}</span>
              <strong data-testid="journey-names">{j.names.length ? j.names.join(' / ') : t('unnamed')}</strong>
            </div>
            <div>
              <span className="muted">{t('idNumber')}</span>
              <strong className={s.mono} data-testid="journey-id">
                {j.idNumbers.length ? j.idNumbers.join(' / ') : t('none')}
              </strong>
            </div>
            <div>
              <span className="muted">{t('phone')}</span>
              <strong className={s.mono} data-testid="journey-phone">
                {j.phone ?? t('none')}
              </strong>
            </div>
            <div className={s.matched}>
              <span className="muted">{t('matched')}</span>
              <span data-testid="journey-matched">
                {matchedParts.length ? matchedParts.join(locale === 'en' ? ', ' : '，') : t('matchedNone')}
              </span>
            </div>
            <p className={`muted ${s.privacy}`}>{t('privacy')}</p>
          </section>
          {j.truncated ? <p className="error">{t('truncated')}</p> : null}
          <p className="muted" data-testid="journey-count">
            {t('entries', { count: entries.length })}
          </p>
          {entries.length === 0 ? (
            <p className="muted" data-testid="journey-empty">
              {t('empty')}
            </p>
          ) : (
            <ol ref={listRef} className={s.timeline} aria-label={t('title')} data-testid="journey-timeline">
              {days.map((d) => (
                <li key={d.day} className={s.day}>
                  <h2>{d.day}</h2>
                  <ul>
                    {d.items.map(({ e, index }) => {
                      const code = e.orderId ? codeOf.get(e.orderId) : null;
                      return (
                        // biome-ignore lint/a11y/useKeyWithClickEvents: the keys are the screen's (↑ ↓ Enter)
                        <li
                          key={e.key}
                          data-index={index}
                          data-kind={e.kind}
                          data-testid="journey-entry"
                          data-active={index === active ? '1' : undefined}
                          aria-current={index === active ? 'true' : undefined}
                          className={`${s.entry} ${s[`k_${e.kind}`] ?? ''} ${index === active ? s.active : ''}`}
                          onClick={() => setActive(index)}
                        >
                          <span className={s.icon} aria-hidden="true">
                            {ICONS[e.kind]}
                          </span>
                          <span className={s.time}>{time(e.at).slice(11, 16)}</span>
                          <strong className={s.kind}>{kindLabel(e.kind)}</strong>
                          <span className={s.place}>{label(e.place)}</span>
                          <span className={s.what}>
                            {label(e.what)}
                            {e.what && detailOf(e) ? ' · ' : ''}
                            <span className="muted">{detailOf(e)}</span>
                          </span>
                          <span className={s.amount}>{amountOf(e)}</span>
                          <span className={s.links}>
                            {code ? (
                              <a href={orderHref(code)} data-testid="journey-order-link">
                                {t('openOrder')} {code}
                              </a>
                            ) : null}
                            {e.stayId ? (
                              <a href={stayHref(e.stayId)} data-testid="journey-stay-link">
                                {t('openStay')}
                              </a>
                            ) : null}
                          </span>
                        </li>
                      );
                    })}
                  </ul>
                </li>
              ))}
            </ol>
          )}
          <PrintPortal paper="a4">
            <div className={s.print}>
              <h1>{t('title')}</h1>
              <p>
                {t('guest')}: {j.names.join(' / ') || t('unnamed')} · {t('idNumber')}:{' '}
                {j.idNumbers.join(' / ') || t('none')} · {t('phone')}: {j.phone ?? t('none')}
              </p>
              <p>
                {t('matched')}: {matchedParts.join(', ') || t('matchedNone')}
              </p>
              <table>
                <thead>
                  <tr>
                    <th>{t('columns.time')}</th>
                    <th>{t('columns.kind')}</th>
                    <th>{t('columns.place')}</th>
                    <th>{t('columns.detail')}</th>
                    <th>{t('columns.amount')}</th>
                  </tr>
                </thead>
                <tbody>
                  {entries.map((e) => (
                    <tr key={e.key}>
                      <td>{time(e.at).slice(0, 16)}</td>
                      <td>{kindLabel(e.kind)}</td>
                      <td>{label(e.place)}</td>
                      <td>
                        {label(e.what)} {detailOf(e)}
                      </td>
                      <td>{amountOf(e)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <p>{t('printed', { at: time(new Date().toISOString()).slice(0, 16) })}</p>
            </div>
          </PrintPortal>
        </>
      ) : null}
    </main>
  );
}
