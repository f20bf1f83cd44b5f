'use client';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { useTranslations } from 'use-intl';
import type { z } from 'zod';
import { ZBooking, ZMoveRoom } from '../../../lib/schemas/hotel.ts';
import { useTRPC, useTRPCClient } from '../../../lib/trpc/react.tsx';
import { addDays } from '../../../lib/venue-time.ts';
import { DeskDialog, DialogButtons } from '../../front-desk/orders/desk-dialog.tsx';
import { schemaResolver } from '../../front-desk/orders/schema-resolver.ts';
import { useErrorText } from '../../outage-notice.tsx';
import { freeRoomsFor, moveFrom, type TRack, type TRackBar, type TRackRoom } from './rack-types.ts';
import s from './rack.module.css';

interface TBookForm {
  nights: number;
  ratePlan: string;
  adults: number;
  name: string;
  phone: string;
}

/**
 * A booking for an empty cell of the rack: the row's room type from the cell's night (one night
 * unless changed), through `hotel.book`, then the room itself through `hotel.assignRoom`. The ref is
 * drawn once per dialog, so a double Enter or a retry books once.
 */
export function BookDialog({
  venueId,
  rack,
  room,
  night,
  onDone,
  onCancel,
}: {
  venueId: number;
  rack: TRack;
  room: TRackRoom;
  night: string;
  onDone: (text: string) => void;
  onCancel: () => void;
}) {
  const t = useTranslations('hotelRack.book');
  const trpc = useTRPC();
  const client = useTRPCClient();
  const errorText = useErrorText();
  const [ref] = useState(() => `RACK-${crypto.randomUUID()}`);
  const catalog = useQuery(trpc.hotel.hotels.queryOptions({ venueId }));
  const plans = catalog.data?.find((h) => h.id === rack.hotel.id)?.ratePlans ?? [];
  const form = useForm<TBookForm, unknown, z.output<typeof ZBooking>>({
    defaultValues: { nights: 1, ratePlan: '', adults: 1, name: '', phone: '' },
    resolver: schemaResolver(ZBooking, (v) => ({
      venueId,
      hotelId: rack.hotel.id,
      ref,
      roomType: room.roomType,
      ratePlan: v.ratePlan || plans[0]?.code || '',
      checkIn: night,
      checkOut: addDays(night, Number(v.nights) || 1),
      adults: Number(v.adults) || 1,
      children: 0,
      guest: { name: v.name, phone: v.phone },
      payments: [],
    })),
  });
  const book = useMutation({
    mutationFn: async (input: z.output<typeof ZBooking>) => {
      const booked = await client.hotel.book.mutate(input);
      try {
        await client.hotel.assignRoom.mutate({ venueId, stayId: booked.stay.id, roomId: room.id });
        return { booked, assignError: null };
      } catch (err) {
        return { booked, assignError: err };
      }
    },
  });
  // The resolver reports the schema's paths (guest.name, checkOut), not the form's own names.
  const errors = form.formState.errors as Record<string, { message?: string } | undefined> & {
    guest?: Record<string, { message?: string } | undefined>;
  };
  const onSubmit = form.handleSubmit((input) =>
    book.mutate(input, {
      onSuccess: ({ booked, assignError }) => {
        const facts = {
          order: booked.stay.orderCode ?? String(booked.stay.id),
          room: room.number,
          checkIn: input.checkIn,
          checkOut: input.checkOut,
        };
        onDone(
          assignError
            ? t('bookedUnassigned', { ...facts, error: errorText.change(assignError) })
            : t('booked', { ...facts }),
        );
      },
    }),
  );
  return (
    <DeskDialog
      title={t('title', { room: room.number })}
      onCancel={onCancel}
      testId="rack-book-dialog"
      initialFocus="[data-testid=book-name]"
    >
      <form onSubmit={onSubmit} className={s.form} noValidate>
        <p>
          {t('roomType')}: <strong>{room.roomType}</strong> · {t('checkIn')}: <strong>{night}</strong>
        </p>
        <label>
          {t('name')}
          <input type="text" maxLength={64} data-testid="book-name" {...form.register('name')} />
          {errors.guest?.name ? <span className="error">{errors.guest.name.message}</span> : null}
        </label>
        <label>
          {t('phone')}
          <input type="tel" maxLength={20} data-testid="book-phone" {...form.register('phone')} />
          {errors.guest?.phone ? <span className="error">{errors.guest.phone.message}</span> : null}
        </label>
        <label>
          {t('nights')}
          <input type="number" min={1} max={30} data-testid="book-nights" {...form.register('nights')} />
          {errors.checkOut ? <span className="error">{errors.checkOut.message}</span> : null}
        </label>
        <label>
          {t('adults')}
          <input type="number" min={1} max={12} data-testid="book-adults" {...form.register('adults')} />
          {errors.adults ? <span className="error">{errors.adults.message}</span> : null}
        </label>
        <label>
          {t('ratePlan')}
          <select data-testid="book-plan" {...form.register('ratePlan')}>
            {plans.map((p) => (
              <option key={p.code} value={p.code}>
                {p.code} · {p.nameZh} / {p.nameEn}
              </option>
            ))}
          </select>
        </label>
        {book.error ? (
          <p className="error" role="alert" data-testid="dialog-error">
            {errorText.change(book.error)}
          </p>
        ) : null}
        <DialogButtons busy={book.isPending} onCancel={onCancel} />
      </form>
    </DeskDialog>
  );
}

interface TMoveForm {
  roomId: string;
  reason: string;
}

/**
 * Moves a stay to another room: an in-house guest from tonight (`hotel.moveRoom`, the old room goes
 * dirty), a stay not arrived yet for all its nights (`hotel.assignRoom`, which is what a move is
 * before check-in). The rooms offered are those the rack shows free for the rest of the stay.
 */
export function MoveDialog({
  venueId,
  rack,
  stay,
  onDone,
  onCancel,
}: {
  venueId: number;
  rack: TRack;
  stay: TRackBar & { roomId: number; room: string };
  onDone: (text: string) => void;
  onCancel: () => void;
}) {
  const t = useTranslations('hotelRack.move');
  const client = useTRPCClient();
  const errorText = useErrorText();
  const inHouse = stay.state === 'checked_in';
  const rooms = freeRoomsFor(rack, stay, moveFrom(stay, rack.businessDate));
  const form = useForm<TMoveForm, unknown, z.output<typeof ZMoveRoom>>({
    defaultValues: { roomId: rooms[0] ? String(rooms[0].id) : '', reason: '' },
    resolver: schemaResolver(ZMoveRoom, (v) => ({
      venueId,
      stayId: stay.stayId,
      roomId: Number(v.roomId),
      // Before check-in nothing moves a guest: the reason is asked only of an in-house move.
      reason: inHouse ? v.reason : v.reason || 'assign',
    })),
  });
  const move = useMutation({
    mutationFn: async (input: z.output<typeof ZMoveRoom>) =>
      inHouse
        ? client.hotel.moveRoom.mutate(input)
        : client.hotel.assignRoom.mutate({ venueId, stayId: input.stayId, roomId: input.roomId }),
  });
  const errors = form.formState.errors;
  const onSubmit = form.handleSubmit((input) =>
    move.mutate(input, {
      onSuccess: (r) => onDone(t('moved', { id: stay.stayId, room: r.room ?? '' })),
    }),
  );
  return (
    <DeskDialog
      title={inHouse ? t('title', { id: stay.stayId, room: stay.room }) : t('assignTitle', { id: stay.stayId })}
      onCancel={onCancel}
      testId="rack-move-dialog"
      initialFocus="[data-testid=move-room]"
    >
      <form onSubmit={onSubmit} className={s.form} noValidate>
        {rooms.length ? (
          <label>
            {t('to')}
            <select data-testid="move-room" {...form.register('roomId')}>
              {rooms.map((r) => (
                <option key={r.id} value={r.id}>
                  {r.number} · {r.roomType} · {r.housekeeping}
                </option>
              ))}
            </select>
          </label>
        ) : (
          <p className="muted">{t('none')}</p>
        )}
        {inHouse ? (
          <label>
            {t('reason')}
            <input type="text" maxLength={200} data-testid="move-reason" {...form.register('reason')} />
            {errors.reason ? <span className="error">{errors.reason.message}</span> : null}
          </label>
        ) : null}
        {move.error ? (
          <p className="error" role="alert" data-testid="dialog-error">
            {errorText.change(move.error)}
          </p>
        ) : null}
        <DialogButtons busy={move.isPending} onCancel={onCancel} />
      </form>
    </DeskDialog>
  );
}
