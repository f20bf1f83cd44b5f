import { createDatabase, type Database } from '../../db/client.ts';
import { migrate } from '../../db/migrate.ts';
import type { App } from '../../server/app.ts';
import { CLI_ACTOR } from '../../server/services/actor.ts';
import { readDemoCredentials, seedDemo, type DemoCredentials } from '../../server/services/seed.ts';
import { startTestApp } from './app.ts';
import {
  haveThrowawayBinaries,
  startThrowawayPostgres,
  startThrowawayRedis,
  type ThrowawayPostgres,
  type ThrowawayRedis,
} from './throwaway-services.ts';

/**
 * Two Tidewatch instances on a PostgreSQL cluster and a Redis of their own, seeded with the demo
 * venue, for tests that freeze, stop and restart those services (the fault tier). With CI=true a
 * machine without the server binaries fails instead of skipping.
 */
export interface FaultCluster {
  pg: ThrowawayPostgres;
  redis: ThrowawayRedis;
  /** A connection of the test's own (setup and checks), apart from the instances' pools. */
  setup: Database;
  a: App;
  b: App;
  venueId: number;
  creds: DemoCredentials;
  close(): Promise<void>;
}

export function canRunFaultTests(what: string): boolean {
  const ok = haveThrowawayBinaries();
  if (!ok && process.env.CI === 'true')
    throw new Error(
      `CI=true but PostgreSQL server binaries or redis-server are missing: ${what} cannot be skipped in CI`,
    );
  return ok;
}

export async function startFaultCluster(name: string, env: Record<string, string> = {}): Promise<FaultCluster> {
  const [pg, redis] = await Promise.all([startThrowawayPostgres(), startThrowawayRedis()]);
  const setup = await createDatabase({ databaseUrl: pg.url, max: 4 });
  await migrate(setup);
  const dir = `/tmp/tw-${name}-${process.pid}`;
  await seedDemo(setup, dir, CLI_ACTOR);
  const venueId = (await setup.query<{ id: number }>("SELECT id FROM venues WHERE code = 'YUNLING'")).rows[0].id;
  const [dbA, dbB] = await Promise.all([
    createDatabase({ databaseUrl: pg.url }),
    createDatabase({ databaseUrl: pg.url }),
  ]);
  const opts = { redisPrefix: `twtest-${name}-${process.pid}`, env: { REDIS_URL: redis.url, ...env } };
  const a = await startTestApp(dbA, { ...opts, instance: 'A' });
  const b = await startTestApp(dbB, { ...opts, instance: 'B' });
  return {
    pg,
    redis,
    setup,
    a,
    b,
    venueId,
    creds: readDemoCredentials(dir)!,
    async close() {
      pg.thaw();
      await a.close();
      await b.close();
      await Promise.all([dbA.close(), dbB.close(), setup.close()]);
      await pg.stop();
      await redis.close();
    },
  };
}
