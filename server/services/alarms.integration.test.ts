import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../db/migrate.ts';
import { pruneGateActivity } from '../../db/queries/scans.ts';
import { findUserForSignIn } from '../../db/queries/users.ts';
import { newTicketCode } from '../../lib/ticket-code.ts';
import type { TAlarm } from '../../lib/schemas/live.ts';
import { channelCall, connectSocket, sessionCookie, startTestApp, trpcCall } from '../../tests/helpers/app.ts';
import { backends, eventually, type TestDb } from '../../tests/helpers/backends.ts';
import { addDays } from '../../lib/venue-time.ts';
import { addTicketType, venueToday } from '../../tests/helpers/venue.ts';
import type { App } from '../app.ts';
import { CLI_ACTOR } from './actor.ts';
import { createDevice } from './admin.ts';
import { seedDemo, type DemoCredentials } from './seed.ts';

const now = () => new Date().toISOString();

describe.each(backends())('alarms, controls and the crowd policy on $name', (backend) => {
  let t: TestDb;
  let app: App;
  let creds: DemoCredentials;
  let venueId: number;
  let manager: string;
  let operator: string;
  const sockets: Socket[] = [];
  const today = venueToday();
  let seq = 0;

  const zoneId = async (code: string) =>
    (await t.db.query<{ id: number }>('SELECT id FROM zones WHERE code = $1', [code])).rows[0].id;
  const gateId = async (code: string) =>
    (await t.db.query<{ id: number }>('SELECT id FROM gates WHERE code = $1', [code])).rows[0].id;
  const setOccupancy = (zone: number, count: number) =>
    t.db.query(
      'INSERT INTO occupancy (zone_id, day, count) VALUES ($1, $2, $3) ON CONFLICT (zone_id, day) DO UPDATE SET count = $3',
      [zone, today, count],
    );
  const openAlarms = async () =>
    (await trpcCall(app.url, 'alarms.open', { cookie: operator, input: { venueId } })).data as TAlarm[];
  const order = (token: string, type = 'T-ALARM') =>
    channelCall(app.url, token, 'POST', '/api/channels/orders', {
      ref: `alarm-${process.pid}-${++seq}`,
      items: [{ type, qty: 1, date: today }],
      amount: 10,
    });

  beforeAll(async () => {
    t = await backend.create();
    await migrate(t.db);
    creds = await seedDemo(t.db, `/tmp/tw-alarms-${backend.name}-${process.pid}`, CLI_ACTOR);
    venueId = (await t.db.query<{ id: number }>("SELECT id FROM venues WHERE code = 'YUNLING'")).rows[0].id;
    await addTicketType(t.db, venueId, 'T-ALARM');
    // No hold-down, so the test does not wait; the hold-down itself is covered below with a short one.
    app = await startTestApp(t.db, { env: { TIDEWATCH_ALARM_HOLD_S: '0', TIDEWATCH_ALARM_ESCALATE_S: '3600' } });
    manager = await sessionCookie((await findUserForSignIn(t.db, 'manager@demo.tidewatch'))!.id);
    operator = await sessionCookie((await findUserForSignIn(t.db, 'operator@demo.tidewatch'))!.id);
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await app?.close();
    await t?.cleanup();
  });

  it('raises one capacity alarm per zone, rising to critical, that an operator acknowledges and that clears', async () => {
    const zone = await zoneId('YINGKESONG');
    const cap = (await t.db.query<{ capacity: number }>('SELECT capacity FROM zones WHERE id = $1', [zone])).rows[0]
      .capacity;
    const screen = await connectSocket(`${app.url}/live`, { cookie: operator });
    sockets.push(screen);
    let pushed: TAlarm[] = [];
    screen.on('alarms:update', (m: { alarms: TAlarm[] }) => (pushed = m.alarms));
    await screen.emitWithAck('subscribe', { venueId });

    await setOccupancy(zone, Math.ceil(cap * 0.82));
    const warn = await eventually(
      async () =>
        (await openAlarms()).find((a) => a.subjectKind === 'zone' && a.subjectId === zone && a.kind === 'capacity'),
      'warning alarm',
    );
    expect(warn).toMatchObject({ severity: 'warning', state: 'active' });
    await eventually(() => pushed.some((a) => a.id === warn.id), 'alarm pushed to the wall');

    const ack = await trpcCall(app.url, 'alarms.acknowledge', {
      cookie: operator,
      input: { id: warn.id, note: '已派保安疏导' },
      mutation: true,
    });
    expect(ack.status).toBe(200);
    expect(ack.data).toMatchObject({
      state: 'acknowledged',
      ackedBy: 'operator@demo.tidewatch',
      ackNote: '已派保安疏导',
    });
    expect(
      (await trpcCall(app.url, 'alarms.acknowledge', { cookie: operator, input: { id: warn.id }, mutation: true }))
        .status,
    ).toBe(409);

    await setOccupancy(zone, cap);
    const crit = await eventually(
      async () => (await openAlarms()).find((a) => a.id === warn.id && a.severity === 'critical'),
      'critical',
    );
    // Rising asks for a new acknowledgement; it is still the same alarm (one per subject and kind).
    expect(crit.state).toBe('active');
    expect(
      (await openAlarms()).filter((a) => a.subjectKind === 'zone' && a.subjectId === zone && a.kind === 'capacity'),
    ).toHaveLength(1);

    await setOccupancy(zone, 0);
    await eventually(async () => !(await openAlarms()).some((a) => a.id === warn.id), 'cleared');
    const history = (await trpcCall(app.url, 'alarms.history', { cookie: operator, input: { venueId } }))
      .data as TAlarm[];
    expect(history.find((a) => a.id === warn.id)).toMatchObject({
      state: 'cleared',
      ackedBy: 'operator@demo.tidewatch',
    });
  });

  it('closes the entry gates of a critical zone and pauses online sales for today, and undoes it when the zone clears', async () => {
    const zone = await zoneId('EAST-PLAZA');
    const cap = (await t.db.query<{ capacity: number }>('SELECT capacity FROM zones WHERE id = $1', [zone])).rows[0]
      .capacity;
    const [code] = (await order(creds.channels['WINDOW-1'])).body.tickets.map((x: { code: string }) => x.code);
    const { token } = await createDevice(t.db, CLI_ACTOR, { gate: 'EG-01' });
    const gate = await connectSocket(`${app.url}/gates`, { auth: { token } });
    sockets.push(gate);

    await setOccupancy(zone, cap);
    await eventually(
      async () =>
        (await t.db.query<{ closed: boolean }>("SELECT closed FROM gates WHERE code = 'EG-01'")).rows[0].closed,
      'gate closed by policy',
    );
    // Every entry gate of the zone closes; the exit gate does not.
    const gates = await t.db.query<{ code: string; closed: boolean; direction: string }>(
      'SELECT code, closed, direction FROM gates WHERE zone_id = $1 ORDER BY code',
      [zone],
    );
    for (const g of gates.rows) expect(g.closed).toBe(g.direction !== 'out');
    await eventually(
      async () =>
        (await gate.emitWithAck('scan', { id: `pol-${++seq}`, code, direction: 'in', at: now() })).reason ===
        'throttled',
      'gate answers throttled',
    );
    await eventually(async () => (await order(creds.channels.WECHAT)).status === 429, 'online sales paused');
    expect((await order(creds.channels['WINDOW-1'])).status).toBe(201); // the ticket window still sells
    const audit = await t.db.query<{ action: string }>(
      "SELECT DISTINCT action FROM audit_log WHERE actor_kind = 'policy'",
    );
    expect(audit.rows.map((r) => r.action)).toEqual(
      expect.arrayContaining(['policy.close_gate', 'policy.pause_online_sales']),
    );

    await setOccupancy(zone, 0);
    await eventually(
      async () =>
        !(await t.db.query<{ closed: boolean }>("SELECT closed FROM gates WHERE code = 'EG-01'")).rows[0].closed,
      'gate reopened',
    );
    await eventually(async () => (await order(creds.channels.WECHAT)).status === 201, 'online sales resumed');
    expect(await gate.emitWithAck('scan', { id: `pol-${++seq}`, code, direction: 'in', at: now() })).toMatchObject({
      result: 'admit',
    });
  });

  it('lets a manager take a gate back from the policy; the policy then leaves it alone', async () => {
    const zone = await zoneId('MAIN-PLAZA');
    const cap = (await t.db.query<{ capacity: number }>('SELECT capacity FROM zones WHERE id = $1', [zone])).rows[0]
      .capacity;
    const mg1 = await gateId('MG-01');
    await setOccupancy(zone, cap);
    await eventually(
      async () =>
        (await t.db.query<{ closed: boolean }>('SELECT closed FROM gates WHERE id = $1', [mg1])).rows[0].closed,
      'MG-01 closed by policy',
    );
    const reopen = await trpcCall(app.url, 'controls.setGate', {
      cookie: manager,
      input: { gateId: mg1, closed: false, reason: '应急通道 emergency lane' },
      mutation: true,
    });
    expect(reopen.status).toBe(200);
    await setOccupancy(zone, 0);
    await eventually(
      async () =>
        !(await openAlarms()).some((a) => a.subjectKind === 'zone' && a.subjectId === zone && a.kind === 'capacity'),
      'zone cleared',
    );
    const states = await t.db.query<{ code: string; closed: boolean }>(
      "SELECT code, closed FROM gates WHERE zone_id = $1 AND direction <> 'out'",
      [zone],
    );
    expect(states.rows.every((g) => !g.closed)).toBe(true);
    const row = await t.db.query<{ actor_label: string; reason: string; before: unknown; after: unknown }>(
      "SELECT actor_label, reason, before, after FROM audit_log WHERE action = 'control.gate' ORDER BY id DESC LIMIT 1",
    );
    expect(row.rows[0]).toEqual({
      actor_label: 'manager@demo.tidewatch',
      reason: '应急通道 emergency lane',
      before: { admissionsPerMin: null, closed: true },
      after: { admissionsPerMin: null, closed: false },
    });
  });

  it("enforces a manager's channel throttle and pause with 429, and audits both", async () => {
    const channel = (await t.db.query<{ id: number }>("SELECT id FROM channels WHERE code = 'MEITUAN'")).rows[0].id;
    await eventually(
      () => app.runtime.controls!.onlinePausedBy(venueId).length === 0,
      'no crowd policy left from earlier tests',
    );
    const set = await trpcCall(app.url, 'controls.setChannel', {
      cookie: manager,
      input: { channelId: channel, ordersPerMin: 2, reason: '限流测试' },
      mutation: true,
    });
    expect(set.status).toBe(200);
    // The change is announced to every instance; this one applies it as soon as it has reloaded.
    await eventually(() => app.runtime.controls!.channel(channel)?.orders_per_min === 2, 'controls reloaded');
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await order(creds.channels.MEITUAN)).status);
    expect(statuses).toEqual([201, 201, 429, 429]);
    await trpcCall(app.url, 'controls.setChannel', {
      cookie: manager,
      input: { channelId: channel, ordersPerMin: null, paused: true },
      mutation: true,
    });
    await eventually(() => app.runtime.controls!.channel(channel)?.paused === true, 'controls reloaded');
    const paused = await order(creds.channels.MEITUAN);
    expect(paused.status).toBe(429);
    expect(paused.headers.get('retry-after')).toBeTruthy();
    await trpcCall(app.url, 'controls.setChannel', {
      cookie: manager,
      input: { channelId: channel, paused: false },
      mutation: true,
    });
    await eventually(() => app.runtime.controls!.channel(channel)?.paused === false, 'controls reloaded');
    expect((await order(creds.channels.MEITUAN)).status).toBe(201);
    const audit = await t.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM audit_log WHERE action = 'control.channel' AND actor_label = 'manager@demo.tidewatch'",
    );
    expect(audit.rows[0].n).toBe(3);
  });

  it("enforces a gate's admission rate and a zone's entry cap at the gate", async () => {
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push((await order(creds.channels['WINDOW-1'])).body.tickets[0].code);
    const fp1 = await gateId('FP-01');
    expect(
      (
        await trpcCall(app.url, 'controls.setGate', {
          cookie: manager,
          input: { gateId: fp1, admissionsPerMin: 1 },
          mutation: true,
        })
      ).status,
    ).toBe(200);
    const { token } = await createDevice(t.db, CLI_ACTOR, { gate: 'FP-01' });
    const g = await connectSocket(`${app.url}/gates`, { auth: { token } });
    sockets.push(g);
    await eventually(async () => app.runtime.controls!.gate(fp1)?.admissions_per_min === 1, 'controls reloaded');
    // The limit counts people let in: refused tickets give their turn back to the visitor behind them.
    expect(
      await g.emitWithAck('scan', { id: `rate-${++seq}`, code: 'TWJUNKJUNKJUNK', direction: 'in', at: now() }),
    ).toMatchObject({ result: 'reject', reason: 'invalid' });
    expect(
      await g.emitWithAck('scan:batch', {
        scans: [{ id: `rate-${++seq}`, code: 'TWJUNK2', direction: 'in', at: now() }],
      }),
    ).toMatchObject({ results: [{ result: 'reject', reason: 'invalid' }] });
    expect(
      await g.emitWithAck('scan', { id: `rate-${++seq}`, code: codes[0], direction: 'in', at: now() }),
    ).toMatchObject({ result: 'admit' });
    expect(
      await g.emitWithAck('scan', { id: `rate-${++seq}`, code: codes[1], direction: 'in', at: now() }),
    ).toMatchObject({ result: 'reject', reason: 'throttled' });
    await trpcCall(app.url, 'controls.setGate', {
      cookie: manager,
      input: { gateId: fp1, admissionsPerMin: null },
      mutation: true,
    });
    const zone = await zoneId('FEIPU-GORGE');
    const capRes = await trpcCall(app.url, 'controls.setZoneCap', {
      cookie: manager,
      input: { zoneId: zone, entryCap: 1 },
      mutation: true,
    });
    expect(capRes.status).toBe(200);
    await eventually(async () => app.runtime.controls!.gate(fp1)?.admissions_per_min === null, 'controls reloaded');
    expect(
      await g.emitWithAck('scan', { id: `rate-${++seq}`, code: codes[2], direction: 'in', at: now() }),
    ).toMatchObject({ result: 'reject', reason: 'capacity' });
    expect(
      (
        await trpcCall(app.url, 'controls.setZoneCap', {
          cookie: manager,
          input: { zoneId: zone, entryCap: 999_999 },
          mutation: true,
        })
      ).status,
    ).toBe(400);
    await trpcCall(app.url, 'controls.setZoneCap', {
      cookie: manager,
      input: { zoneId: zone, entryCap: null },
      mutation: true,
    });
  });

  it('closes a time slot for sale and reduces a date quota', async () => {
    // Tomorrow: today's 16:00 slot ends at some hour of the day and is then not sold anyway.
    const day = addDays(today, 1);
    const set = await trpcCall(app.url, 'controls.setQuota', {
      cookie: manager,
      input: { venueId, day, slot: '16:00', closed: true, reason: '天气' },
      mutation: true,
    });
    expect(set.status).toBe(200);
    const adult = await channelCall(app.url, creds.channels.WECHAT, 'GET', `/api/channels/catalog?date=${day}`);
    expect(adult.body.slots.find((s: { start: string }) => s.start === '16:00')).toMatchObject({
      closed: true,
      remaining: 0,
    });
    const price = adult.body.types.find((x: { code: string }) => x.code === 'ADULT').price;
    const r = await channelCall(app.url, creds.channels['KIOSK-1'], 'POST', '/api/channels/orders', {
      ref: `slot-${++seq}`,
      items: [{ type: 'ADULT', qty: 1, date: day, slot: '16:00' }],
      amount: price,
    });
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe('sold_out');
  });

  it('raises reject-rate and offline-conflict alarms at the gates from their recent activity, and prunes old activity', async () => {
    // Two boundary gates: entry allowances (what makes an offline admission a conflict) apply at the perimeter.
    const yh = await connectSocket(`${app.url}/gates`, {
      auth: { token: (await createDevice(t.db, CLI_ACTOR, { gate: 'EG-04' })).token },
    });
    const tc = await connectSocket(`${app.url}/gates`, {
      auth: { token: (await createDevice(t.db, CLI_ACTOR, { gate: 'EG-02' })).token },
    });
    sockets.push(yh, tc);
    // 25 codes nobody sold: every one is refused.
    for (let i = 0; i < 25; i++) {
      expect(
        await yh.emitWithAck('scan', { id: `junk-${++seq}`, code: newTicketCode(), direction: 'in', at: now() }),
      ).toMatchObject({ result: 'reject', reason: 'unknown' });
    }
    const yhId = await gateId('EG-04');
    const rate = await eventually(
      async () =>
        (await openAlarms()).find((a) => a.subjectKind === 'gate' && a.subjectId === yhId && a.kind === 'reject_rate'),
      'reject-rate alarm',
    );
    expect(rate).toMatchObject({ severity: 'critical', value: 1 });
    // A ticket admitted online, then an offline upload from another gate that admitted it too.
    const [code] = (await order(creds.channels['WINDOW-1'])).body.tickets.map((x: { code: string }) => x.code);
    expect(await yh.emitWithAck('scan', { id: `conf-${++seq}`, code, direction: 'in', at: now() })).toMatchObject({
      result: 'admit',
    });
    const upload = await tc.emitWithAck('scan:batch', {
      scans: [{ id: `conf-${++seq}`, code, direction: 'in', at: now(), local: 'admit' }],
    });
    expect(upload.results[0]).toMatchObject({ recorded: true, conflict: true });
    const tcId = await gateId('EG-02');
    const conflict = await eventually(
      async () =>
        (await openAlarms()).find(
          (a) => a.subjectKind === 'gate' && a.subjectId === tcId && a.kind === 'offline_conflict',
        ),
      'conflict alarm',
    );
    expect(conflict).toMatchObject({ severity: 'warning', value: 1 });

    await t.db.query(
      "INSERT INTO gate_activity (gate_id, minute, venue_id, scans) VALUES ($1, date_trunc('minute', now()) - INTERVAL '2 hours', $2, 5)",
      [yhId, venueId],
    );
    expect(await pruneGateActivity(t.db)).toBe(1);
    const left = await t.db.query<{ scans: number }>('SELECT scans FROM gate_activity WHERE gate_id = $1', [yhId]);
    expect(left.rows.map((r) => r.scans).reduce((a, b) => a + b, 0)).toBe(26);
  });

  it('refuses controls to operators and front-desk users', async () => {
    const frontdesk = await sessionCookie((await findUserForSignIn(t.db, 'frontdesk@demo.tidewatch'))!.id);
    expect((await trpcCall(app.url, 'controls.state', { cookie: operator, input: { venueId } })).status).toBe(403);
    expect(
      (
        await trpcCall(app.url, 'controls.setGate', {
          cookie: frontdesk,
          input: { gateId: 1, closed: true },
          mutation: true,
        })
      ).status,
    ).toBe(403);
    expect((await trpcCall(app.url, 'alarms.open', { cookie: frontdesk, input: { venueId } })).status).toBe(403);
    expect((await trpcCall(app.url, 'controls.state', { cookie: manager, input: { venueId } })).status).toBe(200);
  });

  it('holds a hovering value down: a brief crossing raises nothing', async () => {
    const held = await startTestApp(t.db, { env: { TIDEWATCH_ALARM_HOLD_S: '3' } });
    try {
      app.runtime.alarms!.stop(); // only the instance under test evaluates
      const zone = await zoneId('YUNHAI');
      const cap = (await t.db.query<{ capacity: number }>('SELECT capacity FROM zones WHERE id = $1', [zone])).rows[0]
        .capacity;
      const has = async () =>
        (
          await held.runtime.db.query(
            "SELECT 1 FROM alarms WHERE subject_kind = 'zone' AND subject_id = $1 AND state <> 'cleared'",
            [zone],
          )
        ).rows.length > 0;
      await setOccupancy(zone, cap);
      await held.runtime.alarms!.tick();
      await setOccupancy(zone, 0);
      await held.runtime.alarms!.tick();
      await setOccupancy(zone, cap);
      await held.runtime.alarms!.tick();
      expect(await has()).toBe(false);
      await eventually(has, 'alarm after the hold-down', 10_000);
    } finally {
      await held.close();
      app.runtime.alarms!.start();
    }
  });
});
