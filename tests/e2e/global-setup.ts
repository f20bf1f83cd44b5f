import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createDatabase } from '../../db/client.ts';
import { migrate } from '../../db/migrate.ts';
import { CLI_ACTOR } from '../../server/services/actor.ts';
import { seedDemo } from '../../server/services/seed.ts';
import { buildIfStale } from '../../scripts/build-if-stale.ts';

/**
 * Starts one real Tidewatch server for the suite: on PostgreSQL + Redis when DATABASE_URL and
 * REDIS_URL are set (a fresh database), otherwise on the embedded default in a fresh directory.
 */
export default async function globalSetup() {
  const port = Number(process.env.E2E_PORT ?? 3210);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'production',
    NEXT_TELEMETRY_DISABLED: '1',
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    NEXTAUTH_SECRET: randomBytes(32).toString('base64url'),
    TIDEWATCH_ID_KEY: randomBytes(32).toString('hex'),
    // Short hold-down so a zone crossing its line raises an alarm within the test.
    TIDEWATCH_ALARM_HOLD_S: '2',
    TIDEWATCH_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'tw-e2e-')),
  };
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
  const db = await createDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.TIDEWATCH_DATA_DIR, owner: 'e2e setup' });
  await migrate(db);
  await seedDemo(db, env.TIDEWATCH_DATA_DIR!, CLI_ACTOR);
  await db.close();
  buildIfStale((m) => console.log(`[e2e] ${m}`));

  const server = spawn(path.join('node_modules', '.bin', 'tsx'), ['server/index.ts'], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`the e2e server exited (${server.exitCode})`);
    const ok = await fetch(`http://127.0.0.1:${port}/sign-in`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) throw new Error('the e2e server did not come up within 120 s');
    await new Promise((r) => setTimeout(r, 500));
  }
  // Tests read the demo device and channel tokens from here (workers inherit this environment).
  process.env.E2E_DATA_DIR = env.TIDEWATCH_DATA_DIR;
  console.log(`[e2e] server on port ${port} (${env.DATABASE_URL ? 'PostgreSQL' : 'embedded PGlite'}${env.REDIS_URL ? ' + Redis' : ''})`);
  return async () => {
    const exited = new Promise((r) => server.once('exit', r));
    server.kill('SIGTERM');
    await exited;
    await dropDb?.();
  };
}
