'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useHotkeys } from 'react-hotkeys-hook';
import { useTranslations } from 'use-intl';
import { useTRPC } from '../../../lib/trpc/react.tsx';
import { useErrorText } from '../../outage-notice.tsx';
import { useDesk } from '../desk-shell.tsx';
import type { TPaper } from '../print-portal.tsx';
import { printNow } from '../print-portal.tsx';
import { yuanWithFen } from '../print/money.ts';
import { OrderPrint, type TDeskOrder } from '../print/order-print.tsx';
import { OpenShiftForm } from '../shifts/open-shift-form.tsx';
import { SalePanel } from './sale-panel.tsx';
import styles from './sell.module.css';

/** The paper chosen for this desk is remembered per browser (receipt printer or office printer). */
const PAPER_KEY = 'tw-sell-paper';

/**
 * The ticket window (售票窗口): the cashier's open shift first (or a way to open one), then a
 * keyboard-first sale, and after it the order code, the change and the printout.
 */
export function SellScreen() {
  const t = useTranslations('fd.sell');
  const { venue } = useDesk();
  const trpc = useTRPC();
  const qc = useQueryClient();
  const errorText = useErrorText();
  const windows = useQuery(trpc.frontDesk.windows.queryOptions({ venueId: venue.id }));
  const shift = windows.data?.openShift ?? null;

  if (windows.isPending)
    return (
      <main className="page" data-testid="sell-screen" data-loading-state="loading">
        <p className="muted">{t('loading')}</p>
      </main>
    );
  if (windows.isError)
    return (
      <main className="page" data-testid="sell-screen" data-loading-state="error">
        <p className="error" role="alert">
          {errorText.read(windows.error)}
        </p>
      </main>
    );
  if (!shift)
    return (
      <main className="page" data-testid="sell-screen" data-loading-state="loaded">
        <div className={`panel ${styles.noShift}`} data-testid="sell-no-shift">
          <h2>{t('noShift.title')}</h2>
          <p>
            {t('noShift.text')}{' '}
            <Link href="/front-desk/shifts" data-testid="sell-open-shift-link">
              {t('noShift.link')} <kbd>F8</kbd>
            </Link>
          </p>
        </div>
        <OpenShiftForm
          venueId={venue.id}
          onOpened={() => void qc.invalidateQueries({ queryKey: trpc.frontDesk.windows.queryKey() })}
        />
      </main>
    );
  return <WindowSale key={shift.id} shift={shift} businessDay={windows.data.today} />;
}

type TShiftView = { id: number; window: { id: number; code: string; name: string }; cashier: string };

function WindowSale({ shift, businessDay }: { shift: TShiftView; businessDay: string }) {
  const t = useTranslations('fd.sell');
  const { locale } = useDesk();
  const trpc = useTRPC();
  const money = yuanWithFen(locale);
  const [sold, setSold] = useState<{ order: TDeskOrder; change: number; replayed: boolean } | null>(null);
  const [saleNo, setSaleNo] = useState(1);
  const [paper, setPaper] = useState<TPaper>('80mm');
  const [printCount, setPrintCount] = useState(0);
  const newSaleRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    const saved = window.localStorage.getItem(PAPER_KEY);
    if (saved === 'a4' || saved === '80mm') setPaper(saved);
  }, []);
  const togglePaper = useCallback(() => {
    setPaper((p) => {
      const next = p === '80mm' ? 'a4' : '80mm';
      window.localStorage.setItem(PAPER_KEY, next);
      return next;
    });
  }, []);

  const printed = useMutation(trpc.frontDesk.printed.mutationOptions());
  const printOrder = useCallback(
    (order: TDeskOrder, reprint: boolean) => {
      setPrintCount((n) => n + 1);
      printNow();
      printed.mutate({ orderId: order.id, reprint });
    },
    [printed],
  );

  const onSold = useCallback(
    (order: TDeskOrder, change: number, replayed: boolean) => {
      setSold({ order, change, replayed });
      setPrintCount(0);
      // Printed even when replayed: a replay means this screen never saw the first answer (a lost
      // response), so nothing was printed for it yet.
      printOrder(order, false);
    },
    [printOrder],
  );

  const newSale = useCallback(() => {
    setSold(null);
    setSaleNo((n) => n + 1);
  }, []);

  const isDone = !!sold;
  useHotkeys(['n', 'escape'], newSale, { enabled: isDone, preventDefault: true, enableOnFormTags: true }, [newSale]);
  useHotkeys('p', () => sold && printOrder(sold.order, printCount > 0), { enabled: isDone, preventDefault: true }, [
    sold,
    printCount,
    printOrder,
  ]);
  useHotkeys('a', togglePaper, { enabled: isDone, preventDefault: true }, [togglePaper]);
  useEffect(() => {
    if (isDone) newSaleRef.current?.focus();
  }, [isDone]);

  return (
    <main className={`page ${styles.screen}`} data-testid="sell-screen" data-loading-state="loaded">
      <header className={styles.bar} data-testid="sell-shift">
        <span>
          {t('window')} <strong data-testid="sell-window">{shift.window.code}</strong> {shift.window.name}
        </span>
        <span>
          {t('shift')} <strong data-testid="sell-shift-id">#{shift.id}</strong>
        </span>
        <span>
          {t('cashier')} <strong>{shift.cashier}</strong>
        </span>
        <span className={styles.barEnd}>
          {t('paper')}{' '}
          <button type="button" className="secondary" onClick={togglePaper} data-testid="sell-paper" data-paper={paper}>
            {paper === 'a4' ? 'A4' : '80 mm'}
          </button>
        </span>
      </header>
      {sold ? (
        <section className={`panel ${styles.done}`} data-testid="sale-done" aria-live="polite">
          <div className={styles.doneGrid}>
            <div>
              <div className="muted">{t('done.order')}</div>
              <div className={styles.orderCode} data-testid="sale-order-code">
                {sold.order.code ?? sold.order.id}
              </div>
              {sold.replayed ? <p className="muted">{t('done.replayed')}</p> : null}
            </div>
            <div>
              <div className="muted">{t('done.change')}</div>
              <div className={styles.bigMoney} data-testid="sale-change">
                {money.format(sold.change)}
              </div>
            </div>
            <div>
              <div className="muted">{t('done.total')}</div>
              <div className={styles.midMoney}>{money.format(sold.order.amount)}</div>
            </div>
          </div>
          <ul className={styles.codes} data-testid="sale-tickets">
            {sold.order.tickets.map((x) => (
              <li key={x.id}>
                <code>{x.code}</code> {locale === 'en' ? x.type.nameEn : x.type.nameZh} {x.date}
                {x.slot ? ` ${x.slot.start}` : ''}
              </li>
            ))}
          </ul>
          <p className="muted" data-testid="sale-print-status">
            {printCount > 0 ? t('done.printed', { paper: paper === 'a4' ? 'A4' : '80 mm' }) : t('done.notPrinted')}
            {printed.isError ? <span className="error"> {printed.error.message}</span> : null}
          </p>
          <div className={styles.actions}>
            <button type="button" ref={newSaleRef} onClick={newSale} data-testid="sale-new">
              {t('done.new')} <kbd>N</kbd> / <kbd>Esc</kbd>
            </button>
            <button
              type="button"
              className="secondary"
              onClick={() => printOrder(sold.order, printCount > 0)}
              data-testid="sale-print"
            >
              {printCount > 0 ? t('done.reprint') : t('done.print')} <kbd>P</kbd>
            </button>
            <button type="button" className="secondary" onClick={togglePaper}>
              {t('done.paper')} <kbd>A</kbd>
            </button>
          </div>
          <OrderPrint order={sold.order} paper={paper} reprint={printCount > 1} />
        </section>
      ) : (
        <SalePanel key={saleNo} shiftId={shift.id} businessDay={businessDay} onSold={onSold} />
      )}
    </main>
  );
}
