'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type KeyboardEvent, useEffect, useRef, useState } from 'react';
import { useTranslations } from 'use-intl';
import { useTRPC, useTRPCClient } from '../../../lib/trpc/react.tsx';
import { addDays } from '../../../lib/venue-time.ts';
import { useErrorText } from '../../outage-notice.tsx';
import { BookDialog, MoveDialog } from './rack-dialogs.tsx';
import { cellsOf, type TCell, type TRack, type TRackBar, type TRackRoom } from './rack-types.ts';
import type { TAreaVenue } from '../../../lib/area.ts';
import { RoomsPickers, RoomsStatus, type TRoomsNotice } from './rooms-pickers.tsx';
import s from './rack.module.css';

const NIGHTS = 14;
const WEEK = 7;
/** Housekeeping marks beside the room number: the state at a glance, in both languages. */
const HK_MARK = { clean: '○', dirty: '●', inspected: '✓' } as const;

type TSelected = TRackBar & { roomId: number; room: string };
type TDialog = { kind: 'book'; room: TRackRoom; night: string } | { kind: 'move'; stay: TSelected } | null;

/**
 * The room rack (房态图, tape chart): rooms by floor down, 14 nights across, stays as bars in their
 * state's colour, housekeeping marks and blocks. Keyboard first: the arrows move a cell cursor
 * (past the first or last night they page a week, as PageUp/PageDown do), Enter books an empty
 * night or opens the stay under the cursor, M moves that stay, E extends it by a night, T comes
 * back to today.
 */
export function RackScreen({ venues, locale }: { venues: TAreaVenue[]; locale: string }) {
  const t = useTranslations('hotelRack');
  const trpc = useTRPC();
  const client = useTRPCClient();
  const qc = useQueryClient();
  const errorText = useErrorText();
  const [venueId, setVenueId] = useState(venues[0]?.id ?? 0);
  const [hotelId, setHotelId] = useState<number | undefined>(undefined);
  const [from, setFrom] = useState<string | undefined>(undefined);
  const [cursor, setCursor] = useState({ row: 0, col: 0 });
  const [open, setOpen] = useState<TSelected | null>(null);
  const [dialog, setDialog] = useState<TDialog>(null);
  const [notice, setNotice] = useState<TRoomsNotice | null>(null);
  const gridRef = useRef<HTMLTableElement>(null);
  const rack = useQuery({
    ...trpc.hotel.rack.queryOptions({ venueId, hotelId, from, nights: NIGHTS }),
    enabled: venueId > 0,
    placeholderData: (prev) => prev,
  });
  const data = rack.data;
  const refresh = () => qc.invalidateQueries({ queryKey: trpc.hotel.rack.pathKey() });
  const extend = useMutation({
    mutationFn: (stay: TSelected) =>
      client.hotel.extend.mutate({ venueId, stayId: stay.stayId, checkOut: addDays(stay.checkOut, 1) }),
  });

  // The cursor stays inside the grid when the rack changes (another hotel, fewer rooms).
  useEffect(() => {
    if (!data) return;
    setCursor((c) => ({
      row: Math.min(c.row, Math.max(0, data.rooms.length - 1)),
      col: Math.min(c.col, data.nights.length - 1),
    }));
  }, [data]);

  if (!venues.length)
    return (
      <main className="page">
        <p className="panel" role="alert">
          {t('empty')}
        </p>
      </main>
    );

  const page = (days: number) => data && setFrom(addDays(data.from, days));
  const room = data?.rooms[cursor.row];
  const cells = room && data ? cellsOf(room, data.nights) : [];
  const cell: TCell | undefined = cells[cursor.col];
  const selected: TSelected | null =
    room && cell?.kind === 'bar' ? { ...cell.bar, roomId: room.id, room: room.number } : null;
  const done = (text: string) => {
    setDialog(null);
    setNotice({ text });
    void refresh();
    gridRef.current?.focus();
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTableElement>) => {
    if (!data?.rooms.length) return;
    const last = { row: data.rooms.length - 1, col: data.nights.length - 1 };
    const key = e.key;
    const move = (row: number, col: number) => setCursor({ row: Math.max(0, Math.min(last.row, row)), col });
    let handled = true;
    if (key === 'ArrowDown') move(cursor.row + 1, cursor.col);
    else if (key === 'ArrowUp') move(cursor.row - 1, cursor.col);
    else if (key === 'ArrowRight') {
      if (cursor.col < last.col) move(cursor.row, cursor.col + 1);
      else {
        page(WEEK);
        move(cursor.row, last.col - WEEK + 1);
      }
    } else if (key === 'ArrowLeft') {
      if (cursor.col > 0) move(cursor.row, cursor.col - 1);
      else {
        page(-WEEK);
        move(cursor.row, WEEK - 1);
      }
    } else if (key === 'PageDown') page(WEEK);
    else if (key === 'PageUp') page(-WEEK);
    else if (key === 't' || key === 'T') {
      setFrom(undefined);
      move(cursor.row, 0);
    } else if (key === 'Enter') {
      if (selected) setOpen(selected);
      else if (room && cell?.kind === 'empty' && room.active)
        setDialog({ kind: 'book', room, night: data.nights[cursor.col]! });
    } else if (key === 'm' || key === 'M') {
      if (!selected) setNotice({ text: t('nothingSelected'), error: true });
      else if (selected.state !== 'confirmed' && selected.state !== 'checked_in')
        setNotice({
          text: t('move.notMovable', { id: selected.stayId, state: t(`state.${selected.state}`) }),
          error: true,
        });
      else setDialog({ kind: 'move', stay: selected });
    } else if (key === 'e' || key === 'E') {
      if (!selected) setNotice({ text: t('nothingSelected'), error: true });
      else if (selected.state !== 'confirmed' && selected.state !== 'checked_in')
        setNotice({
          text: t('extend.notExtendable', { id: selected.stayId, state: t(`state.${selected.state}`) }),
          error: true,
        });
      else
        extend.mutate(selected, {
          onSuccess: (r) => {
            setNotice({ text: t('extend.done', { id: r.id, checkOut: r.checkOut }) });
            void refresh();
          },
          onError: (err) => setNotice({ text: errorText.change(err), error: true }),
        });
    } else handled = false;
    if (handled) e.preventDefault();
  };

  const state = rack.isPending ? 'loading' : rack.isError && !data ? 'error' : 'loaded';
  const weekday = (night: string) =>
    new Date(`${night}T00:00:00Z`).toLocaleDateString(locale === 'en' ? 'en-US' : 'zh-CN', {
      weekday: 'short',
      timeZone: 'UTC',
    });
  return (
    <main
      className={`page ${s.screen}`}
      data-testid="rack-screen"
      data-loading-state={state}
      data-venue={venueId}
      data-hotel={data?.hotel.id}
    >
      <div className={s.head}>
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
          <span className="muted" data-testid="rack-range">
            {t('range', { from: data.from, to: data.to, nights: data.nights.length })} ·{' '}
            {t('businessDate', { date: data.businessDate })}
          </span>
        ) : null}
        <span className={s.pager}>
          <button type="button" className="secondary" onClick={() => page(-WEEK)} disabled={!data}>
            ← {t('prevWeek')} <kbd>PgUp</kbd>
          </button>
          <button type="button" className="secondary" onClick={() => setFrom(undefined)} disabled={!data}>
            {t('today')} <kbd>T</kbd>
          </button>
          <button type="button" className="secondary" onClick={() => page(WEEK)} disabled={!data}>
            {t('nextWeek')} → <kbd>PgDn</kbd>
          </button>
        </span>
      </div>
      <p className={s.keys}>{t('keys')}</p>
      <RoomsStatus
        notice={notice}
        noticeTestId="rack-notice"
        pending={rack.isPending}
        error={rack.error}
        hasData={!!data}
        loadingText={t('loading')}
        errorText={errorText.read}
      />
      {data && !data.rooms.length ? <p className="muted">{t('empty')}</p> : null}
      <div className={s.body}>
        {data?.rooms.length ? (
          <div className={s.gridWrap}>
            <table
              ref={gridRef}
              className={s.grid}
              tabIndex={0}
              // biome-ignore lint/a11y/noNoninteractiveElementToInteractiveRole: a table that takes the arrow keys is the ARIA grid pattern (one tab stop, a roving cursor)
              role="grid"
              aria-label={t('grid')}
              aria-rowcount={data.rooms.length + 1}
              aria-activedescendant={`rack-${cursor.row}-${cursor.col}`}
              onKeyDown={onKeyDown}
              data-testid="rack-grid"
            >
              <thead>
                <tr>
                  <th scope="col">{t('floor')}</th>
                  <th scope="col">{t('room')}</th>
                  <th scope="col">{t('type')}</th>
                  {data.nights.map((n) => (
                    <th
                      key={n}
                      scope="col"
                      data-night={n}
                      className={n === data.businessDate ? s.today : undefined}
                      aria-current={n === data.businessDate ? 'date' : undefined}
                    >
                      <span>{n.slice(5)}</span>
                      <small>{n === data.businessDate ? t('tonight') : weekday(n)}</small>
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {data.rooms.map((r, row) => (
                  <RackRow
                    key={r.id}
                    room={r}
                    row={row}
                    nights={data.nights}
                    businessDate={data.businessDate}
                    cursorCol={row === cursor.row ? cursor.col : -1}
                    onPick={(col) => {
                      setCursor({ row, col });
                      gridRef.current?.focus();
                    }}
                  />
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
        <aside className={s.aside}>
          {open && data ? <StayPanel venueId={venueId} stay={open} onClose={() => setOpen(null)} /> : null}
          <Legend />
          {data ? <Unassigned rack={data} /> : null}
        </aside>
      </div>
      {dialog?.kind === 'book' && data ? (
        <BookDialog
          venueId={venueId}
          rack={data}
          room={dialog.room}
          night={dialog.night}
          onDone={done}
          onCancel={() => setDialog(null)}
        />
      ) : null}
      {dialog?.kind === 'move' && data ? (
        <MoveDialog
          venueId={venueId}
          rack={data}
          stay={dialog.stay}
          onDone={(text) => {
            done(text);
            setOpen(null);
          }}
          onCancel={() => setDialog(null)}
        />
      ) : null}
    </main>
  );
}

/** One room's row: its facts, then a cell per night; a bar or block spans the nights it covers. */
function RackRow({
  room,
  row,
  nights,
  businessDate,
  cursorCol,
  onPick,
}: {
  room: TRackRoom;
  row: number;
  nights: string[];
  businessDate: string;
  cursorCol: number;
  onPick: (col: number) => void;
}) {
  const t = useTranslations('hotelRack');
  const cells = cellsOf(room, nights);
  const tds = [];
  for (let col = 0; col < cells.length; col++) {
    const c = cells[col]!;
    let span = 1;
    if (c.kind !== 'empty')
      while (col + span < cells.length && sameThing(cells[col + span]!, c) && !startsAgain(cells[col + span]!)) span++;
    const at = col;
    const covered = cursorCol >= at && cursorCol < at + span;
    const id = covered ? `rack-${row}-${cursorCol}` : `rack-${row}-${at}`;
    const night = nights[at]!;
    const today = night <= businessDate && addDays(night, span) > businessDate;
    const className = [s.cell, covered ? s.cursor : '', today ? s.todayCol : ''].join(' ');
    // The grid takes the keys (one tab stop, a roving cursor): a click only puts the cursor there.
    const td = {
      id,
      colSpan: span,
      className,
      'aria-selected': covered,
      'data-night': night,
      onClick: () => onPick(at),
    };
    if (c.kind === 'bar') {
      const b = c.bar;
      tds.push(
        <td key={at} {...td}>
          <div
            className={`${s.bar} ${s[b.state]} ${b.from < night ? s.contLeft : ''} ${b.to > addDays(night, span) ? s.contRight : ''}`}
            title={t('cell.bar', {
              room: room.number,
              guest: b.guest ?? '',
              state: t(`state.${b.state}`),
              checkIn: b.checkIn,
              checkOut: b.checkOut,
            })}
            data-testid="rack-bar"
            data-stay={b.stayId}
            data-state={b.state}
            data-room={room.number}
          >
            {b.guest ?? b.orderCode ?? `#${b.stayId}`}
            <small>
              {' '}
              {b.checkIn.slice(5)}→{b.checkOut.slice(5)}
            </small>
          </div>
        </td>,
      );
    } else if (c.kind === 'block') {
      const b = c.block;
      tds.push(
        <td key={at} {...td}>
          <div
            className={`${s.block} ${b.kind === 'out_of_order' ? s.ooo : s.oos}`}
            title={t('cell.block', { room: room.number, night, kind: t(`block.${b.kind}`), reason: b.reason })}
            data-testid="rack-block"
          >
            {t(`block.${b.kind}`)} · {b.reason}
          </div>
        </td>,
      );
    } else {
      tds.push(
        <td key={at} {...td} aria-label={t('cell.empty', { room: room.number, night })} data-testid="rack-free" />,
      );
    }
    col += span - 1;
  }
  return (
    <tr
      className={room.active ? undefined : s.inactive}
      data-testid="rack-row"
      data-room={room.number}
      data-room-id={room.id}
    >
      <td className={s.floor}>{room.floor}</td>
      <th scope="row" className={s.number}>
        {room.number}{' '}
        <span className={`${s.hk} ${s[`hk_${room.housekeeping}`]}`} title={t(`housekeeping.${room.housekeeping}`)}>
          {HK_MARK[room.housekeeping]}
        </span>
      </th>
      <td className={s.type}>{room.roomType}</td>
      {tds}
    </tr>
  );
}

const sameThing = (a: TCell, b: TCell) =>
  (a.kind === 'bar' && b.kind === 'bar' && a.bar === b.bar) ||
  (a.kind === 'block' && b.kind === 'block' && a.block === b.block);
const startsAgain = (c: TCell) => c.kind !== 'empty' && c.start;

/** The stay under the cursor, after Enter: its facts and the keys that act on it. */
function StayPanel({ venueId, stay, onClose }: { venueId: number; stay: TSelected; onClose: () => void }) {
  const t = useTranslations('hotelRack');
  const trpc = useTRPC();
  const errorText = useErrorText();
  const detail = useQuery(trpc.hotel.stay.queryOptions({ venueId, stayId: stay.stayId }));
  const d = detail.data;
  return (
    <section className="panel" data-testid="rack-stay" aria-label={t('stay.title', { id: stay.stayId })}>
      <h2>
        {t('stay.title', { id: stay.stayId })}{' '}
        <button type="button" className="secondary" onClick={onClose}>
          {t('stay.close')}
        </button>
      </h2>
      {detail.isError ? <p className="error">{errorText.read(detail.error)}</p> : null}
      <dl className={s.facts}>
        <dt>{t('stay.guest')}</dt>
        <dd>{stay.guest ?? '—'}</dd>
        <dt>{t('stay.order')}</dt>
        <dd>{stay.orderCode ?? '—'}</dd>
        <dt>{t('stay.state')}</dt>
        <dd>
          {t(`state.${stay.state}`)}
          {stay.lateArrival ? ` · ${t('stay.lateArrival')}` : ''}
        </dd>
        <dt>{t('stay.dates')}</dt>
        <dd>
          {stay.checkIn} → {stay.checkOut}
        </dd>
        <dt>{t('stay.guests')}</dt>
        <dd>{t('stay.guestsValue', { adults: stay.adults, children: stay.children })}</dd>
        <dt>{t('stay.ratePlan')}</dt>
        <dd>{stay.ratePlan}</dd>
        {d ? (
          <>
            <dt>{t('stay.roomType')}</dt>
            <dd>{d.roomType}</dd>
            <dt>{t('stay.rooms')}</dt>
            <dd data-testid="rack-stay-rooms">
              {d.rooms.map((r) => `${r.room} ${r.from.slice(5)}→${r.to.slice(5)}`).join(', ') || '—'}
            </dd>
            <dt>{t('stay.balance')}</dt>
            <dd>¥{d.balance.toFixed(2)}</dd>
          </>
        ) : null}
      </dl>
      <p className={s.keys}>
        <kbd>M</kbd> {t('stay.move')} · <kbd>E</kbd> {t('stay.extend')}
      </p>
    </section>
  );
}

function Legend() {
  const t = useTranslations('hotelRack.legend');
  return (
    <section className="panel" aria-label={t('title')} data-testid="rack-legend">
      <h2>{t('title')}</h2>
      <ul className={s.legend}>
        <li>
          <span className={`${s.swatch} ${s.confirmed}`} /> {t('confirmed')}
        </li>
        <li>
          <span className={`${s.swatch} ${s.checked_in}`} /> {t('checked_in')}
        </li>
        <li>
          <span className={`${s.swatch} ${s.checked_out}`} /> {t('checked_out')}
        </li>
        <li>
          <span className={`${s.swatch} ${s.ooo}`} /> {t('outOfOrder')}
        </li>
        <li>
          <span className={`${s.swatch} ${s.oos}`} /> {t('outOfService')}
        </li>
        <li>
          <span className={`${s.hk} ${s.hk_clean}`}>{HK_MARK.clean}</span> {t('clean')}
        </li>
        <li>
          <span className={`${s.hk} ${s.hk_dirty}`}>{HK_MARK.dirty}</span> {t('dirty')}
        </li>
        <li>
          <span className={`${s.hk} ${s.hk_inspected}`}>{HK_MARK.inspected}</span> {t('inspected')}
        </li>
        <li>
          <span className={`${s.swatch} ${s.todaySwatch}`} /> {t('today')}
        </li>
      </ul>
    </section>
  );
}

function Unassigned({ rack }: { rack: TRack }) {
  const t = useTranslations('hotelRack.unassigned');
  return (
    <section className="panel" data-testid="rack-unassigned">
      <h2>{t('title')}</h2>
      {rack.unassigned.length ? (
        <ul className={s.unassigned}>
          {rack.unassigned.map((u) => (
            <li key={u.stayId}>
              {t('line', {
                type: u.roomType ?? '',
                guest: u.guest ?? u.orderCode ?? '',
                checkIn: u.checkIn,
                checkOut: u.checkOut,
              })}
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">{t('none')}</p>
      )}
    </section>
  );
}
