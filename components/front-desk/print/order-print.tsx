'use client';
import { useTranslations } from 'use-intl';
import type { orderDetail } from '../../../server/services/front-desk.ts';
import { useDesk } from '../desk-shell.tsx';
import { PrintPortal, type TPaper } from '../print-portal.tsx';
import { yuanWithFen } from './money.ts';
import styles from './print.module.css';
import { QrSvg } from './qr-svg.tsx';

/** An order as frontDesk.order returns it. */
export type TDeskOrder = Awaited<ReturnType<typeof orderDetail>>;
type TDeskTicket = TDeskOrder['tickets'][number];

/** QR side on paper (mm): big enough for a gate scanner at arm's length, small enough for the 80 mm roll. */
const QR_MM_80 = 38;
const QR_MM_A4 = 34;

/** Tickets that no longer admit are not printed again (a refunded or replaced code). */
const DEAD_STATES = new Set(['refunded', 'replaced']);

/** A printed name shows its first character only (张**): a ticket lies on counters and in bins. */
export function maskName(name: string): string {
  const chars = Array.from(name.trim());
  if (chars.length <= 1) return chars.join('');
  return chars[0] + '*'.repeat(chars.length - 1);
}

/** "2026-12-02 10:10:51" in the venue's time zone: unambiguous in both languages on a receipt. */
function localStamp(iso: string, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(iso));
  const p = (k: string) => parts.find((x) => x.type === k)?.value ?? '';
  return `${p('year')}-${p('month')}-${p('day')} ${p('hour')}:${p('minute')}:${p('second')}`;
}

function typeName(t: TDeskTicket, locale: string) {
  return locale === 'en' ? t.type.nameEn || t.type.nameZh : t.type.nameZh || t.type.nameEn;
}

/** The show a ticket booked (演出场次): its name and times. */
function showText(t: TDeskTicket, locale: string) {
  if (!t.show) return null;
  return `${locale === 'en' ? t.show.nameEn || t.show.nameZh : t.show.nameZh || t.show.nameEn} ${t.show.start}–${t.show.end}`;
}

function slotText(t: TDeskTicket) {
  return t.slot ? `${t.slot.start}${t.slot.end ? `–${t.slot.end}` : ''}` : null;
}

/**
 * The printout of a window order: one ticket per ticket (QR of its code, type, date, slot, order
 * code, masked holder, price) and a receipt (venue, order, cashier, time, lines, total, payments
 * with cash tendered and change). On the 80 mm roll the tickets come first, then the receipt; on
 * A4 the tickets sit in a grid. A reprint says so on every piece.
 */
export function OrderPrint({
  order,
  paper,
  reprint = false,
  ticketIds,
}: {
  order: TDeskOrder;
  paper: TPaper;
  reprint?: boolean;
  /** Print only these tickets (e.g. a replacement); the receipt still shows the whole order. */
  ticketIds?: number[];
}) {
  const t = useTranslations('fd.sell.print');
  const { venue, locale } = useDesk();
  const money = yuanWithFen(locale);
  const venueName = locale === 'en' ? venue.nameEn || venue.nameZh : venue.nameZh || venue.nameEn;
  const time = localStamp(order.createdAt, venue.timeZone);
  const printed = order.tickets.filter((x) => !DEAD_STATES.has(x.state) && (!ticketIds || ticketIds.includes(x.id)));
  const lines = new Map<string, { name: string; date: string; slot: string | null; price: number; qty: number }>();
  for (const x of order.tickets) {
    if (x.state === 'replaced') continue;
    const key = `${x.type.code}|${x.date}|${x.slot?.start ?? ''}|${x.price}`;
    const l = lines.get(key) ?? { name: typeName(x, locale), date: x.date, slot: slotText(x), price: x.price, qty: 0 };
    l.qty += 1;
    lines.set(key, l);
  }
  const code = order.code ?? String(order.id);
  const mark = reprint ? (
    <div className={styles.reprint} data-testid="print-reprint">
      {t('reprint')}
    </div>
  ) : null;
  return (
    <PrintPortal paper={paper}>
      <div className={paper === 'a4' ? styles.a4 : styles.roll} data-testid="order-print" data-order-code={code}>
        <div className={paper === 'a4' ? styles.grid : styles.tickets}>
          {printed.map((x, i) => (
            <section key={x.id} className={styles.ticket} data-testid="print-ticket" data-ticket-code={x.code}>
              {mark}
              <div className={styles.venue}>{venueName}</div>
              <div className={styles.type}>{typeName(x, locale)}</div>
              <QrSvg text={x.code} sizeMm={paper === 'a4' ? QR_MM_A4 : QR_MM_80} testId="ticket-qr" />
              <div className={styles.code}>{x.code}</div>
              <dl className={styles.facts}>
                <dt>{t('visitDate')}</dt>
                <dd>{x.date}</dd>
                {x.slot ? (
                  <>
                    <dt>{t('slot')}</dt>
                    <dd>{slotText(x)}</dd>
                  </>
                ) : null}
                {x.show ? (
                  <>
                    <dt>{t('show')}</dt>
                    <dd data-testid="print-show">{showText(x, locale)}</dd>
                  </>
                ) : null}
                <dt>{t('order')}</dt>
                <dd>{code}</dd>
                {x.holder ? (
                  <>
                    <dt>{t('holder')}</dt>
                    <dd>
                      {maskName(x.holder.name)} {x.holder.idNumber ?? ''}
                    </dd>
                  </>
                ) : null}
                <dt>{t('price')}</dt>
                <dd>{money.format(x.price)}</dd>
              </dl>
              <div className={styles.small}>
                {t('ticketOf', { n: i + 1, total: printed.length })}
                {x.validTo !== x.date ? ` · ${t('validTo', { date: x.validTo })}` : ''}
              </div>
            </section>
          ))}
        </div>
        <section className={styles.receipt} data-testid="print-receipt">
          {mark}
          <div className={styles.venue}>{venueName}</div>
          <div className={styles.title}>{t('receipt')}</div>
          <dl className={styles.facts}>
            <dt>{t('order')}</dt>
            <dd>{code}</dd>
            <dt>{t('window')}</dt>
            <dd>{order.channel.name || order.channel.code}</dd>
            {order.cashier ? (
              <>
                <dt>{t('cashier')}</dt>
                <dd>{order.cashier}</dd>
              </>
            ) : null}
            <dt>{t('time')}</dt>
            <dd>{time}</dd>
          </dl>
          <table className={styles.lines}>
            <tbody>
              {[...lines.values()].map((l) => (
                <tr key={`${l.name}${l.date}${l.slot}${l.price}`}>
                  <td>
                    {l.name}
                    <div className={styles.small}>
                      {l.date}
                      {l.slot ? ` ${l.slot}` : ''}
                    </div>
                  </td>
                  <td className={styles.num}>
                    {l.qty} × {money.format(l.price)}
                  </td>
                  <td className={styles.num}>{money.format(l.qty * l.price)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className={styles.total}>
            <span>{t('total')}</span>
            <span data-testid="print-total">{money.format(order.amount)}</span>
          </div>
          <table className={styles.lines}>
            <tbody>
              {order.payments.map((p) => (
                <tr key={p.id}>
                  <td>
                    {p.refundOf !== null ? `${t('refund')} ` : ''}
                    {t(`methods.${p.method}` as 'methods.cash')}
                    {p.reference ? <div className={styles.small}>{p.reference}</div> : null}
                    {p.tendered !== null ? (
                      <div className={styles.small}>
                        {t('tendered')} {money.format(p.tendered)} · {t('change')} {money.format(p.change ?? 0)}
                      </div>
                    ) : null}
                  </td>
                  <td className={styles.num}>{money.format(p.amount)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {order.phone ? <div className={styles.small}>{t('phone', { phone: order.phone })}</div> : null}
          <div className={styles.thanks}>{t('thanks')}</div>
        </section>
      </div>
    </PrintPortal>
  );
}
