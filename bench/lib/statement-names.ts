// Names of the database statements the benchmarks report on. The gate stream's statements carry a
// leading `/* ingest:<name> */` tag (db/queries/scans.ts), named after their query functions.

const OTHERS: [RegExp, string][] = [
  [/^BEGIN/i, 'BEGIN'],
  [/^COMMIT/i, 'COMMIT'],
  [/^ROLLBACK/i, 'ROLLBACK'],
  [/FROM scan_requests s JOIN unnest/i, 'findScanRequests'],
  [/FROM tickets t JOIN ticket_types/i, 'lockTicketsByCode'],
  [/daily_counters WHERE venue_id/i, 'readLiveCounters'],
  [/FROM zones z LEFT JOIN occupancy/i, 'readLiveCounters (zones)'],
];

/** The statement's name, or undefined when it is none of the above. */
export function statementName(sql: string): string | undefined {
  const q = sql.trim();
  const tag = /^\/\* ingest:(\w+) \*\//.exec(q);
  if (tag) return tag[1];
  for (const [re, name] of OTHERS) if (re.test(q)) return name;
  return undefined;
}

/** Statements after which the shared rows (occupancy, venue totals) are locked until COMMIT. */
export const LOCKS_SHARED_ROWS = new Set(['lockOccupancy', 'applyCounts']);
