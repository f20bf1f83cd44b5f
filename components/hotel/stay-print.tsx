'use client';
import { useTranslations } from 'use-intl';
import { PrintPortal } from '../front-desk/print-portal.tsx';
import { yuanWithFen } from '../front-desk/print/money.ts';
import { QrSvg } from '../front-desk/print/qr-svg.tsx';
import styles from './hotel.module.css';
import { type TStay, useHotelDesk } from './hotel-shell.tsx';

/**
 * The registration card (登记单) and the folio (账单) on A4, rendered into the page and shown by
 * the print stylesheet only (no pop-up). Both languages on paper: a guest from abroad signs the
 * same card, so every label and folio line is zh and en.
 */
export function StayPrint({ stay, what }: { stay: TStay; what: 'card' | 'folio' }) {
  const t = useTranslations('hotel.print');
  const { hotel, locale } = useHotelDesk();
  const money = yuanWithFen(locale);
  // Each guest's lodge pass, the code the lodge's door admits them on (issued at check-in).
  const passes = new Map(stay.passes.map((p) => [p.guest, p.code]));
  return (
    <PrintPortal paper="a4">
      <div className={styles.sheet} data-testid={`print-${what}`}>
        <h1>
          {hotel.nameZh} {hotel.nameEn}
        </h1>
        <h2>{what === 'card' ? t('cardTitle') : t('folioTitle')}</h2>
        <table className={styles.facts}>
          <tbody>
            <tr>
              <th>{t('order')}</th>
              <td>{stay.orderCode}</td>
              <th>{t('room')}</th>
              <td>{stay.room ?? '—'}</td>
            </tr>
            <tr>
              <th>{t('arrival')}</th>
              <td>{stay.checkIn}</td>
              <th>{t('departure')}</th>
              <td>{stay.checkOut}</td>
            </tr>
            <tr>
              <th>{t('type')}</th>
              <td>
                {stay.roomType} · {stay.ratePlan}
              </td>
              <th>{t('phone')}</th>
              <td>{stay.customer.phone}</td>
            </tr>
          </tbody>
        </table>
        {what === 'card' ? (
          <>
            <table className={styles.lines}>
              <thead>
                <tr>
                  <th>#</th>
                  <th>{t('guestName')}</th>
                  <th>{t('idNumber')}</th>
                  {passes.size > 0 && <th>{t('pass')}</th>}
                </tr>
              </thead>
              <tbody>
                {stay.guests.map((g) => (
                  <tr key={g.no}>
                    <td>{g.no}</td>
                    <td>{g.name}</td>
                    <td>{g.idNumber}</td>
                    {passes.size > 0 && (
                      <td>{passes.has(g.no) && <QrSvg text={passes.get(g.no)!} sizeMm={18} testId="print-pass" />}</td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
            <p>{t('cardNote')}</p>
            {passes.size > 0 && <p>{t('passNote')}</p>}
            <p className={styles.signature}>{t('signature')} ____________________</p>
          </>
        ) : (
          <>
            <table className={styles.lines}>
              <thead>
                <tr>
                  <th>{t('date')}</th>
                  <th>{t('description')}</th>
                  <th>{t('qty')}</th>
                  <th className={styles.num}>{t('amount')}</th>
                </tr>
              </thead>
              <tbody>
                {stay.folio.map((l) => (
                  <tr key={l.id}>
                    <td>{l.night ?? l.businessDate}</td>
                    <td>
                      {l.descriptionZh} / {l.descriptionEn}
                    </td>
                    <td>{l.qty}</td>
                    <td className={styles.num}>{money.format(l.amount)}</td>
                  </tr>
                ))}
              </tbody>
              <tfoot>
                <tr>
                  <th colSpan={3}>{t('balance')}</th>
                  <th className={styles.num}>{money.format(stay.balance)}</th>
                </tr>
              </tfoot>
            </table>
            <p className={styles.signature}>{t('signature')} ____________________</p>
          </>
        )}
      </div>
    </PrintPortal>
  );
}
