import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { AppError } from '../lib/errors.ts';

/** Anything that runs SQL: the database itself or an open transaction. Queries take this. */
export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: T[]; rowCount: number }>;
}

export interface Database extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /** Runs fn in one transaction; rolls back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Runs several statements in one round trip (migrations). */
  exec(sql: string): Promise<void>;
  /** Runs fn on one connection, outside any transaction (session advisory locks, migrations). */
  session<T>(fn: (conn: Queryable & { exec(sql: string): Promise<void> }) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** A PGlite-compatible class: the runtime one, or the TimescaleDB build tests load. */
export interface PGliteLike {
  query<T>(sql: string, params?: unknown[], opts?: unknown): Promise<{ rows: T[]; affectedRows?: number }>;
  exec(sql: string): Promise<unknown>;
  transaction<T>(fn: (tx: { query: PGliteLike['query'] }) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  waitReady: Promise<void>;
}

/** The same type parsing for PGlite as for node-postgres above. */
export const PGLITE_PARSERS = (types: { INT8: number; NUMERIC: number; DATE: number }) => ({
  [types.INT8]: (v: string) => Number(v),
  [types.NUMERIC]: (v: string) => Number(v),
  [types.DATE]: (v: string) => v,
});

export interface CreateDatabaseOptions {
  databaseUrl?: string;
  /** Embedded data directory; 'memory://' keeps nothing on disk (tests). */
  dataDir?: string;
  /** Build an embedded instance yourself (tests use the TimescaleDB build of PGlite). */
  pglite?: () => Promise<PGliteLike>;
  /** Pool size for PostgreSQL. */
  max?: number;
  /** Who is opening the embedded data directory, for the message another process gets. */
  owner?: string;
}

// node-postgres returns int8 (counts, sums, bigserial ids) as strings; every int8 we keep fits in a
// double (counts and money in fen), so parse them as numbers once, here.
pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));
// A date is a calendar day at the venue, not an instant: keep 'YYYY-MM-DD' rather than a Date at
// the server's local midnight.
pg.types.setTypeParser(1082, (v) => v);

/** Client-side bound on a session's multi-statement exec (migrations, restores): 6 hours. */
const SESSION_EXEC_TIMEOUT_MS = 6 * 3600_000;
/** Statement timeout for the app's queries (ms): a stuck query must not hold a device's answer forever. */
const STATEMENT_TIMEOUT_MS = 15_000;
/**
 * Client-side bound on one query (ms). The statement timeout is enforced by the server, so it never
 * fires while the server itself is stuck (frozen, swapping, a network partition): this one does,
 * and the connection it was on is discarded.
 */
const QUERY_TIMEOUT_MS = STATEMENT_TIMEOUT_MS + 5_000;
/** How long to wait for a pooled connection before giving up (ms). */
const CONNECT_TIMEOUT_MS = 5_000;

/** SQLSTATE classes and codes that mean "the database cannot answer now", not "this request is wrong". */
const UNAVAILABLE_SQLSTATES = /^(08|53|57P0[1-4]$|57014$|58030$)/;
/** Errors node-postgres and Node raise when a connection is lost, refused or stuck. */
const UNAVAILABLE_MESSAGES =
  /connection terminated|timeout exceeded when trying to connect|query read timeout|connection error and is not queryable|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENOTFOUND|PGlite is closed/i;

/**
 * True when an error means the database could not answer (down, frozen, overloaded, restarting):
 * callers answer "retry later" (503, `unavailable`) instead of treating it as a bad request, a bad
 * credential or an internal error.
 */
export function isUnavailableError(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { code?: unknown; message?: unknown; name?: unknown };
  if (e.name === 'DeadlineExceeded') return true;
  if (typeof e.code === 'string' && (UNAVAILABLE_SQLSTATES.test(e.code) || UNAVAILABLE_MESSAGES.test(e.code)))
    return true;
  return typeof e.message === 'string' && UNAVAILABLE_MESSAGES.test(e.message);
}

/**
 * The only place that opens database connections: a pg Pool when a URL is given, otherwise PGlite
 * (real PostgreSQL compiled to WebAssembly) in-process with its data in dataDir.
 */
export async function createDatabase(opts: CreateDatabaseOptions): Promise<Database> {
  if (opts.databaseUrl) return createPostgres(opts.databaseUrl, opts.max ?? 10);
  return createEmbedded(opts);
}

function createPostgres(url: string, max: number): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    statement_timeout: STATEMENT_TIMEOUT_MS,
    query_timeout: QUERY_TIMEOUT_MS,
    // Finds a peer that went away without closing (a host that died) instead of waiting forever.
    keepAlive: true,
    application_name: 'tidewatch',
  });
  // An idle client losing its connection (database restart) must not crash the process.
  pool.on('error', (err) =>
    console.error(JSON.stringify({ level: 'error', msg: 'postgres idle client error', err: err.message })),
  );
  const query: Queryable['query'] = async (sql, params) => {
    const r = await pool.query(sql, params as unknown[]);
    return { rows: r.rows, rowCount: r.rowCount ?? 0 };
  };
  return {
    kind: 'postgres',
    query,
    async exec(sql) {
      await pool.query(sql);
    },
    async session(fn) {
      const client = await pool.connect();
      try {
        return await fn({
          async query(sql, params) {
            const r = await client.query(sql, params as unknown[]);
            return { rows: r.rows, rowCount: r.rowCount ?? 0 };
          },
          async exec(sql) {
            // Migrations and restores: a CREATE INDEX over a large table may take minutes, so the
            // app's bound on one query does not apply (the statement timeout is lifted in SQL).
            await client.query({ text: sql, query_timeout: SESSION_EXEC_TIMEOUT_MS } as pg.QueryConfig);
          },
        });
      } finally {
        client.release();
      }
    },
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const tx: Queryable = {
          async query(sql, params) {
            const r = await client.query(sql, params as unknown[]);
            return { rows: r.rows, rowCount: r.rowCount ?? 0 };
          },
        };
        const out = await fn(tx);
        await client.query('COMMIT');
        client.release();
        return out;
      } catch (err) {
        if (isUnavailableError(err)) {
          // The connection may still have a query outstanding: a ROLLBACK would queue behind it.
          // Discarding the connection ends the transaction on the server as soon as it reads again.
          client.release(err as Error);
        } else {
          await client.query('ROLLBACK').catch(() => {});
          client.release();
        }
        throw err;
      }
    },
    async close() {
      await pool.end();
    },
  };
}

async function createEmbedded(opts: CreateDatabaseOptions): Promise<Database> {
  const dataDir = opts.dataDir ?? '.data';
  const inMemory = dataDir.startsWith('memory://');
  let release = () => {};
  let db: PGliteLike;
  if (opts.pglite) {
    db = await opts.pglite();
  } else {
    const pgDir = inMemory ? dataDir : path.join(path.resolve(dataDir), 'pg');
    if (!inMemory) {
      mkdirSync(pgDir, { recursive: true });
      release = lockDataDir(path.resolve(dataDir), opts.owner ?? 'a Tidewatch process');
    }
    const { PGlite, types } = await import('@electric-sql/pglite');
    const { btree_gist } = await import('@electric-sql/pglite/contrib/btree_gist');
    db = new PGlite(pgDir, {
      // The hotel's room assignments are an exclusion constraint over (room, nights): btree_gist
      // gives GiST its equality on the room id (db/migrations/0017_hotel.sql).
      extensions: { btree_gist },
      parsers: PGLITE_PARSERS(types),
    }) as unknown as PGliteLike;
  }
  try {
    await db.waitReady;
  } catch (err) {
    release();
    throw err;
  }
  const wrap =
    (q: PGliteLike['query']): Queryable['query'] =>
    async (sql, params) => {
      const r = await q.call(null, sql, params as unknown[]);
      return { rows: r.rows as never[], rowCount: r.affectedRows ?? r.rows.length };
    };
  const query = wrap(db.query.bind(db));
  const exec = async (sql: string) => {
    await db.exec(sql);
  };
  return {
    kind: 'pglite',
    query,
    exec,
    session: (fn) => fn({ query, exec }),
    // PGlite is one session; its transaction() holds a mutex that every other query waits on, so
    // transactions are serialised here rather than interleaved.
    transaction(fn) {
      return db.transaction((tx) => fn({ query: wrap(tx.query.bind(tx)) }));
    },
    async close() {
      try {
        await db.close();
      } finally {
        release();
      }
    },
  };
}

/**
 * Two PGlite instances on one directory corrupt it, so the embedded directory is locked by pid.
 * A lock left by a dead process is taken over.
 */
function lockDataDir(dataDir: string, owner: string): () => void {
  const file = path.join(dataDir, 'tidewatch.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, JSON.stringify({ pid: process.pid, owner, since: new Date().toISOString() }));
      closeSync(fd);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        rmSync(file, { force: true });
      };
      process.once('exit', release);
      return release;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let holder: { pid?: number; owner?: string } = {};
      try {
        holder = JSON.parse(readFileSync(file, 'utf8'));
      } catch {
        // A half-written lock: treat as stale.
      }
      if (holder.pid && holder.pid !== process.pid && isAlive(holder.pid)) {
        throw new AppError(
          'data_dir_locked',
          `The embedded database in ${dataDir} is in use by ${holder.owner ?? 'another process'} (pid ${holder.pid}). ` +
            'Only one process can open it at a time: stop that process first, or run the server and this command ' +
            'against PostgreSQL by setting DATABASE_URL.',
        );
      }
      rmSync(file, { force: true });
    }
  }
  throw new AppError('data_dir_locked', `Could not lock the embedded database directory ${dataDir}.`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
