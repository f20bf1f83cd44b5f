'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type KeyboardEvent, useEffect, useRef, useState } from 'react';
import { useHotkeys } from 'react-hotkeys-hook';
import { useTranslations } from 'use-intl';
import { useDeskUpdates } from '../../../lib/live/use-desk-updates.ts';
import { useIsStale } from '../../../lib/live/use-is-stale.ts';
import type { TOverrideRequestView } from '../../../lib/schemas/override-request.ts';
import type { TScanReason } from '../../../lib/schemas/scan.ts';
import { useTRPC } from '../../../lib/trpc/react.tsx';
import { useErrorText } from '../../outage-notice.tsx';
import { useDesk } from '../desk-shell.tsx';
import styles from './approvals.module.css';

/** The list is read again this often while the socket cannot push it (ms). */
const OFFLINE_POLL_MS = 10_000;
/** "How long ago" moves on this often (ms): minutes are all it shows. */
const CLOCK_MS = 15_000;
/** Single keys, not while typing the note (the note's own Enter and Esc are handled on it). */
const KEYS = { preventDefault: true } as const;

/** A clock for "how long ago", ticking every CLOCK_MS. */
function useNow(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), CLOCK_MS);
    return () => clearInterval(timer);
  }, []);
  return now;
}

/**
 * The supervisors' screen (主管授权): the venue's pending override requests, live, oldest first,
 * with the ticket, its type, the gate, why the gate refused it, the desk's reason, who asked and
 * how long ago. ↑/↓ choose, A or Enter approves, D denies, N writes a note for the desk first.
 */
export function ApprovalsScreen() {
  const t = useTranslations('fd.approvals');
  const tr = useTranslations('cc.reasons');
  const tReason = useTranslations('fd.checkIn.reasons');
  const { venue, user, locale } = useDesk();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const errorText = useErrorText();
  const now = useNow();
  const key = trpc.frontDesk.approvals.pending.queryKey({ venueId: venue.id });
  const link = useDeskUpdates(venue.id, {
    onOverrides: (pending) => queryClient.setQueryData(key, pending),
    onResync: () => void queryClient.invalidateQueries({ queryKey: key }),
  });
  const isLive = link !== 'down';
  const list = useQuery({
    ...trpc.frontDesk.approvals.pending.queryOptions({ venueId: venue.id }),
    refetchInterval: isLive ? false : OFFLINE_POLL_MS,
  });
  const isStale = useIsStale(list) || !isLive;
  const rows = list.data ?? [];
  const [selectedId, setSelectedId] = useState<number | null>(null);
  const at = Math.max(
    0,
    rows.findIndex((r) => r.id === selectedId),
  );
  const selected: TOverrideRequestView | undefined = rows[at];
  const [note, setNote] = useState('');
  const [outcome, setOutcome] = useState<{ tone: 'ok' | 'bad'; text: string } | null>(null);
  const approveM = useMutation(trpc.frontDesk.approvals.approve.mutationOptions());
  const denyM = useMutation(trpc.frontDesk.approvals.deny.mutationOptions());
  const busy = approveM.isPending || denyM.isPending;
  const noteRef = useRef<HTMLInputElement>(null);
  const listRef = useRef<HTMLDivElement>(null);
  const rowRefs = useRef(new Map<number, HTMLDivElement>());

  useEffect(() => {
    if (selected) rowRefs.current.get(selected.id)?.scrollIntoView({ block: 'nearest' });
  }, [selected]);
  useEffect(() => listRef.current?.focus(), []);

  const move = (by: number) => {
    if (!rows.length) return;
    setSelectedId(rows[Math.min(rows.length - 1, Math.max(0, at + by))].id);
  };
  const isOwn = (r: TOverrideRequestView) => r.requestedBy.id === user.id;
  const gateName = (r: TOverrideRequestView) => `${r.gate.code} · ${locale === 'en' ? r.gate.nameEn : r.gate.nameZh}`;
  const typeName = (r: TOverrideRequestView) => (locale === 'en' ? r.ticket.typeNameEn : r.ticket.typeNameZh);

  const decide = async (decision: 'approve' | 'deny') => {
    const r = selected;
    if (!r || busy) return;
    if (isOwn(r)) return setOutcome({ tone: 'bad', text: t('yoursHint') });
    try {
      const input = { requestId: r.id, ...(note.trim() ? { note: note.trim() } : {}) };
      const done = await (decision === 'approve' ? approveM : denyM).mutateAsync(input);
      setNote('');
      // The next one takes its place; the pushed list confirms it a moment later.
      const next = rows[at + 1] ?? rows[at - 1];
      setSelectedId(next?.id ?? null);
      queryClient.setQueryData(key, (old) => old?.filter((x) => x.id !== done.id));
      setOutcome({
        tone: 'ok',
        text: t(decision === 'approve' ? 'done.approved' : 'done.denied', {
          ticket: `${typeName(r)} ${r.ticket.code}`,
          gate: r.gate.code,
          who: r.requestedBy.name,
        }),
      });
    } catch (err) {
      setOutcome({ tone: 'bad', text: t('failed', { message: errorText.change(err) }) });
      // Someone else may have answered it: show the list as it is now.
      void queryClient.invalidateQueries({ queryKey: key });
    } finally {
      listRef.current?.focus();
    }
  };

  useHotkeys('up', () => move(-1), KEYS, [rows, at]);
  useHotkeys('down', () => move(1), KEYS, [rows, at]);
  useHotkeys(
    ['a', 'enter'],
    (e) => {
      // Enter on a tab or a button is that element's own (a tab switches screens): not an approval.
      if (e.key === 'Enter' && (e.target as HTMLElement | null)?.closest?.('a, button, select')) return;
      void decide('approve');
    },
    KEYS,
    [decide],
  );
  useHotkeys('d', () => void decide('deny'), KEYS, [decide]);
  useHotkeys('n', () => noteRef.current?.focus(), KEYS);

  const onNoteKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      void decide('approve');
    } else if (e.key === 'Escape') {
      e.preventDefault();
      listRef.current?.focus();
    } else if (e.key === 'ArrowUp' || e.key === 'ArrowDown') {
      e.preventDefault();
      move(e.key === 'ArrowUp' ? -1 : 1);
    }
  };

  const ago = (iso: string) => {
    const minutes = Math.max(0, Math.floor((now - new Date(iso).getTime()) / 60_000));
    return minutes === 0 ? t('justNow') : t('ago', { minutes });
  };
  const left = (iso: string) => {
    const minutes = Math.floor((new Date(iso).getTime() - now) / 60_000);
    return minutes <= 0 ? t('expiresSoon') : t('expiresIn', { minutes });
  };
  const loading = list.isPending ? 'loading' : list.isError && !list.data ? 'error' : 'loaded';

  return (
    <main
      className={`page ${styles.screen}`}
      data-testid="approvals-screen"
      data-loading-state={loading}
      data-live={link}
    >
      <header className={styles.head}>
        <h1>{t('title')}</h1>
        <p className="muted">{t('intro')}</p>
      </header>
      {isStale && list.data ? (
        <p className="notice" role="status" data-testid="approvals-stale">
          {t('stale', { seconds: OFFLINE_POLL_MS / 1000 })}
        </p>
      ) : null}
      {outcome ? (
        <p
          className={`${styles.outcome} ${outcome.tone === 'ok' ? styles.ok : styles.bad}`}
          role="status"
          data-testid="approvals-outcome"
        >
          {outcome.text}
        </p>
      ) : null}
      <div className={styles.body}>
        <section className="panel">
          {loading === 'loading' ? (
            <p className="muted">{t('loading')}</p>
          ) : loading === 'error' ? (
            <p className="error" role="alert" data-testid="approvals-error">
              {errorText.read(list.error)}
            </p>
          ) : !rows.length ? (
            <p className="muted" data-testid="approvals-empty">
              {t('empty')}
            </p>
          ) : null}
          <div
            ref={listRef}
            className={styles.list}
            tabIndex={0}
            role="listbox"
            aria-label={t('title')}
            aria-activedescendant={selected ? `approval-${selected.id}` : undefined}
            data-testid="approvals-list"
          >
            {rows.map((r) => (
              // biome-ignore lint/a11y/useFocusableInteractive: focus stays on the listbox (aria-activedescendant)
              // biome-ignore lint/a11y/useKeyWithClickEvents: the screen's keys (↑/↓, A, D) act on the chosen row
              <div
                key={r.id}
                id={`approval-${r.id}`}
                ref={(el) => {
                  if (el) rowRefs.current.set(r.id, el);
                  else rowRefs.current.delete(r.id);
                }}
                role="option"
                aria-selected={r.id === selected?.id}
                className={`${styles.row} ${r.id === selected?.id ? styles.selected : ''}`}
                data-testid="approvals-row"
                data-request-id={r.id}
                data-ticket-id={r.ticket.id}
                onClick={() => setSelectedId(r.id)}
              >
                <div className={styles.cell}>
                  <span className="muted">{t('columns.ticket')}</span>
                  <strong>{typeName(r)}</strong> <code>{r.ticket.code}</code>
                </div>
                <div className={styles.cell}>
                  <span className="muted">{t('columns.gate')}</span>
                  {gateName(r)} · {t(`dir.${r.direction}`)}
                </div>
                <div className={styles.cell}>
                  <span className="muted">{t('columns.refusal')}</span>
                  <span className={styles.bad}>
                    {r.refusal && tr.has(r.refusal as TScanReason) ? tr(r.refusal as TScanReason) : (r.refusal ?? '—')}
                  </span>
                </div>
                <div className={styles.cell}>
                  <span className="muted">{t('columns.reason')}</span>
                  {tReason(r.reason)}
                  {r.note ? <em className={styles.note}> “{r.note}”</em> : null}
                </div>
                <div className={styles.cell}>
                  <span className="muted">{t('columns.requestedBy')}</span>
                  {r.requestedBy.name}
                  {isOwn(r) ? <span className={styles.tag}> {t('yours')}</span> : null}
                </div>
                <div className={styles.cell}>
                  <span className="muted">{t('columns.age')}</span>
                  <time dateTime={r.requestedAt} data-testid="approvals-age">
                    {ago(r.requestedAt)}
                  </time>{' '}
                  <span className="muted">· {left(r.expiresAt)}</span>
                </div>
              </div>
            ))}
          </div>
        </section>
        <aside className={`panel ${styles.side}`}>
          <label htmlFor="approvals-note">
            <span>
              {t('note')} <kbd>N</kbd>
            </span>
          </label>
          <input
            id="approvals-note"
            ref={noteRef}
            value={note}
            maxLength={500}
            autoComplete="off"
            placeholder={t('notePlaceholder')}
            onChange={(e) => setNote(e.target.value)}
            onKeyDown={onNoteKey}
            data-testid="approvals-note"
          />
          <div className={styles.actions}>
            <button
              type="button"
              tabIndex={-1}
              disabled={!selected || busy || isOwn(selected)}
              onClick={() => void decide('approve')}
              data-testid="approvals-approve"
            >
              {t('approve')} <kbd>A</kbd> <kbd>Enter</kbd>
            </button>
            <button
              type="button"
              tabIndex={-1}
              className="secondary"
              disabled={!selected || busy || isOwn(selected)}
              onClick={() => void decide('deny')}
              data-testid="approvals-deny"
            >
              {t('deny')} <kbd>D</kbd>
            </button>
          </div>
          {selected && isOwn(selected) ? <p className="muted">{t('yoursHint')}</p> : null}
          <p className="muted" data-testid="approvals-keys">
            <kbd>↑</kbd>/<kbd>↓</kbd> {t('keys.move')} · <kbd>A</kbd>/<kbd>Enter</kbd> {t('keys.approve')} ·{' '}
            <kbd>D</kbd> {t('keys.deny')} · <kbd>N</kbd> {t('keys.note')} · <kbd>Esc</kbd> {t('keys.back')}
          </p>
        </aside>
      </div>
    </main>
  );
}
