'use client';
import { useMutation } from '@tanstack/react-query';
import { useForm } from 'react-hook-form';
import { useLocale, useTranslations } from 'use-intl';
import type { z } from 'zod';
import { ZReplace } from '../../../lib/schemas/front-desk.ts';
import { useTRPC } from '../../../lib/trpc/react.tsx';
import { DeskDialog, DialogButtons } from './desk-dialog.tsx';
import { errorKey, serverError } from './format.ts';
import type { TNotice } from './order-detail.tsx';
import type { TDeskOrder, TDeskTicket } from './order-types.ts';
import s from './orders.module.css';
import { schemaResolver } from './schema-resolver.ts';

/** Replace a lost ticket (补票): a reason, then a new code; the old code is revoked at every gate. */
export function ReplaceDialog({
  ticket,
  onCancel,
  onDone,
}: {
  order: TDeskOrder;
  ticket: TDeskTicket;
  onCancel: () => void;
  onDone: (n: TNotice & { ticketId?: number }) => void;
}) {
  const t = useTranslations('fd.orders');
  const locale = useLocale();
  const trpc = useTRPC();
  const form = useForm<{ reason: string }, unknown, z.output<typeof ZReplace>>({
    defaultValues: { reason: '' },
    resolver: schemaResolver(ZReplace, (v) => ({ ticketId: ticket.id, reason: v.reason })),
  });
  const replace = useMutation(trpc.frontDesk.replace.mutationOptions());
  const onSubmit = form.handleSubmit((input) =>
    replace.mutate(input, {
      onSuccess: (r) =>
        onDone({
          text: t('replace.done', { code: r.code, oldCode: r.oldCode }),
          isError: false,
          code: r.code,
          ticketId: r.ticketId,
        }),
      onError: (e) => {
        const err = serverError(e);
        if (err.fields.reason) form.setError('reason', { message: err.fields.reason.join('; ') });
      },
    }),
  );
  const failure = replace.error ? serverError(replace.error) : null;
  const error = form.formState.errors.reason;
  return (
    <DeskDialog
      title={t('replace.title')}
      onCancel={onCancel}
      testId="replace-dialog"
      initialFocus="[data-testid=replace-reason]"
    >
      <form onSubmit={onSubmit} className={s.form} noValidate>
        <p>
          {t('replace.ticket', {
            code: ticket.code,
            type: locale === 'en' ? ticket.type.nameEn : ticket.type.nameZh,
          })}
        </p>
        <label>
          {t('replace.reason')}
          <input type="text" maxLength={200} data-testid="replace-reason" {...form.register('reason')} />
          {error ? <span className="error">{error.message}</span> : null}
        </label>
        {failure ? (
          <p className="error" role="alert" data-testid="dialog-error">
            {t(`errors.${errorKey(failure.code)}`)}: {failure.message}
          </p>
        ) : null}
        <DialogButtons busy={replace.isPending} onCancel={onCancel} danger />
      </form>
    </DeskDialog>
  );
}
