'use client';
import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type KeyboardEvent, useEffect } from 'react';
import { useForm } from 'react-hook-form';
import { useTranslations } from 'use-intl';
import type { z } from 'zod';
import { ZCashMove } from '../../../lib/schemas/front-desk.ts';
import { useTRPC } from '../../../lib/trpc/react.tsx';
import { useErrorText } from '../../outage-notice.tsx';
import { useDesk } from '../desk-shell.tsx';
import { deskYuan, yuanOf } from './money.ts';
import styles from './shifts.module.css';

type TCashMoveInput = z.input<typeof ZCashMove>;

/** Cash in (+, a change top-up) or out (−, a bank drop) with a reason. Enter: amount → reason → record. */
export function CashMoveForm({ shiftId, onDone }: { shiftId: number; onDone: (recorded: boolean) => void }) {
  const t = useTranslations('fd.shifts.cash');
  const { locale } = useDesk();
  const money = deskYuan(locale);
  const trpc = useTRPC();
  const qc = useQueryClient();
  const errorText = useErrorText();
  const form = useForm<TCashMoveInput>({
    resolver: zodResolver(ZCashMove),
    defaultValues: { shiftId, amount: undefined, reason: '' },
  });
  useEffect(() => form.setFocus('amount'), [form]);
  const move = useMutation(
    trpc.frontDesk.cashMove.mutationOptions({
      onSuccess: () => {
        void qc.invalidateQueries({ queryKey: trpc.frontDesk.shift.queryKey({ shiftId }) });
        onDone(true);
      },
    }),
  );
  const submit = form.handleSubmit((v) => move.mutate(v));
  const amount = yuanOf(form.watch('amount'));
  const errors = form.formState.errors;
  const onKeyDown = (e: KeyboardEvent<HTMLFormElement>) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      onDone(false);
    } else if (e.key === 'Enter' && e.target instanceof HTMLInputElement && e.target.name === 'amount') {
      e.preventDefault();
      form.setFocus('reason');
    }
  };
  return (
    <form
      className={`panel ${styles.cashForm}`}
      onSubmit={submit}
      onKeyDown={onKeyDown}
      data-testid="cash-move-form"
      noValidate
    >
      <h3>{t('title')}</h3>
      <label className={styles.field}>
        <span>{t('amount')}</span>
        <span className={styles.money}>
          ¥
          <input
            {...form.register('amount', { setValueAs: yuanOf })}
            inputMode="decimal"
            autoComplete="off"
            placeholder="+200 / -1000"
            data-testid="cash-move-amount"
            aria-invalid={!!errors.amount || undefined}
          />
        </span>
      </label>
      <p className="muted" data-testid="cash-move-preview">
        {Number.isFinite(amount) && amount !== 0
          ? amount > 0
            ? t('previewIn', { amount: money.format(amount) })
            : t('previewOut', { amount: money.format(-amount) })
          : t('hint')}
      </p>
      {errors.amount ? (
        <p className="error" role="alert">
          {t('amountInvalid')}
        </p>
      ) : null}
      <label className={styles.field}>
        <span>{t('reason')}</span>
        <input
          {...form.register('reason')}
          autoComplete="off"
          maxLength={200}
          placeholder={t('reasonPlaceholder')}
          data-testid="cash-move-reason"
          aria-invalid={!!errors.reason || undefined}
        />
      </label>
      {errors.reason ? (
        <p className="error" role="alert">
          {t('reasonInvalid')}
        </p>
      ) : null}
      {move.error ? (
        <p className="error" role="alert" data-testid="cash-move-error">
          {errorText.change(move.error)}
        </p>
      ) : null}
      <div className={styles.actions}>
        <button type="submit" disabled={move.isPending} data-testid="cash-move-submit">
          {t('submit')} <kbd>Enter</kbd>
        </button>
        <button type="button" className="secondary" onClick={() => onDone(false)}>
          {t('cancel')} <kbd>Esc</kbd>
        </button>
      </div>
    </form>
  );
}
