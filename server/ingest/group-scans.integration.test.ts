import pg from 'pg';
import pino from 'pino';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../db/migrate.ts';
import type { DeviceAuthRow } from '../../db/queries/devices.ts';
import type { TScanAck } from '../../lib/schemas/scan.ts';
import { channelCall, connectSocket, startTestApp } from '../../tests/helpers/app.ts';
import { backends, type TestDb } from '../../tests/helpers/backends.ts';
import { addTicketType, venueToday } from '../../tests/helpers/venue.ts';
import type { App } from '../app.ts';
import { CLI_ACTOR } from '../services/actor.ts';
import { createDevice } from '../services/admin.ts';
import { admitGroupAtDesk, checkGroupAtDesk, orderDetail } from '../services/front-desk.ts';
import { findUserForSignIn } from '../../db/queries/users.ts';
import { seedDemo, type DemoCredentials } from '../services/seed.ts';
import { ScanIngest } from './scan-ingest.ts';

/**
 * Group tickets (团体票): a group's order gets one group code, and a gate that scans it with a
 * headcount admits that many of the group's unused tickets, never more than are left; the rest
 * come later. Retries and offline uploads of the same scan find the same tickets.
 */

const GUIDE = { guideName: '导游张', guidePhone: '13800138000' };

describe.each(backends())('group tickets at the gates on $name', (backend) => {
  let t: TestDb;
  let app: App;
  let creds: DemoCredentials;
  let venueId: number;
  const sockets: Socket[] = [];
  const today = venueToday();
  let seq = 0;
  const id = (p: string) => `${p}-${process.pid}-${++seq}`;
  const now = () => new Date().toISOString();

  async function sellGroup(adults: number, children = 0, ref = id('group')) {
    const items = [{ type: 'G-ADULT', qty: adults, date: today }];
    if (children) items.push({ type: 'G-CHILD', qty: children, date: today });
    const r = await channelCall(app.url, creds.channels.WECHAT, 'POST', '/api/channels/orders', {
      ref,
      items,
      amount: 80 * adults + 40 * children,
      group: GUIDE,
    });
    expect(r.status).toBe(201);
    return r.body as { orderId: number; groupCode: string; tickets: { code: string }[] };
  }

  async function gate(code = 'MG-01'): Promise<Socket> {
    const { token } = await createDevice(t.db, CLI_ACTOR, { gate: code });
    const s = await connectSocket(`${app.url}/gates`, { auth: { token } });
    sockets.push(s);
    return s;
  }

  const entered = async (orderId: number) =>
    (
      await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM tickets WHERE order_id = $1 AND entries > 0', [
        orderId,
      ])
    ).rows[0].n;

  beforeAll(async () => {
    t = await backend.create();
    await migrate(t.db);
    creds = await seedDemo(t.db, `/tmp/tw-groups-${backend.name}-${process.pid}`, CLI_ACTOR);
    venueId = (await t.db.query<{ id: number }>("SELECT id FROM venues WHERE code = 'YUNLING'")).rows[0].id;
    await addTicketType(t.db, venueId, 'G-ADULT', { draws_day_quota: false, price_fen: 8000 });
    await addTicketType(t.db, venueId, 'G-CHILD', { draws_day_quota: false, price_fen: 4000 });
    app = await startTestApp(t.db);
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await app?.close();
    await t?.cleanup();
  });

  it('gives a group order one group code beside its tickets, idempotent by ref with the guide in the request', async () => {
    const ref = id('group-idem');
    const sold = await sellGroup(2, 0, ref);
    expect(sold.groupCode).toMatch(/^G[0-9A-Z]{26}$/);
    expect(sold.tickets).toHaveLength(2);
    const body = { ref, items: [{ type: 'G-ADULT', qty: 2, date: today }], amount: 160, group: GUIDE };
    const again = await channelCall(app.url, creds.channels.WECHAT, 'POST', '/api/channels/orders', body);
    expect(again.status).toBe(200);
    expect(again.body.groupCode).toBe(sold.groupCode);
    const other = await channelCall(app.url, creds.channels.WECHAT, 'POST', '/api/channels/orders', {
      ...body,
      group: { ...GUIDE, guideName: '导游李' },
    });
    expect(other.status).toBe(409);
    const row = (
      await t.db.query('SELECT group_code, guide_name, guide_phone FROM orders WHERE id = $1', [sold.orderId])
    ).rows[0];
    expect(row).toEqual({ group_code: sold.groupCode, guide_name: '导游张', guide_phone: '13800138000' });
    // The group code's QR for the agency to print, only for the channel that sold it.
    const qr = await channelCall(
      app.url,
      creds.channels.WECHAT,
      'GET',
      `/api/channels/tickets/${sold.groupCode}/qr.svg`,
    );
    expect(qr.status).toBe(200);
    expect(String(qr.body)).toContain('<svg');
    expect(
      (await channelCall(app.url, creds.channels.CTRIP, 'GET', `/api/channels/tickets/${sold.groupCode}/qr.svg`))
        .status,
    ).toBe(404);
    // A guide without a phone is refused with the field named.
    const bad = await channelCall(app.url, creds.channels.WECHAT, 'POST', '/api/channels/orders', {
      ...body,
      ref: id('group-bad'),
      group: { guideName: '导游张' },
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('group.guidePhone');
  });

  it('admits the stated headcount of unused tickets, the rest later, never more than are left', async () => {
    const sold = await sellGroup(4, 1);
    const g = await gate();
    const first = (await g.emitWithAck('scan', {
      id: id('grp'),
      code: sold.groupCode.toLowerCase(),
      count: 3,
      direction: 'in',
      at: now(),
    })) as TScanAck;
    expect(first).toMatchObject({
      result: 'admit',
      group: { code: sold.groupCode, requested: 3, admitted: 3, left: 2, types: { 'G-ADULT': 3 } },
    });
    expect(await entered(sold.orderId)).toBe(3);

    // The same scan again (a retry): the same answer, nobody more admitted.
    const scan = { id: id('grp'), code: sold.groupCode, count: 4, direction: 'in', at: now() };
    const second = (await g.emitWithAck('scan', scan)) as TScanAck;
    expect(second).toMatchObject({
      result: 'admit',
      reason: 'used',
      group: { requested: 4, admitted: 2, left: 0, types: { 'G-ADULT': 1, 'G-CHILD': 1 } },
    });
    expect(await g.emitWithAck('scan', scan)).toMatchObject({ group: { admitted: 2, left: 0 } });
    expect(await g.emitWithAck('scan', { ...scan, count: 3 })).toMatchObject({
      error: { code: 'idempotency_mismatch' },
    });
    expect(await entered(sold.orderId)).toBe(5);

    // All in: a further scan admits no one and says why.
    expect(
      await g.emitWithAck('scan', { id: id('grp'), code: sold.groupCode, count: 1, direction: 'in', at: now() }),
    ).toMatchObject({ result: 'reject', reason: 'used', group: { admitted: 0, left: 0 } });
  });

  it('refuses a headcount on a ticket code, a headcount over the limit, and answers unknown group codes', async () => {
    const g = await gate();
    const [ticket] = (await sellGroup(1)).tickets;
    expect(
      await g.emitWithAck('scan', { id: id('bad'), code: ticket.code, count: 2, direction: 'in', at: now() }),
    ).toMatchObject({ error: { code: 'invalid', message: expect.stringContaining('count') } });
    expect(
      await g.emitWithAck('scan', {
        id: id('bad'),
        code: `G${'0'.repeat(26)}`,
        count: 101,
        direction: 'in',
        at: now(),
      }),
    ).toMatchObject({ error: { code: 'invalid' } });
    expect(
      await g.emitWithAck('scan', { id: id('bad'), code: `G${'0'.repeat(26)}`, count: 2, direction: 'in', at: now() }),
    ).toMatchObject({ result: 'reject', reason: 'unknown', group: { admitted: 0, requested: 2 } });
    // An upload counts the headcounts against the batch limit.
    expect(
      await g.emitWithAck('scan:batch', {
        scans: Array.from({ length: 11 }, () => ({
          id: id('big'),
          code: `G${'0'.repeat(26)}`,
          count: 100,
          direction: 'in',
          at: now(),
          local: 'admit',
        })),
      }),
    ).toMatchObject({ error: { code: 'invalid', message: expect.stringContaining('1000') } });
  });

  it('records a group the gate let in offline, once, whatever the upload is retried', async () => {
    const sold = await sellGroup(3);
    const g = await gate();
    const upload = {
      scans: [{ id: id('off'), code: sold.groupCode, count: 2, direction: 'in', at: now(), local: 'admit' }],
    };
    const r = (await g.emitWithAck('scan:batch', upload)) as { results: TScanAck[] };
    expect(r.results[0]).toMatchObject({ result: 'admit', recorded: true, group: { admitted: 2, left: 1 } });
    expect(await g.emitWithAck('scan:batch', upload)).toEqual(r);
    expect(await entered(sold.orderId)).toBe(2);
    const rows = (
      await t.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM gate_scans WHERE scan_id LIKE $1 AND offline AND result = 'admit'",
        [`${upload.scans[0].id}/%`],
      )
    ).rows[0].n;
    expect(rows).toBe(2);
  });

  it('lets a group in by hand at the desk: booked against arrived, what the gate would admit, never more than left', async () => {
    const sold = await sellGroup(3, 1);
    const u = (await findUserForSignIn(t.db, 'frontdesk@demo.tidewatch'))!;
    const actor = { kind: 'user' as const, id: u.id, label: u.email };
    const gateId = (await t.db.query<{ id: number }>("SELECT id FROM gates WHERE code = 'MG-03'")).rows[0].id;
    const rt = app.runtime;
    expect(await checkGroupAtDesk(rt, { gateId, groupCode: sold.groupCode, direction: 'in' })).toMatchObject({
      found: true,
      group: {
        code: sold.groupCode,
        orderId: sold.orderId,
        guideName: '导游张',
        booked: 4,
        arrived: 0,
        left: 4,
        admissibleNow: 4,
      },
    });
    const requestId = id('desk-group');
    const first = await admitGroupAtDesk(rt, actor, {
      gateId,
      groupCode: sold.groupCode,
      count: 3,
      direction: 'in',
      requestId,
    });
    expect(first).toMatchObject({ result: 'admit', group: { admitted: 3, left: 1 } });
    // A double Enter or a retry admits once.
    expect(
      await admitGroupAtDesk(rt, actor, { gateId, groupCode: sold.groupCode, count: 3, direction: 'in', requestId }),
    ).toEqual(first);
    const rows = (
      await t.db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM gate_scans WHERE manual_user_id = $1 AND scan_id LIKE $2',
        [u.id, `%${requestId}/%`],
      )
    ).rows[0].n;
    expect(rows).toBe(3);
    // And is audited once: the trail says 3 came in, not 6.
    const audited = await t.db.query<{ after: { admitted: number; request: string } }>(
      `SELECT after FROM audit_log WHERE action = 'gate.group_admit' AND after->>'group' = $1`,
      [sold.groupCode],
    );
    expect(audited.rows.map((r) => r.after)).toEqual([expect.objectContaining({ admitted: 3, request: requestId })]);
    const detail = await orderDetail(rt, sold.orderId);
    expect(detail.group).toMatchObject({
      code: sold.groupCode,
      guidePhone: '13800138000',
      booked: 4,
      arrived: 3,
      left: 1,
    });
    expect(
      await admitGroupAtDesk(rt, actor, {
        gateId,
        groupCode: sold.groupCode,
        count: 5,
        direction: 'in',
        requestId: id('desk-group'),
      }),
    ).toMatchObject({ result: 'admit', reason: 'used', group: { admitted: 1, left: 0 } });
    expect(await checkGroupAtDesk(rt, { gateId, groupCode: sold.groupCode, direction: 'in' })).toMatchObject({
      group: { arrived: 4, left: 0, admissibleNow: 0 },
    });
    await expect(
      checkGroupAtDesk(rt, { gateId, groupCode: 'T'.padEnd(27, '0'), direction: 'in' }),
    ).rejects.toMatchObject({ code: 'invalid' });
    expect(await checkGroupAtDesk(rt, { gateId, groupCode: `G${'1'.repeat(26)}`, direction: 'in' })).toEqual({
      found: false,
      reason: 'unknown',
    });
  });

  it.runIf(backend.name === 'postgres')(
    'two gates scanning one group at the same instant admit only the tickets left; the control without locks admits more',
    async () => {
      const run = async (lockTickets: boolean) => {
        const sold = await sellGroup(5);
        const ingest = new ScanIngest({ db: t.db, logger: pino({ level: 'silent' }), concurrency: 2, lockTickets });
        const devices: DeviceAuthRow[] = [];
        for (const code of ['MG-02', 'EG-01']) {
          const { id: deviceId } = await createDevice(t.db, CLI_ACTOR, { gate: code });
          devices.push(
            (
              await t.db.query<DeviceAuthRow>(
                `SELECT d.id, d.gate_id, g.code AS gate_code, g.venue_id, g.zone_id, g.perimeter
                 FROM devices d JOIN gates g ON g.id = d.gate_id WHERE d.id = $1`,
                [deviceId],
              )
            ).rows[0],
          );
        }
        // Another session holds the group's tickets, so both batches are in flight before either decides.
        const holder = new pg.Client({ connectionString: t.url! });
        await holder.connect();
        await holder.query('BEGIN');
        await holder.query('SELECT 1 FROM tickets WHERE order_id = $1 FOR UPDATE', [sold.orderId]);
        const scansOf = (p: string) =>
          Array.from({ length: 4 }, (_, k) => ({
            id: `${p}/${k + 1}`,
            group: { code: sold.groupCode, count: 4 },
            direction: 'in' as const,
            at: new Date(),
          }));
        const both = Promise.all(devices.map((d) => ingest.submit(d, scansOf(id('race')))));
        await new Promise((r) => setTimeout(r, 300));
        await holder.query('COMMIT');
        await holder.end();
        const acks = (await both).flat();
        await ingest.drain();
        return acks.filter((a) => 'result' in a && a.result === 'admit').length;
      };
      expect(await run(true)).toBe(5);
      expect(await run(false)).toBeGreaterThan(5);
    },
  );
});
