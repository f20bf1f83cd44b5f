'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useHotkeys } from 'react-hotkeys-hook';
import { useTranslations } from 'use-intl';
import { useTRPC } from '../../lib/trpc/react.tsx';
import { printNow } from '../front-desk/print-portal.tsx';
import { moneyFormat } from '../front-desk/orders/format.ts';
import { useErrorText } from '../outage-notice.tsx';
import { useHotelError } from './hotel-dialog.tsx';
import styles from './hotel.module.css';
import { useHotelDesk } from './hotel-shell.tsx';
import { STAY_ACTIONS, StayActionDialog, type TStayAction } from './stay-actions.tsx';
import { StayPrint } from './stay-print.tsx';

export type { TStayAction } from './stay-actions.tsx';

/**
 * A reservation and its folio (预订与账单): the stay's facts and state, its room (assign with the
 * suggestion while it is confirmed), guests (ID masked), package tickets, the folio lines in both
 * languages with the balance, and every action with its Alt key. Alt+G prints the registration
 * card, Alt+B the folio; Esc closes the panel.
 */
export function StayPanel({
  stayId,
  initialAction,
  onClose,
  onDone,
}: {
  stayId: number;
  initialAction?: TStayAction;
  onClose: () => void;
  onDone: () => void;
}) {
  const t = useTranslations('hotel');
  const { venue, locale } = useHotelDesk();
  const money = moneyFormat(locale);
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const errorText = useErrorText();
  const errorOf = useHotelError();
  const stay = useQuery(trpc.hotel.stay.queryOptions({ venueId: venue.id, stayId }));
  const [action, setAction] = useState<TStayAction | null>(null);
  const [printing, setPrinting] = useState<{ what: 'card' | 'folio' } | null>(null);
  const s = stay.data;
  const allowed = s ? STAY_ACTIONS.filter((a) => (a.states as readonly string[]).includes(s.state)) : [];

  // The action the desk asked for from today's list (F6), once the stay is read.
  const [asked, setAsked] = useState(initialAction);
  useEffect(() => {
    if (!s || !asked) return;
    if (allowed.some((a) => a.action === asked)) setAction(asked);
    setAsked(undefined);
  }, [s, asked, allowed]);

  const suggest = useQuery({
    ...trpc.hotel.suggestRooms.queryOptions({ venueId: venue.id, stayId }),
    enabled: s?.state === 'confirmed',
  });
  const [roomId, setRoomId] = useState('');
  const assign = useMutation(trpc.hotel.assignRoom.mutationOptions());
  const chosen = roomId || (suggest.data?.[0] ? String(suggest.data[0].id) : '');
  const doAssign = () => {
    if (!chosen) return;
    assign.mutate(
      { venueId: venue.id, stayId, roomId: Number(chosen) },
      {
        onSuccess: (r) => {
          queryClient.setQueryData(trpc.hotel.stay.queryKey({ venueId: venue.id, stayId }), r);
          void queryClient.invalidateQueries({ queryKey: trpc.hotel.today.queryKey() });
        },
      },
    );
  };

  // The print view stays in the page (hidden on screen) after printing: printing again is one key.
  useEffect(() => {
    if (printing) printNow();
  }, [printing]);

  const open = !action;
  useHotkeys(
    [...STAY_ACTIONS.map((a) => `alt+${a.key.toLowerCase()}`), 'alt+a', 'alt+g', 'alt+b'],
    (e) => {
      const k = e.code.replace(/^Key/, '');
      if (k === 'A') doAssign();
      else if (k === 'G') setPrinting({ what: 'card' });
      else if (k === 'B') setPrinting({ what: 'folio' });
      else {
        const a = allowed.find((x) => x.key === k);
        if (a) setAction(a.action);
      }
    },
    { enableOnFormTags: true, preventDefault: true, enabled: open && !!s },
    [allowed, chosen],
  );
  useHotkeys('esc', onClose, { enableOnFormTags: true, enabled: open }, [onClose]);

  if (stay.isPending)
    return (
      <section className="panel" role="status">
        {t('loading')}
      </section>
    );
  if (stay.isError || !s)
    return (
      <section className="panel error" role="alert">
        {errorText.read(stay.error)}
      </section>
    );
  const byStatus = new Map<string, number>();
  for (const tk of s.tickets) byStatus.set(tk.status, (byStatus.get(tk.status) ?? 0) + 1);

  return (
    <section
      className={`panel ${styles.stay}`}
      data-testid="hotel-stay"
      data-state={s.state}
      data-stay-id={s.id}
      data-order-id={s.orderId}
    >
      <h2>
        {s.orderCode} · {s.customer.name}{' '}
        <span className={styles.state} data-testid="stay-state">
          {t(`states.${s.state}`)}
        </span>
        {s.lateArrival ? <span className="warn-text"> · {t('stay.lateArrival')}</span> : null}
      </h2>
      <dl className={styles.factsList}>
        <dt>{t('stay.dates')}</dt>
        <dd data-testid="stay-dates">
          {s.checkIn} → {s.checkOut}
        </dd>
        <dt>{t('stay.type')}</dt>
        <dd>
          {s.roomType} · {s.ratePlan}
        </dd>
        <dt>{t('stay.room')}</dt>
        <dd data-testid="stay-room">{s.room ?? t('stay.noRoom')}</dd>
        <dt>{t('stay.guests')}</dt>
        <dd>{t('stay.guestCount', { adults: s.adults, children: s.children })}</dd>
        <dt>{t('stay.phone')}</dt>
        <dd>{s.customer.phone}</dd>
        {s.tickets.length ? (
          <>
            <dt>{t('stay.tickets')}</dt>
            <dd data-testid="stay-tickets">
              {[...byStatus]
                .map(([k, n]) => `${t(`stay.ticketStatus.${k as 'valid' | 'refunded' | 'replaced'}`)} ${n}`)
                .join(' · ')}
            </dd>
          </>
        ) : null}
      </dl>
      {s.state === 'confirmed' ? (
        <div className={styles.assign}>
          <label>
            {t('stay.assign')}{' '}
            <select value={chosen} onChange={(e) => setRoomId(e.target.value)} data-testid="stay-assign-room">
              {(suggest.data ?? []).map((r, n) => (
                <option key={r.id} value={r.id}>
                  {r.number} · {t(`housekeeping.${r.housekeeping}`)}
                  {n === 0 ? ` · ${t('stay.suggested')}` : ''}
                </option>
              ))}
            </select>
          </label>
          <button type="button" className="secondary" disabled={!chosen || assign.isPending} onClick={doAssign}>
            {t('stay.assignButton')} <kbd>Alt+A</kbd>
          </button>
          {assign.error ? (
            <p className="error" role="alert">
              {errorOf(assign.error)}
            </p>
          ) : null}
        </div>
      ) : null}
      {s.guests.length ? (
        <table className={styles.lines} data-testid="stay-guests">
          <tbody>
            {s.guests.map((g) => (
              <tr key={g.no}>
                <td>{g.no}</td>
                <td>{g.name}</td>
                <td>{g.idNumber}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <h3>{t('folio.title')}</h3>
      {s.folio.length === 0 ? (
        <p className="muted">{t('folio.empty')}</p>
      ) : (
        <table className={styles.lines} data-testid="stay-folio">
          <thead>
            <tr>
              <th>{t('folio.date')}</th>
              <th>{t('folio.description')}</th>
              <th>{t('folio.qty')}</th>
              <th className={styles.num}>{t('folio.amount')}</th>
            </tr>
          </thead>
          <tbody>
            {s.folio.map((l) => (
              <tr key={l.id} data-testid="folio-line" data-kind={l.kind}>
                <td>{l.night ?? l.businessDate}</td>
                <td>
                  {locale === 'en' ? l.descriptionEn : l.descriptionZh}
                  <span className={styles.other}>{locale === 'en' ? l.descriptionZh : l.descriptionEn}</span>
                </td>
                <td>{l.qty}</td>
                <td className={styles.num}>{money(l.amount)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p className={styles.balance}>
        {t('folio.balance')} <strong data-testid="stay-balance">{money(s.balance)}</strong>
      </p>
      <div className={styles.actions}>
        {allowed.map((a) => (
          <button
            key={a.action}
            type="button"
            className={a.action === 'checkIn' || a.action === 'checkOut' ? undefined : 'secondary'}
            onClick={() => setAction(a.action)}
            data-testid={`stay-action-${a.action}`}
          >
            {t(`actions.${a.action}`)} <kbd>Alt+{a.key}</kbd>
          </button>
        ))}
        <button type="button" className="secondary" onClick={() => setPrinting({ what: 'card' })}>
          {t('actions.printCard')} <kbd>Alt+G</kbd>
        </button>
        <button type="button" className="secondary" onClick={() => setPrinting({ what: 'folio' })}>
          {t('actions.printFolio')} <kbd>Alt+B</kbd>
        </button>
        <button type="button" className="secondary" onClick={onClose}>
          {t('close')} <kbd>Esc</kbd>
        </button>
      </div>
      {action ? (
        <StayActionDialog
          action={action}
          stay={s}
          onClose={() => {
            setAction(null);
            onDone();
          }}
        />
      ) : null}
      {printing ? <StayPrint stay={s} what={printing.what} /> : null}
    </section>
  );
}
