'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type ReactNode, useId, useState } from 'react';
import { useTranslations } from 'use-intl';
import { checkIdCard } from '../../lib/id-card.ts';
import { EXTRA_CATEGORIES } from '../../lib/schemas/hotel.ts';
import { useTRPC } from '../../lib/trpc/react.tsx';
import { addDays } from '../../lib/venue-time.ts';
import { moneyFormat, serverError } from '../front-desk/orders/format.ts';
import { SupervisorFields } from '../front-desk/supervisor-fields.tsx';
import { HotelDialog, useHotelError } from './hotel-dialog.tsx';
import styles from './hotel.module.css';
import { type TStay, useHotelDesk } from './hotel-shell.tsx';
import { EMPTY_PAYMENT, PaymentFields, paymentOf } from './payment-fields.tsx';

/** What the reservation screen can do to a stay; each has its dialog below and its Alt key on the screen. */
export const STAY_ACTIONS = [
  { action: 'checkIn', key: 'I', states: ['confirmed'] },
  { action: 'extra', key: 'X', states: ['checked_in'] },
  { action: 'payment', key: 'P', states: ['confirmed', 'checked_in', 'checked_out'] },
  { action: 'refund', key: 'F', states: ['confirmed', 'checked_in', 'checked_out', 'cancelled', 'no_show'] },
  { action: 'correction', key: 'C', states: ['confirmed', 'checked_in', 'checked_out', 'cancelled', 'no_show'] },
  { action: 'move', key: 'M', states: ['checked_in'] },
  { action: 'extend', key: 'L', states: ['confirmed', 'checked_in'] },
  { action: 'departEarly', key: 'D', states: ['checked_in'] },
  { action: 'checkOut', key: 'O', states: ['checked_in'] },
  { action: 'cancel', key: 'K', states: ['confirmed'] },
  { action: 'noShow', key: 'N', states: ['confirmed'] },
  { action: 'revert', key: 'V', states: ['checked_in', 'checked_out'] },
] as const;
export type TStayAction = (typeof STAY_ACTIONS)[number]['action'];

interface TProps {
  stay: TStay;
  onClose: () => void;
}

/** The dialog of one action on a stay. */
export function StayActionDialog({ action, stay, onClose }: TProps & { action: TStayAction }) {
  switch (action) {
    case 'checkIn':
      return <CheckInDialog stay={stay} onClose={onClose} />;
    case 'extra':
      return <ExtraDialog stay={stay} onClose={onClose} />;
    case 'payment':
      return <PaymentDialog stay={stay} onClose={onClose} />;
    case 'refund':
      return <RefundDialog stay={stay} onClose={onClose} />;
    case 'correction':
      return <CorrectionDialog stay={stay} onClose={onClose} />;
    case 'move':
      return <MoveDialog stay={stay} onClose={onClose} />;
    case 'extend':
      return <ExtendDialog stay={stay} onClose={onClose} />;
    case 'departEarly':
    case 'cancel':
    case 'noShow':
      return <ReasonDialog action={action} stay={stay} onClose={onClose} />;
    case 'checkOut':
      return <CheckOutDialog stay={stay} onClose={onClose} />;
    case 'revert':
      return <RevertDialog stay={stay} onClose={onClose} />;
  }
}

/** After a change: the stay, today's lists and the hotel (its business date) are read again. */
function useAfterChange(stayId: number, onClose: () => void) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { venue } = useHotelDesk();
  return (stay?: unknown) => {
    if (stay) queryClient.setQueryData(trpc.hotel.stay.queryKey({ venueId: venue.id, stayId }), stay as TStay);
    void queryClient.invalidateQueries({ queryKey: trpc.hotel.stay.queryKey({ venueId: venue.id, stayId }) });
    void queryClient.invalidateQueries({ queryKey: trpc.hotel.today.queryKey() });
    void queryClient.invalidateQueries({ queryKey: trpc.hotel.suggestRooms.queryKey() });
    onClose();
  };
}

/** A label, its field and the field's error, the same way in every dialog. */
function Field({ label, error, children }: { label: string; error?: string; children: (id: string) => ReactNode }) {
  const id = useId();
  return (
    <>
      <label htmlFor={id}>{label}</label>
      {children(id)}
      {error ? <p className="error">{error}</p> : null}
    </>
  );
}

type TErrs = Record<string, string[]>;
const first = (e: TErrs, k: string) => e[k]?.[0];

/** A supervisor's credentials and reason (主管授权), as the check-in desk asks them. */
function SupervisorPart({
  value,
  onChange,
  errors,
  reasonLabel,
}: {
  value: { email: string; password: string; reason: string };
  onChange: (v: { email: string; password: string; reason: string }) => void;
  errors: TErrs;
  reasonLabel: string;
}) {
  return (
    <>
      <SupervisorFields
        value={{ email: value.email, password: value.password }}
        onChange={(c) => onChange({ ...value, ...c })}
        error={first(errors, 'override.supervisor.email') ?? first(errors, 'transfer.supervisor.email')}
      />
      <Field label={reasonLabel} error={first(errors, 'override.reason') ?? first(errors, 'transfer.reason')}>
        {(id) => (
          <input
            id={id}
            data-testid="hotel-supervisor-reason"
            autoComplete="off"
            value={value.reason}
            onChange={(e) => onChange({ ...value, reason: e.target.value })}
          />
        )}
      </Field>
    </>
  );
}
const NO_SUPERVISOR = { email: '', password: '', reason: '' };
const supervisorOf = (s: typeof NO_SUPERVISOR) => ({
  supervisor: { email: s.email, password: s.password },
  reason: s.reason,
});

/**
 * Check-in (入住登记): every guest's name and ID number (the ID-card reader types the number and
 * Enter into the focused field: Enter then moves on to the next guest), the room (the suggestion
 * first), the deposit with its method and terminal reference. A room not clean asks a supervisor.
 */
function CheckInDialog({ stay, onClose }: TProps) {
  const t = useTranslations('hotel');
  const { venue } = useHotelDesk();
  const trpc = useTRPC();
  const errorOf = useHotelError();
  const done = useAfterChange(stay.id, onClose);
  const count = stay.adults + stay.children;
  const [guests, setGuests] = useState(() =>
    Array.from({ length: count }, (_, n) => ({
      no: n + 1,
      name: n === 0 ? (stay.customer.name ?? '') : '',
      idNumber: '',
    })),
  );
  const suggest = useQuery(trpc.hotel.suggestRooms.queryOptions({ venueId: venue.id, stayId: stay.id }));
  const [roomId, setRoomId] = useState<string>(stay.roomId ? String(stay.roomId) : '');
  const chosenRoom = roomId || (suggest.data?.[0] ? String(suggest.data[0].id) : '');
  const [deposit, setDeposit] = useState(EMPTY_PAYMENT);
  const [needsSupervisor, setNeedsSupervisor] = useState(false);
  const [sup, setSup] = useState(NO_SUPERVISOR);
  const [errors, setErrors] = useState<TErrs>({});
  const m = useMutation(trpc.hotel.checkIn.mutationOptions());
  const confirm = () => {
    const errs: TErrs = {};
    guests.forEach((g, i) => {
      if (!g.name.trim()) errs[`guests.${i}.name`] = [t('checkIn.nameRequired')];
      if (!checkIdCard(g.idNumber.trim()).ok) errs[`guests.${i}.idNumber`] = [t('checkIn.badId')];
    });
    if (!deposit.amount.trim() || !(Number(deposit.amount) > 0))
      errs['deposit.amount'] = [t('checkIn.depositRequired')];
    setErrors(errs);
    if (Object.keys(errs).length) return;
    m.mutate(
      {
        venueId: venue.id,
        stayId: stay.id,
        ...(chosenRoom && Number(chosenRoom) !== stay.roomId ? { roomId: Number(chosenRoom) } : {}),
        guests: guests.map((g) => ({ name: g.name, idNumber: g.idNumber.trim() })),
        deposit: paymentOf(deposit),
        ...(needsSupervisor ? { override: supervisorOf(sup) } : {}),
      },
      {
        onSuccess: done,
        onError: (err) => {
          const e = serverError(err);
          if (e.code === 'conflict' && /supervisor/.test(e.message)) setNeedsSupervisor(true);
          setErrors(e.fields);
        },
      },
    );
  };
  return (
    <HotelDialog
      title={t('checkIn.title', { code: stay.orderCode ?? stay.id })}
      testid="hotel-checkin"
      busy={m.isPending}
      error={m.error ? errorOf(m.error) : null}
      onConfirm={confirm}
      onCancel={onClose}
    >
      {guests.map((g, i) => (
        <fieldset key={g.no} data-testid="checkin-guest">
          <legend>{t('checkIn.guest', { n: i + 1 })}</legend>
          <Field label={t('checkIn.name')} error={first(errors, `guests.${i}.name`)}>
            {(id) => (
              <input
                id={id}
                data-testid={`checkin-guest-${i + 1}-name`}
                data-enter-moves-on
                autoComplete="off"
                value={g.name}
                onChange={(e) => setGuests((x) => x.map((y, j) => (j === i ? { ...y, name: e.target.value } : y)))}
              />
            )}
          </Field>
          <Field label={t('checkIn.idNumber')} error={first(errors, `guests.${i}.idNumber`)}>
            {(id) => (
              <input
                id={id}
                data-testid={`checkin-guest-${i + 1}-id`}
                data-enter-moves-on
                autoComplete="off"
                value={g.idNumber}
                onChange={(e) => setGuests((x) => x.map((y, j) => (j === i ? { ...y, idNumber: e.target.value } : y)))}
              />
            )}
          </Field>
        </fieldset>
      ))}
      <Field label={t('checkIn.room')} error={first(errors, 'roomId')}>
        {(id) => (
          <select
            id={id}
            data-testid="checkin-room"
            data-enter-moves-on
            value={chosenRoom}
            onChange={(e) => setRoomId(e.target.value)}
          >
            {stay.roomId && !suggest.data?.some((r) => r.id === stay.roomId) ? (
              <option value={stay.roomId}>{stay.room}</option>
            ) : null}
            {(suggest.data ?? []).map((r, n) => (
              <option key={r.id} value={r.id}>
                {r.number} · {t(`housekeeping.${r.housekeeping}`)}
                {n === 0 ? ` · ${t('stay.suggested')}` : ''}
              </option>
            ))}
          </select>
        )}
      </Field>
      <PaymentFields
        prefix="checkin-deposit"
        legend={t('checkIn.deposit')}
        value={deposit}
        onChange={setDeposit}
        errors={{ amount: first(errors, 'deposit.amount'), reference: first(errors, 'deposit.reference') }}
      />
      {needsSupervisor ? (
        <SupervisorPart value={sup} onChange={setSup} errors={errors} reasonLabel={t('checkIn.overrideReason')} />
      ) : null}
    </HotelDialog>
  );
}

function ExtraDialog({ stay, onClose }: TProps) {
  const t = useTranslations('hotel');
  const { venue } = useHotelDesk();
  const trpc = useTRPC();
  const errorOf = useHotelError();
  const done = useAfterChange(stay.id, onClose);
  const [f, setF] = useState({
    category: 'minibar' as (typeof EXTRA_CATEGORIES)[number],
    zh: '',
    en: '',
    qty: '1',
    amount: '',
  });
  const m = useMutation(trpc.hotel.postExtra.mutationOptions());
  const errors = m.error ? serverError(m.error).fields : {};
  return (
    <HotelDialog
      title={t('extra.title')}
      testid="hotel-extra"
      busy={m.isPending}
      error={m.error ? errorOf(m.error) : null}
      onCancel={onClose}
      onConfirm={() =>
        m.mutate(
          {
            venueId: venue.id,
            stayId: stay.id,
            category: f.category,
            descriptionZh: f.zh,
            descriptionEn: f.en || f.zh,
            qty: Number(f.qty),
            amount: Number(f.amount),
          },
          { onSuccess: done },
        )
      }
    >
      <Field label={t('extra.category')}>
        {(id) => (
          <select
            id={id}
            data-testid="extra-category"
            data-enter-moves-on
            value={f.category}
            onChange={(e) => setF({ ...f, category: e.target.value as typeof f.category })}
          >
            {EXTRA_CATEGORIES.map((c) => (
              <option key={c} value={c}>
                {t(`extra.categories.${c}`)}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label={t('extra.descriptionZh')} error={first(errors, 'descriptionZh')}>
        {(id) => (
          <input
            id={id}
            data-testid="extra-zh"
            data-enter-moves-on
            value={f.zh}
            onChange={(e) => setF({ ...f, zh: e.target.value })}
          />
        )}
      </Field>
      <Field label={t('extra.descriptionEn')} error={first(errors, 'descriptionEn')}>
        {(id) => (
          <input
            id={id}
            data-testid="extra-en"
            data-enter-moves-on
            value={f.en}
            onChange={(e) => setF({ ...f, en: e.target.value })}
          />
        )}
      </Field>
      <Field label={t('extra.qty')} error={first(errors, 'qty')}>
        {(id) => (
          <input
            id={id}
            data-testid="extra-qty"
            data-enter-moves-on
            inputMode="numeric"
            value={f.qty}
            onChange={(e) => setF({ ...f, qty: e.target.value })}
          />
        )}
      </Field>
      <Field label={t('extra.amount')} error={first(errors, 'amount')}>
        {(id) => (
          <input
            id={id}
            data-testid="extra-amount"
            inputMode="decimal"
            value={f.amount}
            onChange={(e) => setF({ ...f, amount: e.target.value })}
          />
        )}
      </Field>
    </HotelDialog>
  );
}

function PaymentDialog({ stay, onClose }: TProps) {
  const t = useTranslations('hotel');
  const { venue } = useHotelDesk();
  const trpc = useTRPC();
  const errorOf = useHotelError();
  const done = useAfterChange(stay.id, onClose);
  const [p, setP] = useState({ ...EMPTY_PAYMENT, amount: stay.balance > 0 ? stay.balance.toFixed(2) : '' });
  const [deposit, setDeposit] = useState(false);
  const m = useMutation(trpc.hotel.postPayment.mutationOptions());
  const errors = m.error ? serverError(m.error).fields : {};
  return (
    <HotelDialog
      title={t('paymentDialog.title')}
      testid="hotel-payment"
      busy={m.isPending}
      error={m.error ? errorOf(m.error) : null}
      onCancel={onClose}
      onConfirm={() =>
        m.mutate({ venueId: venue.id, stayId: stay.id, payment: paymentOf(p), deposit }, { onSuccess: done })
      }
    >
      <PaymentFields
        prefix="payment"
        legend={t('paymentDialog.legend')}
        value={p}
        onChange={setP}
        errors={{ amount: first(errors, 'payment.amount'), reference: first(errors, 'payment.reference') }}
      />
      <label className={styles.check}>
        <input type="checkbox" checked={deposit} onChange={(e) => setDeposit(e.target.checked)} />
        {t('paymentDialog.isDeposit')}
      </label>
    </HotelDialog>
  );
}

function RefundDialog({ stay, onClose }: TProps) {
  const t = useTranslations('hotel');
  const { venue, locale } = useHotelDesk();
  const money = moneyFormat(locale);
  const trpc = useTRPC();
  const errorOf = useHotelError();
  const done = useAfterChange(stay.id, onClose);
  const paid = stay.folio.filter((l) => (l.kind === 'payment' || l.kind === 'deposit') && l.paymentId);
  const [f, setF] = useState({
    paymentId: paid[0]?.paymentId ? String(paid[0].paymentId) : '',
    amount: '',
    reason: '',
  });
  const m = useMutation(trpc.hotel.postRefund.mutationOptions());
  const errors = m.error ? serverError(m.error).fields : {};
  return (
    <HotelDialog
      title={t('refund.title')}
      testid="hotel-refund"
      busy={m.isPending}
      error={m.error ? errorOf(m.error) : paid.length ? null : t('refund.nothing')}
      onCancel={onClose}
      onConfirm={() =>
        m.mutate(
          {
            venueId: venue.id,
            stayId: stay.id,
            paymentId: Number(f.paymentId),
            amount: Number(f.amount),
            reason: f.reason,
          },
          { onSuccess: done },
        )
      }
    >
      <Field label={t('refund.payment')} error={first(errors, 'paymentId')}>
        {(id) => (
          <select
            id={id}
            data-testid="refund-payment"
            data-enter-moves-on
            value={f.paymentId}
            onChange={(e) => setF({ ...f, paymentId: e.target.value })}
          >
            {paid.map((l) => (
              <option key={l.id} value={l.paymentId ?? ''}>
                {locale === 'en' ? l.descriptionEn : l.descriptionZh} · {money(-l.amount)}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label={t('refund.amount')} error={first(errors, 'amount')}>
        {(id) => (
          <input
            id={id}
            data-testid="refund-amount"
            data-enter-moves-on
            inputMode="decimal"
            value={f.amount}
            onChange={(e) => setF({ ...f, amount: e.target.value })}
          />
        )}
      </Field>
      <Field label={t('reason')} error={first(errors, 'reason')}>
        {(id) => (
          <input
            id={id}
            data-testid="refund-reason"
            value={f.reason}
            onChange={(e) => setF({ ...f, reason: e.target.value })}
          />
        )}
      </Field>
    </HotelDialog>
  );
}

function CorrectionDialog({ stay, onClose }: TProps) {
  const t = useTranslations('hotel');
  const { venue, locale } = useHotelDesk();
  const money = moneyFormat(locale);
  const trpc = useTRPC();
  const errorOf = useHotelError();
  const done = useAfterChange(stay.id, onClose);
  const charges = stay.folio.filter((l) => l.amount > 0 && l.kind !== 'transfer');
  const [f, setF] = useState({ lineId: charges.at(-1) ? String(charges.at(-1)?.id) : '', amount: '', reason: '' });
  const m = useMutation(trpc.hotel.postCorrection.mutationOptions());
  const errors = m.error ? serverError(m.error).fields : {};
  return (
    <HotelDialog
      title={t('correction.title')}
      testid="hotel-correction"
      busy={m.isPending}
      error={m.error ? errorOf(m.error) : charges.length ? null : t('correction.nothing')}
      onCancel={onClose}
      onConfirm={() =>
        m.mutate(
          {
            venueId: venue.id,
            stayId: stay.id,
            lineId: Number(f.lineId),
            ...(f.amount.trim() ? { amount: Number(f.amount) } : {}),
            reason: f.reason,
          },
          { onSuccess: done },
        )
      }
    >
      <Field label={t('correction.line')} error={first(errors, 'lineId')}>
        {(id) => (
          <select
            id={id}
            data-testid="correction-line"
            data-enter-moves-on
            value={f.lineId}
            onChange={(e) => setF({ ...f, lineId: e.target.value })}
          >
            {charges.map((l) => (
              <option key={l.id} value={l.id}>
                {l.businessDate} · {locale === 'en' ? l.descriptionEn : l.descriptionZh} · {money(l.amount)}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label={t('correction.amount')} error={first(errors, 'amount')}>
        {(id) => (
          <input
            id={id}
            data-testid="correction-amount"
            data-enter-moves-on
            inputMode="decimal"
            value={f.amount}
            onChange={(e) => setF({ ...f, amount: e.target.value })}
          />
        )}
      </Field>
      <Field label={t('reason')} error={first(errors, 'reason')}>
        {(id) => (
          <input
            id={id}
            data-testid="correction-reason"
            value={f.reason}
            onChange={(e) => setF({ ...f, reason: e.target.value })}
          />
        )}
      </Field>
    </HotelDialog>
  );
}

/** Room move (换房): the new room from tonight; the suggestion of the type's free clean rooms first. */
function MoveDialog({ stay, onClose }: TProps) {
  const t = useTranslations('hotel');
  const { venue } = useHotelDesk();
  const trpc = useTRPC();
  const errorOf = useHotelError();
  const done = useAfterChange(stay.id, onClose);
  const suggest = useQuery(trpc.hotel.suggestRooms.queryOptions({ venueId: venue.id, stayId: stay.id }));
  const rooms = (suggest.data ?? []).filter((r) => r.id !== stay.roomId);
  const [roomId, setRoomId] = useState('');
  const [reason, setReason] = useState('');
  const chosen = roomId || (rooms[0] ? String(rooms[0].id) : '');
  const m = useMutation(trpc.hotel.moveRoom.mutationOptions());
  const errors = m.error ? serverError(m.error).fields : {};
  return (
    <HotelDialog
      title={t('move.title', { room: stay.room ?? '—' })}
      testid="hotel-move"
      busy={m.isPending}
      error={m.error ? errorOf(m.error) : suggest.isError ? errorOf(suggest.error) : null}
      onCancel={onClose}
      onConfirm={() =>
        m.mutate({ venueId: venue.id, stayId: stay.id, roomId: Number(chosen), reason }, { onSuccess: done })
      }
    >
      <Field label={t('move.room')} error={first(errors, 'roomId')}>
        {(id) => (
          <select
            id={id}
            data-testid="move-room"
            data-enter-moves-on
            value={chosen}
            onChange={(e) => setRoomId(e.target.value)}
          >
            {rooms.map((r, n) => (
              <option key={r.id} value={r.id}>
                {r.number} · {t(`housekeeping.${r.housekeeping}`)}
                {n === 0 ? ` · ${t('stay.suggested')}` : ''}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label={t('reason')} error={first(errors, 'reason')}>
        {(id) => <input id={id} data-testid="move-reason" value={reason} onChange={(e) => setReason(e.target.value)} />}
      </Field>
    </HotelDialog>
  );
}

function ExtendDialog({ stay, onClose }: TProps) {
  const t = useTranslations('hotel');
  const { venue } = useHotelDesk();
  const trpc = useTRPC();
  const errorOf = useHotelError();
  const done = useAfterChange(stay.id, onClose);
  const [checkOut, setCheckOut] = useState(addDays(stay.checkOut, 1));
  const m = useMutation(trpc.hotel.extend.mutationOptions());
  const errors = m.error ? serverError(m.error).fields : {};
  return (
    <HotelDialog
      title={t('extend.title', { date: stay.checkOut })}
      testid="hotel-extend"
      busy={m.isPending}
      error={m.error ? errorOf(m.error) : null}
      onCancel={onClose}
      onConfirm={() => m.mutate({ venueId: venue.id, stayId: stay.id, checkOut }, { onSuccess: done })}
    >
      <Field label={t('extend.checkOut')} error={first(errors, 'checkOut')}>
        {(id) => (
          <input
            id={id}
            data-testid="extend-check-out"
            value={checkOut}
            onChange={(e) => setCheckOut(e.target.value)}
          />
        )}
      </Field>
    </HotelDialog>
  );
}

/** Early departure, cancellation and no-show: a confirmation with an optional reason (the rate plan's rule decides the fee). */
function ReasonDialog({ action, stay, onClose }: TProps & { action: 'departEarly' | 'cancel' | 'noShow' }) {
  const t = useTranslations('hotel');
  const { venue } = useHotelDesk();
  const trpc = useTRPC();
  const errorOf = useHotelError();
  const done = useAfterChange(stay.id, onClose);
  const [reason, setReason] = useState('');
  const depart = useMutation(trpc.hotel.departEarly.mutationOptions());
  const cancel = useMutation(trpc.hotel.cancel.mutationOptions());
  const noShow = useMutation(trpc.hotel.noShow.mutationOptions());
  const m = action === 'departEarly' ? depart : action === 'cancel' ? cancel : noShow;
  const errors = m.error ? serverError(m.error).fields : {};
  return (
    <HotelDialog
      title={t(`${action}.title`)}
      testid={`hotel-${action}`}
      busy={m.isPending}
      error={m.error ? errorOf(m.error) : null}
      onCancel={onClose}
      onConfirm={() =>
        m.mutate({ venueId: venue.id, stayId: stay.id, ...(reason.trim() ? { reason } : {}) }, { onSuccess: done })
      }
    >
      <p>{t(`${action}.intro`)}</p>
      <Field label={t('reasonOptional')} error={first(errors, 'reason')}>
        {(id) => (
          <input id={id} data-testid={`${action}-reason`} value={reason} onChange={(e) => setReason(e.target.value)} />
        )}
      </Field>
    </HotelDialog>
  );
}

/** Check-out (退房): a zero balance, or a supervisor transfers what is left to the house account with a note. */
function CheckOutDialog({ stay, onClose }: TProps) {
  const t = useTranslations('hotel');
  const { venue, locale } = useHotelDesk();
  const money = moneyFormat(locale);
  const trpc = useTRPC();
  const errorOf = useHotelError();
  const done = useAfterChange(stay.id, onClose);
  const [sup, setSup] = useState(NO_SUPERVISOR);
  const transfer = stay.balance !== 0;
  const m = useMutation(trpc.hotel.checkOut.mutationOptions());
  const errors = m.error ? serverError(m.error).fields : {};
  return (
    <HotelDialog
      title={t('checkOut.title', { code: stay.orderCode ?? stay.id })}
      testid="hotel-checkout"
      busy={m.isPending}
      error={m.error ? errorOf(m.error) : null}
      onCancel={onClose}
      onConfirm={() =>
        m.mutate(
          { venueId: venue.id, stayId: stay.id, ...(transfer ? { transfer: supervisorOf(sup) } : {}) },
          { onSuccess: done },
        )
      }
    >
      <p data-testid="checkout-balance">{t('checkOut.balance', { balance: money(stay.balance) })}</p>
      {transfer ? (
        <>
          <p className="warn-text">{t('checkOut.transferIntro')}</p>
          <SupervisorPart value={sup} onChange={setSup} errors={errors} reasonLabel={t('checkOut.transferNote')} />
        </>
      ) : null}
    </HotelDialog>
  );
}

/** A supervisor undoes a mistaken check-in or check-out (撤销). */
function RevertDialog({ stay, onClose }: TProps) {
  const t = useTranslations('hotel');
  const { venue } = useHotelDesk();
  const trpc = useTRPC();
  const errorOf = useHotelError();
  const done = useAfterChange(stay.id, onClose);
  const what = stay.state === 'checked_out' ? 'check_out' : 'check_in';
  const [sup, setSup] = useState(NO_SUPERVISOR);
  const m = useMutation(trpc.hotel.revert.mutationOptions());
  const errors = m.error ? serverError(m.error).fields : {};
  return (
    <HotelDialog
      title={t(`revert.${what}`)}
      testid="hotel-revert"
      busy={m.isPending}
      error={m.error ? errorOf(m.error) : null}
      onCancel={onClose}
      onConfirm={() =>
        m.mutate({ venueId: venue.id, stayId: stay.id, what, override: supervisorOf(sup) }, { onSuccess: done })
      }
    >
      <SupervisorPart value={sup} onChange={setSup} errors={errors} reasonLabel={t('reason')} />
    </HotelDialog>
  );
}
