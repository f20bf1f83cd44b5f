'use client';
import type { ReactNode, RefObject } from 'react';
import { useTranslations } from 'use-intl';
import { COLORS, type TLoadingState } from './chart-theme.ts';

/**
 * A wall panel around one chart: title, a line of figures, the canvas and, over it, the loading,
 * error or empty text. The canvas element stays mounted in every state so the chart is created
 * once; `data-loading-state` is what tests wait on.
 */
export function ChartPanel({
  name,
  title,
  subtitle,
  figures,
  details,
  state,
  error,
  stale,
  isEmpty,
  emptyText,
  chartRef,
  data,
}: {
  name: string;
  title: string;
  subtitle?: string;
  figures?: ReactNode;
  /** A second, smaller line under the title. */
  details?: ReactNode;
  state: TLoadingState;
  /** Why loading failed, shown under the error text. */
  error?: string;
  /** The last refresh failed: the chart still shows the previous answer. */
  stale?: boolean;
  isEmpty: boolean;
  emptyText: string;
  chartRef: RefObject<HTMLDivElement | null>;
  /** Extra data-* attributes (totals) for tests and the screen reader summary. */
  data?: Record<`data-${string}`, string | number | undefined>;
}) {
  const t = useTranslations('charts.common');
  const overlay = state === 'loading' ? t('loading') : state === 'error' ? t('error') : isEmpty ? emptyText : null;
  return (
    <section
      className="panel"
      data-chart={name}
      data-loading-state={state}
      data-empty={state === 'loaded' && isEmpty ? '1' : undefined}
      aria-label={title}
      style={{ display: 'flex', flexDirection: 'column', flex: '1 1 0', minHeight: '10em', padding: '0.7em 1em' }}
      {...data}
    >
      <header
        style={{
          display: 'flex',
          alignItems: 'baseline',
          flexWrap: 'wrap',
          columnGap: '1em',
          rowGap: '0.2em',
          marginBottom: '0.3em',
        }}
      >
        <h2 style={{ margin: 0, color: COLORS.text }}>{title}</h2>
        {subtitle && <span className="muted">{subtitle}</span>}
        {stale && <span className="stale">{t('stale')}</span>}
        {figures && (
          <span
            style={{
              marginLeft: 'auto',
              display: 'flex',
              flexWrap: 'wrap',
              gap: '0.4em 1.2em',
              fontSize: '1.1em',
              fontVariantNumeric: 'tabular-nums',
            }}
          >
            {figures}
          </span>
        )}
      </header>
      {details && (
        <div
          className="muted"
          style={{
            display: 'flex',
            flexWrap: 'wrap',
            gap: '0.2em 1.4em',
            marginBottom: '0.3em',
            fontVariantNumeric: 'tabular-nums',
          }}
        >
          {details}
        </div>
      )}
      <div style={{ position: 'relative', flex: 1, minHeight: 0 }}>
        <div ref={chartRef} style={{ position: 'absolute', inset: 0 }} />
        {overlay && (
          <div
            role={state === 'error' ? 'alert' : 'status'}
            className={state === 'error' ? 'error' : 'muted'}
            style={{
              position: 'absolute',
              inset: 0,
              display: 'grid',
              placeItems: 'center',
              fontSize: '1.3em',
              textAlign: 'center',
              pointerEvents: 'none',
            }}
          >
            <div>
              {overlay}
              {state === 'error' && error && <div style={{ fontSize: '0.7em', marginTop: '0.4em' }}>{error}</div>}
            </div>
          </div>
        )}
      </div>
    </section>
  );
}

/** One labelled figure in a panel header. */
export function Figure({ name, label, value, color }: { name: string; label: string; value: string; color?: string }) {
  return (
    <span data-figure={name}>
      <span className="muted">{label} </span>
      <strong style={{ color: color ?? COLORS.text }}>{value}</strong>
    </span>
  );
}
