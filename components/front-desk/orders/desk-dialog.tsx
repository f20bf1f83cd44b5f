'use client';
import { type KeyboardEvent, type ReactNode, useEffect, useId, useRef } from 'react';
import { useTranslations } from 'use-intl';
import s from './orders.module.css';

const FOCUSABLE =
  'button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/**
 * A modal confirmation for the order desk, by keyboard alone: the native modal dialog makes the
 * page behind it inert, Tab cycles inside it (never out to the browser's bar), Esc cancels and
 * Enter submits the form inside it (also from a select, where browsers do not submit by themselves).
 * Focus goes back to where it was when the dialog closes.
 */
export function DeskDialog({
  title,
  onCancel,
  children,
  testId,
  initialFocus,
}: {
  /** A selector inside the dialog for the field that takes the keys first (else the first focusable). */
  initialFocus?: string;
  title: string;
  onCancel: () => void;
  children: ReactNode;
  testId: string;
}) {
  const t = useTranslations('fd.orders.actions');
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  // biome-ignore lint/correctness/useExhaustiveDependencies: once, when the dialog opens
  useEffect(() => {
    const d = ref.current;
    const before = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (d && !d.open) d.showModal();
    // React's autoFocus cannot reach a field of a dialog not yet shown: focus it once it is.
    if (initialFocus) d?.querySelector<HTMLElement>(initialFocus)?.focus();
    return () => {
      d?.close();
      before?.focus();
    };
  }, []);
  const onKeyDown = (e: KeyboardEvent<HTMLDialogElement>) => {
    if (e.key === 'Tab') {
      const items = [...(ref.current?.querySelectorAll<HTMLElement>(FOCUSABLE) ?? [])];
      if (!items.length) return;
      const first = items[0]!;
      const last = items[items.length - 1]!;
      if (e.shiftKey && document.activeElement === first) {
        e.preventDefault();
        last.focus();
      } else if (!e.shiftKey && document.activeElement === last) {
        e.preventDefault();
        first.focus();
      }
    } else if (
      e.key === 'Enter' &&
      (e.target instanceof HTMLSelectElement ||
        (e.target instanceof HTMLInputElement && (e.target.type === 'radio' || e.target.type === 'checkbox')))
    ) {
      e.preventDefault();
      e.target.form?.requestSubmit();
    }
    // The desk's own shortcuts (Esc to search, R, C...) must not act behind the dialog.
    e.stopPropagation();
  };
  return (
    <dialog
      ref={ref}
      className={s.dialog}
      aria-labelledby={titleId}
      data-testid={testId}
      onCancel={(e) => {
        e.preventDefault();
        onCancel();
      }}
      onKeyDown={onKeyDown}
    >
      <h2 id={titleId}>{title}</h2>
      {children}
      <p className={s.dialogKeys}>
        <kbd>Enter</kbd> / <kbd>Esc</kbd> — {t('dialogKeys')}
      </p>
    </dialog>
  );
}

/** The dialog's Confirm / Cancel row, with their keys shown. */
export function DialogButtons({
  busy,
  onCancel,
  danger = false,
}: {
  busy: boolean;
  onCancel: () => void;
  danger?: boolean;
}) {
  const t = useTranslations('fd.orders.actions');
  return (
    <div className={s.dialogButtons}>
      <button type="submit" className={danger ? 'danger' : undefined} disabled={busy} data-testid="dialog-confirm">
        {busy ? t('working') : t('confirm')} <kbd>Enter</kbd>
      </button>
      <button type="button" className="secondary" onClick={onCancel} data-testid="dialog-cancel">
        {t('cancel')} <kbd>Esc</kbd>
      </button>
    </div>
  );
}
