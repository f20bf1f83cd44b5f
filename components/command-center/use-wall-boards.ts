'use client';
import { useQuery } from '@tanstack/react-query';
import { ABORTABLE, outageAware } from '../../lib/live/outage.ts';
import { useControlsUpdates } from '../../lib/live/use-controls-updates.ts';
import { useIsStale } from '../../lib/live/use-is-stale.ts';
import { useTRPC } from '../../lib/trpc/react.tsx';
import { useErrorText } from '../outage-notice.tsx';

/** How often the attractions panel and the flow arcs refresh (ms): the rollups have one-minute buckets. */
const BOARD_REFRESH_MS = 15_000;
/** Window of the flow arcs on the map (minutes). */
export const FLOW_WINDOW_MIN = 15;

type TState = 'loading' | 'loaded' | 'error';

function stateOf(q: { isPending: boolean; isError: boolean; data: unknown }): TState {
  if (q.data !== undefined) return 'loaded';
  if (q.isPending && !q.isError) return 'loading';
  return 'error';
}

/**
 * The wall's attraction and hotel figures and zone flows, refreshed from the rollups every 15 s; the
 * attractions also at once when a manager closes, reopens or throttles one (controls:update over
 * /live, heard on every instance). A failed refresh keeps the last answer, marked stale.
 */
export function useWallBoards(venueId: number | undefined) {
  const trpc = useTRPC();
  const errorText = useErrorText();
  const id = venueId ?? 0;
  const attractions = useQuery({
    ...outageAware(
      trpc.charts.attractions.queryOptions(
        { venueId: id },
        { trpc: ABORTABLE, refetchInterval: BOARD_REFRESH_MS, refetchIntervalInBackground: true },
      ),
    ),
    enabled: id > 0,
  });
  const flows = useQuery({
    ...outageAware(
      trpc.charts.flows.queryOptions(
        { venueId: id, minutes: FLOW_WINDOW_MIN },
        { trpc: ABORTABLE, refetchInterval: BOARD_REFRESH_MS, refetchIntervalInBackground: true },
      ),
    ),
    enabled: id > 0,
  });
  // The hotels' night changes with the desk's work (bookings, check-ins, blocks): polled like the attractions.
  const hotels = useQuery({
    ...outageAware(
      trpc.charts.hotels.queryOptions(
        { venueId: id },
        { trpc: ABORTABLE, refetchInterval: BOARD_REFRESH_MS, refetchIntervalInBackground: true },
      ),
    ),
    enabled: id > 0,
  });
  const { refetch } = attractions;
  useControlsUpdates(venueId, () => void refetch());
  const attractionsStale = useIsStale(attractions);
  const flowsStale = useIsStale(flows);
  const hotelsStale = useIsStale(hotels);
  return {
    attractions: {
      data: attractions.data,
      state: stateOf(attractions),
      stale: attractionsStale,
      error: attractions.error ? errorText.read(attractions.error) : undefined,
    },
    flows: { data: flows.data, state: stateOf(flows), stale: flowsStale },
    hotels: {
      data: hotels.data,
      state: stateOf(hotels),
      stale: hotelsStale,
      error: hotels.error ? errorText.read(hotels.error) : undefined,
    },
  };
}
