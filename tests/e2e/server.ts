import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { createDatabase, type Database } from '../../db/client.ts';
import { migrate } from '../../db/migrate.ts';
import { CLI_ACTOR } from '../../server/services/actor.ts';
import { seedDemo } from '../../server/services/seed.ts';
import { addTicketType } from '../helpers/venue.ts';

/** How long a server may take to answer its sign-in page (ms). */
const BOOT_TIMEOUT_MS = 120_000;

/** The environment of an end-to-end server: production mode on 127.0.0.1, fresh secrets. */
export function serverEnv(port: number, dataDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NODE_ENV: 'production',
    NEXT_TELEMETRY_DISABLED: '1',
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    NEXTAUTH_SECRET: randomBytes(32).toString('base64url'),
    TIDEWATCH_ID_KEY: randomBytes(32).toString('hex'),
    TIDEWATCH_DATA_DIR: dataDir,
    ...extra,
  };
}

/** Migrates the configured database and seeds the demo venue (tokens go to the data directory). */
export async function seedServerData(env: NodeJS.ProcessEnv): Promise<void> {
  const db = await createDatabase({
    databaseUrl: env.DATABASE_URL,
    dataDir: env.TIDEWATCH_DATA_DIR!,
    owner: 'e2e setup',
  });
  try {
    await migrate(db);
    await seedDemo(db, env.TIDEWATCH_DATA_DIR!, CLI_ACTOR);
    await addAllDayTypes(db);
  } finally {
    await db.close();
  }
}

export interface TServer {
  /** SIGTERM, then waits for the process to exit. */
  stop(): Promise<void>;
}

/** Starts `server/index.ts` with env (the pages must be built) and waits until it serves. */
export async function startServer(env: NodeJS.ProcessEnv): Promise<TServer> {
  const server = spawn(path.join('node_modules', '.bin', 'tsx'), ['server/index.ts'], {
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const deadline = Date.now() + BOOT_TIMEOUT_MS;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`the e2e server exited (${server.exitCode})`);
    const ok = await fetch(`http://127.0.0.1:${env.PORT}/sign-in`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      server.kill('SIGKILL');
      throw new Error(`the e2e server did not come up within ${BOOT_TIMEOUT_MS / 1000} s`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return {
    async stop() {
      if (server.exitCode !== null) return;
      const exited = new Promise((r) => server.once('exit', r));
      server.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * Adult and child tickets valid all day, without time slots, at one price every day: the front
 * desk's flow sells them "for today" at any hour (the demo's slot tickets stop selling at 17:30).
 */
async function addAllDayTypes(db: Database): Promise<void> {
  const venueId = (await db.query<{ id: number }>("SELECT id FROM venues WHERE code = 'YUNLING'")).rows[0].id;
  const common = { draws_day_quota: false, slot_required: false } as const;
  await addTicketType(db, venueId, 'DAY-ADULT', {
    ...common,
    name_zh: '成人全天票',
    name_en: 'Adult, all day',
    price_fen: 10_000,
  });
  await addTicketType(db, venueId, 'DAY-CHILD', {
    ...common,
    name_zh: '儿童全天票',
    name_en: 'Child, all day',
    category: 'child',
    price_fen: 5_000,
  });
}
