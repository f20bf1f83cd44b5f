'use client';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { useHotkeys } from 'react-hotkeys-hook';
import { useTranslations } from 'use-intl';
import { useTRPC } from '../../../lib/trpc/react.tsx';
import { useErrorText } from '../../outage-notice.tsx';
import { useDesk } from '../desk-shell.tsx';
import { CashMoveForm } from './cash-move-form.tsx';
import { CloseShiftForm } from './close-shift-form.tsx';
import { CountTable, methodsOf } from './count-table.tsx';
import { deskYuan } from './money.ts';
import { OpenShiftForm } from './open-shift-form.tsx';
import { isSupervisorRole, ShiftList } from './shift-list.tsx';
import { ShiftReport, takingsOf, useDeskTime } from './shift-report.tsx';
import type { TShift } from './shift-types.ts';
import styles from './shifts.module.css';

type TView =
  | { kind: 'home' }
  | { kind: 'cash' }
  | { kind: 'close' }
  | { kind: 'closed'; shift: TShift }
  | { kind: 'report'; shiftId: number };

/** How often the open shift's totals are read again while this screen is up (ms). */
const LIVE_MS = 15_000;
const HOTKEYS = { enableOnFormTags: true, preventDefault: true } as const;

/**
 * Shift handover (交接班): open a shift, move cash during it, close it with a blind count, and read
 * (and print) any shift's report. F6 cash in/out, F9 close, F7 the list, R this shift's report.
 */
export function ShiftsScreen() {
  const t = useTranslations('fd.shifts');
  const { venue } = useDesk();
  const trpc = useTRPC();
  const qc = useQueryClient();
  const errorText = useErrorText();
  const windows = useQuery(trpc.frontDesk.windows.queryOptions({ venueId: venue.id }));
  const [view, setView] = useState<TView>({ kind: 'home' });
  const [notice, setNotice] = useState<string | null>(null);
  const listRef = useRef<HTMLDivElement>(null);
  const open = windows.data?.openShift ?? null;
  const home = view.kind === 'home';
  /** Moving to another task clears the last one's notice. */
  const go = (v: TView) => {
    setNotice(null);
    setView(v);
  };

  useHotkeys('f6', () => open && home && go({ kind: 'cash' }), HOTKEYS, [open, home]);
  useHotkeys('f9', () => open && home && go({ kind: 'close' }), HOTKEYS, [open, home]);
  useHotkeys('f7', () => listRef.current?.focus(), HOTKEYS);
  useHotkeys('r', () => open && home && go({ kind: 'report', shiftId: open.id }), { preventDefault: true }, [
    open,
    home,
  ]);

  const backHome = () => setView({ kind: 'home' });
  const state = windows.isPending ? 'loading' : windows.isError ? 'error' : 'loaded';
  return (
    <main className={`page ${styles.screen}`} data-testid="shifts-screen" data-loading-state={state}>
      <div className={styles.main}>
        <h1>{t('title')}</h1>
        {notice ? (
          <p className={styles.notice} role="status" data-testid="shifts-notice">
            {notice}
          </p>
        ) : null}
        {windows.isPending ? <p className="muted">{t('loading')}</p> : null}
        {windows.isError && !windows.data ? (
          <p className="error" role="alert">
            {errorText.read(windows.error)}
          </p>
        ) : null}
        {view.kind === 'report' ? (
          <ShiftReport shiftId={view.shiftId} onBack={backHome} />
        ) : view.kind === 'closed' ? (
          <ClosedResult shift={view.shift} onDone={backHome} />
        ) : windows.data && !open ? (
          <OpenShiftForm
            venueId={venue.id}
            onOpened={(s) => {
              setNotice(t('opened', { window: s.window.code }));
              void qc.invalidateQueries({ queryKey: trpc.frontDesk.windows.queryKey() });
            }}
          />
        ) : open ? (
          <>
            {view.kind === 'cash' ? (
              <CashMoveForm
                shiftId={open.id}
                onDone={(recorded) => {
                  if (recorded) setNotice(t('cash.recorded'));
                  backHome();
                }}
              />
            ) : null}
            {view.kind === 'close' ? (
              <CloseShiftForm
                shift={open}
                onCancel={backHome}
                onClosed={(closed) => {
                  setNotice(null);
                  setView({ kind: 'closed', shift: closed });
                }}
              />
            ) : null}
            <CurrentShift shift={open} />
            {home ? (
              <div className={styles.actions}>
                <button type="button" onClick={() => go({ kind: 'cash' })} data-testid="shift-cash-move">
                  {t('actions.cashMove')} <kbd>F6</kbd>
                </button>
                <button type="button" onClick={() => go({ kind: 'close' })} data-testid="shift-close">
                  {t('actions.close')} <kbd>F9</kbd>
                </button>
                <button
                  type="button"
                  className="secondary"
                  onClick={() => go({ kind: 'report', shiftId: open.id })}
                  data-testid="shift-open-report"
                >
                  {t('actions.report')} <kbd>R</kbd>
                </button>
              </div>
            ) : null}
          </>
        ) : null}
      </div>
      <ShiftList
        ref={listRef}
        activeId={view.kind === 'report' ? view.shiftId : undefined}
        onOpen={(shiftId) => go({ kind: 'report', shiftId })}
      />
    </main>
  );
}

/** The open shift: where, since when, the float, the cash moved; what is expected only to a supervisor. */
function CurrentShift({ shift }: { shift: TShift }) {
  const t = useTranslations('fd.shifts');
  const { locale, user } = useDesk();
  const money = deskYuan(locale);
  const time = useDeskTime();
  const trpc = useTRPC();
  // The sell and order screens add payments and refunds to this shift meanwhile: keep the totals fresh.
  const report = useQuery({ ...trpc.frontDesk.shift.queryOptions({ shiftId: shift.id }), refetchInterval: LIVE_MS });
  const r = report.data;
  const moves = r?.cashMoves ?? [];
  const movesTotal = moves.reduce((n, m) => n + m.amount, 0);
  const takings = r ? takingsOf(r) : undefined;
  const method = (m: string) => (t.has(`methods.${m}`) ? t(`methods.${m}`) : m);
  return (
    <section
      className={`panel ${styles.current}`}
      data-testid="current-shift"
      data-shift-id={shift.id}
      data-loading-state={report.isPending ? 'loading' : report.isError ? 'error' : 'loaded'}
    >
      <h2>
        {t('current.title')}{' '}
        <span className={styles.rowStatus} data-status="open">
          {t('status.open')}
        </span>
      </h2>
      <dl className={styles.facts}>
        <dt>{t('report.window')}</dt>
        <dd data-testid="current-shift-window">
          {shift.window.code} {shift.window.name}
        </dd>
        <dt>{t('report.cashier')}</dt>
        <dd>{shift.cashier}</dd>
        <dt>{t('report.openedAt')}</dt>
        <dd data-testid="current-shift-opened">{time(shift.openedAt)}</dd>
        <dt>{t('report.float')}</dt>
        <dd data-testid="current-shift-float">{money.format(shift.openingFloat)}</dd>
        <dt>{t('report.cashMoves')}</dt>
        <dd data-testid="current-shift-moves">
          {money.format(movesTotal)} <span className="muted">({t('current.moveCount', { count: moves.length })})</span>
        </dd>
      </dl>
      {takings && r?.expected ? (
        <>
          <h3>{t('current.liveTitle')}</h3>
          <p className="muted">{isSupervisorRole(user.role) ? t('current.supervisorSees') : null}</p>
          <table className={styles.table} data-testid="current-shift-totals">
            <thead>
              <tr>
                <th>{t('report.method')}</th>
                <th className={styles.num}>{t('report.takingsShort')}</th>
                <th className={styles.num}>{t('report.expected')}</th>
              </tr>
            </thead>
            <tbody>
              {methodsOf(r.expected).map((m) => (
                <tr key={m}>
                  <th scope="row">{method(m)}</th>
                  <td className={styles.num}>{money.format(takings[m] ?? 0)}</td>
                  <td className={styles.num}>{money.format(r.expected?.[m] ?? 0)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : r ? (
        <p className={styles.blind} data-testid="current-shift-blind">
          {t('current.blind')}
        </p>
      ) : null}
    </section>
  );
}

/** Right after the blind count: what Tidewatch expected against what was counted, and the differences. */
function ClosedResult({ shift, onDone }: { shift: TShift; onDone: () => void }) {
  const t = useTranslations('fd.shifts');
  useHotkeys('escape', onDone, HOTKEYS, [onDone]);
  return (
    <>
      <section className={`panel ${styles.closed}`} data-testid="close-result" data-shift-id={shift.id}>
        <h2>{t('closed.title', { window: shift.window.code })}</h2>
        <CountTable
          expected={shift.expected}
          counted={shift.counted}
          difference={shift.difference}
          testId="close-result-table"
        />
        {shift.note ? (
          <p>
            {t('report.note')}: {shift.note}
          </p>
        ) : null}
        <div className={styles.actions}>
          <button type="button" className="secondary" onClick={onDone} data-testid="close-result-done">
            {t('closed.done')} <kbd>Esc</kbd>
          </button>
        </div>
      </section>
      <ShiftReport shiftId={shift.id} />
    </>
  );
}
