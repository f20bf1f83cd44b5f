'use client';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslations } from 'use-intl';
import { useTRPC } from '../../../lib/trpc/react.tsx';
import { useErrorText } from '../../outage-notice.tsx';
import styles from './check-in.module.css';

type TRow = { supervisor_email: string; reason: string; n: number };

function totals(rows: TRow[], key: (r: TRow) => string): [string, number][] {
  const m = new Map<string, number>();
  for (const r of rows) m.set(key(r), (m.get(key(r)) ?? 0) + r.n);
  return [...m.entries()].sort((a, b) => b[1] - a[1]);
}

/**
 * Overrides at this venue's desks in the last 30 days, per supervisor and per reason (who let whom
 * in against the rules). Open by default for managers; a cashier opens it with its button.
 */
export function OverridesReport({ venueId, initiallyOpen }: { venueId: number; initiallyOpen: boolean }) {
  const t = useTranslations('fd.checkIn');
  const errorText = useErrorText();
  const trpc = useTRPC();
  const [open, setOpen] = useState(initiallyOpen);
  const q = useQuery({ ...trpc.frontDesk.overrides.queryOptions({ venueId }), enabled: open });
  const rows = q.data ?? [];
  const state = !open ? 'closed' : q.isPending ? 'loading' : q.isError ? 'error' : 'loaded';
  return (
    <section className={`panel ${styles.side}`} data-testid="checkin-overrides" data-loading-state={state}>
      <h2 className={styles.sideTitle}>
        {t('overrides')}{' '}
        <button
          type="button"
          className="secondary"
          aria-expanded={open}
          onClick={() => setOpen((o) => !o)}
          data-testid="checkin-overrides-toggle"
        >
          {open ? t('hideOverrides') : t('showOverrides')}
        </button>
      </h2>
      {!open ? null : q.isPending ? (
        <p className="muted">…</p>
      ) : q.isError ? (
        <p className="error" role="alert">
          {errorText.read(q.error)}
        </p>
      ) : !rows.length ? (
        <p className="muted">{t('overridesEmpty')}</p>
      ) : (
        <div className={styles.reportGrid}>
          <table>
            <caption>{t('overridesBySupervisor')}</caption>
            <thead>
              <tr>
                <th>{t('supervisor')}</th>
                <th>{t('count')}</th>
              </tr>
            </thead>
            <tbody>
              {totals(rows, (r) => r.supervisor_email).map(([k, n]) => (
                <tr key={k}>
                  <td>{k}</td>
                  <td className={styles.num}>{n}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <table>
            <caption>{t('overridesByReason')}</caption>
            <thead>
              <tr>
                <th>{t('reason')}</th>
                <th>{t('count')}</th>
              </tr>
            </thead>
            <tbody>
              {totals(rows, (r) => r.reason).map(([k, n]) => (
                <tr key={k}>
                  <td>{t.has(`reasons.${k}`) ? t(`reasons.${k}`) : k}</td>
                  <td className={styles.num}>{n}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
