'use client';
import type { ReactNode } from 'react';

export type TBoardState = 'loading' | 'loaded' | 'error';

/**
 * The frame of a wall panel fed by a refreshed query (attractions, hotels): its title, a mark
 * when the last refresh failed (the panel keeps the previous answer), and its loading and error
 * states; the rows are the children.
 */
export function WallBoard({
  testId,
  area,
  state,
  count,
  title,
  subtitle,
  stale,
  words,
  error,
  children,
}: {
  testId: string;
  /** Its grid area on the wall. */
  area: string;
  state: TBoardState;
  count: number;
  title: string;
  subtitle?: string;
  stale: boolean;
  words: { stale: string; loading: string; error: string };
  error?: string;
  children: ReactNode;
}) {
  return (
    <section
      className="panel"
      data-testid={testId}
      data-loading-state={state}
      data-count={count}
      aria-label={title}
      style={{ gridArea: area, display: 'flex', flexDirection: 'column', minHeight: 0 }}
    >
      <header style={{ display: 'flex', alignItems: 'baseline', flexWrap: 'wrap', gap: '0.2em 1em' }}>
        <h2 style={{ margin: 0 }}>{title}</h2>
        {subtitle && <span className="muted">{subtitle}</span>}
        {stale && <span className="stale">{words.stale}</span>}
      </header>
      {state === 'loading' && <p className="muted">{words.loading}</p>}
      {state === 'error' && (
        <p className="error" role="alert">
          {words.error}
          {error && <span style={{ display: 'block', fontSize: '0.8em' }}>{error}</span>}
        </p>
      )}
      {children}
    </section>
  );
}
