import pg from 'pg';
import pino from 'pino';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../db/migrate.ts';
import type { DeviceAuthRow } from '../../db/queries/devices.ts';
import type { TScanAck } from '../../lib/schemas/scan.ts';
import { normalizeTicketCode } from '../../lib/ticket-code.ts';
import { channelCall, connectSocket, startTestApp } from '../../tests/helpers/app.ts';
import { backends, eventually, type TestDb } from '../../tests/helpers/backends.ts';
import { addTicketType, venueToday } from '../../tests/helpers/venue.ts';
import type { App } from '../app.ts';
import { CLI_ACTOR } from '../services/actor.ts';
import { createDevice } from '../services/admin.ts';
import { seedDemo, type DemoCredentials } from '../services/seed.ts';
import { ScanIngest } from './scan-ingest.ts';

/**
 * Settling a scan (docs/device-protocol.md): a gate told `unavailable` decides by itself and
 * uploads what it did under the same scan id, while the server commits its own decision late. The
 * gate's act is what happened, and the scan is counted exactly once either way. And one scan that
 * cannot be written never fails the other scans of its batch.
 */

/** The answer deadline of these tests (ms): short, so a stalled database passes it quickly. */
const DEADLINE_MS = 300;
/** How long a stall holds the database (ms): well past the deadline. */
const STALL_MS = 1_200;

describe.each(backends())('settling late decisions and isolating bad scans on $name', (backend) => {
  let t: TestDb;
  let app: App;
  let creds: DemoCredentials;
  let venueId: number;
  const sockets: Socket[] = [];
  const today = venueToday();
  let seq = 0;
  const id = (p: string) => `${p}-${process.pid}-${++seq}`;

  async function buy(qty: number): Promise<string[]> {
    const r = await channelCall(app.url, creds.channels.WECHAT, 'POST', '/api/channels/orders', {
      ref: id('settle'),
      items: [{ type: 'T-SETTLE', qty, date: today }],
      amount: 10 * qty,
    });
    expect(r.status).toBe(201);
    return r.body.tickets.map((x: { code: string }) => x.code);
  }

  async function gate(code: string): Promise<{ socket: Socket; deviceId: number }> {
    const { token, id: deviceId } = await createDevice(t.db, CLI_ACTOR, { gate: code });
    const socket = await connectSocket(`${app.url}/gates`, { auth: { token } });
    sockets.push(socket);
    return { socket, deviceId };
  }

  /**
   * Holds the database for STALL_MS so that a scan sent now passes its deadline and commits later:
   * on PostgreSQL another session holds the ticket's row lock (the batch waits inside its
   * transaction); PGlite has one session, so an open transaction holds it (a long statement would
   * block the whole process instead: PGlite runs in it).
   */
  async function stall(code: string): Promise<{ released: Promise<void> }> {
    const sleep = () => new Promise((r) => setTimeout(r, STALL_MS));
    if (t.url) {
      const c = new pg.Client({ connectionString: t.url });
      await c.connect();
      await c.query('BEGIN');
      await c.query('SELECT 1 FROM tickets WHERE code = $1 FOR UPDATE', [normalizeTicketCode(code)]);
      // Wrapped: an async function returning a promise would wait for it.
      return {
        released: (async () => {
          await sleep();
          await c.query('COMMIT');
          await c.end();
        })(),
      };
    }
    let held!: () => void;
    const holding = new Promise<void>((r) => (held = r));
    const done = t.db.transaction(async (tx) => {
      await tx.query('SELECT 1');
      held();
      await sleep();
    });
    await holding;
    return { released: done };
  }

  const stored = async (deviceId: number, scanId: string) =>
    (
      await t.db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM scan_requests WHERE device_id = $1 AND scan_id = $2',
        [deviceId, scanId],
      )
    ).rows[0].n === 1;
  const ticket = async (code: string) =>
    (
      await t.db.query<{ entries: number; inside: boolean; first_entry_at: Date | null }>(
        'SELECT entries, inside, first_entry_at FROM tickets WHERE code = $1',
        [normalizeTicketCode(code)],
      )
    ).rows[0];
  const rows = async (deviceId: number, scanId: string) =>
    (
      await t.db.query<{ result: string; reason: string | null; offline: boolean; conflict: boolean }>(
        'SELECT result, reason, offline, conflict FROM gate_scans WHERE device_id = $1 AND scan_id = $2',
        [deviceId, scanId],
      )
    ).rows;
  const totals = async () =>
    (
      await t.db.query<{ entries: number; rejects: number; conflicts: number; used: number }>(
        "SELECT entries, rejects, conflicts, COALESCE((rejects_by_reason->>'used')::int, 0) AS used FROM daily_counters WHERE venue_id = $1 AND day = $2",
        [venueId, today],
      )
    ).rows[0] ?? { entries: 0, rejects: 0, conflicts: 0, used: 0 };
  /** The invariant the walls rely on: people counted in zones = tickets inside today. */
  const occupancyMatchesTickets = async () => {
    const occ = (
      await t.db.query<{ n: number }>(
        'SELECT COALESCE(sum(o.count), 0)::int AS n FROM occupancy o JOIN zones z ON z.id = o.zone_id WHERE z.venue_id = $1 AND o.day = $2',
        [venueId, today],
      )
    ).rows[0].n;
    const inside = (
      await t.db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM tickets WHERE venue_id = $1 AND inside AND entries_day = $2',
        [venueId, today],
      )
    ).rows[0].n;
    return { occ, inside };
  };

  /** An online scan sent while the database is stalled: answered `unavailable` in time, committed late. */
  async function lateDecision(socket: Socket, deviceId: number, code: string) {
    const scan = { id: id('late'), code, direction: 'in' as const, at: new Date().toISOString() };
    const { released } = await stall(code);
    const ack = (await socket.emitWithAck('scan', scan)) as TScanAck;
    expect(ack).toMatchObject({ id: scan.id, error: { code: 'unavailable', retryAfterMs: expect.any(Number) } });
    await released;
    // The control: the server's own decision did commit after the gate was told `unavailable`.
    await eventually(() => stored(deviceId, scan.id), 'the late decision committed');
    return scan;
  }

  beforeAll(async () => {
    t = await backend.create();
    await migrate(t.db);
    creds = await seedDemo(t.db, `/tmp/tw-settle-${backend.name}-${process.pid}`, CLI_ACTOR);
    venueId = (await t.db.query<{ id: number }>("SELECT id FROM venues WHERE code = 'YUNLING'")).rows[0].id;
    await addTicketType(t.db, venueId, 'T-SETTLE', { draws_day_quota: false });
    app = await startTestApp(t.db, { env: { TIDEWATCH_ANSWER_DEADLINE_MS: String(DEADLINE_MS) } });
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await app?.close();
    await t?.cleanup();
  });

  it('keeps a late admission the gate agreed with, counted once', async () => {
    const [code] = await buy(1);
    const { socket, deviceId } = await gate('MG-01');
    const before = await totals();
    const scan = await lateDecision(socket, deviceId, code);
    const { results } = await socket.emitWithAck('scan:batch', { scans: [{ ...scan, local: 'admit' }] });
    expect(results[0]).toMatchObject({ id: scan.id, result: 'admit', recorded: true });
    expect(results[0].corrected).toBeUndefined();
    expect(await ticket(code)).toMatchObject({ entries: 1, inside: true });
    expect(await rows(deviceId, scan.id)).toHaveLength(1);
    expect((await totals()).entries - before.entries).toBe(1);
  });

  it('undoes a late admission when the gate turned the visitor away', async () => {
    const [code] = await buy(1);
    const { socket, deviceId } = await gate('MG-02');
    const before = await totals();
    const scan = await lateDecision(socket, deviceId, code);
    expect(await ticket(code)).toMatchObject({ entries: 1, inside: true }); // the server's decision, for now
    const upload = { ...scan, local: 'reject' as const, reason: 'used' as const };
    const { results } = await socket.emitWithAck('scan:batch', { scans: [upload] });
    expect(results[0]).toMatchObject({
      id: scan.id,
      result: 'reject',
      recorded: true,
      corrected: true,
      reason: 'used',
    });
    // What the gate did is what happened: nobody went in.
    expect(await ticket(code)).toMatchObject({ entries: 0, inside: false, first_entry_at: null });
    expect(await rows(deviceId, scan.id)).toEqual([
      { result: 'reject', reason: 'used', offline: true, conflict: false },
    ]);
    const after = await totals();
    expect({
      entries: after.entries - before.entries,
      rejects: after.rejects - before.rejects,
      used: after.used - before.used,
    }).toEqual({ entries: 0, rejects: 1, used: 1 });
    const occ = await occupancyMatchesTickets();
    expect(occ.occ).toBe(occ.inside);
    // Replays of the upload and of the online form get the settled answer; nothing changes again.
    expect((await socket.emitWithAck('scan:batch', { scans: [upload] })).results[0]).toMatchObject({
      result: 'reject',
      corrected: true,
    });
    expect(await socket.emitWithAck('scan', scan)).toMatchObject({ result: 'reject', corrected: true });
    expect(await rows(deviceId, scan.id)).toHaveLength(1);
    // The entry allowance is back: the visitor can come in for real.
    expect(
      await socket.emitWithAck('scan', { id: id('again'), code, direction: 'in', at: new Date().toISOString() }),
    ).toMatchObject({ result: 'admit' });
  });

  it('records the passage when the server refused late but the gate let the visitor through', async () => {
    const [code] = await buy(1);
    const first = await gate('MG-03');
    expect(
      await first.socket.emitWithAck('scan', { id: id('first'), code, direction: 'in', at: new Date().toISOString() }),
    ).toMatchObject({ result: 'admit' });
    const { socket, deviceId } = await gate('MG-04');
    const before = await totals();
    const scan = await lateDecision(socket, deviceId, code);
    const { results } = await socket.emitWithAck('scan:batch', { scans: [{ ...scan, local: 'admit' }] });
    // A copied code let in by a gate that could not ask: a conflict, counted for the control room.
    expect(results[0]).toMatchObject({ id: scan.id, result: 'admit', recorded: true, corrected: true, conflict: true });
    expect(await rows(deviceId, scan.id)).toEqual([{ result: 'admit', reason: 'used', offline: true, conflict: true }]);
    const after = await totals();
    expect({
      entries: after.entries - before.entries,
      rejects: after.rejects - before.rejects,
      used: after.used - before.used,
      conflicts: after.conflicts - before.conflicts,
    }).toEqual({
      entries: 1,
      rejects: 0,
      used: 0,
      conflicts: 1,
    });
    expect((await ticket(code)).entries).toBe(2);
    const occ = await occupancyMatchesTickets();
    expect(occ.occ).toBe(occ.inside);
  });

  it('settles an upload sent while the late decision is still waiting', async () => {
    const [code] = await buy(1);
    const { socket, deviceId } = await gate('MG-05');
    const before = await totals();
    const scan = { id: id('early'), code, direction: 'in' as const, at: new Date().toISOString() };
    const { released } = await stall(code);
    expect(await socket.emitWithAck('scan', scan)).toMatchObject({ error: { code: 'unavailable' } });
    const upload = { ...scan, local: 'reject' as const };
    // The upload waits behind the same stall (or the same ticket lock): it too is answered in time.
    const early = await socket.emitWithAck('scan:batch', { scans: [upload] });
    expect(early.results[0]).toMatchObject({ id: scan.id, error: { code: 'unavailable' } });
    await released;
    // The gate retries its upload until it is accepted, as the protocol says.
    const settled = await eventually(async () => {
      const r = (await socket.emitWithAck('scan:batch', { scans: [upload] })).results[0] as TScanAck;
      return 'result' in r ? r : undefined;
    }, 'the upload accepted');
    expect(settled).toMatchObject({ result: 'reject', recorded: true });
    expect(await ticket(code)).toMatchObject({ entries: 0, inside: false });
    expect(await rows(deviceId, scan.id)).toHaveLength(1);
    expect((await totals()).entries - before.entries).toBe(0);
  });

  it('stores the other scans of a batch when one cannot be written', async () => {
    const codes = await buy(12);
    const { socket, deviceId } = await gate('EG-01');
    // A database rule that refuses one row, as a constraint or a bad value would.
    await t.db.exec(`CREATE OR REPLACE FUNCTION tw_test_poison() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.scan_id LIKE 'poison-%' THEN RAISE EXCEPTION 'poisoned scan %', NEW.scan_id; END IF; RETURN NEW; END $$;
      DROP TRIGGER IF EXISTS tw_test_poison ON gate_scans;
      CREATE TRIGGER tw_test_poison BEFORE INSERT ON gate_scans FOR EACH ROW EXECUTE FUNCTION tw_test_poison();`);
    try {
      const at = new Date().toISOString();
      const scans = codes.map((code, i) => ({
        id: i === 5 ? `poison-${process.pid}` : id('batch'),
        code,
        direction: 'in' as const,
        at,
        local: 'admit' as const,
      }));
      const { results } = await socket.emitWithAck('scan:batch', { scans });
      expect(results[5]).toMatchObject({
        id: scans[5].id,
        error: { code: 'invalid', message: expect.stringContaining('poisoned') },
      });
      expect(results.filter((r: TScanAck) => 'result' in r && r.result === 'admit')).toHaveLength(11);
      const n = (
        await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM gate_scans WHERE device_id = $1', [deviceId])
      ).rows[0].n;
      expect(n).toBe(11);

      // Control: without isolation the one bad scan fails the whole batch.
      const device = (
        await t.db.query<DeviceAuthRow>(
          'SELECT d.id, d.gate_id, g.code AS gate_code, g.venue_id, g.zone_id, g.perimeter FROM devices d JOIN gates g ON g.id = d.gate_id WHERE d.id = $1',
          [deviceId],
        )
      ).rows[0];
      const control = new ScanIngest({ db: t.db, logger: pino({ level: 'silent' }), isolateFailures: false });
      const more = await buy(4);
      const acks = await control.submit(
        device,
        more.map((code, i) => ({
          id: i === 2 ? `poison-c-${process.pid}` : id('ctl'),
          code,
          direction: 'in' as const,
          at: new Date(),
          local: 'admit' as const,
        })),
      );
      expect(acks.every((a) => 'error' in a && a.error.code === 'unavailable')).toBe(true);
      await control.drain();
    } finally {
      await t.db.exec('DROP TRIGGER IF EXISTS tw_test_poison ON gate_scans; DROP FUNCTION IF EXISTS tw_test_poison();');
    }
  });

  // Two batches deciding the same retried scan at once need two sessions: PostgreSQL only.
  it.runIf(backend.name === 'postgres')(
    'answers a retry that landed in another batch, and the rest of that batch, instead of failing it',
    async () => {
      const codes = await buy(10);
      const { deviceId } = await gate('EG-02');
      const device = (
        await t.db.query<DeviceAuthRow>(
          'SELECT d.id, d.gate_id, g.code AS gate_code, g.venue_id, g.zone_id, g.perimeter FROM devices d JOIN gates g ON g.id = d.gate_id WHERE d.id = $1',
          [deviceId],
        )
      ).rows[0];
      const silent = pino({ level: 'silent' });
      const race = async (isolateFailures: boolean) => {
        const [shared, ...others] = codes.splice(0, 5);
        const retried = { id: id('retried'), code: shared, direction: 'in' as const, at: new Date() };
        // Both batches read "not seen yet", then queue on the ticket lock this session holds.
        const holder = new pg.Client({ connectionString: t.url });
        await holder.connect();
        await holder.query('BEGIN');
        await holder.query('SELECT 1 FROM tickets WHERE code = $1 FOR UPDATE', [normalizeTicketCode(shared)]);
        const one = new ScanIngest({ db: t.db, logger: silent, isolateFailures });
        const two = new ScanIngest({ db: t.db, logger: silent, isolateFailures });
        const first = one.submit(device, [
          retried,
          ...others.slice(0, 2).map((code) => ({ id: id('a'), code, direction: 'in' as const, at: new Date() })),
        ]);
        const second = two.submit(device, [
          retried,
          ...others.slice(2).map((code) => ({ id: id('b'), code, direction: 'in' as const, at: new Date() })),
        ]);
        await eventually(
          async () =>
            (
              await t.db.query<{ n: number }>(
                "SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()",
              )
            ).rows[0].n >= 2,
          'both batches waiting on the ticket lock',
        );
        await holder.query('COMMIT');
        await holder.end();
        const acks = [...(await first), ...(await second)];
        await one.drain();
        await two.drain();
        return {
          acks,
          rows: (
            await t.db.query<{ n: number }>(
              'SELECT count(*)::int AS n FROM gate_scans WHERE device_id = $1 AND scan_id = $2',
              [deviceId, retried.id],
            )
          ).rows[0].n,
        };
      };
      const guarded = await race(true);
      expect(guarded.acks.every((a) => 'result' in a && a.result === 'admit')).toBe(true);
      expect(guarded.acks[0]).toEqual(guarded.acks[3]);
      expect(guarded.rows).toBe(1);
      // Control: without isolation the batch that hit the stored retry fails as a whole.
      const unguarded = await race(false);
      expect(unguarded.acks.filter((a) => 'error' in a && a.error.code === 'unavailable').length).toBe(3);
      expect(unguarded.rows).toBe(1);
    },
  );
});
