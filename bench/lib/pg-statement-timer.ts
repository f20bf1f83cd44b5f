// Loaded into the server process with `--import` by `npm run bench:ingest -- --time-statements`:
// times every statement of node-postgres clients and, per ingest transaction, how long the rows all
// gates share (occupancy, venue totals) stay locked, then writes a summary to TW_BENCH_STATEMENT_TIMES
// when the process exits.
// Instrumentation only: it wraps pg.Client#query and changes no behaviour.
import { writeFileSync } from 'node:fs';
import pg from 'pg';
import { LOCKS_SHARED_ROWS, statementName } from './statement-names.ts';
import { getOrInsert } from '../../lib/map.ts';

/** Samples kept per statement: bounded, so a long run cannot grow the server's memory. */
const MAX_SAMPLES = 200_000;

interface TxState {
  begin?: number;
  locked?: number;
  lastEnd?: number;
  gaps: number;
}

const samples = new Map<string, number[]>();
function add(key: string, ms: number): void {
  const a = getOrInsert(samples, key, () => []);
  if (a.length < MAX_SAMPLES) a.push(ms);
}

const txOf = new WeakMap<object, TxState>();
type QueryFn = (this: pg.Client, ...args: unknown[]) => unknown;
const proto = pg.Client.prototype as unknown as { query: QueryFn };
const original = proto.query;
proto.query = function (this: pg.Client, ...args: unknown[]) {
  const first = args[0] as string | { text?: string } | undefined;
  const name = statementName(String((typeof first === 'string' ? first : first?.text) ?? ''));
  const result = original.apply(this, args);
  // Statements of other code (screens, alarms, callbacks) are not timed.
  if (!name || !(result instanceof Promise)) return result;
  const tx = getOrInsert(txOf, this as object, () => ({ gaps: 0 }));
  const t0 = performance.now();
  if (name === 'BEGIN') Object.assign(tx, { begin: t0, locked: undefined, lastEnd: undefined, gaps: 0 });
  else if (tx.lastEnd !== undefined) tx.gaps += t0 - tx.lastEnd;
  const state = tx;
  const done = () => {
    const t1 = performance.now();
    add(name, t1 - t0);
    state.lastEnd = t1;
    // The shared rows are locked from the start of the statement that locks them (it may wait for them).
    if (LOCKS_SHARED_ROWS.has(name) && state.locked === undefined) state.locked = t0;
    if (name === 'COMMIT' && state.begin !== undefined) {
      add('transaction, BEGIN to COMMIT done', t1 - state.begin);
      if (state.locked !== undefined) add('shared rows locked (statement start to COMMIT done)', t1 - state.locked);
      add('Node time between statements (sum per transaction)', state.gaps);
      state.begin = state.locked = state.lastEnd = undefined;
    }
  };
  result.then(done, done);
  return result;
};

process.on('exit', () => {
  const out = process.env.TW_BENCH_STATEMENT_TIMES;
  if (!out) return;
  const at = (a: number[], q: number) => a[Math.min(a.length - 1, Math.ceil(q * a.length) - 1)];
  const lines = [...samples].map(([k, a]) => {
    a.sort((x, y) => x - y);
    const mean = a.reduce((s, v) => s + v, 0) / a.length;
    return `${k.padEnd(54)} n=${String(a.length).padStart(7)}  mean ${mean.toFixed(2).padStart(7)}  p50 ${at(a, 0.5).toFixed(2).padStart(7)}  p90 ${at(a, 0.9).toFixed(2).padStart(7)}  p99 ${at(a, 0.99).toFixed(2).padStart(8)} ms`;
  });
  writeFileSync(out, `${lines.join('\n')}\n`);
});
