import pg from 'pg';
import pino from 'pino';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../db/migrate.ts';
import { setTypeGraphRules, setTypeRides } from '../../db/queries/attractions.ts';
import type { DeviceAuthRow } from '../../db/queries/devices.ts';
import type { TScanAck } from '../../lib/schemas/scan.ts';
import { localTime } from '../../lib/venue-time.ts';
import { channelCall, connectSocket, startTestApp } from '../../tests/helpers/app.ts';
import { backends, type TestDb } from '../../tests/helpers/backends.ts';
import { addTicketType, venueToday } from '../../tests/helpers/venue.ts';
import type { App } from '../app.ts';
import { CLI_ACTOR } from '../services/actor.ts';
import { createDevice } from '../services/admin.ts';
import { orderDetail, replaceAtDesk } from '../services/front-desk.ts';
import { seedDemo, type DemoCredentials } from '../services/seed.ts';
import { ScanIngest } from './scan-ingest.ts';

/**
 * Attractions through the real device protocol (docs/zone-graph.md): a ropeway return carries its
 * holder up and down and then has no ride left, a lift refuses the same pass again within its ride
 * gap, a points card pays by points, a closed attraction refuses rides, a night ticket admits only
 * in its hours, and one 2-ride ticket scanned at four station gates at once rides exactly twice.
 * Opening hours are set to the whole day here: the tests never depend on the time of day.
 */

const HOLD_MS = 300;

describe.each(backends())('attractions at the gates on $name', (backend) => {
  let t: TestDb;
  let app: App;
  let creds: DemoCredentials;
  let venueId: number;
  const sockets: Socket[] = [];
  const today = venueToday();
  let seq = 0;
  const id = (p: string) => `${p}-${process.pid}-${++seq}`;
  const now = () => new Date().toISOString();
  const attraction = async (code: string) =>
    (await t.db.query<{ id: number }>('SELECT id FROM attractions WHERE code = $1', [code])).rows[0].id;

  async function buy(type: string, qty = 1): Promise<string[]> {
    const cat = await channelCall(app.url, creds.channels.WECHAT, 'GET', `/api/channels/catalog?date=${today}`);
    const price = cat.body.types.find((x: { code: string }) => x.code === type).price;
    const r = await channelCall(app.url, creds.channels.WECHAT, 'POST', '/api/channels/orders', {
      ref: id('ride'),
      items: [{ type, qty, date: today }],
      amount: price * qty,
    });
    expect(r.status).toBe(201);
    return r.body.tickets.map((x: { code: string }) => x.code);
  }

  async function gate(code: string): Promise<Socket> {
    const { token } = await createDevice(t.db, CLI_ACTOR, { gate: code });
    const s = await connectSocket(`${app.url}/gates`, { auth: { token } });
    sockets.push(s);
    return s;
  }

  const scan = (s: Socket, code: string, direction: 'in' | 'out' = 'in') =>
    s.emitWithAck('scan', { id: id('s'), code, direction, at: now() }) as Promise<TScanAck>;

  const zoneCount = async (zone: string) =>
    (
      await t.db.query<{ count: number }>(
        'SELECT o.count FROM occupancy o JOIN zones z ON z.id = o.zone_id WHERE z.code = $1 AND o.day = $2',
        [zone, today],
      )
    ).rows[0]?.count ?? 0;

  beforeAll(async () => {
    t = await backend.create();
    await migrate(t.db);
    creds = await seedDemo(t.db, `/tmp/tw-rides-${backend.name}-${process.pid}`, CLI_ACTOR);
    venueId = (await t.db.query<{ id: number }>("SELECT id FROM venues WHERE code = 'YUNLING'")).rows[0].id;
    // Open all day (equal times), so the tests do not depend on when they run.
    await t.db.query("UPDATE attractions SET opens = '00:00', closes = '00:00'");
    const ropeway = await attraction('ROPEWAY');
    const liftA = await attraction('LIFT-A');
    const entryRide = await addTicketType(t.db, venueId, 'R-COMBO', { draws_day_quota: false, entry_policy: 'multi' });
    await setTypeRides(t.db, entryRide, [{ attractionId: ropeway, rides: 2, shareFen: 500 }]);
    const onlyRide = await addTicketType(t.db, venueId, 'R-ONLY', { draws_day_quota: false });
    await setTypeGraphRules(t.db, onlyRide, { parkEntry: false, points: null, hoursFrom: null, hoursTo: null });
    await setTypeRides(t.db, onlyRide, [{ attractionId: ropeway, rides: 2, shareFen: 1000 }]);
    const lift = await addTicketType(t.db, venueId, 'R-LIFT', { draws_day_quota: false, entry_policy: 'multi' });
    await setTypeRides(t.db, lift, [{ attractionId: liftA, rides: null, shareFen: 0 }]);
    const points = await addTicketType(t.db, venueId, 'R-POINTS', { draws_day_quota: false, entry_policy: 'multi' });
    await setTypeGraphRules(t.db, points, { parkEntry: true, points: 25, hoursFrom: null, hoursTo: null });
    app = await startTestApp(t.db);
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await app?.close();
    await t?.cleanup();
  });

  it('the catalog shows the rides a type includes with their price share, attraction-only types, points and hours', async () => {
    const cat = await channelCall(app.url, creds.channels.WECHAT, 'GET', `/api/channels/catalog?date=${today}`);
    const type = (code: string) => cat.body.types.find((x: { code: string }) => x.code === code);
    expect(type('COMBO').rides).toEqual([
      { attraction: 'ROPEWAY', nameZh: '云岭索道', nameEn: 'Yunling Ropeway', rides: 2, share: 90 },
    ]);
    expect(type('ROPEWAY')).toMatchObject({ parkEntry: false, rides: [{ attraction: 'ROPEWAY', rides: 2 }] });
    expect(type('SKI-DAY').rides.map((r: { rides: number | null }) => r.rides)).toEqual([null, null, null]);
    expect(type('POINTS').points).toBe(100);
    expect(type('NIGHT').hours).toEqual({ from: '17:00', to: '22:00' });
    expect(type('ADULT')).not.toHaveProperty('parkEntry');
    expect(type('ADULT')).not.toHaveProperty('rides');
  });

  it('a combo ticket rides the ropeway up and down, moving its holder between the stations, then has no ride left', async () => {
    const [code] = await buy('R-COMBO');
    const [main, lower, upper] = [await gate('MG-01'), await gate('RL-01'), await gate('RU-01')];
    const before = { lower: await zoneCount('ROPEWAY-LOWER'), upper: await zoneCount('ROPEWAY-UPPER') };
    expect(await scan(main, code)).toMatchObject({ result: 'admit' });
    expect(await scan(lower, code)).toMatchObject({ result: 'admit', ticket: { type: 'R-COMBO', ridesLeft: 1 } });
    expect(await zoneCount('ROPEWAY-UPPER')).toBe(before.upper + 1);
    expect(await scan(upper, code)).toMatchObject({ result: 'admit', ticket: { ridesLeft: 0 } });
    expect(await zoneCount('ROPEWAY-UPPER')).toBe(before.upper);
    expect(await zoneCount('ROPEWAY-LOWER')).toBe(before.lower + 1);
    expect(await scan(lower, code)).toMatchObject({ result: 'reject', reason: 'no_rides_left' });
    // The order desk shows the day in order: the entry, the ride up, the ride down, the refused third ride.
    const orderId = (await t.db.query<{ order_id: number }>('SELECT order_id FROM tickets WHERE code = $1', [code]))
      .rows[0].order_id;
    const history = (await orderDetail(app.runtime, orderId)).tickets[0].scans.map((x) => [
      x.gate,
      x.ride?.nameEn ?? null,
    ]);
    expect(history).toEqual([
      ['RL-01', 'Yunling Ropeway'],
      ['RU-01', 'Yunling Ropeway'],
      ['RL-01', 'Yunling Ropeway'],
      ['MG-01', null],
    ]);
    // A ropeway-only ticket rides but moves nobody: its holder's place is kept by their entry ticket.
    const [only] = await buy('R-ONLY');
    const upperNow = await zoneCount('ROPEWAY-UPPER');
    expect(await scan(lower, only)).toMatchObject({ result: 'admit', ticket: { ridesLeft: 1 } });
    expect(await zoneCount('ROPEWAY-UPPER')).toBe(upperNow);
    // And it cannot pass a transfer into the park's zones.
    expect(await scan(await gate('FP-01'), only)).toMatchObject({ result: 'reject', reason: 'not_inside' });
  });

  it('a lost combo ticket replaced at the desk (补票) keeps the rides it used: the new code rides once more, the old one is refused', async () => {
    const [code] = await buy('R-COMBO');
    const [main, lower, upper] = [await gate('MG-01'), await gate('RL-01'), await gate('RU-01')];
    expect(await scan(main, code)).toMatchObject({ result: 'admit' });
    expect(await scan(lower, code)).toMatchObject({ result: 'admit', ticket: { ridesLeft: 1 } });
    const ticketId = (await t.db.query<{ id: number }>('SELECT id FROM tickets WHERE code = $1', [code])).rows[0].id;
    const replaced = await replaceAtDesk(app.runtime, CLI_ACTOR, { ticketId, reason: '游客丢失' });
    expect(await scan(upper, code)).toMatchObject({ result: 'reject', reason: 'replaced' });
    expect(await scan(upper, replaced.code)).toMatchObject({ result: 'admit', ticket: { ridesLeft: 0 } });
    expect(await scan(lower, replaced.code)).toMatchObject({ result: 'reject', reason: 'no_rides_left' });
  });

  it('a lift refuses the same pass again within its ride gap; a points card pays by points; a closed lift rides nobody', async () => {
    const [pass, card] = [(await buy('R-LIFT'))[0], (await buy('R-POINTS'))[0]];
    const lift = await gate('LA-01');
    expect(await scan(lift, pass)).toMatchObject({ result: 'admit' });
    expect(await scan(lift, pass)).toMatchObject({ result: 'reject', reason: 'ride_too_soon' });
    // LIFT-A costs 10 points: 25 points buy two rides (with the ride gap off for the card's test).
    await t.db.query("UPDATE attractions SET ride_gap_min = 0 WHERE code = 'LIFT-A'");
    expect(await scan(lift, card)).toMatchObject({ result: 'admit', ticket: { pointsLeft: 15 } });
    expect(await scan(lift, card)).toMatchObject({ result: 'admit', ticket: { pointsLeft: 5 } });
    expect(await scan(lift, card)).toMatchObject({ result: 'reject', reason: 'no_rides_left' });
    await t.db.query(
      "INSERT INTO attraction_controls (attraction_id, closed) SELECT id, true FROM attractions WHERE code = 'LIFT-A'",
    );
    expect(await scan(lift, pass)).toMatchObject({ result: 'reject', reason: 'attraction_closed' });
    await t.db.query('DELETE FROM attraction_controls');
    await t.db.query("UPDATE attractions SET ride_gap_min = 5 WHERE code = 'LIFT-A'");
    const rides = (
      await t.db.query<{ rides: number }>(
        'SELECT r.rides FROM ticket_rides r JOIN tickets t ON t.id = r.ticket_id WHERE t.code = $1',
        [card],
      )
    ).rows[0].rides;
    expect(rides).toBe(2);
  });

  it('a night ticket admits only within its hours', async () => {
    const { minute } = localTime(new Date(), 'Asia/Shanghai', 240);
    const type = await addTicketType(t.db, venueId, 'R-NIGHT', {
      draws_day_quota: false,
      entry_policy: 'multi',
      anti_passback: false,
    });
    const hhmm = (m: number) =>
      `${String(Math.floor(m / 60) % 24).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
    // A window that is not now, then one that is (never wrapping past midnight).
    const later = minute < 120 ? [minute + 30, minute + 60] : [minute - 120, minute - 60];
    await setTypeGraphRules(t.db, type, {
      parkEntry: true,
      points: null,
      hoursFrom: hhmm(later[0]),
      hoursTo: hhmm(later[1]),
    });
    const [code] = await buy('R-NIGHT');
    const main = await gate('MG-02');
    expect(await scan(main, code)).toMatchObject({ result: 'reject', reason: 'outside_slot' });
    await setTypeGraphRules(t.db, type, {
      parkEntry: true,
      points: null,
      hoursFrom: hhmm(Math.max(0, minute - 30)),
      hoursTo: hhmm(Math.min(1439, minute + 30)),
    });
    expect(await scan(main, code)).toMatchObject({ result: 'admit' });
  });

  it.runIf(backend.name === 'postgres')(
    'one 2-ride ropeway ticket scanned at four station gates at the same instant rides exactly twice; without the lock, more',
    async () => {
      const run = async (lockTickets: boolean) => {
        const [code] = await buy('R-ONLY');
        const ingest = new ScanIngest({ db: t.db, logger: pino({ level: 'silent' }), concurrency: 4, lockTickets });
        const devices: DeviceAuthRow[] = [];
        for (const g of ['RL-01', 'RU-01', 'RL-02', 'RU-02']) {
          const { id: deviceId } = await createDevice(t.db, CLI_ACTOR, { gate: g });
          devices.push(
            (
              await t.db.query<DeviceAuthRow>(
                `SELECT d.id, d.gate_id, g.code AS gate_code, g.venue_id, g.zone_id, g.perimeter, g.edge, g.other_zone_id, g.attraction_id
                 FROM devices d JOIN gates g ON g.id = d.gate_id WHERE d.id = $1`,
                [deviceId],
              )
            ).rows[0],
          );
        }
        // Another session holds the ticket, so all four batches are in flight before any decides.
        const holder = new pg.Client({ connectionString: t.url! });
        await holder.connect();
        await holder.query('BEGIN');
        await holder.query('SELECT 1 FROM tickets WHERE code = $1 FOR UPDATE', [code]);
        const all = Promise.all(
          devices.map((d) => ingest.submit(d, [{ id: id('race'), code, direction: 'in', at: new Date() }])),
        );
        await new Promise((r) => setTimeout(r, HOLD_MS));
        await holder.query('COMMIT');
        await holder.end();
        const acks = (await all).flat();
        await ingest.drain();
        return acks.filter((a) => 'result' in a && a.result === 'admit').length;
      };
      expect(await run(true)).toBe(2);
      expect(await run(false)).toBeGreaterThan(2);
    },
  );
});
