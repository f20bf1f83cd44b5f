'use client';
import { useId } from 'react';
import { useTranslations } from 'use-intl';
import { PAYMENT_METHODS, type TPaymentMethod } from '../../lib/schemas/front-desk.ts';

/** A payment as typed: strings until it is sent (the server's ZPayment parses it). */
export interface TPaymentDraft {
  method: TPaymentMethod;
  amount: string;
  /** The terminal's reference (not cash). */
  reference: string;
}
export const EMPTY_PAYMENT: TPaymentDraft = { method: 'cash', amount: '', reference: '' };

/** The draft as the procedures take it (ZPayment): cash carries no reference, the others their terminal's. */
export function paymentOf(d: TPaymentDraft) {
  return {
    method: d.method,
    amount: Number(d.amount),
    ...(d.method !== 'cash' ? { reference: d.reference.trim() || undefined } : {}),
  };
}

/** Method, amount and terminal reference, as the ticket window takes a payment. */
export function PaymentFields({
  value,
  onChange,
  errors,
  prefix,
  legend,
}: {
  value: TPaymentDraft;
  onChange: (v: TPaymentDraft) => void;
  /** Messages by field: method, amount, reference. */
  errors: Record<string, string | undefined>;
  prefix: string;
  legend: string;
}) {
  const t = useTranslations('hotel.payment');
  const id = useId();
  return (
    <fieldset data-testid={`${prefix}-payment`}>
      <legend>{legend}</legend>
      <label htmlFor={`${id}-method`}>{t('method')}</label>
      <select
        id={`${id}-method`}
        data-testid={`${prefix}-method`}
        data-enter-moves-on
        value={value.method}
        onChange={(e) => onChange({ ...value, method: e.target.value as TPaymentMethod })}
      >
        {PAYMENT_METHODS.map((m) => (
          <option key={m} value={m}>
            {t(`methods.${m}`)}
          </option>
        ))}
      </select>
      <label htmlFor={`${id}-amount`}>{t('amount')}</label>
      <input
        id={`${id}-amount`}
        data-testid={`${prefix}-amount`}
        inputMode="decimal"
        autoComplete="off"
        value={value.amount}
        onChange={(e) => onChange({ ...value, amount: e.target.value })}
      />
      {errors.amount ? <p className="error">{errors.amount}</p> : null}
      {value.method !== 'cash' ? (
        <>
          <label htmlFor={`${id}-ref`}>{t('reference')}</label>
          <input
            id={`${id}-ref`}
            data-testid={`${prefix}-reference`}
            autoComplete="off"
            value={value.reference}
            onChange={(e) => onChange({ ...value, reference: e.target.value })}
          />
          {errors.reference ? <p className="error">{errors.reference}</p> : null}
        </>
      ) : null}
    </fieldset>
  );
}
