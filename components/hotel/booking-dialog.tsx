'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useRef, useState } from 'react';
import { useTranslations } from 'use-intl';
import { fieldsOf } from '../../lib/errors.ts';
import { ZBooking } from '../../lib/schemas/hotel.ts';
import { useTRPC } from '../../lib/trpc/react.tsx';
import { addDays } from '../../lib/venue-time.ts';
import { moneyFormat } from '../front-desk/orders/format.ts';
import { HotelDialog, useHotelError } from './hotel-dialog.tsx';
import styles from './hotel.module.css';
import { useHotelDesk } from './hotel-shell.tsx';
import { EMPTY_PAYMENT, PaymentFields, paymentOf } from './payment-fields.tsx';

/** A client reference for one booking: the service answers the same ref with the stay it made, so it books once. */
function newRef(): string {
  return `desk-${crypto.randomUUID()}`;
}

/**
 * A walk-in or phone booking (预订) by keyboard: room type, rate plan, dates, guests, the guest's
 * name and phone, and an optional deposit. The type's rooms left per night are shown as the dates
 * change, and nights sold out are named before Enter; the server decides (sold_out) all the same.
 */
export function BookingDialog({ onCancel, onBooked }: { onCancel: () => void; onBooked: (stayId: number) => void }) {
  const t = useTranslations('hotel.booking');
  const { venue, hotel, name, locale } = useHotelDesk();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const errorOf = useHotelError();
  const money = moneyFormat(locale);
  const id = useId();
  // The ref goes with what was sent: the same booking again (a double Enter, a retry after no
  // answer) keeps it, a booking changed after a refusal (other dates after sold_out) gets a new one.
  const sent = useRef<{ ref: string; body: string } | null>(null);
  const [f, setF] = useState({
    roomType: hotel.roomTypes[0]?.code ?? '',
    ratePlan: hotel.ratePlans[0]?.code ?? '',
    checkIn: hotel.businessDate,
    checkOut: addDays(hotel.businessDate, 1),
    adults: '2',
    children: '0',
    name: '',
    phone: '',
  });
  const [deposit, setDeposit] = useState(EMPTY_PAYMENT);
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const set = (k: keyof typeof f) => (e: { target: { value: string } }) => setF((x) => ({ ...x, [k]: e.target.value }));
  const rangeOk =
    /^\d{4}-\d{2}-\d{2}$/.test(f.checkIn) && /^\d{4}-\d{2}-\d{2}$/.test(f.checkOut) && f.checkOut > f.checkIn;
  const avail = useQuery({
    ...trpc.hotel.availability.queryOptions({ venueId: venue.id, hotelId: hotel.id, from: f.checkIn, to: f.checkOut }),
    enabled: rangeOk,
  });
  const nights = avail.data?.types.find((x) => x.code === f.roomType)?.nights ?? [];
  const soldOut = nights.filter((n) => n.left <= 0).map((n) => n.night);
  const type = hotel.roomTypes.find((x) => x.code === f.roomType);
  const book = useMutation(trpc.hotel.book.mutationOptions());

  const confirm = () => {
    const body = {
      venueId: venue.id,
      hotelId: hotel.id,
      roomType: f.roomType,
      ratePlan: f.ratePlan,
      checkIn: f.checkIn,
      checkOut: f.checkOut,
      adults: Number(f.adults),
      children: Number(f.children || 0),
      guest: { name: f.name, phone: f.phone },
      payments: deposit.amount.trim() ? [paymentOf(deposit)] : [],
    };
    const key = JSON.stringify(body);
    if (sent.current?.body !== key) sent.current = { ref: newRef(), body: key };
    const input = { ...body, ref: sent.current.ref };
    const parsed = ZBooking.safeParse(input);
    if (!parsed.success) {
      setErrors(fieldsOf(parsed.error.issues));
      return;
    }
    setErrors({});
    book.mutate(input, {
      onSuccess: (r) => {
        void queryClient.invalidateQueries({ queryKey: trpc.hotel.today.queryKey() });
        void queryClient.invalidateQueries({ queryKey: trpc.hotel.availability.queryKey() });
        onBooked(r.stay.id);
      },
    });
  };
  const err = (k: string) => (errors[k]?.length ? <p className="error">{errors[k][0]}</p> : null);

  return (
    <HotelDialog
      title={t('title')}
      testid="hotel-booking"
      busy={book.isPending}
      error={book.error ? errorOf(book.error) : null}
      confirmLabel={t('confirm')}
      onConfirm={confirm}
      onCancel={onCancel}
    >
      <div className={styles.formGrid}>
        <label htmlFor={`${id}-type`}>{t('roomType')}</label>
        <select
          id={`${id}-type`}
          data-testid="booking-type"
          data-enter-moves-on
          value={f.roomType}
          onChange={set('roomType')}
        >
          {hotel.roomTypes.map((x) => (
            <option key={x.code} value={x.code}>
              {x.code} · {name(x)} · {money(x.rate)}
            </option>
          ))}
        </select>
        <label htmlFor={`${id}-plan`}>{t('ratePlan')}</label>
        <select
          id={`${id}-plan`}
          data-testid="booking-plan"
          data-enter-moves-on
          value={f.ratePlan}
          onChange={set('ratePlan')}
        >
          {hotel.ratePlans.map((x) => (
            <option key={x.code} value={x.code}>
              {x.code} · {name(x)}
            </option>
          ))}
        </select>
        <label htmlFor={`${id}-in`}>{t('checkIn')}</label>
        <input
          id={`${id}-in`}
          data-testid="booking-check-in"
          data-enter-moves-on
          value={f.checkIn}
          onChange={set('checkIn')}
        />
        {err('checkIn')}
        <label htmlFor={`${id}-out`}>{t('checkOut')}</label>
        <input
          id={`${id}-out`}
          data-testid="booking-check-out"
          data-enter-moves-on
          value={f.checkOut}
          onChange={set('checkOut')}
        />
        {err('checkOut')}
        <label htmlFor={`${id}-adults`}>{t('adults', { max: type?.maxAdults ?? 0 })}</label>
        <input
          id={`${id}-adults`}
          data-testid="booking-adults"
          data-enter-moves-on
          inputMode="numeric"
          value={f.adults}
          onChange={set('adults')}
        />
        {err('adults')}
        <label htmlFor={`${id}-children`}>{t('children', { max: type?.maxChildren ?? 0 })}</label>
        <input
          id={`${id}-children`}
          data-testid="booking-children"
          data-enter-moves-on
          inputMode="numeric"
          value={f.children}
          onChange={set('children')}
        />
        {err('children')}
        <label htmlFor={`${id}-name`}>{t('name')}</label>
        <input
          id={`${id}-name`}
          data-testid="booking-name"
          data-enter-moves-on
          autoComplete="off"
          value={f.name}
          onChange={set('name')}
        />
        {err('guest.name')}
        <label htmlFor={`${id}-phone`}>{t('phone')}</label>
        <input
          id={`${id}-phone`}
          data-testid="booking-phone"
          data-enter-moves-on
          inputMode="tel"
          autoComplete="off"
          value={f.phone}
          onChange={set('phone')}
        />
        {err('guest.phone')}
      </div>
      <div className={styles.nights} data-testid="booking-availability" aria-live="polite">
        {!rangeOk ? null : avail.isPending ? (
          <span className="muted">{t('checking')}</span>
        ) : avail.isError ? (
          <span className="error">{errorOf(avail.error)}</span>
        ) : (
          nights.map((n) => (
            <span key={n.night} className={n.left <= 0 ? styles.soldOut : styles.night}>
              {n.night.slice(5)} · {n.left <= 0 ? t('soldOut') : t('left', { n: n.left })}
            </span>
          ))
        )}
      </div>
      {soldOut.length ? (
        <p className="error" role="alert" data-testid="booking-sold-out">
          {t('soldOutNights', { nights: soldOut.join(', ') })}
        </p>
      ) : null}
      <PaymentFields
        prefix="booking-deposit"
        legend={t('deposit')}
        value={deposit}
        onChange={setDeposit}
        errors={{ amount: errors['payments.0.amount']?.[0], reference: errors['payments.0.reference']?.[0] }}
      />
    </HotelDialog>
  );
}
