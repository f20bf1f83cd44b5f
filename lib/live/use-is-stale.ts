'use client';
import { useRef } from 'react';

/** The parts of a TanStack Query result that say whether its data is still the latest answer. */
export interface TQueryFreshness {
  data: unknown;
  dataUpdatedAt: number;
  isError: boolean;
  failureCount: number;
}

/**
 * Whether a query's data on screen may be out of date: an attempt to refresh it failed (during its
 * retries already) and no answer has come since. TanStack Query resets the failure count whenever
 * a new attempt starts (a refetch, an invalidation after a change), so the failure is remembered
 * against the data it was seen with, until new data replaces it.
 */
export function useIsStale(q: TQueryFreshness): boolean {
  const failedWith = useRef<number | null>(null);
  // Idempotent during render: it only records which answer the latest failure was seen with.
  if (q.isError || q.failureCount > 0) failedWith.current = q.dataUpdatedAt;
  return q.data !== undefined && failedWith.current === q.dataUpdatedAt;
}
