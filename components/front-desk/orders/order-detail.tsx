'use client';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type KeyboardEvent, useEffect, useMemo, useRef, useState } from 'react';
import { useHotkeys } from 'react-hotkeys-hook';
import { useLocale, useTranslations } from 'use-intl';
import { useTRPC } from '../../../lib/trpc/react.tsx';
import { useErrorText } from '../../outage-notice.tsx';
import { useDesk } from '../desk-shell.tsx';
import { OrderPrint } from '../print/order-print.tsx';
import type { TPaper } from '../print-portal.tsx';
import { isRefundable, isUnused, maskPhone, moneyFormat, timeFormat } from './format.ts';
import type { TDeskOrder, TDeskTicket } from './order-types.ts';
import s from './orders.module.css';
import { RebookDialog } from './rebook-dialog.tsx';
import { RefundDialog } from './refund-dialog.tsx';
import { ReplaceDialog } from './replace-dialog.tsx';
import { ReprintDialog } from './reprint-dialog.tsx';
import { TicketStateBadge } from './ticket-state-badge.tsx';

type TDialog = 'refund' | 'rebook' | 'replace' | 'reprint';
export interface TNotice {
  text: string;
  isError: boolean;
  /** A code to show large (a replacement's new code). */
  code?: string;
  /** Draw the order's print view (a reprint) on this paper. */
  print?: { paper: TPaper };
}

/** The shortcut keys of the order's actions (the tabs hold F2–F8; letters act only outside the search box). */
const ACTION_KEYS: Record<TDialog, string> = { refund: 'r', rebook: 'c', replace: 'l', reprint: 'p' };

const defaultSelection = (o: TDeskOrder) => new Set(o.tickets.filter(isUnused).map((t) => t.id));

/**
 * One order at the desk: who sold it, how it was paid, every ticket with its state and scans,
 * refunds and the audit trail; tickets are chosen by keyboard and refunded (R), moved to another
 * date (C), replaced (L) or printed again (P).
 */
export function OrderDetail({
  orderId,
  openSeq,
}: {
  orderId: number;
  /** Changes each time the order is opened from the search, so the ticket list takes the keys again. */
  openSeq: number;
}) {
  const t = useTranslations('fd.orders');
  const locale = useLocale();
  const { venue } = useDesk();
  const trpc = useTRPC();
  const qc = useQueryClient();
  const errorText = useErrorText();
  const order = useQuery(trpc.frontDesk.order.queryOptions({ orderId }));
  const windows = useQuery(trpc.frontDesk.windows.queryOptions({ venueId: venue.id }));
  const shift = windows.data?.openShift ?? null;
  const o = order.data;
  const [cursor, setCursor] = useState(0);
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const [dialog, setDialog] = useState<TDialog | null>(null);
  const [notice, setNotice] = useState<TNotice | null>(null);
  const [printing, setPrinting] = useState<{ paper: TPaper } | null>(null);
  const listRef = useRef<HTMLDivElement>(null);
  const money = moneyFormat(locale);
  const time = timeFormat(venue.timeZone);

  // A newly opened order, or one whose tickets changed (an action here, a gate, another desk),
  // starts again with its unused tickets chosen; a refetch that changes nothing keeps the choice.
  const loadedId = o?.id;
  const ticketsKey = o?.tickets.map((x) => `${x.id}:${x.state}:${x.entries}`).join(',');
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset when the tickets change, not per render
  useEffect(() => {
    if (!o) return;
    setSelected(defaultSelection(o));
    setCursor((c) => Math.min(c, Math.max(0, o.tickets.length - 1)));
  }, [loadedId, ticketsKey]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: a different order starts afresh
  useEffect(() => {
    setCursor(0);
    setNotice(null);
    setDialog(null);
    setPrinting(null);
  }, [orderId]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: focus when opened from the search, once the order is drawn
  useEffect(() => {
    if (loadedId === orderId) listRef.current?.focus();
  }, [loadedId, orderId, openSeq]);

  const tickets = o?.tickets ?? [];
  const chosen = tickets.filter((x) => selected.has(x.id));
  const current: TDeskTicket | undefined = tickets[Math.min(cursor, tickets.length - 1)];

  const start = (d: TDialog) => {
    if (!o) return;
    if (d === 'refund' || d === 'rebook') {
      if (!chosen.length) return setNotice({ text: t('actions.selectFirst'), isError: true });
      if (d === 'refund' && !chosen.some(isRefundable))
        return setNotice({ text: t('actions.noneRefundable'), isError: true });
      if (d === 'rebook' && !chosen.some(isUnused))
        return setNotice({ text: t('actions.noneRebookable'), isError: true });
    }
    if (d === 'replace' && current && !isRefundable(current))
      return setNotice({
        text: t('actions.notReplaceable', { code: current.code, state: t(`state.${current.state}`) }),
        isError: true,
      });
    setNotice(null);
    setDialog(d);
  };
  const enabled = !!o && dialog === null;
  const hk = { enabled, preventDefault: true };
  useHotkeys(ACTION_KEYS.refund, () => start('refund'), hk, [chosen, o]);
  useHotkeys(ACTION_KEYS.rebook, () => start('rebook'), hk, [chosen, o]);
  useHotkeys(ACTION_KEYS.replace, () => start('replace'), hk, [current, o]);
  useHotkeys(ACTION_KEYS.reprint, () => start('reprint'), hk, [o]);

  /** After an action: the server's answer is announced, the order and the search are asked again. */
  const finished = (n: TNotice) => {
    setDialog(null);
    setNotice(n);
    if (n.print) setPrinting(n.print);
    void qc.invalidateQueries(trpc.frontDesk.order.queryFilter({ orderId }));
    void qc.invalidateQueries(trpc.frontDesk.search.pathFilter());
    void qc.invalidateQueries(trpc.frontDesk.windows.queryFilter({ venueId: venue.id }));
    listRef.current?.focus();
  };
  const cancelled = () => {
    setDialog(null);
    requestAnimationFrame(() => listRef.current?.focus());
  };

  const toggle = (id: number) =>
    setSelected((prev) => {
      const next = new Set(prev);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const onListKey = (e: KeyboardEvent<HTMLDivElement>) => {
    if (!tickets.length) return;
    if (e.key === 'ArrowDown') setCursor((c) => Math.min(c + 1, tickets.length - 1));
    else if (e.key === 'ArrowUp') setCursor((c) => Math.max(c - 1, 0));
    else if (e.key === 'Home') setCursor(0);
    else if (e.key === 'End') setCursor(tickets.length - 1);
    else if (e.key === ' ' && current) toggle(current.id);
    else if (e.key.toLowerCase() === 'a' && !e.ctrlKey && !e.metaKey)
      setSelected(new Set(tickets.filter(isUnused).map((x) => x.id)));
    else if (e.key.toLowerCase() === 'n' && !e.ctrlKey && !e.metaKey) setSelected(new Set());
    else return;
    e.preventDefault();
  };
  // biome-ignore lint/correctness/useExhaustiveDependencies: the cursor's row is drawn by then; follow it
  useEffect(() => {
    listRef.current?.querySelector('[data-cursor="1"]')?.scrollIntoView({ block: 'nearest' });
  }, [cursor]);

  const refunds = useMemo(
    () => (o?.audit ?? []).filter((a) => a.action === 'ticket.refund' || a.action === 'order.refund'),
    [o?.audit],
  );

  if (!o)
    return (
      <div className={s.detail} data-testid="order-detail" data-loading-state={order.isError ? 'error' : 'loading'}>
        {order.isError ? (
          <p className="error" role="alert" data-testid="order-error">
            {errorText.read(order.error)}
          </p>
        ) : (
          <p className="muted">{t('detail.loading')}</p>
        )}
      </div>
    );

  const typeName = (x: TDeskTicket) => (locale === 'en' ? x.type.nameEn : x.type.nameZh);
  return (
    <div
      className={s.detail}
      data-testid="order-detail"
      data-order-id={o.id}
      data-loading-state={order.isFetching ? 'refreshing' : 'loaded'}
    >
      <header className={s.orderHead}>
        <div className={s.orderCode}>
          <span className="muted">{t('detail.order')}</span>
          <strong className={s.mono} data-testid="order-code">
            {o.code ?? o.ref}
          </strong>
        </div>
        <dl className={s.facts}>
          <div>
            <dt>{t('detail.channel')}</dt>
            <dd data-testid="order-channel">
              <span className={`${s.tag} ${o.channel.kind === 'ota' ? s.tagOta : ''}`}>
                {o.channel.kind === 'window'
                  ? t('detail.window')
                  : o.channel.kind === 'ota'
                    ? t('detail.ota')
                    : o.channel.kind}
              </span>{' '}
              {o.channel.name}
            </dd>
          </div>
          {o.cashier ? (
            <div>
              <dt>{t('detail.cashier')}</dt>
              <dd>{o.cashier}</dd>
            </div>
          ) : (
            <div>
              <dt>{t('detail.ref')}</dt>
              <dd className={s.mono}>{o.ref}</dd>
            </div>
          )}
          <div>
            <dt>{t('detail.created')}</dt>
            <dd>{time(o.createdAt)}</dd>
          </div>
          {o.customer ? (
            <div>
              <dt>{t('detail.customer')}</dt>
              <dd>{o.customer}</dd>
            </div>
          ) : null}
          {o.phone ? (
            <div>
              <dt>{t('detail.phone')}</dt>
              <dd data-testid="order-phone">{maskPhone(o.phone)}</dd>
            </div>
          ) : null}
          {o.idNumber ? (
            <div>
              <dt>{t('detail.idNumber')}</dt>
              <dd className={s.mono}>{o.idNumber}</dd>
            </div>
          ) : null}
          {o.group ? (
            <>
              <div>
                <dt>{t('detail.group')}</dt>
                <dd className={s.mono} data-testid="order-group-code">
                  {o.group.code}
                </dd>
              </div>
              <div>
                <dt>{t('detail.guide')}</dt>
                <dd>
                  {o.group.guideName} {o.group.guidePhone}
                </dd>
              </div>
              <div>
                <dt>{t('detail.headcount')}</dt>
                <dd data-testid="order-group-headcount">
                  <strong>
                    {t('detail.headcountValue', {
                      arrived: o.group.arrived,
                      booked: o.group.booked,
                      left: o.group.left,
                    })}
                  </strong>
                </dd>
              </div>
            </>
          ) : null}
          <div>
            <dt>{t('detail.amount')}</dt>
            <dd>
              <strong>{money(o.amount)}</strong>
            </dd>
          </div>
        </dl>
      </header>

      <div className={s.actions} role="toolbar" aria-label={t('detail.tickets')}>
        {(['refund', 'rebook', 'replace', 'reprint'] as const).map((d) => (
          <button
            key={d}
            type="button"
            className={d === 'refund' ? undefined : 'secondary'}
            data-testid={`action-${d}`}
            onClick={() => start(d)}
          >
            {t(`actions.${d}`)} <kbd>{ACTION_KEYS[d].toUpperCase()}</kbd>
          </button>
        ))}
        <span className={s.keys}>
          <kbd>↑</kbd>
          <kbd>↓</kbd> {t('keys.move')} · <kbd>Space</kbd> {t('keys.toggle')} · <kbd>A</kbd> {t('keys.all')} ·{' '}
          <kbd>N</kbd> {t('keys.none')} · <kbd>Esc</kbd> {t('keys.back')}
        </span>
      </div>

      {notice ? (
        notice.isError ? (
          <p className={`error ${s.notice}`} role="alert" data-testid="action-error">
            {notice.text}
          </p>
        ) : (
          <div className={`notice ${s.notice}`} role="status" data-testid="action-result">
            {notice.text}
            {notice.code ? (
              <div className={s.newCode}>
                <span className="muted">{t('replace.newCode')}</span>{' '}
                <strong className={s.mono} data-testid="replace-new-code">
                  {notice.code}
                </strong>
              </div>
            ) : null}
          </div>
        )
      ) : null}

      <section className={s.tickets}>
        <h3>
          {t('detail.tickets')} ({tickets.length}) ·{' '}
          <span data-testid="selected-count">{t('detail.selected', { count: chosen.length })}</span>
        </h3>
        {/* biome-ignore lint/a11y/useSemanticElements: the wrapper holds the focus and the keys (↑ ↓ Space A N) of the table inside */}
        <div
          ref={listRef}
          className={s.ticketList}
          tabIndex={0}
          role="grid"
          aria-multiselectable
          aria-label={t('detail.tickets')}
          data-testid="ticket-list"
          onKeyDown={onListKey}
        >
          <table className={s.table}>
            <thead>
              <tr>
                <th aria-label={t('keys.toggle')} />
                <th>{t('detail.code')}</th>
                <th>{t('detail.type')}</th>
                <th>{t('detail.visit')}</th>
                <th className={s.num}>{t('detail.price')}</th>
                <th>{t('detail.state')}</th>
                <th className={s.num}>{t('detail.entries')}</th>
                <th>{t('detail.holder')}</th>
              </tr>
            </thead>
            {tickets.map((x, i) => (
              <TicketRows
                key={x.id}
                ticket={x}
                isCursor={i === cursor}
                isSelected={selected.has(x.id)}
                onToggle={() => {
                  setCursor(i);
                  toggle(x.id);
                }}
                typeName={typeName(x)}
                money={money}
                time={time}
              />
            ))}
          </table>
        </div>
      </section>

      <div className={s.lower}>
        <section className="panel">
          <h2>{t('detail.payments')}</h2>
          {o.payments.length ? (
            <table className={s.table} data-testid="payments">
              <tbody>
                {o.payments.map((p) => (
                  <tr key={p.id} className={p.amount < 0 ? s.refundRow : undefined}>
                    <td>{time(p.at).slice(5)}</td>
                    <td>
                      {t(`methods.${p.method}` as 'methods.cash')}
                      {p.refundOf !== null ? ` · ${t('detail.refundOf')}` : ''}
                    </td>
                    <td className={s.num}>{money(p.amount)}</td>
                    <td className="muted">
                      {p.tendered !== null && p.change !== null
                        ? t('detail.tendered', { tendered: money(p.tendered), change: money(p.change) })
                        : (p.reference ?? '')}
                    </td>
                    <td className="muted">{p.by ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <p className="muted">{t('detail.noPayments')}</p>
          )}
          <h2 className={s.subHead}>{t('detail.refunds')}</h2>
          {refunds.length ? (
            <ul className={s.trail} data-testid="refunds">
              {refunds.map((a) => (
                <li key={`${a.at}-${a.action}`}>
                  <span className="muted">{time(a.at).slice(5)}</span> {refundLine(a.after, money, t)}
                  {a.reason ? <span className="muted"> · {a.reason}</span> : null}
                  <span className="muted"> · {a.by}</span>
                </li>
              ))}
            </ul>
          ) : (
            <p className="muted">{t('detail.noRefunds')}</p>
          )}
        </section>
        <section className="panel">
          <h2>{t('detail.audit')}</h2>
          {o.audit.length ? (
            <ul className={s.trail} data-testid="audit-trail">
              {o.audit.map((a, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: the trail is append-only and in order
                <li key={i}>
                  <span className="muted">{time(a.at).slice(5)}</span>{' '}
                  <strong>
                    {t.has(`audit.${a.action.replace(/\./g, '_')}`)
                      ? t(`audit.${a.action.replace(/\./g, '_')}` as 'audit.ticket_refund')
                      : a.action}
                  </strong>{' '}
                  <span className="muted">{a.by}</span>
                  {a.reason ? <span> · {a.reason}</span> : null}
                  <span className={`muted ${s.auditAfter}`}>{summarize(a.after)}</span>
                </li>
              ))}
            </ul>
          ) : (
            <p className="muted">{t('detail.noAudit')}</p>
          )}
        </section>
      </div>

      {dialog === 'refund' ? (
        <RefundDialog
          order={o}
          tickets={chosen.filter(isRefundable)}
          shift={shift}
          onCancel={cancelled}
          onDone={finished}
        />
      ) : null}
      {dialog === 'rebook' ? (
        <RebookDialog
          order={o}
          tickets={chosen.filter(isUnused)}
          shift={shift}
          onCancel={cancelled}
          onDone={finished}
        />
      ) : null}
      {dialog === 'replace' && current ? (
        <ReplaceDialog order={o} ticket={current} onCancel={cancelled} onDone={finished} />
      ) : null}
      {dialog === 'reprint' ? <ReprintDialog order={o} onCancel={cancelled} onDone={finished} /> : null}
      {printing ? <OrderPrint order={o} paper={printing.paper} reprint /> : null}
    </div>
  );
}

function TicketRows({
  ticket: x,
  isCursor,
  isSelected,
  onToggle,
  typeName,
  money,
  time,
}: {
  ticket: TDeskTicket;
  isCursor: boolean;
  isSelected: boolean;
  onToggle: () => void;
  typeName: string;
  money: (y: number) => string;
  time: (iso: string) => string;
}) {
  const t = useTranslations('fd.orders');
  const tr = useTranslations('cc.reasons');
  const locale = useLocale();
  return (
    <tbody className={`${s.ticket} ${isCursor ? s.cursor : ''} ${isSelected ? s.chosen : ''}`}>
      <tr
        data-testid="ticket-row"
        data-ticket-id={x.id}
        data-code={x.code}
        data-state={x.state}
        data-cursor={isCursor ? '1' : undefined}
        data-selected={isSelected ? '1' : undefined}
        aria-selected={isSelected}
      >
        <td>
          <input
            type="checkbox"
            tabIndex={-1}
            checked={isSelected}
            onChange={onToggle}
            aria-label={t('detail.select', { code: x.code })}
          />
        </td>
        <td className={s.mono}>
          {x.code}
          {x.replaces ? <div className={s.small}>{t('detail.replaces')}</div> : null}
          {x.replacedBy ? <div className={s.small}>{t('detail.replacedBy')}</div> : null}
        </td>
        <td>{typeName}</td>
        <td>
          {x.date}
          {x.validTo !== x.date ? `–${x.validTo.slice(5)}` : ''}
          {x.slot ? ` ${x.slot.start}${x.slot.end ? `–${x.slot.end}` : ''}` : ''}
          {x.show ? (
            <div className={s.small} data-testid="ticket-show">
              {locale === 'en' ? x.show.nameEn : x.show.nameZh} {x.show.start}–{x.show.end}
            </div>
          ) : null}
          {x.rebookedFrom ? <div className={s.small}>{t('detail.rebookedFrom', { date: x.rebookedFrom })}</div> : null}
        </td>
        <td className={s.num}>{money(x.price)}</td>
        <td>
          <TicketStateBadge state={x.state} />
        </td>
        <td className={s.num}>{x.entries}</td>
        <td>
          {x.holder ? (
            <>
              {x.holder.name} <span className={`muted ${s.mono}`}>{x.holder.idNumber}</span>
            </>
          ) : null}
        </td>
      </tr>
      <tr className={s.scanRow}>
        <td />
        <td colSpan={7}>
          {x.scans.length ? (
            <ul className={s.scans} aria-label={t('detail.scans')} data-testid="ticket-scans">
              {x.scans.map((sc, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: scans of one ticket, newest first, never reordered
                <li key={i} className={sc.result === 'admit' ? s.scanOk : s.scanBad}>
                  <span>{time(sc.at).slice(5)}</span> <span className={s.mono}>{sc.gate}</span> <span>{sc.zone}</span>{' '}
                  {sc.ride ? (
                    <strong data-testid="scan-ride">
                      {t('scan.ride', { name: locale === 'en' ? sc.ride.nameEn : sc.ride.nameZh })}{' '}
                    </strong>
                  ) : null}
                  <span>{t(`scan.${sc.direction === 'out' ? 'out' : 'in'}`)}</span> ·{' '}
                  <strong>{t(`scan.${sc.result === 'admit' ? 'admit' : 'reject'}`)}</strong>
                  {sc.reason ? ` (${tr.has(sc.reason) ? tr(sc.reason as 'used') : sc.reason})` : ''} ·{' '}
                  {t(sc.offline ? 'scan.offline' : 'scan.online')}
                  {sc.manual ? ` · ${t('scan.manual')}` : ''}
                  {sc.inferred ? ` · ${t('scan.inferred')}` : ''}
                  {sc.override
                    ? ` · ${t('scan.override', {
                        reason: t.has(`overrideReasons.${sc.override}`)
                          ? t(`overrideReasons.${sc.override}` as 'overrideReasons.other')
                          : sc.override,
                      })}`
                    : ''}
                </li>
              ))}
            </ul>
          ) : (
            <span className={`muted ${s.small}`}>{t('detail.noScans')}</span>
          )}
        </td>
      </tr>
    </tbody>
  );
}

/** One refund of the audit trail in words: tickets, amount, fee, approval. */
function refundLine(
  after: unknown,
  money: (y: number) => string,
  t: ReturnType<typeof useTranslations<'fd.orders'>>,
): string {
  const a = (after ?? {}) as { tickets?: { code?: string }[]; amount?: number; fee?: number; supervisor?: string };
  const parts = [
    (a.tickets ?? []).map((x) => (x.code ? `${x.code.slice(0, 6)}…` : '')).join(' '),
    typeof a.amount === 'number' ? money(a.amount) : '',
    a.fee ? t('detail.fee', { fee: money(a.fee) }) : '',
    a.supervisor ? t('detail.supervisor', { email: a.supervisor }) : '',
  ];
  return parts.filter(Boolean).join(' · ');
}

/** The top-level plain values of an audit row's `after`, as `key: value` (enough to read, never the whole JSON). */
function summarize(after: unknown): string {
  if (!after || typeof after !== 'object') return '';
  return Object.entries(after as Record<string, unknown>)
    .filter(([, v]) => v !== null && (typeof v !== 'object' || Array.isArray(v)))
    .map(([k, v]) => (Array.isArray(v) ? `${k}: ${v.length}` : `${k}: ${String(v)}`))
    .slice(0, 6)
    .join(' · ');
}
