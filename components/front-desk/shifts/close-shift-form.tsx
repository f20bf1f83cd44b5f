'use client';
import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type KeyboardEvent, useEffect, useState } from 'react';
import { type Resolver, useForm } from 'react-hook-form';
import { useTranslations } from 'use-intl';
import { PAYMENT_METHODS, type TPaymentMethod, ZCloseShift } from '../../../lib/schemas/front-desk.ts';
import { useTRPC } from '../../../lib/trpc/react.tsx';
import { useErrorText } from '../../outage-notice.tsx';
import { appErrorOf, yuanOf } from './money.ts';
import type { TShift } from './shift-types.ts';
import styles from './shifts.module.css';

interface TCloseValues {
  shiftId: number;
  counted: Partial<Record<TPaymentMethod, string>>;
  note: string;
}

/** The form's text as the schema's input: blank counts are left out (the server counts them as 0), a blank note too. */
function toInput(v: TCloseValues) {
  const counted: Partial<Record<TPaymentMethod, number>> = {};
  for (const m of PAYMENT_METHODS) {
    const raw = v.counted[m];
    if (raw !== undefined && String(raw).trim() !== '') counted[m] = yuanOf(raw);
  }
  const note = v.note.trim();
  return { shiftId: v.shiftId, counted, ...(note ? { note } : {}) };
}

/** Validates the typed count with the server's own schema, reporting issues on the fields typed. */
const resolver: Resolver<TCloseValues> = async (values, ctx, opts) => {
  const r = await zodResolver(ZCloseShift)(toInput(values), ctx, opts as never);
  return Object.keys(r.errors).length ? { values: {}, errors: r.errors } : { values, errors: {} };
};

/** The methods a server message names, e.g. "counted differs from expected for cash, wechat: say why in a note". */
function methodsIn(message: string): string[] {
  const m = /for ([a-z_, ]+):/.exec(message);
  return m ? m[1].split(',').map((x) => x.trim()) : [];
}

/**
 * Closes a shift with a blind count (盲点/盲交): the cashier types counted cash and the terminal's
 * totals per method before anything expected is shown. Enter moves to the next field; Enter on the
 * last field or Ctrl+Enter submits. When the server answers that a method is off, it says which
 * (not by how much): the cashier may recount, and must write a note to close anyway.
 */
export function CloseShiftForm({
  shift,
  onClosed,
  onCancel,
}: {
  shift: TShift;
  onClosed: (closed: TShift) => void;
  onCancel: () => void;
}) {
  const t = useTranslations('fd.shifts');
  const trpc = useTRPC();
  const qc = useQueryClient();
  const errorText = useErrorText();
  const [needsNote, setNeedsNote] = useState<string[] | null>(null);
  const form = useForm<TCloseValues>({
    resolver,
    defaultValues: { shiftId: shift.id, counted: {}, note: '' },
  });
  useEffect(() => form.setFocus('counted.cash'), [form]);
  useEffect(() => {
    if (needsNote) form.setFocus('note');
  }, [needsNote, form]);

  const close = useMutation(
    trpc.frontDesk.closeShift.mutationOptions({
      onSuccess: (closed) => {
        void qc.invalidateQueries({ queryKey: trpc.frontDesk.windows.queryKey() });
        void qc.invalidateQueries({ queryKey: trpc.frontDesk.shifts.queryKey() });
        void qc.invalidateQueries({ queryKey: trpc.frontDesk.shift.queryKey({ shiftId: shift.id }) });
        onClosed(closed);
      },
      onError: (err) => {
        const e = appErrorOf(err);
        if (e.code === 'invalid' && e.fields?.note) setNeedsNote(methodsIn(e.message));
      },
    }),
  );
  const submit = form.handleSubmit((v) => close.mutate(toInput(v)));
  const errors = form.formState.errors;

  /** Enter walks the fields like a ledger; on the last one, or with Ctrl, it submits. */
  const onKeyDown = (e: KeyboardEvent<HTMLFormElement>) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      onCancel();
      return;
    }
    if (e.key !== 'Enter' || !(e.target instanceof HTMLInputElement)) return;
    e.preventDefault();
    const fields = [...e.currentTarget.querySelectorAll<HTMLInputElement>('input:not([disabled])')];
    const next = fields[fields.indexOf(e.target) + 1];
    if (e.ctrlKey || e.metaKey || !next) void submit();
    else next.focus();
  };

  const noteError = errors.note?.message ?? (needsNote ? 'required' : undefined);
  const method = (m: string) => (t.has(`methods.${m}`) ? t(`methods.${m}`) : m);
  return (
    <form
      className={`panel ${styles.closeForm}`}
      onSubmit={submit}
      onKeyDown={onKeyDown}
      data-testid="close-shift-form"
      noValidate
    >
      <h2>{t('close.title')}</h2>
      <p className="muted">{t('close.blindHint')}</p>
      <div className={styles.countGrid}>
        {PAYMENT_METHODS.map((m) => {
          const err = errors.counted?.[m];
          const off = needsNote?.includes(m);
          return (
            <label key={m} className={styles.countField} data-off={off || undefined}>
              <span>
                {method(m)}
                {m === 'cash' ? <small className="muted"> {t('close.cashHint')}</small> : null}
              </span>
              <span className={styles.money}>
                ¥
                <input
                  {...form.register(`counted.${m}`)}
                  inputMode="decimal"
                  autoComplete="off"
                  placeholder="0.00"
                  data-testid={`close-count-${m}`}
                  aria-invalid={!!err || undefined}
                />
              </span>
              {err ? (
                <span className="error" role="alert">
                  {t('close.amountInvalid')}
                </span>
              ) : null}
              {off ? <span className={styles.offMark}>{t('close.off')}</span> : null}
            </label>
          );
        })}
      </div>
      {needsNote ? (
        <div className={styles.noteBox} role="alert" data-testid="close-needs-note">
          <p className="error">
            {needsNote.length
              ? t('close.differs', { methods: needsNote.map(method).join(t('close.sep')) })
              : appErrorOf(close.error).message}
          </p>
          <p className="muted">{t('close.noteHint')}</p>
        </div>
      ) : null}
      {needsNote || form.getValues('note') ? (
        <label className={styles.field}>
          <span>{t('close.note')}</span>
          <input
            {...form.register('note')}
            autoComplete="off"
            maxLength={500}
            data-testid="close-note"
            aria-invalid={!!noteError || undefined}
          />
        </label>
      ) : null}
      {close.error && !needsNote ? (
        <p className="error" role="alert" data-testid="close-error">
          {errorText.change(close.error)}
        </p>
      ) : null}
      <div className={styles.actions}>
        <button type="submit" disabled={close.isPending} data-testid="close-submit">
          {close.isPending ? t('close.closing') : t('close.submit')} <kbd>Ctrl</kbd>+<kbd>Enter</kbd>
        </button>
        <button type="button" className="secondary" onClick={onCancel} data-testid="close-cancel">
          {t('close.cancel')} <kbd>Esc</kbd>
        </button>
      </div>
      <p className="muted">{t('close.keys')}</p>
    </form>
  );
}
