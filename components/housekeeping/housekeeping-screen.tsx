'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { inferRouterOutputs } from '@trpc/server';
import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { useTranslations } from 'use-intl';
import type { z } from 'zod';
import { HOUSEKEEPING_STATES, type THousekeeping } from '../../lib/hotel/rules.ts';
import { ZBlockRoom } from '../../lib/schemas/hotel.ts';
import { useTRPC, useTRPCClient } from '../../lib/trpc/react.tsx';
import { addDays } from '../../lib/venue-time.ts';
import type { AppRouter } from '../../server/trpc/root.ts';
import { DeskDialog, DialogButtons } from '../front-desk/orders/desk-dialog.tsx';
import { schemaResolver } from '../front-desk/orders/schema-resolver.ts';
import type { TAreaVenue } from '../../lib/area.ts';
import { RoomsPickers, RoomsStatus, type TRoomsNotice } from '../hotel/rack/rooms-pickers.tsx';
import { useErrorText } from '../outage-notice.tsx';
import s from './housekeeping.module.css';

type TBoard = inferRouterOutputs<AppRouter>['hotel']['housekeepingBoard'];
type TBoardRoom = TBoard['rooms'][number];

/** Live enough for a floor being cleaned: read again every 30 s and when the phone comes back to the page. */
const LIVE_MS = 30_000;

/**
 * The housekeeping board (客房), made for a phone (390 x 844): the rooms by floor with their state
 * and today's arrivals and departures, one tap (or Enter) to mark a room clean, inspected or dirty,
 * and blocks (out of service, out of order) with their reason and nights. Filters by state and floor.
 */
export function HousekeepingScreen({ venues, locale }: { venues: TAreaVenue[]; locale: string }) {
  const t = useTranslations('housekeeping');
  const trpc = useTRPC();
  const client = useTRPCClient();
  const qc = useQueryClient();
  const errorText = useErrorText();
  const [venueId, setVenueId] = useState(venues[0]?.id ?? 0);
  const [hotelId, setHotelId] = useState<number | undefined>(undefined);
  const [stateFilter, setStateFilter] = useState<THousekeeping | 'all'>('all');
  const [floor, setFloor] = useState<number | 'all'>('all');
  const [blocking, setBlocking] = useState<TBoardRoom | null>(null);
  const [notice, setNotice] = useState<TRoomsNotice | null>(null);
  const board = useQuery({
    ...trpc.hotel.housekeepingBoard.queryOptions({ venueId, hotelId }),
    enabled: venueId > 0,
    refetchInterval: LIVE_MS,
    refetchOnWindowFocus: true,
  });
  const refresh = () => qc.invalidateQueries({ queryKey: trpc.hotel.housekeepingBoard.pathKey() });
  const mark = useMutation({
    mutationFn: (v: { room: TBoardRoom; state: THousekeeping }) =>
      client.hotel.markRoom.mutate({ venueId, roomId: v.room.id, state: v.state }),
    onSuccess: (r) => {
      setNotice({ text: t('mark.done', { room: r.number, state: t(`state.${r.housekeeping}`) }) });
      void refresh();
    },
    onError: (err) => setNotice({ text: errorText.change(err), error: true }),
  });
  const release = useMutation({
    mutationFn: (blockId: number) => client.hotel.releaseBlock.mutate({ venueId, blockId }),
    onSuccess: () => {
      setNotice({ text: t('block.released') });
      void refresh();
    },
    onError: (err) => setNotice({ text: errorText.change(err), error: true }),
  });
  const data = board.data;
  const rooms = (data?.rooms ?? []).filter(
    (r) => (stateFilter === 'all' || r.housekeeping === stateFilter) && (floor === 'all' || r.floor === floor),
  );
  const floors = [...new Set(rooms.map((r) => r.floor))];
  const state = board.isPending ? 'loading' : board.isError && !data ? 'error' : 'loaded';
  return (
    <main className={`page ${s.screen}`} data-testid="housekeeping-screen" data-loading-state={state}>
      <header className={s.head}>
        <h1>{t('title')}</h1>
        <RoomsPickers
          locale={locale}
          venues={venues}
          venueId={venueId}
          onVenue={setVenueId}
          hotels={data?.hotels}
          hotel={data?.hotel}
          onHotel={setHotelId}
          hotelLabel={t('hotel')}
        />
        {data ? (
          <span className="muted">
            {t('businessDate', { date: data.businessDate })} ·{' '}
            {t('updated', {
              time: new Date(board.dataUpdatedAt).toLocaleTimeString(locale === 'en' ? 'en-US' : 'zh-CN', {
                hour: '2-digit',
                minute: '2-digit',
              }),
            })}
          </span>
        ) : null}
      </header>
      <fieldset className={s.filters}>
        <legend className="muted">{t('filters')}</legend>
        <div className={s.chips}>
          {(['all', ...HOUSEKEEPING_STATES] as const).map((k) => (
            <button
              key={k}
              type="button"
              aria-pressed={stateFilter === k}
              className={stateFilter === k ? s.chipOn : s.chip}
              onClick={() => setStateFilter(k)}
              data-testid={`hk-filter-${k}`}
            >
              {k === 'all' ? t('allStates') : t(`state.${k}`)}
            </button>
          ))}
        </div>
        <select
          value={floor}
          onChange={(e) => setFloor(e.target.value === 'all' ? 'all' : Number(e.target.value))}
          aria-label={t('allFloors')}
          data-testid="hk-floor"
          className={s.floorSelect}
        >
          <option value="all">{t('allFloors')}</option>
          {(data?.floors ?? []).map((f) => (
            <option key={f} value={f}>
              {t('floor', { floor: f })}
            </option>
          ))}
        </select>
      </fieldset>
      <RoomsStatus
        notice={notice}
        noticeTestId="hk-notice"
        pending={board.isPending}
        error={board.error}
        hasData={!!data}
        loadingText={t('loading')}
        errorText={errorText.read}
      />
      {data ? (
        <p className="muted" data-testid="hk-count">
          {t('count', { shown: rooms.length, total: data.rooms.length })} · {t('keys')}
        </p>
      ) : null}
      {data && !rooms.length ? <p className="muted">{t('empty')}</p> : null}
      {floors.map((f) => (
        <section key={f} className={s.floor} aria-label={t('floor', { floor: f })}>
          <h2>{t('floor', { floor: f })}</h2>
          <ul className={s.rooms}>
            {rooms
              .filter((r) => r.floor === f)
              .map((r) => (
                <RoomCard
                  key={r.id}
                  room={r}
                  busy={mark.isPending && mark.variables?.room.id === r.id}
                  onMark={(state) => mark.mutate({ room: r, state })}
                  onBlock={() => setBlocking(r)}
                  onRelease={(id) => release.mutate(id)}
                />
              ))}
          </ul>
        </section>
      ))}
      {blocking && data ? (
        <BlockDialog
          venueId={venueId}
          room={blocking}
          businessDate={data.businessDate}
          onDone={(text) => {
            setBlocking(null);
            setNotice({ text });
            void refresh();
          }}
          onCancel={() => setBlocking(null)}
        />
      ) : null}
    </main>
  );
}

function RoomCard({
  room,
  busy,
  onMark,
  onBlock,
  onRelease,
}: {
  room: TBoardRoom;
  busy: boolean;
  onMark: (state: THousekeeping) => void;
  onBlock: () => void;
  onRelease: (blockId: number) => void;
}) {
  const t = useTranslations('housekeeping');
  return (
    <li className={`${s.room} ${s[room.housekeeping]}`} data-testid="hk-room" data-room={room.number}>
      <div className={s.roomHead}>
        <strong className={s.number}>{room.number}</strong>
        <span className={s.badge} data-testid="hk-state">
          {t(`state.${room.housekeeping}`)}
        </span>
        <span className="muted">{room.roomType}</span>
      </div>
      <div className={s.marks}>
        {room.arrival ? <span className={s.arrival}>{t('arrival')}</span> : null}
        {room.departure === 'due' ? <span className={s.departure}>{t('departureDue')}</span> : null}
        {room.departure === 'left' ? <span className={s.departure}>{t('departureLeft')}</span> : null}
        {room.occupied ? <span className={s.occupied}>{t('occupied')}</span> : null}
        {!room.active ? <span>{t('inactive')}</span> : null}
      </div>
      {room.blocks.map((b) => (
        <p key={b.id} className={s.blockLine}>
          {t('blockLine', { kind: t(`blockKind.${b.kind}`), from: b.from, to: b.to, reason: b.reason })}{' '}
          <button type="button" className="secondary" onClick={() => onRelease(b.id)}>
            {t('block.release')}
          </button>
        </p>
      ))}
      <div className={s.actions}>
        {HOUSEKEEPING_STATES.map((k) => (
          <button
            key={k}
            type="button"
            disabled={busy || room.housekeeping === k}
            className={s[`do_${k}`]}
            onClick={() => onMark(k)}
            data-testid={`hk-mark-${k}`}
          >
            {t(`mark.${k}`)}
          </button>
        ))}
        <button type="button" className="secondary" onClick={onBlock} data-testid="hk-block">
          {t('block.open')}
        </button>
      </div>
    </li>
  );
}

interface TBlockForm {
  kind: 'out_of_service' | 'out_of_order';
  from: string;
  to: string;
  reason: string;
}

/** Takes a room out for nights [from, to) with a reason (`hotel.blockRoom`; the server refuses out of order on a held room). */
function BlockDialog({
  venueId,
  room,
  businessDate,
  onDone,
  onCancel,
}: {
  venueId: number;
  room: TBoardRoom;
  businessDate: string;
  onDone: (text: string) => void;
  onCancel: () => void;
}) {
  const t = useTranslations('housekeeping');
  const client = useTRPCClient();
  const errorText = useErrorText();
  const form = useForm<TBlockForm, unknown, z.output<typeof ZBlockRoom>>({
    defaultValues: { kind: 'out_of_service', from: businessDate, to: addDays(businessDate, 1), reason: '' },
    resolver: schemaResolver(ZBlockRoom, (v) => ({ venueId, roomId: room.id, ...v })),
  });
  const block = useMutation({
    mutationFn: (input: z.output<typeof ZBlockRoom>) => client.hotel.blockRoom.mutate(input),
  });
  const errors = form.formState.errors;
  const onSubmit = form.handleSubmit((input) =>
    block.mutate(input, { onSuccess: () => onDone(t('block.done', { room: room.number })) }),
  );
  return (
    <DeskDialog
      title={t('block.title', { room: room.number })}
      onCancel={onCancel}
      testId="hk-block-dialog"
      initialFocus="[data-testid=block-reason]"
    >
      <form onSubmit={onSubmit} className={s.form} noValidate>
        <label>
          {t('block.kind')}
          <select {...form.register('kind')}>
            <option value="out_of_service">{t('blockKind.out_of_service')}</option>
            <option value="out_of_order">{t('blockKind.out_of_order')}</option>
          </select>
        </label>
        <label>
          {t('block.from')}
          <input type="date" {...form.register('from')} />
          {errors.from ? <span className="error">{errors.from.message}</span> : null}
        </label>
        <label>
          {t('block.to')}
          <input type="date" {...form.register('to')} />
          {errors.to ? <span className="error">{errors.to.message}</span> : null}
        </label>
        <label>
          {t('block.reason')}
          <input type="text" maxLength={200} data-testid="block-reason" {...form.register('reason')} />
          {errors.reason ? <span className="error">{errors.reason.message}</span> : null}
        </label>
        {block.error ? (
          <p className="error" role="alert" data-testid="dialog-error">
            {errorText.change(block.error)}
          </p>
        ) : null}
        <DialogButtons busy={block.isPending} onCancel={onCancel} />
      </form>
    </DeskDialog>
  );
}
