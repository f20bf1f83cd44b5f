'use client';
import { useTranslations } from 'use-intl';
import { PAYMENT_METHODS } from '../../../lib/schemas/front-desk.ts';
import { useDesk } from '../desk-shell.tsx';
import { deskYuan } from './money.ts';
import styles from './shifts.module.css';

/** Methods in the desk's order, then any the server knows that this screen does not. */
export function methodsOf(...records: (Record<string, number> | undefined)[]): string[] {
  const seen = new Set<string>();
  for (const r of records) for (const k of Object.keys(r ?? {})) seen.add(k);
  return [
    ...PAYMENT_METHODS.filter((m) => seen.has(m)),
    ...[...seen].filter((m) => !PAYMENT_METHODS.includes(m as 'cash')),
  ];
}

/** 长款 (over), 短款 (short) or balanced: the sign of counted minus expected. */
export function DiffMark({ value }: { value: number }) {
  const t = useTranslations('fd.shifts.diff');
  const { locale } = useDesk();
  const money = deskYuan(locale);
  const kind = value > 0.004 ? 'over' : value < -0.004 ? 'short' : 'even';
  return (
    <span className={styles[`diff_${kind}`]} data-diff={kind}>
      {kind === 'even' ? t('even') : `${t(kind)} ${value > 0 ? '+' : '−'}${money.format(Math.abs(value))}`}
    </span>
  );
}

/** Expected against counted per method, and the difference; expected stays blank while the count is blind. */
export function CountTable({
  expected,
  counted,
  difference,
  testId,
}: {
  expected?: Record<string, number>;
  counted?: Record<string, number>;
  difference?: Record<string, number>;
  testId: string;
}) {
  const t = useTranslations('fd.shifts');
  const { locale } = useDesk();
  const money = deskYuan(locale);
  const methods = methodsOf(expected, counted, difference);
  if (!methods.length) return <p className="muted">{t('report.noMoney')}</p>;
  const cell = (r: Record<string, number> | undefined, m: string) =>
    r ? money.format(r[m] ?? 0) : <span className="muted">—</span>;
  return (
    <table className={styles.table} data-testid={testId}>
      <thead>
        <tr>
          <th>{t('report.method')}</th>
          <th className={styles.num}>{t('report.expected')}</th>
          <th className={styles.num}>{t('report.counted')}</th>
          <th className={styles.num}>{t('report.difference')}</th>
        </tr>
      </thead>
      <tbody>
        {methods.map((m) => (
          <tr key={m} data-method={m}>
            <th scope="row">{t.has(`methods.${m}`) ? t(`methods.${m}`) : m}</th>
            <td className={styles.num} data-testid={`${testId}-expected-${m}`}>
              {cell(expected, m)}
            </td>
            <td className={styles.num} data-testid={`${testId}-counted-${m}`}>
              {cell(counted, m)}
            </td>
            <td className={styles.num} data-testid={`${testId}-difference-${m}`}>
              {difference ? <DiffMark value={difference[m] ?? 0} /> : <span className="muted">—</span>}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
