import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Database } from '../../db/client.ts';

const run = promisify(execFile);
/** A psql call that takes longer than this is stuck (ms). */
const PSQL_TIMEOUT_MS = 300_000;
const COLUMNS =
  'at, venue_id, zone_id, gate_id, device_id, scan_id, ticket_id, type_id, direction, result, reason, offline, conflict';

export interface CopyResult {
  rows: number;
  seconds: number;
  rowsPerS: number;
  csvBytes: number;
}

async function psql(url: string, command: string): Promise<string> {
  const { stdout } = await run('psql', [url, '-X', '-v', 'ON_ERROR_STOP=1', '-c', command], {
    timeout: PSQL_TIMEOUT_MS,
  });
  return stdout;
}

/**
 * The baseline: the rows one phase wrote to gate_scans, exported as CSV (scan ids prefixed so they
 * stay distinguishable) and loaded back into the same table with `psql \copy`: the fastest way
 * PostgreSQL takes the same rows, without any decision, idempotency record or counter.
 * The timed part is the `\copy ... FROM` process (psql start, connect, stream, commit).
 * The copied rows are deleted afterwards so later phases see the same table.
 */
export async function copyBaseline(opts: {
  url: string;
  db: Database;
  dir: string;
  scanIdPrefix: string;
}): Promise<CopyResult> {
  const file = path.join(opts.dir, 'gate-scans.csv');
  const like = `${opts.scanIdPrefix.replace(/[%_\\]/g, '\\$&')}%`;
  await psql(
    opts.url,
    `\\copy (SELECT at, venue_id, zone_id, gate_id, device_id, 'copy.' || scan_id, ticket_id, type_id, direction, result, reason, offline, conflict FROM gate_scans WHERE scan_id LIKE '${like}') TO '${file}' WITH (FORMAT csv)`,
  );
  const t0 = performance.now();
  const out = await psql(opts.url, `\\copy gate_scans(${COLUMNS}) FROM '${file}' WITH (FORMAT csv)`);
  const seconds = (performance.now() - t0) / 1000;
  const rows = Number(/COPY (\d+)/.exec(out)?.[1] ?? NaN);
  const check = await opts.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM gate_scans WHERE scan_id LIKE 'copy.%'`,
  );
  if (check.rows[0].n !== rows)
    throw new Error(`psql reported COPY ${rows} but gate_scans holds ${check.rows[0].n} copied rows`);
  await opts.db.query(`DELETE FROM gate_scans WHERE scan_id LIKE 'copy.%'`);
  await opts.db.query('VACUUM gate_scans');
  return { rows, seconds, rowsPerS: rows / seconds, csvBytes: statSync(file).size };
}
