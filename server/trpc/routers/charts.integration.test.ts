import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  zoneFlows as chartZoneFlows,
  type TChartSeries,
} from '../../../components/command-center/charts/series-data.ts';
import { migrate } from '../../../db/migrate.ts';
import type { TSubscribeAck } from '../../../lib/schemas/live.ts';
import type { TScanAck } from '../../../lib/schemas/scan.ts';
import { connectSocket, sessionCookie, startTestApp, trpcCall } from '../../../tests/helpers/app.ts';
import { backends, type TestDb } from '../../../tests/helpers/backends.ts';
import { sellTickets } from '../../../tests/helpers/gate-traffic.ts';
import type { App } from '../../app.ts';
import { CLI_ACTOR } from '../../services/actor.ts';
import { seedDemo, type DemoCredentials } from '../../services/seed.ts';

/**
 * The wall's one invariant (docs/zone-graph.md) end to end: scans go through the device protocol at
 * perimeter, transfer, checkpoint and attraction gates of the demo venue, including inferred
 * crossings, and then the KPI strip's entries, exits and "in the park" (the /live snapshot), the
 * entries chart (charts.series, added up as the chart adds it up) and the zones' occupancy must
 * tell the same story. A chart that counted admissions into zones instead would fail here.
 */
describe.each(backends())('the wall adds up on $name', (backend) => {
  let t: TestDb;
  let app: App;
  let creds: DemoCredentials;
  let venueId: number;
  let cookie: string;
  const sockets = new Map<string, Socket>();
  let seq = 0;
  const results: { gate: string; code: string; result: string; reason?: string }[] = [];

  const gate = async (code: string) => {
    let s = sockets.get(code);
    if (!s) {
      s = await connectSocket(`${app.url}/gates`, { auth: { token: creds.devices[code] } });
      sockets.set(code, s);
    }
    return s;
  };
  /** An online scan, decided now. */
  const scan = async (gateCode: string, code: string, direction: 'in' | 'out' = 'in') => {
    const ack = (await (
      await gate(gateCode)
    ).emitWithAck('scan', {
      id: `wall-${process.pid}-${++seq}`,
      code,
      direction,
      at: new Date().toISOString(),
    })) as TScanAck;
    results.push({ gate: gateCode, code, ...(ack as { result: string; reason?: string }) });
    return ack;
  };
  /** What a gate did while offline, uploaded: a fact, whatever the attraction's hours are now. */
  const upload = async (gateCode: string, code: string) => {
    const res = await (await gate(gateCode)).emitWithAck('scan:batch', {
      scans: [
        { id: `wall-${process.pid}-${++seq}`, code, direction: 'in', at: new Date().toISOString(), local: 'admit' },
      ],
    });
    results.push({ gate: gateCode, code, ...res.results[0] });
    return res.results[0] as TScanAck;
  };

  beforeAll(async () => {
    t = await backend.create();
    await migrate(t.db);
    creds = await seedDemo(t.db, `/tmp/tw-wall-sums-${backend.name}-${process.pid}`, CLI_ACTOR);
    venueId = (await t.db.query<{ id: number }>("SELECT id FROM venues WHERE code = 'YUNLING'")).rows[0].id;
    app = await startTestApp(t.db);
    const operator = (await t.db.query<{ id: number }>("SELECT id FROM users WHERE email = 'operator@demo.tidewatch'"))
      .rows[0].id;
    cookie = await sessionCookie(operator);

    const [a, b, c, g] = await sellTickets(app, creds.channels.WECHAT, 'TWO-DAY', 4);
    const [ski] = await sellTickets(app, creds.channels.WECHAT, 'SKI-DAY', 1);
    const [ropeway] = await sellTickets(app, creds.channels.WECHAT, 'ROPEWAY', 1);
    // A: in at the main gate, into the gorge and back, past the temple's checkpoint, into the visitor center.
    await scan('MG-01', a);
    await scan('FP-01', a);
    await scan('FP-02', a, 'out');
    await scan('GS-01', a);
    await scan('VC-01', a);
    // B: first seen in the gorge (its perimeter gate had no reader): an inferred entry; then out.
    await scan('FP-01', b);
    await scan('MG-06', b, 'out');
    // C: out at the main gate without having been seen inside: an exit with its inferred entry.
    await scan('MG-06', c, 'out');
    // G: into the lodge from the road, through to the east plaza.
    await scan('HT-01', g);
    await scan('HT-02', g, 'out');
    // A skier walks in at the ski area (an inferred entry), rides the express chairlift, leaves.
    await scan('SK-01', ski);
    await upload('LA-01', ski);
    await scan('MG-06', ski, 'out');
    // An attraction-only ropeway ticket rides up and down: rides, but no entry and no move.
    await upload('RL-01', ropeway);
    await upload('RU-01', ropeway);
  });
  afterAll(async () => {
    for (const s of sockets.values()) s.close();
    await app?.close();
    await t?.cleanup();
  });

  it('admitted every scan of the story', () => {
    expect(results.filter((r) => r.result !== 'admit')).toEqual([]);
    expect(results).toHaveLength(15);
  });

  it('counts the same entries and exits on the strip and in the entries chart, and in the park is the sum of the zones', async () => {
    const live = await connectSocket(`${app.url}/live`, { cookie });
    let snapshot: TSubscribeAck;
    try {
      snapshot = (await live.emitWithAck('subscribe', { venueId })) as TSubscribeAck;
    } finally {
      live.close();
    }
    if (!('ok' in snapshot)) throw new Error(`subscribe: ${JSON.stringify(snapshot)}`);
    const strip = snapshot.counters;
    const inPark = strip.zones.reduce((n, z) => n + z.count, 0);
    // Five crossings in (A, G, and the inferred ones of B, C and the skier), three out.
    expect([strip.entries, strip.exits, inPark]).toEqual([5, 3, 2]);
    expect(strip.entries - strip.exits).toBe(inPark);

    const series = await trpcCall(app.url, 'charts.series', { cookie, input: { venueId, minutes: 180 } });
    expect(series.status).toBe(200);
    const chart = chartZoneFlows(series.data as TChartSeries, String);
    expect([chart.totalEntries, chart.totalExits]).toEqual([strip.entries, strip.exits]);

    // Admissions into zones are another number altogether: the chart must not show those as entries.
    const admissions = await t.db.query<{ n: number }>(
      'SELECT COALESCE(sum(entries), 0)::int AS n FROM gate_scans_1m WHERE venue_id = $1',
      [venueId],
    );
    expect(admissions.rows[0].n).not.toBe(strip.entries);
  });

  it('draws the flow between zones and the rides of the attractions from the same scans', async () => {
    const zone = new Map(
      (
        await t.db.query<{ id: number; code: string }>('SELECT id, code FROM zones WHERE venue_id = $1', [venueId])
      ).rows.map((z) => [z.id, z.code]),
    );
    const flows = await trpcCall(app.url, 'charts.flows', { cookie, input: { venueId } });
    expect(flows.status).toBe(200);
    const f = flows.data as { minutes: number; flows: { fromZoneId: number; toZoneId: number; people: number }[] };
    expect(f.minutes).toBe(15);
    expect(f.flows.map((x) => `${zone.get(x.fromZoneId)}>${zone.get(x.toZoneId)}:${x.people}`).sort()).toEqual([
      'FEIPU-GORGE>MAIN-PLAZA:1',
      'HOTEL>EAST-PLAZA:1',
      'MAIN-PLAZA>FEIPU-GORGE:2',
      'MAIN-PLAZA>VISITOR-CENTER:1',
      'ROPEWAY-LOWER>ROPEWAY-UPPER:1',
      'ROPEWAY-UPPER>ROPEWAY-LOWER:1',
      'TIANCHI>SKI-AREA:1',
    ]);

    const board = await trpcCall(app.url, 'charts.attractions', { cookie, input: { venueId } });
    expect(board.status).toBe(200);
    const b = board.data as {
      attractions: { code: string; ridesLastHour: number; ridesToday: number; hourlyCapacity: number; state: string }[];
    };
    expect(b.attractions.map((x) => [x.code, x.ridesLastHour, x.ridesToday])).toEqual([
      ['ROPEWAY', 2, 2],
      ['LIFT-A', 1, 1],
      ['LIFT-B', 0, 0],
      ['CARPET', 0, 0],
      ['SHOW', 0, 0],
    ]);
    expect(b.attractions.every((x) => ['open', 'outside_hours'].includes(x.state))).toBe(true);
  });

  it('shows a closure and a throttle a manager set, and refuses other roles', async () => {
    await t.db.query(
      `INSERT INTO attraction_controls (attraction_id, closed, rides_per_min)
       SELECT id, code = 'LIFT-B', CASE WHEN code = 'CARPET' THEN 5 END FROM attractions WHERE code IN ('LIFT-B', 'CARPET')`,
    );
    // Open all day (equal times), so the states do not depend on when the test runs.
    await t.db.query("UPDATE attractions SET opens = '00:00', closes = '00:00' WHERE code <> 'ROPEWAY'");
    await t.db.query("UPDATE attractions SET opens = '00:00', closes = '00:01' WHERE code = 'ROPEWAY'");
    const board = await trpcCall(app.url, 'charts.attractions', { cookie, input: { venueId } });
    const states = (board.data as { attractions: { code: string; state: string; allDay: boolean }[] }).attractions;
    expect(states.map((x) => [x.code, x.state, x.allDay])).toEqual([
      // Open one minute a day: outside its hours but for that minute.
      ['ROPEWAY', expect.stringMatching(/^(outside_hours|open)$/), false],
      ['LIFT-A', 'open', true],
      ['LIFT-B', 'closed', true],
      ['CARPET', 'throttled', true],
      ['SHOW', 'open', true],
    ]);
    const frontdesk = (
      await t.db.query<{ id: number }>("SELECT id FROM users WHERE email = 'frontdesk@demo.tidewatch'")
    ).rows[0].id;
    for (const path of ['charts.attractions', 'charts.flows']) {
      expect(
        (await trpcCall(app.url, path, { cookie: await sessionCookie(frontdesk), input: { venueId } })).status,
      ).toBe(403);
      expect((await trpcCall(app.url, path, { cookie, input: { venueId: 99_999 } })).status).toBe(403);
    }
  });
});
