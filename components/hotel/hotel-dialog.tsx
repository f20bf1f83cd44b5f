'use client';
import { type KeyboardEvent, type ReactNode, useEffect, useId, useRef } from 'react';
import { useTranslations } from 'use-intl';
import { isOutage } from '../../lib/live/outage.ts';
import { errorKey, serverError } from '../front-desk/orders/format.ts';
import { useErrorText } from '../outage-notice.tsx';
import styles from './hotel.module.css';

const FOCUSABLE = 'input, select, textarea, button, [tabindex]:not([tabindex="-1"])';

/**
 * A hotel action's dialog, keyboard only as the check-in desk's override dialog: focus starts on
 * the first field and stays inside, Enter confirms from any field (an ID-card reader types the
 * number and Enter: `enterMovesOn` fields go to the next field instead), Esc cancels.
 */
export function HotelDialog({
  title,
  testid,
  busy,
  error,
  children,
  confirmLabel,
  onConfirm,
  onCancel,
}: {
  title: string;
  testid: string;
  busy: boolean;
  error: string | null;
  children: ReactNode;
  confirmLabel?: string;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const t = useTranslations('hotel');
  const id = useId();
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
    d?.querySelector<HTMLElement>('input, select, textarea')?.focus();
  }, []);
  const onKeyDown = (e: KeyboardEvent<HTMLFormElement>) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      onCancel();
      return;
    }
    if (e.key === 'Enter' && !(e.target instanceof HTMLButtonElement)) {
      e.preventDefault();
      e.stopPropagation();
      const el = e.target as HTMLElement;
      if (el.dataset.enterMovesOn !== undefined) {
        const items = [...e.currentTarget.querySelectorAll<HTMLElement>('input, select, textarea')];
        const next = items[items.indexOf(el) + 1];
        if (next) {
          next.focus();
          return;
        }
      }
      e.currentTarget.requestSubmit();
      return;
    }
    if (e.key === 'Tab') trapTab(e);
  };
  return (
    <dialog
      ref={ref}
      className={styles.dialog}
      aria-labelledby={`${id}-title`}
      data-testid={testid}
      onCancel={(e) => {
        e.preventDefault();
        onCancel();
      }}
    >
      <form
        noValidate
        onKeyDown={onKeyDown}
        onSubmit={(e) => {
          e.preventDefault();
          if (!busy) onConfirm();
        }}
      >
        <h2 id={`${id}-title`}>{title}</h2>
        {children}
        {error ? (
          <p className="error" role="alert" data-testid={`${testid}-error`}>
            {error}
          </p>
        ) : null}
        <p className="muted">{t('dialogKeys')}</p>
        <div className={styles.dialogActions}>
          <button type="submit" disabled={busy} data-testid={`${testid}-confirm`}>
            {busy ? t('working') : (confirmLabel ?? t('confirm'))} <kbd>Enter</kbd>
          </button>
          <button type="button" className="secondary" onClick={onCancel}>
            {t('cancel')} <kbd>Esc</kbd>
          </button>
        </div>
      </form>
    </dialog>
  );
}

/** Keeps Tab inside the dialog. */
function trapTab(e: KeyboardEvent<HTMLElement>) {
  const items = [...e.currentTarget.querySelectorAll<HTMLElement>(FOCUSABLE)].filter(
    (el) => !(el as HTMLInputElement).disabled,
  );
  if (!items.length) return;
  const first = items[0];
  const last = items[items.length - 1];
  if (e.shiftKey && document.activeElement === first) {
    e.preventDefault();
    last.focus();
  } else if (!e.shiftKey && document.activeElement === last) {
    e.preventDefault();
    first.focus();
  }
}

/**
 * Words for a failed hotel action: an outage says whether anything changed; a typed error
 * (AppError's code) gets its name in the desk's language, then the server's own message.
 */
export function useHotelError(): (err: unknown) => string {
  const t = useTranslations('hotel.errors');
  const errorText = useErrorText();
  return (err) => {
    if (isOutage(err)) return errorText.change(err);
    const e = serverError(err);
    const key = e.code === 'idempotency_mismatch' ? 'idempotency_mismatch' : errorKey(e.code);
    return `${t(key)}: ${e.message}`;
  };
}
