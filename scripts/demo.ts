import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createDatabase } from '../db/client.ts';
import { migrate } from '../db/migrate.ts';
import { ConfigError, loadConfig } from '../server/config.ts';
import { CLI_ACTOR } from '../server/services/actor.ts';
import { DEMO_PASSWORD, DEMO_USERS, seedDemo } from '../server/services/seed.ts';
import { AppError } from '../lib/errors.ts';
import { buildIfStale } from './build-if-stale.ts';

/** How long to wait for the server to answer /api/health (ms). */
const BOOT_TIMEOUT_MS = 120_000;
const say = (m: string) => console.log(`[demo] ${m}`);

/**
 * `npm run demo`: migrate, seed the demo venue, build the pages if needed, start the server and the
 * gate simulator, then print where to sign in. Ctrl-C stops everything.
 */
async function main() {
  process.env.NEXT_TELEMETRY_DISABLED = '1';
  const config = loadConfig(process.env, 'tool');
  say(
    `mode: ${config.mode}${config.mode === 'embedded' ? ` (data in ${path.relative(process.cwd(), config.dataDir) || '.'})` : ''}`,
  );
  const db = await createDatabase({
    databaseUrl: config.DATABASE_URL,
    dataDir: config.dataDir,
    owner: 'npm run demo (seeding)',
  });
  try {
    await migrate(db, say);
    await seedDemo(db, config.dataDir, CLI_ACTOR, say);
  } finally {
    await db.close();
  }
  buildIfStale(say);

  const children: ChildProcess[] = [];
  const tsx = path.join('node_modules', '.bin', 'tsx');
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'production' };
  const server = spawn(tsx, ['server/index.ts'], { stdio: 'inherit', env });
  children.push(server);
  const stopAll = (code: number) => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
    setTimeout(() => process.exit(code), 10_000).unref();
    void Promise.all(children.map((c) => (c.exitCode !== null ? null : new Promise((r) => c.once('exit', r))))).then(
      () => process.exit(code),
    );
  };
  process.once('SIGINT', () => stopAll(0));
  process.once('SIGTERM', () => stopAll(0));
  server.once('exit', (code) => {
    say(`server exited (${code}); stopping`);
    stopAll(code ?? 1);
  });

  const url = `http://127.0.0.1:${config.PORT}`;
  const deadline = Date.now() + BOOT_TIMEOUT_MS;
  for (;;) {
    const ok = await fetch(`${url}/api/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline)
      throw new Error(`the server did not answer ${url}/api/health within ${BOOT_TIMEOUT_MS / 1000}s`);
    await new Promise((r) => setTimeout(r, 500));
  }
  children.push(spawn(tsx, ['scripts/simulate.ts'], { stdio: 'inherit', env: { ...process.env, TIDEWATCH_URL: url } }));

  const pad = Math.max(...DEMO_USERS.map((u) => u.email.length));
  console.log(`
  Tidewatch is running: http://localhost:${config.PORT}/sign-in

  Demo sign-ins (password for all: ${DEMO_PASSWORD})
${DEMO_USERS.map((u) => `    ${u.email.padEnd(pad)}  ${u.role}`).join('\n')}

  The command center (/command-center) shows the simulated gates. Ctrl-C stops the demo.
`);
}

main().catch((err) => {
  if (err instanceof ConfigError || err instanceof AppError) console.error(`[demo] ${err.message}`);
  else console.error(`[demo] failed: ${(err as Error).stack ?? err}`);
  process.exit(1);
});
