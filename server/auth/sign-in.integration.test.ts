import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../../db/client.ts';
import { migrate } from '../../db/migrate.ts';
import { assertCiServices, eventually } from '../../tests/helpers/backends.ts';
import {
  haveThrowawayBinaries,
  startThrowawayPostgres,
  startThrowawayRedis,
} from '../../tests/helpers/throwaway-services.ts';
import { loadConfig } from '../config.ts';
import { logger } from '../logger.ts';
import { setRuntime } from '../runtime.ts';
import { CLI_ACTOR } from '../services/actor.ts';
import { createUser } from '../services/admin.ts';
import { createSharedState, type SharedState } from '../shared/shared-state.ts';
import { authOptions, authorizeCredentials, REMOTE_ADDR_HEADER } from './next-auth-options.ts';

assertCiServices();
const from = (addr: string) => ({ [REMOTE_ADDR_HEADER]: addr });
const variants = [
  { name: 'in-process limits', redis: false },
  ...(process.env.REDIS_URL ? [{ name: 'Redis limits', redis: true }] : []),
];

describe.each(variants)('sign-in with $name', ({ redis }) => {
  let db: Database;
  let shared: SharedState;
  beforeAll(async () => {
    db = await createDatabase({ dataDir: 'memory://' });
    await migrate(db);
    shared = createSharedState({
      redisUrl: redis ? process.env.REDIS_URL : undefined,
      prefix: `twtest-signin-${randomBytes(4).toString('hex')}`,
      logger,
    });
    const config = loadConfig({ LOG_LEVEL: 'silent', NEXTAUTH_SECRET: 'x'.repeat(40) });
    setRuntime({ config, db, shared, logger, timescale: false, startedAt: new Date(), version: 'test' });
    await createUser(db, CLI_ACTOR, { email: 'gate.lead@example.com', role: 'operator', password: 'right password 1' });
    await createUser(db, CLI_ACTOR, { email: 'other@example.com', role: 'operator', password: 'right password 2' });
  });
  afterAll(async () => {
    setRuntime(undefined);
    await shared?.close();
    await db?.close();
  });

  it('accepts the right password and rejects a wrong one with invalid_credentials', async () => {
    await expect(
      authorizeCredentials({ email: 'Gate.Lead@example.com', password: 'right password 1' }, from('10.0.0.1')),
    ).resolves.toMatchObject({ email: 'gate.lead@example.com' });
    await expect(
      authorizeCredentials({ email: 'gate.lead@example.com', password: 'nope' }, from('10.0.0.1')),
    ).rejects.toThrow('invalid_credentials');
    await expect(
      authorizeCredentials({ email: 'nobody@example.com', password: 'nope' }, from('10.0.0.1')),
    ).rejects.toThrow('invalid_credentials');
    await expect(authorizeCredentials(undefined, {})).rejects.toThrow('invalid_credentials');
  });

  it('locks an account after repeated failures, even for the right password', async () => {
    for (let i = 0; i < 5; i++) {
      await expect(
        authorizeCredentials({ email: 'other@example.com', password: `guess ${i}` }, from(`10.1.0.${i}`)),
      ).rejects.toThrow('invalid_credentials');
    }
    await expect(
      authorizeCredentials({ email: 'other@example.com', password: 'right password 2' }, from('10.1.0.99')),
    ).rejects.toThrow('throttled');
  });

  it('throttles one address trying many accounts', async () => {
    for (let i = 0; i < 20; i++) {
      await expect(
        authorizeCredentials({ email: `spray${i}@example.com`, password: 'x' }, from('10.2.0.1')),
      ).rejects.toThrow('invalid_credentials');
    }
    await expect(
      authorizeCredentials({ email: 'gate.lead@example.com', password: 'right password 1' }, from('10.2.0.1')),
    ).rejects.toThrow('throttled');
    // Another address is unaffected.
    await expect(
      authorizeCredentials({ email: 'gate.lead@example.com', password: 'right password 1' }, from('10.2.0.2')),
    ).resolves.toBeTruthy();
  });

  it('refuses a disabled account', async () => {
    await db.query("UPDATE users SET disabled_at = now() WHERE email = 'gate.lead@example.com'");
    await expect(
      authorizeCredentials({ email: 'gate.lead@example.com', password: 'right password 1' }, from('10.3.0.1')),
    ).rejects.toThrow('invalid_credentials');
  });
});

describe('session renewal', () => {
  it('keeps the session when the database does not answer, and ends it for a disabled account', async () => {
    const db = await createDatabase({ dataDir: 'memory://' });
    await migrate(db);
    const shared = createSharedState({ prefix: `twtest-session-${randomBytes(4).toString('hex')}`, logger });
    setRuntime({
      config: loadConfig({ LOG_LEVEL: 'silent', NEXTAUTH_SECRET: 'x'.repeat(40) }),
      db,
      shared,
      logger,
      timescale: false,
      startedAt: new Date(),
      version: 'test',
    });
    try {
      const { id } = await createUser(db, CLI_ACTOR, {
        email: 'wall@example.com',
        role: 'operator',
        password: 'right password 3',
      });
      const session = authOptions().callbacks!.session! as unknown as (p: {
        session: object;
        token: { sub?: string };
      }) => Promise<{ user?: { email: string }; unavailable?: boolean }>;
      const base = { expires: new Date(Date.now() + 3600_000).toISOString() };
      expect((await session({ session: base, token: { sub: String(id) } })).user).toMatchObject({
        email: 'wall@example.com',
      });
      expect(await session({ session: base, token: { sub: 'not-a-number' } })).toMatchObject({ user: undefined });
      await db.query('UPDATE users SET disabled_at = now() WHERE id = $1', [id]);
      const disabled = await session({ session: base, token: { sub: String(id) } });
      expect(disabled.user).toBeUndefined();
      expect(disabled.unavailable).toBeUndefined();
      // The database goes away: the answer says so instead of throwing (which would clear the cookie).
      await db.close();
      expect(await session({ session: base, token: { sub: String(id) } })).toMatchObject({
        user: undefined,
        unavailable: true,
      });
    } finally {
      setRuntime(undefined);
      await shared.close();
    }
  });
});

/*
 * Outages: a database or limit store that does not answer is "unavailable" at the form, never
 * "wrong password", and costs the account nothing; once it answers again everything is as before.
 */
const canFault = haveThrowawayBinaries();
if (!canFault && process.env.CI === 'true')
  throw new Error('CI=true but the PostgreSQL server binaries or redis-server are missing: fault tests need them');
const config = () => loadConfig({ LOG_LEVEL: 'silent', NEXTAUTH_SECRET: 'x'.repeat(40) });
/** More attempts than the per-account limit allows (5): any that counted would lock the account. */
const OVER_THE_LIMIT = 6;

describe('sign-in while the database does not answer', () => {
  it('a closed embedded database says unavailable, for right and wrong passwords alike, and counts no failure', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tw-signin-closed-'));
    const shared = createSharedState({ prefix: `twtest-closed-${randomBytes(4).toString('hex')}`, logger });
    let db = await createDatabase({ dataDir: dir });
    try {
      await migrate(db);
      await createUser(db, CLI_ACTOR, { email: 'desk@example.com', role: 'frontdesk', password: 'right password 4' });
      setRuntime({ config: config(), db, shared, logger, timescale: false, startedAt: new Date(), version: 'test' });
      await expect(
        authorizeCredentials({ email: 'desk@example.com', password: 'wrong' }, from('10.4.0.1')),
      ).rejects.toThrow('invalid_credentials');

      await db.close();
      for (let i = 0; i < OVER_THE_LIMIT; i++) {
        await expect(
          authorizeCredentials({ email: 'desk@example.com', password: `guess ${i}` }, from('10.4.0.1')),
        ).rejects.toThrow(/^unavailable$/);
      }
      await expect(
        authorizeCredentials({ email: 'desk@example.com', password: 'right password 4' }, from('10.4.0.1')),
      ).rejects.toThrow(/^unavailable$/);

      // The database is back (same data): the outage cost the account none of its five attempts.
      db = await createDatabase({ dataDir: dir });
      setRuntime({ config: config(), db, shared, logger, timescale: false, startedAt: new Date(), version: 'test' });
      await expect(
        authorizeCredentials({ email: 'desk@example.com', password: 'right password 4' }, from('10.4.0.1')),
      ).resolves.toMatchObject({ email: 'desk@example.com' });
      await expect(
        authorizeCredentials({ email: 'desk@example.com', password: 'wrong again' }, from('10.4.0.1')),
      ).rejects.toThrow('invalid_credentials');
    } finally {
      setRuntime(undefined);
      await shared.close();
      await db.close().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(!canFault)(
    'a frozen, then stopped PostgreSQL says unavailable; after the thaw wrong is invalid and right signs in',
    async () => {
      const pg = await startThrowawayPostgres();
      const shared = createSharedState({ prefix: `twtest-frozen-${randomBytes(4).toString('hex')}`, logger });
      const db = await createDatabase({ databaseUrl: pg.url, max: 4 });
      try {
        await migrate(db);
        await createUser(db, CLI_ACTOR, {
          email: 'manager@example.com',
          role: 'manager',
          password: 'right password 5',
        });
        setRuntime({ config: config(), db, shared, logger, timescale: false, startedAt: new Date(), version: 'test' });
        await expect(
          authorizeCredentials({ email: 'manager@example.com', password: 'right password 5' }, from('10.5.0.1')),
        ).resolves.toBeTruthy();

        // A frozen server holds its connections and answers nothing: the sign-in must not wait with it.
        pg.freeze();
        const attempts = [
          ...Array.from({ length: OVER_THE_LIMIT }, (_, i) =>
            authorizeCredentials({ email: 'manager@example.com', password: `guess ${i}` }, from('10.5.0.1')),
          ),
          authorizeCredentials({ email: 'manager@example.com', password: 'right password 5' }, from('10.5.0.2')),
        ];
        for (const r of await Promise.allSettled(attempts))
          expect(r).toMatchObject({ status: 'rejected', reason: { message: 'unavailable' } });

        pg.thaw();
        await eventually(
          () =>
            authorizeCredentials({ email: 'manager@example.com', password: 'right password 5' }, from('10.5.0.1')).then(
              () => true,
              () => false,
            ),
          'a sign-in after the thaw',
        );
        await expect(
          authorizeCredentials({ email: 'manager@example.com', password: 'wrong' }, from('10.5.0.1')),
        ).rejects.toThrow('invalid_credentials');

        // Stopped: connections are refused at once, and that too is "unavailable".
        await pg.stop();
        await expect(
          authorizeCredentials({ email: 'manager@example.com', password: 'right password 5' }, from('10.5.0.1')),
        ).rejects.toThrow(/^unavailable$/);
        await expect(
          authorizeCredentials({ email: 'manager@example.com', password: 'wrong' }, from('10.5.0.1')),
        ).rejects.toThrow(/^unavailable$/);
      } finally {
        setRuntime(undefined);
        await shared.close();
        await db.close().catch(() => {});
        await pg.stop();
      }
    },
  );

  it.skipIf(!canFault)(
    'with Redis down, sign-in still answers from the database and still counts failures',
    async () => {
      const redis = await startThrowawayRedis();
      const db = await createDatabase({ dataDir: 'memory://' });
      const shared = createSharedState({
        redisUrl: redis.url,
        prefix: `twtest-redisdown-${randomBytes(4).toString('hex')}`,
        logger,
      });
      try {
        await migrate(db);
        await createUser(db, CLI_ACTOR, { email: 'wall@example.com', role: 'operator', password: 'right password 6' });
        await createUser(db, CLI_ACTOR, {
          email: 'guessed@example.com',
          role: 'operator',
          password: 'right password 7',
        });
        setRuntime({ config: config(), db, shared, logger, timescale: false, startedAt: new Date(), version: 'test' });
        await expect(
          authorizeCredentials({ email: 'wall@example.com', password: 'right password 6' }, from('10.6.0.1')),
        ).resolves.toBeTruthy();

        await redis.stop();
        await expect(
          authorizeCredentials({ email: 'wall@example.com', password: 'right password 6' }, from('10.6.0.1')),
        ).resolves.toMatchObject({ email: 'wall@example.com' });
        for (let i = 0; i < 5; i++) {
          await expect(
            authorizeCredentials({ email: 'guessed@example.com', password: `guess ${i}` }, from(`10.6.1.${i}`)),
          ).rejects.toThrow('invalid_credentials');
        }
        // Guessing is still throttled while Redis is away.
        await expect(
          authorizeCredentials({ email: 'guessed@example.com', password: 'right password 7' }, from('10.6.1.99')),
        ).rejects.toThrow('throttled');
      } finally {
        setRuntime(undefined);
        await shared.close();
        await db.close();
        await redis.close();
      }
    },
  );
});
