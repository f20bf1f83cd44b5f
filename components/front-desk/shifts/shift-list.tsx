'use client';
import { useQuery } from '@tanstack/react-query';
import { forwardRef, type KeyboardEvent, useEffect, useRef, useState } from 'react';
import { useTranslations } from 'use-intl';
import { useTRPC } from '../../../lib/trpc/react.tsx';
import { useErrorText } from '../../outage-notice.tsx';
import { useDesk } from '../desk-shell.tsx';
import { DiffMark } from './count-table.tsx';
import { deskYuan } from './money.ts';
import { useDeskTime } from './shift-report.tsx';
import styles from './shifts.module.css';

/** Supervisors see every shift of the venue; a cashier sees their own (the server decides, this only labels). */
export const isSupervisorRole = (role: string) => role === 'manager' || role === 'admin';

/**
 * The venue's shifts, newest first (the server returns at most 100, so no virtual list is needed):
 * ↑/↓ choose, Enter opens the report.
 */
export const ShiftList = forwardRef<HTMLDivElement, { onOpen: (shiftId: number) => void; activeId?: number }>(
  function ShiftList({ onOpen, activeId }, ref) {
    const t = useTranslations('fd.shifts');
    const { venue, user, locale } = useDesk();
    const money = deskYuan(locale);
    const time = useDeskTime();
    const trpc = useTRPC();
    const errorText = useErrorText();
    // Other cashiers open and close shifts meanwhile (a supervisor sees them all): read the list again now and then.
    const shifts = useQuery({ ...trpc.frontDesk.shifts.queryOptions({ venueId: venue.id }), refetchInterval: 30_000 });
    const rows = shifts.data ?? [];
    const [cursor, setCursor] = useState(0);
    const rowRefs = useRef<(HTMLDivElement | null)[]>([]);
    const supervisor = isSupervisorRole(user.role);
    useEffect(() => {
      if (cursor >= rows.length && rows.length) setCursor(rows.length - 1);
    }, [rows.length, cursor]);
    useEffect(() => rowRefs.current[cursor]?.scrollIntoView({ block: 'nearest' }), [cursor]);
    const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
      if (!rows.length) return;
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        setCursor((c) => Math.max(0, Math.min(rows.length - 1, c + (e.key === 'ArrowDown' ? 1 : -1))));
      } else if (e.key === 'Home' || e.key === 'End') {
        e.preventDefault();
        setCursor(e.key === 'Home' ? 0 : rows.length - 1);
      } else if (e.key === 'Enter') {
        e.preventDefault();
        const r = rows[cursor];
        if (r) onOpen(r.id);
      }
    };
    const state = shifts.isPending ? 'loading' : shifts.isError ? 'error' : 'loaded';
    return (
      <section className={`panel ${styles.list}`} data-testid="shift-list" data-loading-state={state}>
        <h2>
          {supervisor ? t('list.allTitle') : t('list.mineTitle')} <kbd>F7</kbd>
        </h2>
        {shifts.isError && !shifts.data ? (
          <p className="error" role="alert">
            {errorText.read(shifts.error)}
          </p>
        ) : null}
        {shifts.isPending ? <p className="muted">{t('loading')}</p> : null}
        {shifts.data && !rows.length ? <p className="muted">{t('list.empty')}</p> : null}
        {rows.length ? (
          <div
            ref={ref}
            className={styles.listBox}
            role="listbox"
            tabIndex={0}
            aria-label={t('list.allTitle')}
            aria-activedescendant={rows[cursor] ? `shift-row-${rows[cursor].id}` : undefined}
            onKeyDown={onKeyDown}
            data-testid="shift-list-box"
          >
            {rows.map((s, i) => {
              const diff = s.difference ? Object.values(s.difference).reduce((n, v) => n + v, 0) : undefined;
              return (
                // biome-ignore lint/a11y/useFocusableInteractive: focus stays on the listbox (aria-activedescendant)
                // biome-ignore lint/a11y/useKeyWithClickEvents: the listbox handles ↑/↓/Enter for its rows
                <div
                  key={s.id}
                  id={`shift-row-${s.id}`}
                  ref={(el) => {
                    rowRefs.current[i] = el;
                  }}
                  role="option"
                  aria-selected={i === cursor}
                  data-active={s.id === activeId || undefined}
                  data-testid="shift-row"
                  data-shift-id={s.id}
                  data-status={s.closedAt ? 'closed' : 'open'}
                  className={styles.row}
                  onClick={() => {
                    setCursor(i);
                    onOpen(s.id);
                  }}
                >
                  <span className={styles.rowMain}>
                    <strong>#{s.id}</strong> {s.window.code}
                    {supervisor ? <span className="muted"> · {s.cashier}</span> : null}
                  </span>
                  <span className={styles.rowStatus} data-status={s.closedAt ? 'closed' : 'open'}>
                    {s.closedAt ? t('status.closed') : t('status.open')}
                  </span>
                  <span className={`muted ${styles.rowTime}`}>
                    {time(s.openedAt)}
                    {s.closedAt ? ` → ${time(s.closedAt)}` : ''}
                  </span>
                  <span className={styles.rowDiff}>
                    {diff !== undefined ? (
                      <DiffMark value={diff} />
                    ) : (
                      <span className="muted">
                        {t('report.float')} {money.format(s.openingFloat)}
                      </span>
                    )}
                  </span>
                </div>
              );
            })}
          </div>
        ) : null}
        <p className="muted">{t('list.keys')}</p>
      </section>
    );
  },
);
