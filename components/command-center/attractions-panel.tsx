'use client';
import { useMemo, type CSSProperties } from 'react';
import { useTranslations } from 'use-intl';
import { numberFormat } from './venue-map-layers.ts';
import {
  barShare,
  hoursText,
  percent,
  stateText,
  utilisation,
  utilisationLevel,
  type TAttractionBoard,
  type TAttractionRow,
  type TAttractionState,
  type TAttractionStrings,
  type TUtilisationLevel,
} from './attractions-data.ts';

import { type TBoardState, WallBoard } from './wall-board.tsx';

export type { TBoardState };

const BAR_COLOR: Record<TUtilisationLevel, string> = {
  idle: 'var(--line)',
  calm: 'var(--accent)',
  warn: 'var(--warn)',
  crit: 'var(--crit)',
};
const BADGE: Record<TAttractionState, CSSProperties> = {
  open: { color: 'var(--ok)', borderColor: 'var(--ok)' },
  throttled: { color: '#000', background: 'var(--warn)', borderColor: 'var(--warn)' },
  closed: { color: '#fff', background: 'var(--crit)', borderColor: 'var(--crit)' },
  outside_hours: { color: 'var(--muted)', borderColor: 'var(--line)' },
};

/** The panel's words (messages `attractions`). */
function useStrings() {
  const t = useTranslations('attractions');
  return useMemo(
    () => ({
      t,
      row: {
        allDay: t('allDay'),
        hours: (opens: string, closes: string) => t('hours', { opens, closes }),
        throttledTo: (n: number) => t('throttledTo', { n }),
        state: (s: TAttractionState) => t(`state.${s}`),
      } satisfies TAttractionStrings,
    }),
    [t],
  );
}

/**
 * Attractions and lifts on the wall: per attraction its rides in the last hour against what it
 * can carry in an hour (a bar and a percentage, amber from 80%, red from 95%), its rides today and
 * whether it runs (closed or throttled by a manager, outside its hours). Read from three metres:
 * the percentage and the state are the largest things in a row.
 */
export function AttractionsPanel({
  board,
  state,
  stale,
  error,
  locale,
}: {
  board: TAttractionBoard | undefined;
  state: TBoardState;
  /** The last refresh failed; the panel shows the previous answer. */
  stale: boolean;
  error?: string;
  locale: string;
}) {
  const { t, row } = useStrings();
  const nf = numberFormat(locale);
  const rows = board?.attractions ?? [];
  return (
    <WallBoard
      testId="attractions"
      area="attractions"
      state={state}
      count={rows.length}
      title={t('title')}
      subtitle={t('subtitle')}
      stale={stale}
      words={{ stale: t('stale'), loading: t('loading'), error: t('error') }}
      error={error}
    >
      {state === 'loaded' && rows.length === 0 && <p className="muted">{t('empty')}</p>}
      {rows.length > 0 && (
        <ul
          className="scroll"
          style={{
            listStyle: 'none',
            margin: '0.5em 0 0',
            padding: 0,
            display: 'flex',
            flexDirection: 'column',
            justifyContent: 'space-between',
            gap: '0.5em',
          }}
        >
          {rows.map((a) => (
            <AttractionRow key={a.id} a={a} name={locale === 'en' ? a.nameEn : a.nameZh} nf={nf} t={t} row={row} />
          ))}
        </ul>
      )}
    </WallBoard>
  );
}

function AttractionRow({
  a,
  name,
  nf,
  t,
  row,
}: {
  a: TAttractionRow;
  /** In the wall's language. */
  name: string;
  nf: Intl.NumberFormat;
  t: ReturnType<typeof useTranslations<'attractions'>>;
  row: TAttractionStrings;
}) {
  const ratio = utilisation(a);
  const level = utilisationLevel(ratio, a.state);
  return (
    <li
      data-attraction={a.code}
      data-state={a.state}
      data-rides-hour={a.ridesLastHour}
      data-rides-today={a.ridesToday}
      data-utilisation={percent(ratio)}
      data-level={level}
      // The percentage has a column of its own, so every row's bar is as long as the others.
      style={{
        display: 'grid',
        gridTemplateColumns: 'minmax(0, 1fr) 5.4em',
        gap: '0.15em 0.8em',
        alignItems: 'center',
      }}
    >
      <div style={{ gridColumn: '1 / -1', display: 'flex', alignItems: 'baseline', gap: '0.8em', minWidth: 0 }}>
        <span
          style={{ flex: '1 1 auto', minWidth: 0, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}
        >
          <strong style={{ fontSize: '1.15em' }}>{name}</strong>
          <span className="muted"> · {t(`kind.${a.kind}`)}</span>
        </span>
        <span
          data-badge={a.state}
          title={stateText(a, row)}
          style={{
            ...BADGE[a.state],
            border: '1px solid',
            borderRadius: '4px',
            padding: '0.05em 0.5em',
            fontWeight: 700,
            whiteSpace: 'nowrap',
            flex: '0 1 auto',
            maxWidth: '60%',
            overflow: 'hidden',
            textOverflow: 'ellipsis',
          }}
        >
          {stateText(a, row)}
        </span>
      </div>
      <div
        // The percentage beside it says the same in words.
        aria-hidden="true"
        style={{ height: '0.9em', background: 'var(--panel-2)', borderRadius: '3px', overflow: 'hidden' }}
      >
        <div
          style={{
            width: `${barShare(ratio) * 100}%`,
            height: '100%',
            background: BAR_COLOR[level],
            transition: 'width 400ms ease-out',
          }}
        />
      </div>
      <strong
        data-figure="utilisation"
        style={{
          fontSize: '1.6em',
          lineHeight: 1,
          fontVariantNumeric: 'tabular-nums',
          textAlign: 'right',
          color: level === 'idle' ? 'var(--muted)' : BAR_COLOR[level],
        }}
      >
        {percent(ratio)}%
      </strong>
      <div className="muted" style={{ gridColumn: '1 / -1', fontVariantNumeric: 'tabular-nums', whiteSpace: 'nowrap' }}>
        <span style={{ color: 'var(--text)' }}>
          {nf.format(a.ridesLastHour)} / {t('perHour', { n: nf.format(a.hourlyCapacity) })}
        </span>
        {' · '}
        {t('today', { n: nf.format(a.ridesToday) })}
        {' · '}
        {hoursText(a, row)}
      </div>
    </li>
  );
}
