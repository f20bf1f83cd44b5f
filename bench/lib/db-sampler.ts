import pg from 'pg';
import { statementName } from './statement-names.ts';

/** Sampling period (ms): fine enough to see statements of a few ms, cheap enough not to load the server. */
const SAMPLE_MS = 10;

function statementLabel(query: string): string {
  return statementName(query) ?? query.trim().slice(0, 40).replace(/\s+/g, ' ');
}

export interface WaitProfile {
  samples: number;
  /** Backend-samples by "statement | what the backend was doing", largest first. */
  rows: { key: string; n: number; share: number }[];
}

/**
 * Samples pg_stat_activity of the server's connections (application_name 'tidewatch') in one
 * database: what each backend is doing (running, waiting on a lock or on WAL flush, or idle in a
 * transaction waiting for the Node process) and in which statement. A wall-clock profile of the
 * database side that needs no extension and no server restart.
 */
export async function startWaitSampler(url: string): Promise<() => Promise<WaitProfile>> {
  const client = new pg.Client({ connectionString: url, application_name: 'tw-bench-sampler' });
  await client.connect();
  const counts = new Map<string, number>();
  let samples = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const t0 = performance.now();
      const r = await client.query<{ state: string | null; wt: string | null; we: string | null; query: string }>(
        `SELECT state, wait_event_type AS wt, wait_event AS we, query FROM pg_stat_activity
         WHERE datname = current_database() AND application_name = 'tidewatch' AND pid <> pg_backend_pid()`,
      );
      samples++;
      for (const row of r.rows) {
        if (row.state === 'idle') continue;
        const what =
          row.state === 'idle in transaction'
            ? 'idle in transaction (waiting for Node)'
            : row.wt && row.wt !== 'Client'
              ? `waiting ${row.wt}:${row.we}`
              : row.wt === 'Client'
                ? `client ${row.we}`
                : 'running (CPU)';
        const key = `${statementLabel(row.query)} | ${what}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      const wait = SAMPLE_MS - (performance.now() - t0);
      if (wait > 0) await new Promise((res) => setTimeout(res, wait));
    }
  })();
  return async () => {
    stopped = true;
    await loop.catch(() => {});
    await client.end().catch(() => {});
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    const rows = [...counts.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([key, n]) => ({ key, n, share: n / Math.max(1, total) }));
    return { samples, rows };
  };
}
