'use client';
import { zodResolver } from '@hookform/resolvers/zod';
import { type KeyboardEvent, useEffect, useId, useRef } from 'react';
import { Controller, useForm } from 'react-hook-form';
import { useTranslations } from 'use-intl';
import type { z } from 'zod';
import { OVERRIDE_REASONS, ZSupervisorOverride } from '../../../lib/schemas/front-desk.ts';
import { SupervisorFields } from '../supervisor-fields.tsx';
import styles from './check-in.module.css';

/** The override with credentials typed here: the same schema the server parses. */
const ZOverride = ZSupervisorOverride;
type TOverrideIn = z.input<typeof ZOverride>;
export type TOverride = z.output<typeof ZOverride>;

const FOCUSABLE = 'input, select, textarea, button, [tabindex]:not([tabindex="-1"])';

/**
 * The supervisor's approval for an admission the gates refuse (主管授权放行): a reason code, a note
 * and the supervisor's own credentials. Keyboard only: focus stays inside, Enter confirms, Esc cancels.
 */
export function OverrideDialog({
  refusal,
  busy,
  error,
  onConfirm,
  onCancel,
}: {
  /** Why the gates refuse it, already in words. */
  refusal: string;
  busy: boolean;
  /** What the server answered to the last attempt (wrong credentials, throttled...). */
  error: string | null;
  onConfirm: (o: TOverride) => void;
  onCancel: () => void;
}) {
  const t = useTranslations('fd.checkIn');
  const id = useId();
  const ref = useRef<HTMLDialogElement>(null);
  const form = useForm<TOverrideIn, unknown, TOverride>({
    resolver: zodResolver(ZOverride),
    defaultValues: { reason: 'staff_error', note: '', supervisor: { email: '', password: '' } },
  });
  const { errors } = form.formState;

  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
    d?.querySelector<HTMLElement>('select')?.focus();
  }, []);

  // A failed approval keeps the reason and note; the supervisor types the password again.
  useEffect(() => {
    if (!error) return;
    form.setValue('supervisor.password', '');
    ref.current?.querySelector<HTMLInputElement>('input[type="password"]')?.focus();
  }, [error, form]);

  const onKeyDown = (e: KeyboardEvent<HTMLFormElement>) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      onCancel();
      return;
    }
    if (e.key === 'Enter' && !(e.target instanceof HTMLButtonElement)) {
      // Enter confirms from any field, the reason's select included.
      e.preventDefault();
      e.currentTarget.requestSubmit();
      return;
    }
    if (e.key === 'Tab') {
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
  };

  const supervisorError =
    error ??
    (errors.supervisor?.email?.message || errors.supervisor?.password?.message
      ? [errors.supervisor?.email?.message, errors.supervisor?.password?.message].filter(Boolean).join('; ')
      : undefined);

  return (
    <dialog
      ref={ref}
      className={styles.dialog}
      aria-labelledby={`${id}-title`}
      data-testid="checkin-override-dialog"
      onCancel={(e) => {
        e.preventDefault();
        onCancel();
      }}
    >
      <form onSubmit={form.handleSubmit(onConfirm)} onKeyDown={onKeyDown} noValidate>
        <h2 id={`${id}-title`}>{t('overrideTitle')}</h2>
        <p className={styles.refusal}>{t('overrideIntro', { reason: refusal })}</p>
        <label htmlFor={`${id}-reason`}>{t('reason')}</label>
        <select id={`${id}-reason`} data-testid="checkin-override-reason" {...form.register('reason')}>
          {OVERRIDE_REASONS.map((r) => (
            <option key={r} value={r}>
              {t(`reasons.${r}`)}
            </option>
          ))}
        </select>
        {errors.reason ? <p className="error">{errors.reason.message}</p> : null}
        <label htmlFor={`${id}-note`}>{t('note')}</label>
        <input
          id={`${id}-note`}
          data-testid="checkin-override-note"
          autoComplete="off"
          placeholder={t('notePlaceholder')}
          {...form.register('note')}
        />
        {errors.note ? <p className="error">{errors.note.message}</p> : null}
        <Controller
          control={form.control}
          name="supervisor"
          render={({ field }) => (
            <SupervisorFields
              value={{ email: field.value?.email ?? '', password: field.value?.password ?? '' }}
              onChange={field.onChange}
              error={supervisorError}
            />
          )}
        />
        <p className="muted">{t('dialogKeys')}</p>
        <div className={styles.dialogActions}>
          <button type="submit" disabled={busy} data-testid="checkin-override-confirm">
            {t('confirm')} <kbd>Enter</kbd>
          </button>
          <button type="button" className="secondary" onClick={onCancel} data-testid="checkin-override-cancel">
            {t('cancel')} <kbd>Esc</kbd>
          </button>
        </div>
      </form>
    </dialog>
  );
}
