import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../../server/services/actor.ts';
import { seedDemo } from '../../server/services/seed.ts';
import { backends, type TestDb } from '../../tests/helpers/backends.ts';
import { migrate } from '../migrate.ts';
import { attractionStats } from './attraction-stats.ts';
import { writeScanFacts, type GateScanRow } from './scans.ts';

/** The business day of the test; Asia/Shanghai is UTC+8 all year, and the demo venue resets at 04:00. */
const DAY = '2026-03-10';
const local = (hhmm: string, s = 0, day = DAY) => new Date(Date.parse(`${day}T${hhmm}:00+08:00`) + s * 1000);

describe.each(backends())('attraction stats on $name', (backend) => {
  let t: TestDb;
  let venueId: number;
  const gates = new Map<string, { id: number; zone_id: number }>();
  const attractions = new Map<string, number>();
  let seq = 0;

  const scan = (gate: string, at: Date, more: Partial<GateScanRow> = {}): GateScanRow => ({
    at,
    venueId,
    zoneId: gates.get(gate)!.zone_id,
    gateId: gates.get(gate)!.id,
    deviceId: 1,
    scanId: `attraction-stats-${++seq}`,
    ticketId: null,
    typeId: null,
    direction: 'in',
    result: 'admit',
    reason: null,
    offline: false,
    conflict: false,
    ...more,
  });

  beforeAll(async () => {
    t = await backend.create();
    await migrate(t.db);
    await seedDemo(t.db, `/tmp/tw-attraction-stats-${backend.name}-${process.pid}`, CLI_ACTOR);
    venueId = (await t.db.query<{ id: number }>("SELECT id FROM venues WHERE code = 'YUNLING'")).rows[0].id;
    for (const g of (
      await t.db.query<{ id: number; code: string; zone_id: number }>(
        'SELECT id, code, zone_id FROM gates WHERE venue_id = $1',
        [venueId],
      )
    ).rows)
      gates.set(g.code, g);
    for (const a of (
      await t.db.query<{ id: number; code: string }>('SELECT id, code FROM attractions WHERE venue_id = $1', [venueId])
    ).rows)
      attractions.set(a.code, a.id);
    await writeScanFacts(
      t.db,
      [],
      [
        // Express chairlift: two rides in the last hour, one earlier today, one the business day before.
        scan('LA-01', local('09:30')),
        scan('LA-01', local('09:31', 30)),
        scan('LA-01', local('08:30')),
        scan('LA-01', local('03:59')),
        scan('LA-01', local('09:40'), { result: 'reject', reason: 'ride_too_soon' }),
        // At the end of the window: not yet.
        scan('LA-01', local('10:00')),
        scan('LB-01', local('09:59', 59)),
        // The ropeway from both stations; a ride is a ride whichever way the gate scanned it.
        scan('RL-01', local('09:10')),
        scan('RL-01', local('09:15'), { direction: 'out' }),
        scan('RU-02', local('09:20')),
        // The ski area's entrance is a transfer, not a ride.
        scan('SK-01', local('09:25')),
        // Another day.
        scan('LA-01', local('09:30', 0, '2026-03-11')),
      ],
      [],
    );
    await t.db.query(
      `INSERT INTO attraction_controls (attraction_id, closed, rides_per_min, note) VALUES
         ($1, true, NULL, '大风停运'), ($2, false, 10, NULL)`,
      [attractions.get('LIFT-B'), attractions.get('CARPET')],
    );
  });
  afterAll(async () => t?.cleanup());

  it('counts rides per attraction in the last hour and today, with its hours, capacity and controls', async () => {
    const rows = await attractionStats(t.db, venueId, DAY, local('09:00'), local('10:00'));
    expect(rows.map((r) => [r.code, r.ridesLastHour, r.ridesToday, r.closed, r.ridesPerMin, r.controlNote])).toEqual([
      ['ROPEWAY', 3, 3, false, null, null],
      ['LIFT-A', 2, 3, false, null, null],
      ['LIFT-B', 1, 1, true, null, '大风停运'],
      ['CARPET', 0, 0, false, 10, null],
      ['SHOW', 0, 0, false, null, null],
    ]);
    expect(rows[1]).toMatchObject({
      id: attractions.get('LIFT-A'),
      nameZh: '云顶高速吊椅',
      nameEn: 'Summit express chairlift',
      kind: 'lift',
      hourlyCapacity: 1800,
      opens: '08:30',
      closes: '16:30',
    });
  });

  it('starts today at the daily reset, while the last hour may reach back into the day before', async () => {
    const rows = await attractionStats(t.db, venueId, DAY, local('03:30'), local('04:30'));
    expect(rows.find((r) => r.code === 'LIFT-A')).toMatchObject({ ridesLastHour: 1, ridesToday: 0 });
  });

  it('lists nothing for a venue without attractions', async () => {
    expect(await attractionStats(t.db, 99_999, DAY, local('09:00'), local('10:00'))).toEqual([]);
  });
});
