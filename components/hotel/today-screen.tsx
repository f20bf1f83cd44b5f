'use client';
import { useQuery } from '@tanstack/react-query';
import { useSearchParams } from 'next/navigation';
import { type KeyboardEvent, useMemo, useRef, useState } from 'react';
import { useHotkeys } from 'react-hotkeys-hook';
import { useTranslations } from 'use-intl';
import { useTRPC } from '../../lib/trpc/react.tsx';
import { maskPhone } from '../front-desk/orders/format.ts';
import { useErrorText } from '../outage-notice.tsx';
import { BookingDialog } from './booking-dialog.tsx';
import styles from './hotel.module.css';
import { type TToday, useHotelDesk } from './hotel-shell.tsx';
import { type TStayAction, StayPanel } from './stay-panel.tsx';

type TLine = TToday['arrivals'][number];
const LISTS = ['arrivals', 'inHouse', 'departures'] as const;
type TList = (typeof LISTS)[number];

/** Whether a line matches the search box: name, phone (any part of its digits), order code or room. */
function matches(l: TLine, q: string): boolean {
  const s = q.trim().toLowerCase();
  if (!s) return true;
  const digits = s.replace(/\D/g, '');
  return (
    (l.name ?? '').toLowerCase().includes(s) ||
    (l.orderCode ?? '').toLowerCase().includes(s) ||
    (l.room ?? '').toLowerCase() === s ||
    (digits.length >= 3 && (l.phone ?? '').includes(digits))
  );
}

/**
 * Today at the hotel (今日): arrivals, in-house guests and departures of the hotel's business date
 * with counts, a search box that has the focus (a name, phone, order code or room number narrows
 * the three lists), arrows to move the selection, Enter to open it, F6 to check the selected
 * line in (an arrival) or out (in house, departing), F7 to book.
 */
export function TodayScreen() {
  const t = useTranslations('hotel');
  const { venue, hotel } = useHotelDesk();
  const trpc = useTRPC();
  const errorText = useErrorText();
  const search = useRef<HTMLInputElement>(null);
  const [q, setQ] = useState('');
  const [selected, setSelected] = useState(0);
  // `?stay=<id>` opens that stay at once (the guest journey links here).
  const params = useSearchParams();
  const [open, setOpen] = useState<{ stayId: number; action?: TStayAction } | null>(() => {
    const id = Number(params.get('stay'));
    return Number.isSafeInteger(id) && id > 0 ? { stayId: id } : null;
  });
  const [booking, setBooking] = useState(false);
  const today = useQuery(trpc.hotel.today.queryOptions({ venueId: venue.id, hotelId: hotel.id }));

  const lists = useMemo(() => {
    const d = today.data;
    const out = { arrivals: [] as TLine[], inHouse: [] as TLine[], departures: [] as TLine[] };
    if (d) for (const k of LISTS) out[k] = d[k].filter((l) => matches(l, q));
    return out;
  }, [today.data, q]);
  const flat = useMemo(() => LISTS.flatMap((k) => lists[k].map((line) => ({ list: k, line }))), [lists]);
  const current = flat[Math.min(selected, flat.length - 1)];

  const actOn = (c: { list: TList; line: TLine } | undefined) => {
    if (!c) return;
    setOpen({ stayId: c.line.id, action: c.list === 'arrivals' ? 'checkIn' : 'checkOut' });
  };
  useHotkeys('f6', () => actOn(current), { enableOnFormTags: true, preventDefault: true, enabled: !booking }, [
    current,
  ]);
  useHotkeys('f7', () => setBooking(true), { enableOnFormTags: true, preventDefault: true }, []);

  const onSearchKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      setSelected((i) => Math.min(i + 1, flat.length - 1));
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      setSelected((i) => Math.max(i - 1, 0));
    } else if (e.key === 'Enter' && current) {
      e.preventDefault();
      setOpen({ stayId: current.line.id });
    } else if (e.key === 'Escape' && q) {
      setQ('');
    }
  };
  const backToSearch = () => requestAnimationFrame(() => search.current?.focus());

  return (
    <main className={`page ${styles.screen}`} data-testid="hotel-today">
      <section className={styles.main}>
        <div className={`panel ${styles.bar}`}>
          <label className={styles.search}>
            {t('today.search')}
            <input
              ref={search}
              // biome-ignore lint/a11y/noAutofocus: the desk's first key goes to the search box
              autoFocus
              type="search"
              value={q}
              data-testid="hotel-search"
              placeholder={t('today.searchPlaceholder')}
              onChange={(e) => {
                setQ(e.target.value);
                setSelected(0);
              }}
              onKeyDown={onSearchKey}
            />
          </label>
          <p className="muted">{t('today.keys')}</p>
          <button type="button" onClick={() => setBooking(true)} data-testid="hotel-new-booking">
            {t('today.book')} <kbd>F7</kbd>
          </button>
        </div>
        {today.isPending ? (
          <p className="panel" role="status">
            {t('loading')}
          </p>
        ) : today.isError ? (
          <p className="panel error" role="alert">
            {errorText.read(today.error)}
          </p>
        ) : (
          LISTS.map((k) => (
            <section key={k} className="panel" data-testid={`hotel-list-${k}`}>
              <h2>
                {t(`today.${k}`)} <span data-testid={`hotel-count-${k}`}>{today.data.counts[k]}</span>
                {q ? <span className="muted"> · {t('today.shown', { n: lists[k].length })}</span> : null}
              </h2>
              {lists[k].length === 0 ? (
                <p className="muted">{t('today.none')}</p>
              ) : (
                <table className={styles.lines}>
                  <thead>
                    <tr>
                      <th>{t('stay.code')}</th>
                      <th>{t('stay.guest')}</th>
                      <th>{t('stay.phone')}</th>
                      <th>{t('stay.room')}</th>
                      <th>{t('stay.type')}</th>
                      <th>{t('stay.dates')}</th>
                      <th>{t('stay.state')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {lists[k].map((l) => {
                      const isSel = current?.line.id === l.id && current.list === k;
                      return (
                        <tr
                          key={l.id}
                          aria-selected={isSel}
                          className={isSel ? styles.selected : undefined}
                          data-testid="hotel-line"
                          data-stay={l.id}
                          onClick={() => setOpen({ stayId: l.id })}
                        >
                          <td>{l.orderCode}</td>
                          <td>{l.name}</td>
                          <td>{maskPhone(l.phone)}</td>
                          <td>{l.room ?? '—'}</td>
                          <td>
                            {l.roomType} · {l.ratePlan}
                          </td>
                          <td>
                            {l.checkIn} → {l.checkOut}
                          </td>
                          <td>
                            {t(`states.${l.state}`)}
                            {l.lateArrival ? ` · ${t('stay.lateArrival')}` : ''}
                            {l.overdue ? <span className="warn-text"> · {t('stay.overdue')}</span> : null}
                          </td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              )}
            </section>
          ))
        )}
      </section>
      <aside className={styles.aside}>
        {open ? (
          <StayPanel
            key={`${open.stayId}-${open.action ?? ''}`}
            stayId={open.stayId}
            initialAction={open.action}
            onClose={() => {
              setOpen(null);
              backToSearch();
            }}
            onDone={backToSearch}
          />
        ) : (
          <p className="panel muted">{t('today.pick')}</p>
        )}
      </aside>
      {booking ? (
        <BookingDialog
          onCancel={() => {
            setBooking(false);
            backToSearch();
          }}
          onBooked={(stayId) => {
            setBooking(false);
            setOpen({ stayId });
          }}
        />
      ) : null}
    </main>
  );
}
