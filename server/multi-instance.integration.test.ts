import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import { migrate } from '../db/migrate.ts';
import { findUserForSignIn } from '../db/queries/users.ts';
import type { TGateStatus } from '../lib/schemas/live.ts';
import { assertCiServices, createPostgresTestDb, eventually, type TestDb } from '../tests/helpers/backends.ts';
import { connectSocket, sessionCookie, startTestApp } from '../tests/helpers/app.ts';
import type { App } from './app.ts';
import { CLI_ACTOR } from './services/actor.ts';
import { createDevice } from './services/admin.ts';
import { seedDemo } from './services/seed.ts';
import { createDatabase } from '../db/client.ts';
import { logger } from './logger.ts';
import { createSharedState } from './shared/shared-state.ts';

assertCiServices();
const haveServices = !!process.env.DATABASE_URL && !!process.env.REDIS_URL;

// Two instances need a database both can open: PostgreSQL and Redis (the production mode).
describe.runIf(haveServices)('two instances sharing PostgreSQL and Redis', () => {
  let t: TestDb;
  let a: App;
  let b: App;
  let dbB: Awaited<ReturnType<typeof createDatabase>>;
  const sockets: Socket[] = [];
  const prefix = `twtest-multi-${process.pid}`;

  beforeAll(async () => {
    t = await createPostgresTestDb();
    await migrate(t.db);
    await seedDemo(t.db, `/tmp/tw-multi-${process.pid}`, CLI_ACTOR);
    dbB = await createDatabase({ databaseUrl: t.url });
    a = await startTestApp(t.db, { redis: true, redisPrefix: prefix, instance: 'A' });
    b = await startTestApp(dbB, { redis: true, redisPrefix: prefix, instance: 'B' });
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await a?.close();
    await b?.close();
    await dbB?.close();
    await t?.cleanup();
  });

  it('shows a device connected to instance A as online on a screen served by instance B', async () => {
    const venueId = (await t.db.query<{ id: number }>("SELECT id FROM venues WHERE code = 'YUNLING'")).rows[0].id;
    const cookie = await sessionCookie((await findUserForSignIn(t.db, 'operator@demo.tidewatch'))!.id);
    const screen = await connectSocket(`${b.url}/live`, { cookie });
    sockets.push(screen);
    const latest = new Map<string, TGateStatus>();
    screen.on('gates:update', (m: { gates: TGateStatus[] }) => {
      for (const g of m.gates) latest.set(g.code, g);
    });
    await screen.emitWithAck('subscribe', { venueId });

    const { token } = await createDevice(t.db, CLI_ACTOR, { gate: 'EG-02' });
    const device = await connectSocket(`${a.url}/gates`, { auth: { token } });
    sockets.push(device);
    await eventually(() => latest.get('EG-02')?.online === true, 'EG-02 online on instance B');
    device.close();
    await eventually(() => latest.get('EG-02')?.online === false, 'EG-02 offline on instance B');
  });

  it('shares rate-limit counters and pub/sub between instances', async () => {
    const sa = a.runtime.shared;
    const sb = b.runtime.shared;
    expect(sa.kind).toBe('redis');
    const opts = { keyPrefix: `shared-test-${Date.now()}`, points: 3, duration: 60 };
    await sa.rateLimiter(opts).consume('k', 3);
    await expect(sb.rateLimiter(opts).consume('k', 1)).rejects.toMatchObject({ remainingPoints: 0 });
    const got: unknown[] = [];
    const off = sb.subscribe('test-topic', (m) => got.push(m));
    await new Promise((r) => setTimeout(r, 100)); // let SUBSCRIBE reach Redis before publishing
    await sa.publish('test-topic', { hello: 'B' });
    await eventually(() => got.length === 1, 'message on B');
    expect(got[0]).toEqual({ hello: 'B' });
    off();
  });

  it('applies a channel pause set on instance A at instance B', async () => {
    const { setChannelControl } = await import('./services/controls.ts');
    const { channelCall } = await import('../tests/helpers/app.ts');
    const creds = (await import('./services/seed.ts')).readDemoCredentials(`/tmp/tw-multi-${process.pid}`)!;
    const channel = (await t.db.query<{ id: number }>("SELECT id FROM channels WHERE code = 'CTRIP'")).rows[0].id;
    const catalog = (
      await channelCall(
        b.url,
        creds.channels.CTRIP,
        'GET',
        `/api/channels/catalog?date=${new Date(Date.now() + 86_400_000 * 3).toISOString().slice(0, 10)}`,
      )
    ).body;
    expect(catalog.types.length).toBeGreaterThan(0);
    await setChannelControl(
      a.runtime,
      { kind: 'user', label: 'test' },
      { channelId: channel, paused: true, reason: 'multi-instance test' },
    );
    const started = Date.now();
    await eventually(() => b.runtime.controls!.channel(channel)?.paused === true, 'pause seen on B');
    const tookMs = Date.now() - started;
    const r = await channelCall(b.url, creds.channels.CTRIP, 'POST', '/api/channels/orders', {
      ref: `multi-${process.pid}`,
      items: [{ type: 'TWO-DAY', qty: 1, date: catalog.date }],
      amount: catalog.types.find((x: { code: string }) => x.code === 'TWO-DAY').price,
    });
    expect(r.status).toBe(429);
    console.log(`channel pause reached instance B in ${tookMs} ms`);
  });

  it('keeps in-process shared state private to one instance (the control for the test above)', async () => {
    const m1 = createSharedState({ logger });
    const m2 = createSharedState({ logger });
    const opts = { keyPrefix: 'mem', points: 1, duration: 60 };
    await m1.rateLimiter(opts).consume('k', 1);
    await expect(m2.rateLimiter(opts).consume('k', 1)).resolves.toMatchObject({ remainingPoints: 0 });
    await m1.close();
    await m2.close();
  });
});
