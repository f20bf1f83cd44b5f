'use client';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { useForm } from 'react-hook-form';
import { useLocale, useTranslations } from 'use-intl';
import type { z } from 'zod';
import { PAYMENT_METHODS, type TPaymentMethod, ZRebook } from '../../../lib/schemas/front-desk.ts';
import { useTRPC } from '../../../lib/trpc/react.tsx';
import { addDays, isCalendarDate } from '../../../lib/venue-time.ts';
import { DeskDialog, DialogButtons } from './desk-dialog.tsx';
import { errorKey, moneyFormat, serverError, signedMoney } from './format.ts';
import type { TNotice } from './order-detail.tsx';
import type { TDeskOrder, TDeskTicket } from './order-types.ts';
import s from './orders.module.css';
import { schemaResolver } from './schema-resolver.ts';
import { fen } from '../../../lib/fen.ts';

interface TRebookForm {
  date: string;
  slot: string;
  /** The show time on the new date (演出场次), for tickets whose type includes a show. */
  show: string;
  payments: { method: TPaymentMethod; amount: number; tendered?: number; reference?: string }[];
}

/** "must add up to 40" in the server's answer: what the new date costs more, when the screen could not ask the catalog. */
const ADD_UP_RE = /must add up to (-?\d+(?:\.\d+)?)/;

/**
 * Change date (改签) of unused tickets: a new date and maybe a slot; the tickets keep their codes.
 * The difference comes from the window's catalog for that date (the server has the last word): a
 * dearer day is collected here (cash or a terminal's reference), a cheaper one goes back against
 * the original payments.
 */
export function RebookDialog({
  order,
  tickets,
  shift,
  onCancel,
  onDone,
}: {
  order: TDeskOrder;
  tickets: TDeskTicket[];
  shift: { id: number } | null;
  onCancel: () => void;
  onDone: (n: TNotice) => void;
}) {
  const t = useTranslations('fd.orders');
  const locale = useLocale();
  const money = moneyFormat(locale);
  const trpc = useTRPC();
  const firstDate = tickets.map((x) => x.date).sort()[0] ?? order.today;
  const [serverDiff, setServerDiff] = useState<number | null>(null);
  const collectRef = useRef(0);
  const form = useForm<TRebookForm, unknown, z.output<typeof ZRebook>>({
    defaultValues: {
      date: addDays([firstDate, order.today].sort()[1]!, 1),
      slot: tickets.find((x) => x.slot)?.slot?.start ?? '',
      show: tickets.find((x) => x.show)?.show?.start ?? '',
      payments: [{ method: 'cash', amount: 0 }],
    },
    // Payments are part of the request only when the new date costs more (known after the catalog answers).
    resolver: schemaResolver<TRebookForm, typeof ZRebook>(ZRebook, (v) => ({
      orderId: order.id,
      ticketIds: tickets.map((x) => x.id),
      date: v.date,
      slot: v.slot || undefined,
      show: v.show || undefined,
      payments:
        collectRef.current > 0
          ? v.payments.map((p) => ({
              method: p.method,
              amount: p.amount,
              ...(p.method === 'cash'
                ? p.tendered
                  ? { tendered: p.tendered }
                  : {}
                : { reference: p.reference?.trim() || undefined }),
            }))
          : undefined,
      shiftId: shift?.id,
    })),
  });
  const date = form.watch('date');
  const method = form.watch('payments.0.method');
  // The window's prices and slots for the new date (needs the cashier's open shift).
  const catalog = useQuery({
    ...trpc.frontDesk.catalog.queryOptions({ shiftId: shift?.id ?? 0, date }),
    enabled: !!shift && isCalendarDate(date),
  });
  const estimate = (() => {
    const types = catalog.data?.types;
    if (!types) return null;
    let diff = 0;
    for (const x of tickets) {
      const type = types.find((y) => y.code === x.type.code);
      if (!type) return null;
      // A bundle's components carry 0: as the server, compare only what the ticket cost.
      diff += x.price === 0 ? 0 : fen(type.price) - fen(x.price);
    }
    return diff / 100;
  })();
  const diff = serverDiff ?? estimate;
  const collect = diff !== null && diff > 0 ? diff : 0;
  const slotRequired = tickets.some((x) => catalog.data?.types.find((y) => y.code === x.type.code)?.slotRequired);
  // The new date's show times of the tickets' show (one show per ticket type; the server checks it).
  const shows = tickets
    .map((x) => catalog.data?.types.find((y) => y.code === x.type.code)?.shows)
    .find((x) => x?.length);
  collectRef.current = collect;
  useEffect(() => {
    form.setValue('payments.0.amount', collect);
  }, [collect, form]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: what the server said was for the date it was asked about
  useEffect(() => setServerDiff(null), [date]);

  const rebook = useMutation(trpc.frontDesk.rebook.mutationOptions());
  const onSubmit = form.handleSubmit((input) =>
    rebook.mutate(input, {
      onSuccess: (r) =>
        onDone({
          text: [
            t('rebook.done', {
              count: r.rebooked.length,
              date: r.date,
              slot: r.slot ?? '',
              diff: signedMoney(money, r.difference),
            }),
            r.difference > 0 ? t('rebook.doneCollected', { amount: money(r.difference) }) : '',
            r.difference < 0 ? t('rebook.doneRefunded', { amount: money(-r.difference) }) : '',
          ]
            .filter(Boolean)
            .join(' '),
          isError: false,
        }),
      onError: (e) => {
        const err = serverError(e);
        const m = ADD_UP_RE.exec(err.fields.payments?.join(' ') ?? '');
        if (m) setServerDiff(Number(m[1]));
        for (const [k, v] of Object.entries(err.fields))
          if (k === 'date' || k === 'slot' || k === 'show') form.setError(k, { message: v.join('; ') });
      },
    }),
  );
  const errors = form.formState.errors;
  const payErrors = errors.payments?.[0];
  const tendered = Number(form.watch('payments.0.tendered')) || 0;
  const serverFailure = rebook.error ? serverError(rebook.error) : null;
  return (
    <DeskDialog
      title={t('rebook.title')}
      onCancel={onCancel}
      testId="rebook-dialog"
      initialFocus="[data-testid=rebook-date]"
    >
      <form onSubmit={onSubmit} className={s.form} noValidate>
        <p>{t('rebook.tickets', { count: tickets.length })}</p>
        <ul className={s.dialogTickets}>
          {tickets.map((x) => (
            <li key={x.id} className={s.mono}>
              {x.code} · {x.date} {x.slot?.start ?? ''} · {money(x.price)}
            </li>
          ))}
        </ul>
        <div className={s.formRow}>
          <label>
            {t('rebook.date')}
            <input type="date" min={order.today} data-testid="rebook-date" {...form.register('date')} />
            {errors.date ? <span className="error">{errors.date.message}</span> : null}
          </label>
          {/* biome-ignore lint/a11y/noLabelWithoutControl: the control is a select or an input, whichever the catalog allows */}
          <label>
            {t('rebook.slot')}
            {catalog.data?.slots.length ? (
              <select data-testid="rebook-slot" {...form.register('slot')}>
                {slotRequired ? null : <option value="">{t('rebook.noSlot')}</option>}
                {catalog.data.slots
                  .filter((x) => !x.closed)
                  .map((x) => (
                    <option key={x.start} value={x.start}>
                      {t('rebook.slotLeft', { start: x.start, end: x.end, left: x.remaining })}
                    </option>
                  ))}
              </select>
            ) : (
              <input
                type="text"
                placeholder="HH:MM"
                maxLength={5}
                data-testid="rebook-slot"
                {...form.register('slot')}
              />
            )}
            {errors.slot ? <span className="error">{errors.slot.message}</span> : null}
          </label>
          {shows ? (
            <label>
              {t('rebook.show')}
              <select data-testid="rebook-show" {...form.register('show')}>
                {shows
                  .filter((x) => !x.closed)
                  .map((x) => (
                    <option key={x.start} value={x.start}>
                      {t('rebook.slotLeft', { start: x.start, end: x.end, left: x.remaining })}
                    </option>
                  ))}
              </select>
              {errors.show ? <span className="error">{errors.show.message}</span> : null}
            </label>
          ) : null}
        </div>
        <p className={s.total} data-testid="rebook-difference">
          {diff === null
            ? t('rebook.estimateUnknown')
            : `${t('rebook.estimate', { diff: signedMoney(money, diff) })} — ${
                diff > 0
                  ? t('rebook.collect', { amount: money(diff) })
                  : diff < 0
                    ? t('rebook.giveBack', { amount: money(-diff) })
                    : t('rebook.same')
              }`}
        </p>
        {collect > 0 ? (
          <div className={s.formRow} data-testid="rebook-payment">
            <label>
              {t('rebook.method')}
              <select data-testid="rebook-method" {...form.register('payments.0.method')}>
                {PAYMENT_METHODS.map((m) => (
                  <option key={m} value={m}>
                    {t(`methods.${m}`)}
                  </option>
                ))}
              </select>
            </label>
            <label>
              {t('rebook.amount')}
              <input
                type="number"
                readOnly
                data-testid="rebook-amount"
                {...form.register('payments.0.amount', { valueAsNumber: true })}
              />
              {payErrors?.amount ? <span className="error">{payErrors.amount.message}</span> : null}
            </label>
            {method === 'cash' ? (
              <label>
                {t('rebook.tendered')}
                <input
                  type="number"
                  step="0.01"
                  min={0}
                  data-testid="rebook-tendered"
                  {...form.register('payments.0.tendered', {
                    setValueAs: (v) => (v === '' || v === undefined ? undefined : Number(v)),
                  })}
                />
                {payErrors?.tendered ? <span className="error">{payErrors.tendered.message}</span> : null}
                {tendered > collect ? (
                  <span className="muted">{t('rebook.change', { change: money(tendered - collect) })}</span>
                ) : null}
              </label>
            ) : (
              <label>
                {t('rebook.reference')}
                <input
                  type="text"
                  maxLength={64}
                  data-testid="rebook-reference"
                  {...form.register('payments.0.reference')}
                />
                {payErrors?.reference ? <span className="error">{payErrors.reference.message}</span> : null}
              </label>
            )}
          </div>
        ) : null}
        {serverFailure ? (
          <p className="error" role="alert" data-testid="dialog-error">
            {t(`errors.${errorKey(serverFailure.code)}`)}: {serverFailure.message}
          </p>
        ) : null}
        <DialogButtons busy={rebook.isPending} onCancel={onCancel} />
      </form>
    </DeskDialog>
  );
}
