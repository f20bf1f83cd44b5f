'use client';
import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslations } from 'use-intl';
import { useTRPC } from '../../../lib/trpc/react.tsx';
import { printNow, type TPaper } from '../print-portal.tsx';
import { DeskDialog, DialogButtons } from './desk-dialog.tsx';
import { errorKey, serverError } from './format.ts';
import type { TNotice } from './order-detail.tsx';
import type { TDeskOrder } from './order-types.ts';
import s from './orders.module.css';

/**
 * Reprint (重打): confirmed, recorded by the server (`printed` with `reprint: true`, audited), then
 * the order's print view is drawn and the print dialog opened; every piece says it is a reprint.
 */
export function ReprintDialog({
  order,
  onCancel,
  onDone,
}: {
  order: TDeskOrder;
  onCancel: () => void;
  onDone: (n: TNotice & { print?: { paper: TPaper } }) => void;
}) {
  const t = useTranslations('fd.orders');
  const trpc = useTRPC();
  const [paper, setPaper] = useState<TPaper>('80mm');
  const printed = useMutation(trpc.frontDesk.printed.mutationOptions());
  const live = order.tickets.filter((x) => x.state !== 'refunded' && x.state !== 'replaced').length;
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    printed.mutate(
      { orderId: order.id, reprint: true },
      {
        onSuccess: () => {
          onDone({ text: t('reprint.done', { code: order.code ?? order.ref }), isError: false, print: { paper } });
          printNow();
        },
      },
    );
  };
  const failure = printed.error ? serverError(printed.error) : null;
  return (
    <DeskDialog
      title={t('reprint.title')}
      onCancel={onCancel}
      testId="reprint-dialog"
      initialFocus="input[name=paper]:checked"
    >
      <form onSubmit={onSubmit} className={s.form} noValidate>
        <p>{t('reprint.body', { count: live, code: order.code ?? order.ref })}</p>
        <fieldset className={s.paper}>
          {(['80mm', 'a4'] as const).map((p) => (
            <label key={p} className={s.inline}>
              <input
                type="radio"
                name="paper"
                value={p}
                checked={paper === p}
                onChange={() => setPaper(p)}
                data-testid={`reprint-paper-${p}`}
              />
              {p === '80mm' ? '80 mm' : 'A4'}
            </label>
          ))}
        </fieldset>
        {failure ? (
          <p className="error" role="alert" data-testid="dialog-error">
            {t(`errors.${errorKey(failure.code)}`)}: {failure.message}
          </p>
        ) : null}
        <DialogButtons busy={printed.isPending} onCancel={onCancel} />
      </form>
    </DeskDialog>
  );
}
