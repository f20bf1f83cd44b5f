import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../../db/client.ts';
import { migrate } from '../../db/migrate.ts';
import { assertCiServices } from '../../tests/helpers/backends.ts';
import { loadConfig } from '../config.ts';
import { logger } from '../logger.ts';
import { setRuntime } from '../runtime.ts';
import { CLI_ACTOR } from '../services/actor.ts';
import { createUser } from '../services/admin.ts';
import { createSharedState, type SharedState } from '../shared/shared-state.ts';
import { authOptions, authorizeCredentials, REMOTE_ADDR_HEADER } from './next-auth-options.ts';

assertCiServices();
const variants = [{ name: 'in-process limits', redis: false }, ...(process.env.REDIS_URL ? [{ name: 'Redis limits', redis: true }] : [])];

describe.each(variants)('sign-in with $name', ({ redis }) => {
  let db: Database;
  let shared: SharedState;
  beforeAll(async () => {
    db = await createDatabase({ dataDir: 'memory://' });
    await migrate(db);
    shared = createSharedState({ redisUrl: redis ? process.env.REDIS_URL : undefined, prefix: `twtest-signin-${randomBytes(4).toString('hex')}`, logger });
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
  const from = (addr: string) => ({ [REMOTE_ADDR_HEADER]: addr });

  it('accepts the right password and rejects a wrong one with invalid_credentials', async () => {
    await expect(authorizeCredentials({ email: 'Gate.Lead@example.com', password: 'right password 1' }, from('10.0.0.1'))).resolves.toMatchObject({ email: 'gate.lead@example.com' });
    await expect(authorizeCredentials({ email: 'gate.lead@example.com', password: 'nope' }, from('10.0.0.1'))).rejects.toThrow('invalid_credentials');
    await expect(authorizeCredentials({ email: 'nobody@example.com', password: 'nope' }, from('10.0.0.1'))).rejects.toThrow('invalid_credentials');
    await expect(authorizeCredentials(undefined, {})).rejects.toThrow('invalid_credentials');
  });

  it('locks an account after repeated failures, even for the right password', async () => {
    for (let i = 0; i < 5; i++) {
      await expect(authorizeCredentials({ email: 'other@example.com', password: `guess ${i}` }, from(`10.1.0.${i}`))).rejects.toThrow('invalid_credentials');
    }
    await expect(authorizeCredentials({ email: 'other@example.com', password: 'right password 2' }, from('10.1.0.99'))).rejects.toThrow('throttled');
  });

  it('throttles one address trying many accounts', async () => {
    for (let i = 0; i < 20; i++) {
      await expect(authorizeCredentials({ email: `spray${i}@example.com`, password: 'x' }, from('10.2.0.1'))).rejects.toThrow('invalid_credentials');
    }
    await expect(authorizeCredentials({ email: 'gate.lead@example.com', password: 'right password 1' }, from('10.2.0.1'))).rejects.toThrow('throttled');
    // Another address is unaffected.
    await expect(authorizeCredentials({ email: 'gate.lead@example.com', password: 'right password 1' }, from('10.2.0.2'))).resolves.toBeTruthy();
  });

  it('refuses a disabled account', async () => {
    await db.query("UPDATE users SET disabled_at = now() WHERE email = 'gate.lead@example.com'");
    await expect(authorizeCredentials({ email: 'gate.lead@example.com', password: 'right password 1' }, from('10.3.0.1'))).rejects.toThrow('invalid_credentials');
  });
});

describe('session renewal', () => {
  it('keeps the session when the database does not answer, and ends it for a disabled account', async () => {
    const db = await createDatabase({ dataDir: 'memory://' });
    await migrate(db);
    const shared = createSharedState({ prefix: `twtest-session-${randomBytes(4).toString('hex')}`, logger });
    setRuntime({ config: loadConfig({ LOG_LEVEL: 'silent', NEXTAUTH_SECRET: 'x'.repeat(40) }), db, shared, logger, timescale: false, startedAt: new Date(), version: 'test' });
    try {
      const { id } = await createUser(db, CLI_ACTOR, { email: 'wall@example.com', role: 'operator', password: 'right password 3' });
      const session = authOptions().callbacks!.session! as unknown as (p: { session: object; token: { sub?: string } }) => Promise<{ user?: { email: string }; unavailable?: boolean }>;
      const base = { expires: new Date(Date.now() + 3600_000).toISOString() };
      expect((await session({ session: base, token: { sub: String(id) } })).user).toMatchObject({ email: 'wall@example.com' });
      expect(await session({ session: base, token: { sub: 'not-a-number' } })).toMatchObject({ user: undefined });
      await db.query('UPDATE users SET disabled_at = now() WHERE id = $1', [id]);
      const disabled = await session({ session: base, token: { sub: String(id) } });
      expect(disabled.user).toBeUndefined();
      expect(disabled.unavailable).toBeUndefined();
      // The database goes away: the answer says so instead of throwing (which would clear the cookie).
      await db.close();
      expect(await session({ session: base, token: { sub: String(id) } })).toMatchObject({ user: undefined, unavailable: true });
    } finally {
      setRuntime(undefined);
      await shared.close();
    }
  });
});
