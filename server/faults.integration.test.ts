import { setTimeout as sleep } from 'node:timers/promises';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findUserForSignIn } from '../db/queries/users.ts';
import type { TLiveCounters, TSubscribeAck } from '../lib/schemas/live.ts';
import { SimGateDevice } from '../scripts/sim/gate-device.ts';
import { channelCall, connectSocket, sessionCookie } from '../tests/helpers/app.ts';
import { eventually } from '../tests/helpers/backends.ts';
import { canRunFaultTests, startFaultCluster, type FaultCluster } from '../tests/helpers/fault-cluster.ts';
import { addTicketType, venueToday } from '../tests/helpers/venue.ts';
import { CLI_ACTOR } from './services/actor.ts';
import { createDevice } from './services/admin.ts';

/**
 * Gates through faults (docs/device-protocol.md): two instances on a PostgreSQL and a Redis of the
 * test's own, 8 gates following the protocol (the simulator's device: decide locally on
 * `unavailable` or silence, upload what it did under the same scan id), PostgreSQL frozen for 10 s
 * with one gate reconnecting in the middle, then Redis stopped for 8 s. Every scan must be answered
 * within 2 s, the reconnecting gate let back in, every ticket admitted exactly once with one stored
 * scan per scan id, and occupancy and both walls right afterwards.
 */

const FREEZE_MS = 10_000;
const REDIS_DOWN_MS = 8_000;
/** Each gate scans one visitor every this many ms: 8 gates make about 60 scans a second. */
const SCAN_EVERY_MS = 130;
const GATES = ['MG-01', 'MG-02', 'MG-03', 'MG-04', 'MG-05', 'MG-08', 'EG-01', 'EG-02'];
/**
 * The servers' answer deadline here (ms). The gates wait 2 s as the protocol says; the default
 * deadline (1.5 s) leaves half a second for the answer to travel, which a CI machine running other
 * test files beside this one can eat: 1.2 s keeps the check about the server's promise.
 */
const DEADLINE_MS = '1200';

describe.runIf(canRunFaultTests('the fault test'))(
  'gates through a PostgreSQL freeze and a Redis outage, two instances',
  () => {
    let c: FaultCluster;
    const devices: SimGateDevice[] = [];
    const sockets: Socket[] = [];
    const today = venueToday();

    beforeAll(async () => {
      c = await startFaultCluster('faults', { TIDEWATCH_ANSWER_DEADLINE_MS: DEADLINE_MS });
      await addTicketType(c.setup, c.venueId, 'T-FAULT', { draws_day_quota: false });
    }, 180_000);

    afterAll(async () => {
      for (const d of devices) d.disconnect();
      for (const s of sockets) s.close();
      await c?.close();
    }, 60_000);

    it('answers every scan in time, lets a known gate back in and counts every ticket once', {
      timeout: 240_000,
    }, async () => {
      // Tickets for today, sold through the shop's real API before the faults.
      const { pg, redis, setup, a, b, venueId, creds } = c;
      const codes: string[] = [];
      for (let i = 0; i < 22; i++) {
        const r = await channelCall(a.url, creds.channels.WECHAT, 'POST', '/api/channels/orders', {
          ref: `fault-${process.pid}-${i}`,
          items: [{ type: 'T-FAULT', qty: 100, date: today }],
          amount: 1000,
        });
        expect(r.status).toBe(201);
        codes.push(...r.body.tickets.map((x: { code: string }) => x.code));
      }

      // Two walls, one on each instance.
      const cookie = await sessionCookie((await findUserForSignIn(setup, 'operator@demo.tidewatch'))!.id);
      const walls: { counters?: TLiveCounters }[] = [];
      for (const app of [a, b]) {
        const s = await connectSocket(`${app.url}/live`, { cookie });
        sockets.push(s);
        const wall: { counters?: TLiveCounters } = {};
        s.on('counters:update', (m: { counters: TLiveCounters }) => (wall.counters = m.counters));
        const ack = (await s.emitWithAck('subscribe', { venueId })) as TSubscribeAck;
        expect('ok' in ack && ack.ok).toBe(true);
        if ('ok' in ack) wall.counters = ack.counters;
        walls.push(wall);
      }

      // 8 gates, 4 on each instance, scanning distinct tickets.
      for (const [i, gate] of GATES.entries()) {
        const { token } = await createDevice(setup, CLI_ACTOR, { gate });
        const d = new SimGateDevice({ baseUrl: (i % 2 ? b : a).url, gateCode: gate, token, runId: `f${process.pid}` });
        expect(await d.connect()).toBe(true);
        devices.push(d);
      }
      let next = 0;
      let running = true;
      const scanned: string[] = [];
      const lanes = devices.map(async (d) => {
        while (running && next < codes.length) {
          const code = codes[next++];
          scanned.push(code);
          await d.scan(code, 'in');
          await sleep(SCAN_EVERY_MS);
        }
      });

      await sleep(4_000);
      // PostgreSQL freezes; halfway through, one gate loses its connection and comes back.
      pg.freeze();
      const frozenAt = Date.now();
      await sleep(FREEZE_MS / 2);
      const reconnecting = devices[0];
      reconnecting.goOffline();
      await sleep(200);
      reconnecting.goOnline();
      const backDuringFreeze = await eventually(
        () => reconnecting.connected || (Date.now() - frozenAt > FREEZE_MS - 500 ? 'timeout' : false),
        'the reconnecting gate',
        FREEZE_MS,
      );
      await sleep(Math.max(0, FREEZE_MS - (Date.now() - frozenAt)));
      pg.thaw();

      await sleep(3_000);
      // Redis goes away for 8 s and comes back empty.
      await redis.stop();
      await sleep(REDIS_DOWN_MS);
      await redis.start();
      await sleep(4_000);
      running = false;
      await Promise.all(lanes);

      // Every local decision uploaded and accepted.
      const uploaded = await eventually(
        () => devices.every((d) => d.queueLength === 0),
        'offline queues uploaded',
        60_000,
      ).then(
        () => true,
        () => false,
      );

      const stats = devices.reduce(
        (s, d) => ({
          scans: s.scans + d.stats.scans,
          unanswered: s.unanswered + d.stats.unanswered,
          lostConnection: s.lostConnection + d.stats.lostConnection,
          unavailable: s.unavailable + d.stats.unavailable,
          decidedLocally: s.decidedLocally + d.stats.decidedLocally,
          corrected: s.corrected + d.stats.corrected,
        }),
        { scans: 0, unanswered: 0, lostConnection: 0, unavailable: 0, decidedLocally: 0, corrected: 0 },
      );
      console.log(
        `fault run: ${JSON.stringify(stats)}; settlements A ${JSON.stringify(a.runtime.ingest!.settlements)} B ${JSON.stringify(b.runtime.ingest!.settlements)}`,
      );

      // Soft checks: a run on code without these guarantees reports every one that fails.
      // 1. Every scan answered within 2 s (a decision or `unavailable`), and the freeze was felt.
      expect.soft(stats.unanswered, 'scans unanswered within 2 s').toBe(0);
      expect.soft(stats.unavailable).toBeGreaterThan(0);
      expect.soft(uploaded, 'every gate uploaded what it decided itself').toBe(true);
      // 2. The gate that reconnected during the freeze was let back in by its instance.
      expect.soft(backDuringFreeze, 'gate let back in during the freeze').toBe(true);

      // 3. Every ticket admitted exactly once; one stored scan per scan id.
      const perTicket = await setup.query<{ code: string; entries: number; admits: number }>(
        `SELECT t.code, t.entries, count(g.*) FILTER (WHERE g.result = 'admit')::int AS admits
       FROM tickets t LEFT JOIN gate_scans g ON g.ticket_id = t.id WHERE t.code = ANY($1::text[]) GROUP BY t.code, t.entries`,
        [scanned],
      );
      expect.soft(perTicket.rows.length).toBe(scanned.length);
      expect.soft(perTicket.rows.filter((r) => r.entries !== 1 || r.admits !== 1)).toEqual([]);
      const dupes = await setup.query(
        'SELECT device_id, scan_id FROM gate_scans GROUP BY device_id, scan_id HAVING count(*) > 1',
      );
      expect.soft(dupes.rows).toEqual([]);
      const stored = await setup.query<{ n: number }>('SELECT count(*)::int AS n FROM gate_scans');
      expect.soft(stored.rows[0].n).toBe(stats.scans);

      // 4. Occupancy and the venue totals agree with the scans, and both walls show them.
      const counters = (
        await setup.query<{ entries: number; rejects: number }>(
          'SELECT entries, rejects FROM daily_counters WHERE venue_id = $1 AND day = $2',
          [venueId, today],
        )
      ).rows[0];
      expect.soft(counters.entries).toBe(scanned.length);
      const occupancy = await setup.query<{ n: number }>(
        'SELECT COALESCE(sum(count), 0)::int AS n FROM occupancy o JOIN zones z ON z.id = o.zone_id WHERE z.venue_id = $1 AND o.day = $2',
        [venueId, today],
      );
      expect.soft(occupancy.rows[0].n).toBe(scanned.length);
      for (const [i, wall] of walls.entries()) {
        await eventually(
          () => wall.counters?.entries === scanned.length,
          `wall ${i === 0 ? 'A' : 'B'} shows ${scanned.length} entries`,
          30_000,
        ).catch(() => {});
        expect.soft(wall.counters?.entries, `wall ${i === 0 ? 'A' : 'B'} entries`).toBe(scanned.length);
        expect.soft((wall.counters?.zones ?? []).reduce((n, z) => n + z.count, 0)).toBe(scanned.length);
      }
    });
  },
);
