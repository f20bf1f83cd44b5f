import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { buildIfStale } from '../../scripts/build-if-stale.ts';
import { seedServerData, serverEnv, startServer } from './server.ts';

/**
 * Starts one real Tidewatch server for the suite: on PostgreSQL + Redis when DATABASE_URL and
 * REDIS_URL are set (a fresh database), otherwise on the embedded default in a fresh directory.
 */
export default async function globalSetup() {
  const port = Number(process.env.E2E_PORT ?? 3210);
  // Short hold-down so a zone crossing its line raises an alarm within the test.
  const env = serverEnv(port, mkdtempSync(path.join(tmpdir(), 'tw-e2e-')), { TIDEWATCH_ALARM_HOLD_S: '2' });
  let dropDb: (() => Promise<void>) | undefined;
  if (process.env.DATABASE_URL) {
    const name = `tw_e2e_${randomBytes(5).toString('hex')}`;
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const u = new URL(process.env.DATABASE_URL);
    u.pathname = `/${name}`;
    env.DATABASE_URL = u.toString();
    dropDb = async () => {
      const a = new pg.Client({ connectionString: process.env.DATABASE_URL });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    };
  }
  await seedServerData(env);
  buildIfStale((m) => console.log(`[e2e] ${m}`));
  const server = await startServer(env);
  // Tests read the demo device and channel tokens from here (workers inherit this environment).
  process.env.E2E_DATA_DIR = env.TIDEWATCH_DATA_DIR;
  console.log(
    `[e2e] server on port ${port} (${env.DATABASE_URL ? 'PostgreSQL' : 'embedded PGlite'}${env.REDIS_URL ? ' + Redis' : ''})`,
  );
  return async () => {
    await server.stop();
    await dropDb?.();
  };
}
