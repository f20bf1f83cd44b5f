'use client';
import { useMutation } from '@tanstack/react-query';
import { Controller, useForm } from 'react-hook-form';
import { useLocale, useTranslations } from 'use-intl';
import type { z } from 'zod';
import { ZDeskRefund } from '../../../lib/schemas/front-desk.ts';
import { useTRPC } from '../../../lib/trpc/react.tsx';
import { SupervisorFields, type TSupervisorCredentials } from '../supervisor-fields.tsx';
import { DeskDialog, DialogButtons } from './desk-dialog.tsx';
import { errorKey, moneyFormat, serverError, shortCode } from './format.ts';
import type { TNotice } from './order-detail.tsx';
import type { TDeskOrder, TDeskTicket } from './order-types.ts';
import { schemaResolver } from './schema-resolver.ts';
import s from './orders.module.css';

interface TRefundForm {
  fee: number;
  reason: string;
  supervisor: TSupervisorCredentials;
}

/**
 * Refund (退票) of the chosen tickets: the price less an optional fee goes back against the
 * payments it came with, from the cashier's open shift when there is one. A ticket already used
 * needs a supervisor's own credentials and a reason.
 */
export function RefundDialog({
  order,
  tickets,
  shift,
  onCancel,
  onDone,
}: {
  order: TDeskOrder;
  tickets: TDeskTicket[];
  shift: { id: number; window: { name: string } } | null;
  onCancel: () => void;
  onDone: (n: TNotice) => void;
}) {
  const t = useTranslations('fd.orders');
  const locale = useLocale();
  const money = moneyFormat(locale);
  const trpc = useTRPC();
  const used = tickets.filter((x) => x.entries > 0);
  const needsApproval = used.length > 0;
  const price = tickets.reduce((n, x) => n + Math.round(x.price * 100), 0) / 100;
  // The shared schema, plus what the server says a used ticket needs (so the form asks first).
  const schema = ZDeskRefund.superRefine((v, ctx) => {
    if (!needsApproval) return;
    if (!v.reason) ctx.addIssue({ code: 'custom', path: ['reason'], message: t('refund.reasonRequired') });
    if (!v.supervisor)
      ctx.addIssue({ code: 'custom', path: ['supervisor', 'email'], message: t('refund.supervisorRequired') });
  });
  const form = useForm<TRefundForm, unknown, z.output<typeof ZDeskRefund>>({
    defaultValues: { fee: 0, reason: '', supervisor: { email: '', password: '' } },
    resolver: schemaResolver(schema, (v) => ({
      orderId: order.id,
      ticketIds: tickets.map((x) => x.id),
      fee: v.fee,
      reason: v.reason.trim() || undefined,
      supervisor: needsApproval && (v.supervisor.email || v.supervisor.password) ? v.supervisor : undefined,
      shiftId: shift?.id,
    })),
  });
  const refund = useMutation(trpc.frontDesk.refund.mutationOptions());
  const fee = Number(form.watch('fee')) || 0;
  const back = Math.max(0, Math.round((price - Math.min(fee, price)) * 100) / 100);
  const errors = form.formState.errors;
  const serverFailure = refund.error ? serverError(refund.error) : null;

  const onSubmit = form.handleSubmit((input) =>
    refund.mutate(input, {
      onSuccess: (r) =>
        onDone({
          text: t('refund.done', {
            count: r.refunded.length,
            codes: r.refunded.map(shortCode).join(', '),
            amount: money(r.amount),
            fee: money(r.fee),
          }),
          isError: false,
        }),
      onError: (e) => {
        const err = serverError(e);
        for (const [k, v] of Object.entries(err.fields))
          if (k === 'fee' || k === 'reason') form.setError(k, { message: v.join('; ') });
      },
    }),
  );

  const supervisorError =
    errors.supervisor?.email?.message ??
    errors.supervisor?.password?.message ??
    (serverFailure?.code === 'forbidden' && needsApproval ? serverFailure.message : undefined);
  return (
    <DeskDialog
      title={t('refund.title')}
      onCancel={onCancel}
      testId="refund-dialog"
      initialFocus={needsApproval ? '[data-testid=supervisor-fields] input' : '[data-testid=refund-fee]'}
    >
      <form onSubmit={onSubmit} className={s.form} noValidate>
        <p>{t('refund.tickets', { count: tickets.length, price: money(price) })}</p>
        <ul className={s.dialogTickets}>
          {tickets.map((x) => (
            <li key={x.id} className={s.mono}>
              {x.code} · {money(x.price)} {x.entries > 0 ? '⚠' : ''}
            </li>
          ))}
        </ul>
        {needsApproval ? (
          <p className={s.warn} role="alert">
            {t('refund.usedWarning', { codes: used.map((x) => shortCode(x.code)).join(', ') })}
          </p>
        ) : null}
        <label>
          {t('refund.fee')}
          <input
            type="number"
            inputMode="decimal"
            step="0.01"
            min={0}
            data-testid="refund-fee"
            {...form.register('fee', { setValueAs: (v) => (v === '' ? 0 : Number(v)) })}
          />
          {errors.fee ? <span className="error">{errors.fee.message}</span> : null}
        </label>
        <label>
          {needsApproval ? t('refund.reasonUsed') : t('refund.reason')}
          <input type="text" maxLength={200} data-testid="refund-reason" {...form.register('reason')} />
          {errors.reason ? <span className="error">{errors.reason.message}</span> : null}
        </label>
        {needsApproval ? (
          <Controller
            control={form.control}
            name="supervisor"
            render={({ field }) => (
              <SupervisorFields value={field.value} onChange={field.onChange} error={supervisorError} />
            )}
          />
        ) : null}
        <p className={s.total} data-testid="refund-amount">
          {t('refund.back', { amount: money(back) })}
        </p>
        <p className="muted">{shift ? t('refund.shift', { window: shift.window.name }) : t('refund.noShift')}</p>
        {serverFailure && !(serverFailure.code === 'forbidden' && needsApproval) ? (
          <p className="error" role="alert" data-testid="dialog-error">
            {t(`errors.${errorKey(serverFailure.code)}`)}: {serverFailure.message}
          </p>
        ) : null}
        <DialogButtons busy={refund.isPending} onCancel={onCancel} danger />
      </form>
    </DeskDialog>
  );
}
