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

  it("carries the desk's override requests, their answers and catalog changes between instances", async () => {
    const { createChannel, createUser } = await import('./services/admin.ts');
    const { openShift, sellAtWindow } = await import('./services/front-desk.ts');
    const { decideOverride, requestOverride } = await import('./services/override-requests.ts');
    const { addTicketType } = await import('../tests/helpers/venue.ts');
    const venueId = (await t.db.query<{ id: number }>("SELECT id FROM venues WHERE code = 'YUNLING'")).rows[0].id;
    const gateId = (await t.db.query<{ id: number }>("SELECT id FROM gates WHERE code = 'MG-01'")).rows[0].id;
    await addTicketType(t.db, venueId, 'MULTI-ADULT', { draws_day_quota: false, price_fen: 10000 });
    const actor = async (role: 'frontdesk' | 'manager') => {
      const email = `${role}-multi-${process.pid}@desk.test`;
      const { id } = await createUser(t.db, CLI_ACTOR, {
        email,
        name: email,
        role,
        password: 'multi-pass-1',
        venues: ['YUNLING'],
      });
      return { kind: 'user' as const, id, label: email };
    };
    const [cashier, manager] = [await actor('frontdesk'), await actor('manager')];
    const window = await createChannel(t.db, CLI_ACTOR, { code: 'WIN-MULTI', kind: 'window', venue: 'YUNLING' });
    const shift = await openShift(a.runtime, cashier, { channelId: window.id, openingFloat: 0 }, venueId);
    // The supervisor's screen and a sell screen are on instance B, the desk that asks on instance A.
    const supervisor = await connectSocket(`${b.url}/desk`, { cookie: await sessionCookie(manager.id) });
    const desk = await connectSocket(`${a.url}/desk`, { cookie: await sessionCookie(cashier.id) });
    const sell = await connectSocket(`${b.url}/desk`, { cookie: await sessionCookie(cashier.id) });
    sockets.push(supervisor, desk, sell);
    const lists: { id: number }[][] = [];
    const answers: { id: number; state: string }[] = [];
    let catalogs = 0;
    supervisor.on('desk:overrides', (m: { pending: { id: number }[] }) => lists.push(m.pending));
    desk.on('desk:override-decided', (m: { request: { id: number; state: string } }) => answers.push(m.request));
    sell.on('desk:catalog', () => catalogs++);
    for (const s of [supervisor, desk, sell])
      expect(await s.emitWithAck('subscribe', { venueId })).toMatchObject({ ok: true });

    // A sale on A: the sell screen on B hears that places left changed.
    const sold = await sellAtWindow(a.runtime, cashier, {
      shiftId: shift.id,
      ref: `multi-${process.pid}-${Date.now()}`,
      items: [{ type: 'MULTI-ADULT', qty: 1, date: new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10) }],
      amount: 100,
      payments: [{ method: 'cash', amount: 100 }],
    });
    await eventually(() => catalogs > 0, 'the catalog change on instance B');
    // Asked on A, listed on B; decided on B, answered on A.
    const asked = await requestOverride(a.runtime, cashier, {
      gateId,
      ticketId: sold.order.tickets[0].id,
      direction: 'in',
      reason: 'other',
    });
    await eventually(() => lists.at(-1)?.some((r) => r.id === asked.id), 'the request on instance B');
    await decideOverride(b.runtime, manager, { requestId: asked.id }, 'denied');
    await eventually(() => answers.find((r) => r.id === asked.id && r.state === 'denied'), 'the answer on instance A');
    await eventually(() => lists.at(-1) && !lists.at(-1)!.some((r) => r.id === asked.id), 'the list on B without it');
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
