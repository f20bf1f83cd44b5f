import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { migrate } from '../../db/migrate.ts';
import { findUserForSignIn } from '../../db/queries/users.ts';
import type { TGateStatus, TLiveCounters, TSubscribeAck } from '../../lib/schemas/live.ts';
import { backends, eventually, type TestDb } from '../../tests/helpers/backends.ts';
import { connectSocket, sessionCookie, startTestApp, trpcCall } from '../../tests/helpers/app.ts';
import type { App } from '../app.ts';
import { CLI_ACTOR } from '../services/actor.ts';
import { createDevice, revokeDevices } from '../services/admin.ts';
import { seedDemo } from '../services/seed.ts';

describe.each(backends())('sockets, tRPC and health on $name', (backend) => {
  let t: TestDb;
  let app: App;
  const sockets: Socket[] = [];
  const track = (s: Socket) => {
    sockets.push(s);
    return s;
  };
  let operatorCookie: string;
  let frontdeskCookie: string;
  let venueId: number;

  beforeAll(async () => {
    t = await backend.create();
    await migrate(t.db);
    await seedDemo(t.db, `/tmp/tw-hub-${backend.name}-${process.pid}`, CLI_ACTOR);
    app = await startTestApp(t.db);
    operatorCookie = await sessionCookie((await findUserForSignIn(t.db, 'operator@demo.tidewatch'))!.id);
    frontdeskCookie = await sessionCookie((await findUserForSignIn(t.db, 'frontdesk@demo.tidewatch'))!.id);
    venueId = (await t.db.query<{ id: number }>("SELECT id FROM venues WHERE code = 'YUNLING'")).rows[0].id;
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await app?.close();
    await t?.cleanup();
  });

  it('reports health and metrics', async () => {
    const health = await (await fetch(`${app.url}/api/health`)).json();
    expect(health).toMatchObject({
      status: 'ok',
      database: { ok: true, kind: t.db.kind },
      version: expect.any(String),
    });
    // Metrics are for the scraper's token or an admin, not for anyone who can reach the port.
    expect((await fetch(`${app.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${app.url}/metrics`, { headers: { cookie: operatorCookie } })).status).toBe(403);
    const admin = await sessionCookie((await findUserForSignIn(t.db, 'admin@demo.tidewatch'))!.id);
    const metrics = await (await fetch(`${app.url}/metrics`, { headers: { cookie: admin } })).text();
    expect(metrics).toContain('tidewatch_socket_connections');
  });

  it('rejects devices with a missing or wrong token with connect_error "unauthorized"', async () => {
    await expect(connectSocket(`${app.url}/gates`)).rejects.toThrow('unauthorized');
    await expect(connectSocket(`${app.url}/gates`, { auth: { token: 'twd_wrong' } })).rejects.toThrow('unauthorized');
    await expect(connectSocket(`${app.url}/gates`, { auth: { token: { $ne: null } } })).rejects.toThrow('unauthorized');
    await expect(connectSocket(`${app.url}/channels`, { auth: { token: 'twc_nope' } })).rejects.toThrow('unauthorized');
  });

  it('acknowledges heartbeats and answers malformed payloads with typed errors, keeping the socket open', async () => {
    const { token } = await createDevice(t.db, CLI_ACTOR, { gate: 'MG-02' });
    const s = track(await connectSocket(`${app.url}/gates`, { auth: { token } }));
    expect(await s.emitWithAck('heartbeat', { at: new Date().toISOString(), queue: 3, battery: 80 })).toMatchObject({
      ok: true,
    });
    const bad = [
      undefined,
      null,
      42,
      'x',
      [],
      { at: 'yesterday' },
      { at: Date.now(), queue: -1 },
      { at: Date.now(), battery: 101 },
      { at: Date.now(), extra: 1 },
    ];
    for (const payload of bad) {
      expect(await s.emitWithAck('heartbeat', payload)).toMatchObject({
        error: { code: 'invalid', message: expect.any(String) },
      });
    }
    expect(await s.emitWithAck('no-such-event', {})).toMatchObject({ error: { code: 'invalid' } });
    expect(s.connected).toBe(true);
    const row = (
      await t.db.query<{ last_queue: number; last_battery: number }>(
        "SELECT last_queue, last_battery FROM devices d JOIN gates g ON g.id = d.gate_id WHERE g.code = 'MG-02' AND d.last_queue IS NOT NULL",
      )
    ).rows[0];
    expect(row).toEqual({ last_queue: 3, last_battery: 80 });
  });

  it('survives thousands of random malformed frames', async () => {
    const { token } = await createDevice(t.db, CLI_ACTOR, { gate: 'MG-03' });
    const s = track(await connectSocket(`${app.url}/gates`, { auth: { token } }));
    const junk = (i: number): unknown =>
      [
        i,
        `${i}`,
        { at: i % 2 ? 'nope' : {}, queue: 'many' },
        [[[]]],
        { ['__proto__']: { polluted: true } },
        { at: new Date(8.64e15 + i) },
      ][i % 6];
    const acks = await Promise.all(
      Array.from({ length: 2000 }, (_, i) => s.timeout(20_000).emitWithAck('heartbeat', junk(i))),
    );
    expect(acks.every((a) => (a as { error?: { code: string } }).error?.code === 'invalid')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((await fetch(`${app.url}/api/health`)).status).toBe(200);
  });

  it('drops an oversized frame by closing that connection only; the server keeps serving', async () => {
    const { token } = await createDevice(t.db, CLI_ACTOR, { gate: 'MG-04' });
    const big = track(await connectSocket(`${app.url}/gates`, { auth: { token } }));
    const closed = new Promise((r) => big.once('disconnect', r));
    big.emit('heartbeat', { at: Date.now(), pad: 'x'.repeat(200_000) });
    await closed;
    const again = track(await connectSocket(`${app.url}/gates`, { auth: { token } }));
    expect(await again.emitWithAck('heartbeat', { at: Date.now() })).toMatchObject({ ok: true });
  });

  it('requires a session on /live and the command-center role to subscribe', async () => {
    await expect(connectSocket(`${app.url}/live`)).rejects.toThrow('unauthorized');
    await expect(connectSocket(`${app.url}/live`, { cookie: 'next-auth.session-token=forged' })).rejects.toThrow(
      'unauthorized',
    );
    const fd = track(await connectSocket(`${app.url}/live`, { cookie: frontdeskCookie }));
    expect(await fd.emitWithAck('subscribe', { venueId })).toMatchObject({ error: { code: 'forbidden' } });
    const op = track(await connectSocket(`${app.url}/live`, { cookie: operatorCookie }));
    expect(await op.emitWithAck('subscribe', { venueId: 'one' })).toMatchObject({ error: { code: 'invalid' } });
    const ok = (await op.emitWithAck('subscribe', { venueId })) as TSubscribeAck;
    expect('gates' in ok && ok.gates.length).toBeGreaterThanOrEqual(20);
  });

  it('shows a gate online on /live when its device connects and offline when it goes', async () => {
    const op = track(await connectSocket(`${app.url}/live`, { cookie: operatorCookie }));
    const latest = new Map<string, TGateStatus>();
    op.on('gates:update', (m: { gates: TGateStatus[] }) => {
      for (const g of m.gates) latest.set(g.code, g);
    });
    const snap = (await op.emitWithAck('subscribe', { venueId })) as Extract<TSubscribeAck, { ok: true }>;
    expect(snap.gates.find((g) => g.code === 'RL-01')?.online).toBe(false);
    const { token } = await createDevice(t.db, CLI_ACTOR, { gate: 'RL-01' });
    const dev = track(await connectSocket(`${app.url}/gates`, { auth: { token } }));
    await eventually(() => latest.get('RL-01')?.online === true, 'RL-01 online');
    dev.close();
    await eventually(() => latest.get('RL-01')?.online === false, 'RL-01 offline');
  });

  it('disconnects a revoked device by itself', async () => {
    const { token } = await createDevice(t.db, CLI_ACTOR, { gate: 'RU-01' });
    const dev = track(await connectSocket(`${app.url}/gates`, { auth: { token } }));
    const gone = new Promise((r) => dev.once('disconnect', r));
    await revokeDevices(t.db, CLI_ACTOR, { gate: 'RU-01' });
    await gone;
    await expect(connectSocket(`${app.url}/gates`, { auth: { token } })).rejects.toThrow('unauthorized');
  });

  it('checks roles in every tRPC procedure, re-reading the user on each request', async () => {
    expect((await trpcCall(app.url, 'system.me')).status).toBe(401);
    expect((await trpcCall(app.url, 'admin.users', { cookie: frontdeskCookie })).status).toBe(403);
    expect(
      (
        await trpcCall(app.url, 'admin.createDevice', {
          cookie: operatorCookie,
          input: { gate: 'MG-01' },
          mutation: true,
        })
      ).status,
    ).toBe(403);
    expect((await trpcCall(app.url, 'gates.status', { cookie: frontdeskCookie, input: { venueId } })).status).toBe(403);
    const ok = await trpcCall(app.url, 'gates.status', { cookie: operatorCookie, input: { venueId } });
    expect(ok.status).toBe(200);
    expect(await trpcCall(app.url, 'gates.status', { cookie: operatorCookie, input: { venueId: 'x' } })).toMatchObject({
      status: 400,
    });

    // A role change counts on the very next request, although the session token is unchanged.
    const id = (await findUserForSignIn(t.db, 'frontdesk@demo.tidewatch'))!.id;
    await t.db.query("UPDATE users SET role = 'operator' WHERE id = $1", [id]);
    expect((await trpcCall(app.url, 'gates.status', { cookie: frontdeskCookie, input: { venueId } })).status).toBe(200);
    await t.db.query('UPDATE users SET disabled_at = now() WHERE id = $1', [id]);
    expect((await trpcCall(app.url, 'gates.status', { cookie: frontdeskCookie, input: { venueId } })).status).toBe(401);
    await t.db.query("UPDATE users SET role = 'frontdesk', disabled_at = NULL WHERE id = $1", [id]);
  });

  it('lets an admin issue and revoke devices over tRPC, audited', async () => {
    const admin = await sessionCookie((await findUserForSignIn(t.db, 'admin@demo.tidewatch'))!.id);
    const created = await trpcCall(app.url, 'admin.createDevice', {
      cookie: admin,
      input: { gate: 'HT-01' },
      mutation: true,
    });
    expect(created.status).toBe(200);
    expect((created.data as { token: string }).token).toMatch(/^twd_/);
    const bad = await trpcCall(app.url, 'admin.createDevice', {
      cookie: admin,
      input: { gate: 'ZZ-99' },
      mutation: true,
    });
    expect(bad.status).toBe(404);
    const audit = await t.db.query(
      "SELECT actor_label FROM audit_log WHERE action = 'device.create' AND actor_kind = 'user'",
    );
    expect(audit.rows.length).toBeGreaterThanOrEqual(1);
  });

  it("sends a wall the new business day's counters when the day turns, with nothing scanned", async () => {
    const op = track(await connectSocket(`${app.url}/live`, { cookie: operatorCookie }));
    const snap = (await op.emitWithAck('subscribe', { venueId })) as Extract<TSubscribeAck, { ok: true }>;
    const today = snap.counters.day;
    const nextDay = new Promise<TLiveCounters>((resolve, reject) => {
      // Only Date is faked below: this timer is a real one.
      const timer = setTimeout(() => reject(new Error(`no counters for the day after ${today} within 15 s`)), 15_000);
      op.on('counters:update', (m: { counters: TLiveCounters }) => {
        if (m.counters.day === today) return;
        clearTimeout(timer);
        resolve(m.counters);
      });
    });
    // A day later on the server's clock; no scan, no sale: only the day turning can send counters.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 24 * 3600_000 });
    try {
      const counters = await nextDay;
      expect(counters.day > today).toBe(true);
      expect(counters).toMatchObject({ entries: 0, exits: 0, sold: 0 });
    } finally {
      vi.useRealTimers();
    }
  });
});
