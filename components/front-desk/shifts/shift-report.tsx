'use client';
import { useQuery } from '@tanstack/react-query';
import { useHotkeys } from 'react-hotkeys-hook';
import { useTranslations } from 'use-intl';
import { useTRPC } from '../../../lib/trpc/react.tsx';
import { useErrorText } from '../../outage-notice.tsx';
import { useDesk } from '../desk-shell.tsx';
import { PrintPortal, printNow } from '../print-portal.tsx';
import { CountTable, DiffMark, methodsOf } from './count-table.tsx';
import { deskYuan } from './money.ts';
import type { TShiftReport } from './shift-types.ts';
import styles from './shifts.module.css';

/** A date and time in the venue's own time zone, the way its staff read a clock. */
export function useDeskTime(): (iso: string | null | undefined) => string {
  const { venue } = useDesk();
  const f = new Intl.DateTimeFormat('en-CA', {
    timeZone: venue.timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
  // 2026-12-02 10:06 in both languages: no day/month order to misread.
  return (iso) => {
    if (!iso) return '—';
    const p = Object.fromEntries(f.formatToParts(new Date(iso)).map((x) => [x.type, x.value]));
    return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
  };
}

/**
 * Net takings per method (sales less refunds on this shift). The server reports what the drawer
 * should hold; for cash that includes the float and the cash moves, which are taken back out here.
 */
export function takingsOf(r: Pick<TShiftReport, 'expected' | 'openingFloat' | 'cashMoves'>) {
  if (!r.expected) return undefined;
  const moves = (r.cashMoves ?? []).reduce((n, m) => n + m.amount, 0);
  const out: Record<string, number> = { ...r.expected };
  out.cash = Math.round(((r.expected.cash ?? 0) - r.openingFloat - moves) * 100) / 100;
  return out;
}

/** A shift's report (交班报表): on screen, and on the 80 mm roll with P. */
export function ShiftReport({ shiftId, onBack }: { shiftId: number; onBack?: () => void }) {
  const t = useTranslations('fd.shifts');
  const trpc = useTRPC();
  const errorText = useErrorText();
  const report = useQuery(trpc.frontDesk.shift.queryOptions({ shiftId }));
  useHotkeys('p', () => report.data && printNow(), { preventDefault: true }, [report.data]);
  useHotkeys('escape', () => onBack?.(), { enableOnFormTags: true, preventDefault: true }, [onBack]);
  const state = report.isPending ? 'loading' : report.isError ? 'error' : 'loaded';
  return (
    <section
      className={`panel ${styles.report}`}
      data-testid="shift-report"
      data-loading-state={state}
      data-shift-id={shiftId}
    >
      <header className={styles.reportHead}>
        <h2>{t('report.title', { id: shiftId })}</h2>
        <div className={styles.actions}>
          <button type="button" onClick={() => printNow()} disabled={!report.data} data-testid="shift-report-print">
            {t('report.print')} <kbd>P</kbd>
          </button>
          {onBack ? (
            <button type="button" className="secondary" onClick={onBack} data-testid="shift-report-back">
              {t('report.back')} <kbd>Esc</kbd>
            </button>
          ) : null}
        </div>
      </header>
      {report.isPending ? <p className="muted">{t('loading')}</p> : null}
      {report.isError ? (
        <p className="error" role="alert" data-testid="shift-report-error">
          {errorText.read(report.error)}
        </p>
      ) : null}
      {report.data ? (
        <>
          <ReportBody r={report.data} />
          <PrintPortal paper="80mm">
            <ReportBody r={report.data} print />
          </PrintPortal>
        </>
      ) : null}
    </section>
  );
}

function ReportBody({ r, print = false }: { r: TShiftReport; print?: boolean }) {
  const t = useTranslations('fd.shifts');
  const { locale, venue } = useDesk();
  const money = deskYuan(locale);
  const time = useDeskTime();
  const takings = takingsOf(r);
  const movesTotal = (r.cashMoves ?? []).reduce((n, m) => n + m.amount, 0);
  const method = (m: string) => (t.has(`methods.${m}`) ? t(`methods.${m}`) : m);
  const tid = (id: string) => (print ? undefined : id);
  const actionName = (a: string) => {
    const key = `actions.${a.replace(/\./g, '_')}`;
    return t.has(key) ? t(key) : a;
  };
  return (
    <div className={print ? styles.receipt : styles.reportBody}>
      {print ? (
        <>
          <h1>{locale === 'en' ? venue.nameEn : venue.nameZh}</h1>
          <h2>{t('report.title', { id: r.id })}</h2>
        </>
      ) : null}
      <dl className={styles.facts}>
        <dt>{t('report.status')}</dt>
        <dd data-testid={tid('shift-report-status')}>{r.closedAt ? t('status.closed') : t('status.open')}</dd>
        <dt>{t('report.window')}</dt>
        <dd>
          {r.window.code} {r.window.name}
        </dd>
        <dt>{t('report.cashier')}</dt>
        <dd data-testid={tid('shift-report-cashier')}>{r.cashier}</dd>
        <dt>{t('report.openedAt')}</dt>
        <dd>{time(r.openedAt)}</dd>
        <dt>{t('report.closedAt')}</dt>
        <dd>{time(r.closedAt)}</dd>
        <dt>{t('report.float')}</dt>
        <dd data-testid={tid('shift-report-float')}>{money.format(r.openingFloat)}</dd>
        {r.activity ? (
          <>
            <dt>{t('report.sales')}</dt>
            <dd data-testid={tid('shift-report-sales')}>
              {t('report.salesValue', { count: r.activity.orders, amount: money.format(r.activity.sold) })}
            </dd>
            <dt>{t('report.refunds')}</dt>
            <dd data-testid={tid('shift-report-refunds')}>
              {t('report.salesValue', { count: r.activity.refunds, amount: money.format(r.activity.refunded) })}
            </dd>
          </>
        ) : null}
      </dl>

      <h3>{t('report.takings')}</h3>
      {takings ? (
        <table className={styles.table} data-testid={tid('shift-report-takings')}>
          <tbody>
            {methodsOf(takings).map((m) => (
              <tr key={m}>
                <th scope="row">{method(m)}</th>
                <td className={styles.num}>{money.format(takings[m] ?? 0)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="muted" data-testid={tid('shift-report-blind')}>
          {t('report.blind')}
        </p>
      )}
      {takings ? <p className="muted">{t('report.takingsHint')}</p> : null}

      <h3>{t('report.cashMoves')}</h3>
      {r.cashMoves?.length ? (
        <table className={styles.table} data-testid={tid('shift-report-cash-moves')}>
          <tbody>
            {r.cashMoves.map((m) => (
              <tr key={`${m.at}-${m.amount}-${m.reason}`}>
                <td>{time(m.at)}</td>
                <td>{m.amount > 0 ? t('cash.in') : t('cash.out')}</td>
                <td className={styles.num}>{money.format(m.amount)}</td>
                <td>{m.reason}</td>
              </tr>
            ))}
            <tr className={styles.total}>
              <td colSpan={2}>{t('report.total')}</td>
              <td className={styles.num}>{money.format(movesTotal)}</td>
              <td />
            </tr>
          </tbody>
        </table>
      ) : (
        <p className="muted">{t('report.noCashMoves')}</p>
      )}

      <h3>{t('report.count')}</h3>
      {r.counted || r.expected ? (
        <CountTable
          expected={r.expected}
          counted={r.counted}
          difference={r.difference}
          testId={tid('shift-report-count') ?? 'print-count'}
        />
      ) : (
        <p className="muted">{t('report.notCounted')}</p>
      )}
      {r.difference ? (
        <p data-testid={tid('shift-report-difference')}>
          {t('report.totalDifference')} <DiffMark value={Object.values(r.difference).reduce((n, v) => n + v, 0)} />
        </p>
      ) : null}
      {r.note ? (
        <p data-testid={tid('shift-report-note')}>
          {t('report.note')}: {r.note}
        </p>
      ) : null}

      <h3>{t('report.approvals')}</h3>
      {r.approvals.length ? (
        <table className={styles.table} data-testid={tid('shift-report-approvals')}>
          <tbody>
            {r.approvals.map((a) => (
              <tr key={`${a.at}-${a.action}`}>
                <td>{time(a.at)}</td>
                <td>{actionName(a.action)}</td>
                <td>{t('report.approvedBy', { supervisor: a.supervisor ?? '—', by: a.by })}</td>
                <td>{a.reason ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="muted">{t('report.noApprovals')}</p>
      )}
      {print ? <p className={styles.printed}>{t('report.printedAt', { at: time(new Date().toISOString()) })}</p> : null}
    </div>
  );
}
