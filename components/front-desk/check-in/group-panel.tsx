'use client';
import { type KeyboardEvent, useEffect, useRef, useState } from 'react';
import { useTranslations } from 'use-intl';
import type { useTRPCClient } from '../../../lib/trpc/react.tsx';
import styles from './check-in.module.css';

type TClient = ReturnType<typeof useTRPCClient>;
type TGroupCheck = Awaited<ReturnType<TClient['frontDesk']['checkGroup']['query']>>;
/** A group code as the desk shows it: booked against arrived, and what this gate would admit now. */
export type TGroup = Extract<TGroupCheck, { found: true }>['group'];

/** Largest headcount one admission takes (the server's limit too). */
const MAX_COUNT = 100;

/**
 * A group at the check-in desk (团体检票): the guide states the headcount passing now; Enter (or F9)
 * admits that many of the group's unused tickets, never more than are left.
 */
export function GroupPanel({
  group,
  direction,
  busy,
  onAdmit,
}: {
  group: TGroup;
  direction: 'in' | 'out';
  busy: boolean;
  onAdmit: (count: number) => void;
}) {
  const t = useTranslations('fd.checkIn.group');
  const max = Math.max(1, Math.min(MAX_COUNT, direction === 'in' ? group.admissibleNow || group.left : group.arrived));
  const [count, setCount] = useState(String(max));
  const [invalid, setInvalid] = useState(false);
  const ref = useRef<HTMLInputElement>(null);
  // The headcount field takes the focus: the cashier types what the guide says and presses Enter.
  useEffect(() => {
    ref.current?.focus();
    ref.current?.select();
  }, []);
  const submit = () => {
    const n = Number(count);
    if (!Number.isInteger(n) || n < 1 || n > MAX_COUNT) return setInvalid(true);
    setInvalid(false);
    onAdmit(n);
  };
  const onKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Enter' && !e.ctrlKey) {
      e.preventDefault();
      submit();
    }
  };
  return (
    <section className={`panel ${styles.ticket}`} data-testid="checkin-group" data-group-code={group.code}>
      <h2 className={styles.sideTitle}>{t('title')}</h2>
      <p
        className={`${styles.verdict} ${group.admissibleNow > 0 || direction === 'out' ? styles.ok : styles.bad}`}
        role="status"
        data-testid="checkin-group-admissible"
        data-count={group.admissibleNow}
      >
        {t('admissible', { count: group.admissibleNow })}
      </p>
      <dl className={styles.facts}>
        <div>
          <dt>{t('headcount')}</dt>
          <dd data-testid="checkin-group-headcount">
            <strong>{t('headcountValue', { arrived: group.arrived, booked: group.booked, left: group.left })}</strong>
          </dd>
        </div>
        <div>
          <dt>{t('guide')}</dt>
          <dd>
            {group.guideName ?? '—'} {group.guidePhone ?? ''}
          </dd>
        </div>
        <div>
          <dt>{t('order')}</dt>
          <dd>{group.orderCode ?? (group.orderId ? `#${group.orderId}` : '—')}</dd>
        </div>
        <div>
          <dt>{t('code')}</dt>
          <dd className={styles.code}>
            <code>{group.code}</code>
          </dd>
        </div>
      </dl>
      <label className={styles.inputLabel} htmlFor="checkin-group-count">
        {t('count')} <kbd>Enter</kbd> <span className="muted">{t('countHint')}</span>
      </label>
      <input
        id="checkin-group-count"
        ref={ref}
        className={styles.input}
        data-testid="checkin-group-count"
        inputMode="numeric"
        autoComplete="off"
        value={count}
        aria-invalid={invalid}
        onChange={(e) => setCount(e.target.value.replace(/\D/g, '').slice(0, 3))}
        onKeyDown={onKey}
      />
      {invalid ? (
        <p className="error" role="alert">
          {t('countRange', { max: MAX_COUNT })}
        </p>
      ) : null}
      <button
        type="button"
        tabIndex={-1}
        disabled={busy}
        className={styles.admitBtn}
        onClick={submit}
        data-testid="checkin-group-admit"
      >
        {direction === 'in' ? t('admit') : t('admitOut')} <kbd>Enter</kbd>
        {busy ? ' …' : null}
      </button>
    </section>
  );
}
