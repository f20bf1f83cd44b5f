'use client';
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { useVirtualizer } from '@tanstack/react-virtual';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { type KeyboardEvent, type RefObject, useEffect, useRef, useState } from 'react';
import { useLocale, useTranslations } from 'use-intl';
import { normalizeTicketCode } from '../../../lib/ticket-code.ts';
import { useTRPC } from '../../../lib/trpc/react.tsx';
import { useErrorText } from '../../outage-notice.tsx';
import { useDesk } from '../desk-shell.tsx';
import { lookupKinds, maskPhone, moneyFormat, timeFormat } from './format.ts';
import type { TDeskHit } from './order-types.ts';
import s from './orders.module.css';

/** Keystrokes come fast from a person and faster from a scanner: ask once the typing pauses (ms). */
const DEBOUNCE_MS = 150;
/** A result row's height in px (two lines), for the virtual list. */
const ROW_PX = 64;

/** The journey of an order's customer (docs/guest-journey.md): the URL names the order, not the person. */
const journeyHref = (orderId: number) => `/guests/o-${orderId}`;

function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const id = setTimeout(() => setV(value), ms);
    return () => clearTimeout(id);
  }, [value, ms]);
  return v;
}

/**
 * The order desk's one search box and its results: order code, ticket code (a scanner types it and
 * Enter), channel reference, phone, ID number or name. ↑/↓ move, Enter opens; a scanned ticket code
 * of exactly one order opens it at once. Alt+J opens the guest journey of the active row's order
 * (its customer, /guests/o-<id>); `?q=` (the journey's link back to an order) searches on load.
 */
export function OrderSearch({
  inputRef,
  openOrderId,
  onOpen,
}: {
  inputRef: RefObject<HTMLInputElement | null>;
  openOrderId: number | null;
  onOpen: (orderId: number) => void;
}) {
  const t = useTranslations('fd.orders');
  const tg = useTranslations('guests');
  const router = useRouter();
  const locale = useLocale();
  const { venue } = useDesk();
  const trpc = useTRPC();
  const qc = useQueryClient();
  const errorText = useErrorText();
  const [q, setQ] = useState('');
  const query = useDebounced(q.trim(), DEBOUNCE_MS);
  const optionsFor = (text: string) => trpc.frontDesk.search.queryOptions({ venueId: venue.id, q: text });
  const res = useQuery({ ...optionsFor(query), enabled: query.length > 0, placeholderData: keepPreviousData });
  const rows: TDeskHit[] = query ? (res.data ?? []) : [];
  const [active, setActive] = useState(0);
  // A scan or keys typed while the page was still loading are in the input, not yet in the state.
  // biome-ignore lint/correctness/useExhaustiveDependencies: once, on the first draw
  useEffect(() => {
    const typed = inputRef.current?.value ?? '';
    if (typed) return setQ(typed);
    // A link to one order (the guest journey's): search it, and open it when it is the only one.
    const linked = new URLSearchParams(window.location.search).get('q')?.trim();
    if (!linked) return;
    setQ(linked);
    qc.fetchQuery(optionsFor(linked)).then(
      (found) => found.length === 1 && onOpen(found[0]!.id),
      () => {},
    );
  }, []);
  const money = moneyFormat(locale);
  const time = timeFormat(venue.timeZone);

  // A new answer starts at its first row.
  // biome-ignore lint/correctness/useExhaustiveDependencies: each new answer, not each render
  useEffect(() => setActive(0), [res.data]);

  const listRef = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({
    count: rows.length,
    getScrollElement: () => listRef.current,
    estimateSize: () => ROW_PX,
    overscan: 8,
  });
  useEffect(() => {
    if (rows.length) virtual.scrollToIndex(Math.min(active, rows.length - 1));
  }, [active, rows.length, virtual]);

  /** Enter: the active row when the answer is for what is typed; otherwise ask now (a scanner is faster than the debounce). */
  const submit = async () => {
    const text = q.trim();
    if (!text) return;
    if (text === query && res.data && !res.isPlaceholderData) {
      const row = res.data[Math.min(active, res.data.length - 1)];
      if (row) onOpen(row.id);
      return;
    }
    try {
      const found = await qc.fetchQuery(optionsFor(text));
      // Only open without a look when there is nothing to choose: one order, or a ticket's own code.
      if (found.length === 1 || (normalizeTicketCode(text) && found.length > 0)) onOpen(found[0]!.id);
    } catch {
      // The query's own error state shows it once the debounce catches up.
    }
  };

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      setActive((a) => Math.min(a + 1, Math.max(0, rows.length - 1)));
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      setActive((a) => Math.max(0, a - 1));
    } else if (e.key === 'PageDown') {
      e.preventDefault();
      setActive((a) => Math.min(a + 8, Math.max(0, rows.length - 1)));
    } else if (e.key === 'PageUp') {
      e.preventDefault();
      setActive((a) => Math.max(0, a - 8));
    } else if (e.altKey && e.code === 'KeyJ') {
      // With Alt: a plain J is a letter of order codes and names.
      e.preventDefault();
      const row = rows[Math.min(active, rows.length - 1)];
      if (row) router.push(journeyHref(row.id));
    } else if (e.key === 'Enter') {
      e.preventDefault();
      void submit();
    }
  };

  const loading = query.length > 0 && res.isFetching;
  const state = !query ? 'idle' : res.isError ? 'error' : res.data && !res.isPlaceholderData ? 'loaded' : 'loading';
  const activeRow = rows[Math.min(active, rows.length - 1)];
  const optionId = (id: number) => `order-hit-${id}`;
  return (
    <div className={s.search}>
      <label className={s.searchLabel}>
        <span>
          {t('search.label')} <span className="muted">— {t('search.hint')}</span>
        </span>
        <input
          ref={inputRef}
          data-testid="order-search"
          type="search"
          role="combobox"
          aria-expanded={rows.length > 0}
          aria-controls="order-hits"
          aria-activedescendant={activeRow ? optionId(activeRow.id) : undefined}
          autoComplete="off"
          spellCheck={false}
          // biome-ignore lint/a11y/noAutofocus: the desk's one input: a scanner or the cashier types here first
          autoFocus
          maxLength={64}
          placeholder={t('search.placeholder')}
          value={q}
          onChange={(e) => setQ(e.target.value)}
          onKeyDown={onKeyDown}
        />
      </label>
      <p className={s.keys}>
        <kbd>↑</kbd>
        <kbd>↓</kbd> {t('keys.move')} · <kbd>Enter</kbd> {t('keys.open')} · <kbd>Alt+J</kbd> {tg('searchAction')} ·{' '}
        <kbd>Esc</kbd> {t('keys.back')}
      </p>
      <div className={s.resultsHead} aria-live="polite">
        {!query ? (
          <span className="muted">{t('search.start')}</span>
        ) : res.isError ? (
          <span className="error" role="alert" data-testid="search-error">
            {errorText.read(res.error)}
          </span>
        ) : res.data === undefined ? (
          <span className="muted">{t('search.searching')}</span>
        ) : rows.length === 0 && !res.isPlaceholderData ? (
          <span data-testid="search-empty">
            {t('search.noMatch', { q: query })}
            <br />
            <span className="muted">
              {t('search.triedAs', {
                kinds: lookupKinds(query)
                  .map((k) => t(`kinds.${k}` as 'kinds.name'))
                  .join(locale === 'en' ? ', ' : '、'),
              })}
            </span>
          </span>
        ) : (
          <span className="muted" data-testid="search-count">
            {t('search.results', { count: rows.length })}
            {loading ? ` · ${t('search.searching')}` : ''}
          </span>
        )}
      </div>
      <div
        ref={listRef}
        id="order-hits"
        role="listbox"
        aria-label={t('search.label')}
        className={s.results}
        data-testid="search-results"
        data-loading-state={state}
      >
        <div style={{ height: virtual.getTotalSize(), position: 'relative' }}>
          {virtual.getVirtualItems().map((v) => {
            const r = rows[v.index]!;
            const isActive = v.index === active;
            return (
              // biome-ignore lint/a11y/useKeyWithClickEvents: the keys are the search box's (↑ ↓ Enter, aria-activedescendant)
              <div
                key={r.id}
                id={optionId(r.id)}
                role="option"
                aria-selected={isActive}
                tabIndex={-1}
                data-testid="search-result"
                data-order-id={r.id}
                data-active={isActive ? '1' : undefined}
                className={`${s.hit} ${isActive ? s.hitActive : ''} ${r.id === openOrderId ? s.hitOpen : ''}`}
                style={{
                  position: 'absolute',
                  top: 0,
                  left: 0,
                  right: 0,
                  height: v.size,
                  transform: `translateY(${v.start}px)`,
                }}
                onMouseDown={(e) => e.preventDefault()}
                onClick={() => {
                  setActive(v.index);
                  onOpen(r.id);
                }}
              >
                <div className={s.hitLine}>
                  <strong className={s.mono}>{r.code ?? r.ref}</strong>
                  <span>{r.customer ?? ''}</span>
                  <span className={s.matched} data-testid="search-matched">
                    {r.matched.map((k) => t(`kinds.${k}` as 'kinds.name')).join(' · ')}
                  </span>
                  <span className={s.hitAmount}>{money(r.amount)}</span>
                </div>
                <div className={`${s.hitLine} muted`}>
                  <span>{t('search.tickets', { count: r.tickets })}</span>
                  <span>{maskPhone(r.phone) ?? r.idNumber ?? ''}</span>
                  <span>{time(r.createdAt).slice(5, 16)}</span>
                  <span className={s.hitChannel}>{r.channel.name}</span>
                  <Link
                    href={journeyHref(r.id)}
                    className={s.hitAmount}
                    data-testid="search-journey"
                    onClick={(e) => e.stopPropagation()}
                  >
                    {tg('searchAction')}
                  </Link>
                </div>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
