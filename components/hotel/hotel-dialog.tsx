'use client';
import type { KeyboardEvent, ReactNode } from 'react';
import { useTranslations } from 'use-intl';
import { isOutage } from '../../lib/live/outage.ts';
import { DeskDialog } from '../front-desk/orders/desk-dialog.tsx';
import { errorKey, serverError } from '../front-desk/orders/format.ts';
import { useErrorText } from '../outage-notice.tsx';
import styles from './hotel.module.css';

/**
 * A hotel action's dialog: the order desk's modal dialog (Tab stays inside, Esc cancels, focus
 * returns where it was) around a form that Enter confirms from any field. An ID-card reader or a
 * scanner types and presses Enter: fields marked `data-enter-moves-on` pass Enter on to the next
 * field instead, so a whole registration is typed without Tab.
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
  const onKeyDown = (e: KeyboardEvent<HTMLFormElement>) => {
    if (e.key !== 'Enter' || e.target instanceof HTMLButtonElement) return;
    e.preventDefault();
    // The form answers Enter itself: the dialog around it must not submit a second time.
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
  };
  return (
    <DeskDialog title={title} testId={testid} onCancel={onCancel} initialFocus="input, select, textarea">
      <form
        noValidate
        className={styles.dialogForm}
        onKeyDown={onKeyDown}
        onSubmit={(e) => {
          e.preventDefault();
          if (!busy) onConfirm();
        }}
      >
        {children}
        {error ? (
          <p className="error" role="alert" data-testid={`${testid}-error`}>
            {error}
          </p>
        ) : null}
        <div className={styles.dialogActions}>
          <button type="submit" disabled={busy} data-testid={`${testid}-confirm`}>
            {busy ? t('working') : (confirmLabel ?? t('confirm'))} <kbd>Enter</kbd>
          </button>
          <button type="button" className="secondary" onClick={onCancel}>
            {t('dismiss')} <kbd>Esc</kbd>
          </button>
        </div>
      </form>
    </DeskDialog>
  );
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
