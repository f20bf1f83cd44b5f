'use client';
import { useQuery } from '@tanstack/react-query';
import { ABORTABLE, outageAware } from '../../../lib/live/outage.ts';
import { useIsStale } from '../../../lib/live/use-is-stale.ts';
import { useTRPC } from '../../../lib/trpc/react.tsx';
import { useErrorText } from '../../outage-notice.tsx';
import type { TLoadingState } from './chart-theme.ts';
import { ArrivalsChart } from './arrivals-chart.tsx';
import { EntriesChart } from './entries-chart.tsx';
import { SalesChart } from './sales-chart.tsx';

/** Window of the minute charts (minutes): the last three hours. */
const SERIES_WINDOW_MIN = 180;
/** How often the minute charts refresh (ms); the rollups have one-minute buckets. */
const SERIES_REFRESH_MS = 15_000;
/** How often the arrival forecast refreshes (ms); its buckets are 15 minutes wide. */
const ARRIVALS_REFRESH_MS = 60_000;

function stateOf(q: { isPending: boolean; isError: boolean; data: unknown }): TLoadingState {
  if (q.data !== undefined) return 'loaded';
  if (q.isPending && !q.isError) return 'loading';
  return 'error';
}

/**
 * The command center's charts (laid out by the .command-charts rule of the page): visitor flow, ticket sales and the arrival forecast of
 * the venue, refreshed from the rollups (series every 15 s, forecast every minute). A failed
 * refresh keeps the last answer on screen, marked as not updating.
 */
export function CommandCharts({
  venueId,
  locale,
  zoneNames,
}: {
  venueId: number;
  locale: string;
  zoneNames: Map<number, string>;
}) {
  const trpc = useTRPC();
  const errorText = useErrorText();
  const series = useQuery(
    outageAware(
      trpc.charts.series.queryOptions(
        { venueId, minutes: SERIES_WINDOW_MIN },
        { trpc: ABORTABLE, refetchInterval: SERIES_REFRESH_MS, refetchIntervalInBackground: true },
      ),
    ),
  );
  const arrivals = useQuery(
    outageAware(
      trpc.charts.arrivals.queryOptions(
        { venueId },
        { trpc: ABORTABLE, refetchInterval: ARRIVALS_REFRESH_MS, refetchIntervalInBackground: true },
      ),
    ),
  );
  const s = { state: stateOf(series), stale: useIsStale(series) };
  const a = { state: stateOf(arrivals), stale: useIsStale(arrivals) };
  const seriesError = series.error ? errorText.read(series.error) : undefined;
  return (
    <div className="command-charts" data-testid="command-charts">
      <EntriesChart
        locale={locale}
        state={s.state}
        error={seriesError}
        stale={s.stale}
        series={series.data}
        zoneNames={zoneNames}
      />
      <SalesChart locale={locale} state={s.state} error={seriesError} stale={s.stale} series={series.data} />
      <ArrivalsChart
        locale={locale}
        state={a.state}
        error={arrivals.error ? errorText.read(arrivals.error) : undefined}
        stale={a.stale}
        arrivals={arrivals.data}
      />
    </div>
  );
}
