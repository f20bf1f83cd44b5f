'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useHotkeys } from 'react-hotkeys-hook';
import { useTranslations } from 'use-intl';
import { useTRPC } from '../../lib/trpc/react.tsx';
import { addDays } from '../../lib/venue-time.ts';
import { moneyFormat, timeFormat } from '../front-desk/orders/format.ts';
import { useErrorText } from '../outage-notice.tsx';
import { HotelDialog, useHotelError } from './hotel-dialog.tsx';
import styles from './hotel.module.css';
import { useHotelDesk } from './hotel-shell.tsx';

/**
 * The night audit (夜审): F9 asks to close the hotel's business date, Enter confirms. The audit
 * posts the night's room charges, marks the no-shows with their fees, lists the late arrivals
 * (package guests a gate admitted today) and moves the business date on; its report and the past
 * audits are below. The date is named in the request, so a second desk's audit of the same date is
 * answered as it was.
 */
export function NightAuditScreen() {
  const t = useTranslations('hotel.audit');
  const { venue, hotel, locale } = useHotelDesk();
  const money = moneyFormat(locale);
  const when = timeFormat(venue.timeZone);
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const errorText = useErrorText();
  const errorOf = useHotelError();
  const [asking, setAsking] = useState(false);
  const history = useQuery(trpc.hotel.nightAudits.queryOptions({ venueId: venue.id, hotelId: hotel.id }));
  const run = useMutation(trpc.hotel.nightAudit.mutationOptions());
  const [ranFor, setRanFor] = useState<string | null>(null);
  useHotkeys('f9', () => setAsking(true), { enableOnFormTags: true, preventDefault: true }, []);

  const confirm = () =>
    run.mutate(
      { venueId: venue.id, hotelId: hotel.id, businessDate: hotel.businessDate },
      {
        onSuccess: (r) => {
          setRanFor(r.businessDate);
          setAsking(false);
          void queryClient.invalidateQueries({ queryKey: trpc.hotel.hotels.queryKey() });
          void queryClient.invalidateQueries({ queryKey: trpc.hotel.today.queryKey() });
          void queryClient.invalidateQueries({ queryKey: trpc.hotel.nightAudits.queryKey() });
          // Every stay open in this browser: the audit posted tonight's room charges and no-shows.
          void queryClient.invalidateQueries({ queryKey: trpc.hotel.stay.queryKey() });
        },
      },
    );
  const report = ranFor ? history.data?.audits.find((a) => a.businessDate === ranFor) : undefined;

  return (
    <main className={`page ${styles.auditPage}`} data-testid="hotel-night-audit">
      <section className="panel">
        <h2>{t('title')}</h2>
        <p>{t('intro', { date: hotel.businessDate })}</p>
        <button type="button" onClick={() => setAsking(true)} data-testid="audit-run">
          {t('run', { date: hotel.businessDate })} <kbd>F9</kbd>
        </button>
        {run.data && !run.data.ran ? <p className="muted">{t('already', { by: run.data.by })}</p> : null}
      </section>
      {ranFor && run.data ? (
        <section className="panel" data-testid="audit-report">
          <h2>{t('report', { date: ranFor })}</h2>
          <dl className={styles.factsList}>
            <dt>{t('posted')}</dt>
            <dd data-testid="audit-posted">{run.data.posted}</dd>
            <dt>{t('noShows')}</dt>
            <dd data-testid="audit-no-shows">
              {run.data.noShows}
              {report?.noShows.length
                ? ` · ${report.noShows.map((n) => `${n.orderCode} ${n.name ?? ''} ${money(n.fee)}`).join(' · ')}`
                : ''}
            </dd>
            <dt>{t('lateArrivals')}</dt>
            <dd data-testid="audit-late">
              {run.data.lateArrivals.length
                ? run.data.lateArrivals.map((l) => `${l.orderCode} ${l.name ?? ''}`).join(' · ')
                : t('none')}
            </dd>
            <dt>{t('newDate')}</dt>
            <dd data-testid="audit-new-date">{addDays(ranFor, 1)}</dd>
          </dl>
        </section>
      ) : null}
      <section className="panel" data-testid="audit-history">
        <h2>{t('history')}</h2>
        {history.isPending ? (
          <p role="status">{t('loading')}</p>
        ) : history.isError ? (
          <p className="error" role="alert">
            {errorText.read(history.error)}
          </p>
        ) : history.data.audits.length === 0 ? (
          <p className="muted">{t('noAudits')}</p>
        ) : (
          <table className={styles.lines}>
            <thead>
              <tr>
                <th>{t('date')}</th>
                <th>{t('at')}</th>
                <th>{t('by')}</th>
                <th>{t('posted')}</th>
                <th>{t('noShows')}</th>
                <th>{t('lateArrivals')}</th>
              </tr>
            </thead>
            <tbody>
              {history.data.audits.map((a) => (
                <tr key={a.businessDate}>
                  <td>{a.businessDate}</td>
                  <td>{when(a.at)}</td>
                  <td>{a.by}</td>
                  <td>{a.posted}</td>
                  <td>
                    {a.noShowCount}
                    {a.noShows.length ? ` (${a.noShows.map((n) => `${n.orderCode} ${money(n.fee)}`).join(', ')})` : ''}
                  </td>
                  <td>{a.lateArrivals.map((l) => `${l.orderCode} ${l.name ?? ''}`).join(', ') || '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      {asking ? (
        <HotelDialog
          title={t('confirmTitle', { date: hotel.businessDate })}
          testid="audit-confirm"
          busy={run.isPending}
          error={run.error ? errorOf(run.error) : null}
          confirmLabel={t('confirm')}
          onConfirm={confirm}
          onCancel={() => setAsking(false)}
        >
          <p>{t('confirmIntro', { date: hotel.businessDate, next: addDays(hotel.businessDate, 1) })}</p>
          {/* Something to hold the focus, so Enter confirms and Esc cancels from the keyboard. */}
          <input
            type="text"
            readOnly
            aria-label={t('confirmTitle', { date: hotel.businessDate })}
            value={hotel.businessDate}
            data-testid="audit-confirm-date"
          />
        </HotelDialog>
      ) : null}
    </main>
  );
}
