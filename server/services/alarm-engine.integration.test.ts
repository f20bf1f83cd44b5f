import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../db/migrate.ts';
import type { AlarmRow } from '../../db/queries/alarms.ts';
import { addDays, localTime } from '../../lib/venue-time.ts';
import { backends, type TestDb } from '../../tests/helpers/backends.ts';
import { venueToday } from '../../tests/helpers/venue.ts';
import { createSharedState } from '../shared/shared-state.ts';
import { CLI_ACTOR } from './actor.ts';
import { createDevice } from './admin.ts';
import { AlarmEngine, ATTRACTION_THRESHOLDS } from './alarm-engine.ts';
import { setAttractionControl } from './controls.ts';
import { seedDemo } from './seed.ts';

const MIN = 60_000;

/**
 * The instant a venue's clock reads `hhmm` on a business day (no daylight-saving jump in between:
 * the demo venue is Asia/Shanghai).
 */
function venueInstant(day: string, hhmm: string, timezone: string): number {
  const guess = Date.parse(`${day}T${hhmm}:00Z`);
  const lt = localTime(new Date(guess), timezone);
  const drift = (Date.parse(`${lt.date}T00:00:00Z`) - Date.parse(`${day}T00:00:00Z`)) / MIN + lt.minute;
  const [h, m] = hhmm.split(':').map(Number);
  return guess - (drift - (h * 60 + m)) * MIN;
}

/**
 * The alarm engine's attraction alarms, on its own clock: the tests set the time of day (10:00 at
 * the venue on its next business day that has not reached 10:00, so gate activity written for it
 * is never older than the engine's hour of pruning) and move it minute by minute. Each test uses
 * its own attraction. The zones' occupancy stays on the database's day, as the engine reads it.
 */
describe.each(backends())('attraction alarms on $name', (backend) => {
  let t: TestDb;
  let venueId: number;
  let clock = 0;
  const changes: number[][] = [];
  let engine: AlarmEngine;
  const shared = createSharedState({ logger: pino({ level: 'silent' }) });
  let ten = 0;

  const id = async (table: 'attractions' | 'gates' | 'zones' | 'venues', code: string) =>
    (await t.db.query<{ id: number }>(`SELECT id FROM ${table} WHERE code = $1`, [code])).rows[0].id;
  const alarm = async (attraction: string, kind: string) =>
    (
      await t.db.query<AlarmRow>(
        "SELECT * FROM alarms WHERE subject_kind = 'attraction' AND subject_id = $1 AND kind = $2 AND state <> 'cleared'",
        [await id('attractions', attraction), kind],
      )
    ).rows[0];
  /** Admitted rides at a gate, `perMin` in each minute of [from, to) (engine-clock ms). */
  const rides = async (gate: string, from: number, to: number, perMin: number) => {
    const g = await id('gates', gate);
    await t.db.query('DELETE FROM gate_activity WHERE gate_id = $1', [g]);
    await t.db.query(
      `INSERT INTO gate_activity (gate_id, minute, venue_id, scans)
       SELECT $1, m, $2, $3 FROM generate_series($4::timestamptz, $5::timestamptz - INTERVAL '1 minute', INTERVAL '1 minute') m`,
      [g, venueId, perMin, new Date(from), new Date(to)],
    );
  };
  let scanSeq = 0;
  const scanAt = async (gate: string, device: number, at: number) =>
    t.db.query(
      `INSERT INTO gate_scans (at, venue_id, zone_id, gate_id, device_id, scan_id, direction, result)
       SELECT $1, venue_id, zone_id, id, $3, $4, 'in', 'admit' FROM gates WHERE code = $2`,
      [new Date(at), gate, device, `alarm-engine-${++scanSeq}`],
    );
  /** A device on the gate that is connected and heartbeating (on the database's clock). */
  const online = async (gate: string) => {
    const { id: device } = await createDevice(t.db, CLI_ACTOR, { gate });
    await t.db.query('UPDATE devices SET connected_at = now(), last_seen_at = now() WHERE id = $1', [device]);
    return device;
  };
  const tickAt = async (ms: number) => {
    clock = ms;
    return engine.tick();
  };
  const setOccupancy = async (zone: string, count: number) =>
    t.db.query(
      'INSERT INTO occupancy (zone_id, day, count) VALUES ($1, $2, $3) ON CONFLICT (zone_id, day) DO UPDATE SET count = $3',
      [await id('zones', zone), venueToday(), count],
    );

  beforeAll(async () => {
    t = await backend.create();
    await migrate(t.db);
    await seedDemo(t.db, `/tmp/tw-alarm-engine-${backend.name}-${process.pid}`, CLI_ACTOR);
    venueId = await id('venues', 'YUNLING');
    const today = venueToday();
    ten = venueInstant(today, '10:00', 'Asia/Shanghai');
    if (ten < Date.now()) ten = venueInstant(addDays(today, 1), '10:00', 'Asia/Shanghai');
    engine = new AlarmEngine({
      db: t.db,
      shared,
      logger: pino({ level: 'silent' }),
      holdDownS: 0,
      escalateAfterS: 3600,
      heartbeatTimeoutS: 600,
      onChange: (v) => changes.push(v),
      clock: () => clock,
    });
  });
  afterAll(async () => {
    await shared.close();
    await t?.cleanup();
  });

  it('opens a queue alarm only once utilisation has stayed above the line for the hold, and clears it', async () => {
    // LIFT-B carries 1,200 an hour: 19 rides a minute is 95%, 21 is 105%.
    expect(ATTRACTION_THRESHOLDS).toMatchObject({ queueWarn: 0.9, queueCritical: 1, queueHoldS: 600 });
    await rides('LB-01', ten - 60 * MIN, ten + 40 * MIN, 19);
    await tickAt(ten);
    await tickAt(ten + 9 * MIN);
    expect(await alarm('LIFT-B', 'queue')).toBeUndefined();
    await tickAt(ten + 10 * MIN);
    expect(await alarm('LIFT-B', 'queue')).toMatchObject({ severity: 'warning', value: 0.95, threshold: 0.9 });

    await rides('LB-01', ten - 60 * MIN, ten + 40 * MIN, 21);
    await tickAt(ten + 11 * MIN);
    await tickAt(ten + 20 * MIN);
    expect(await alarm('LIFT-B', 'queue')).toMatchObject({ severity: 'warning' });
    await tickAt(ten + 21 * MIN);
    expect(await alarm('LIFT-B', 'queue')).toMatchObject({ severity: 'critical', value: 1.05, threshold: 1 });

    // Falling back clears at once (after the ordinary hold-down, 0 here).
    await rides('LB-01', ten - 60 * MIN, ten + 40 * MIN, 5);
    await tickAt(ten + 22 * MIN);
    expect(await alarm('LIFT-B', 'queue')).toBeUndefined();
  });

  it('raises no queue alarm for an attraction that is closed, by its hours or by a manager', async () => {
    await rides('LC-01', ten - 60 * MIN, ten + 60 * MIN, 12); // CARPET: 600 an hour, 120%
    await t.db.query("UPDATE attractions SET opens = '10:30', closes = '16:30' WHERE code = 'CARPET'");
    await tickAt(ten);
    await tickAt(ten + 15 * MIN);
    expect(await alarm('CARPET', 'queue')).toBeUndefined();
    await t.db.query("UPDATE attractions SET opens = '08:30' WHERE code = 'CARPET'");
    await setAttractionControl({ db: t.db, shared }, CLI_ACTOR, {
      attractionId: await id('attractions', 'CARPET'),
      closed: true,
      note: '检修 maintenance',
    });
    await tickAt(ten + 16 * MIN);
    await tickAt(ten + 30 * MIN);
    expect(await alarm('CARPET', 'queue')).toBeUndefined();
    await t.db.query('DELETE FROM gate_activity WHERE gate_id = $1', [await id('gates', 'LC-01')]);
  });

  it('says an open attraction is silent when its online gates scan nothing for the set minutes, and no more once they do', async () => {
    // LIFT-A opens 08:30; its only gate is LA-01.
    const device = await online('LA-01');
    await scanAt('LA-01', device, ten - 5 * MIN);
    await tickAt(ten);
    expect(await alarm('LIFT-A', 'attraction_silent')).toBeUndefined();
    await tickAt(ten + 6 * MIN);
    expect(await alarm('LIFT-A', 'attraction_silent')).toMatchObject({ severity: 'warning', value: 11, threshold: 10 });
    await tickAt(ten + 8 * MIN);
    expect((await alarm('LIFT-A', 'attraction_silent')).value).toBe(13);
    await scanAt('LA-01', device, ten + 8 * MIN);
    await tickAt(ten + 9 * MIN);
    expect(await alarm('LIFT-A', 'attraction_silent')).toBeUndefined();

    // Silence counts from the opening: nothing five minutes after it, an alarm eleven after.
    const opening = ten - 90 * MIN; // 08:30
    await t.db.query('DELETE FROM gate_scans WHERE gate_id = $1', [await id('gates', 'LA-01')]);
    await tickAt(opening + 5 * MIN);
    expect(await alarm('LIFT-A', 'attraction_silent')).toBeUndefined();
    await tickAt(opening + 11 * MIN);
    expect(await alarm('LIFT-A', 'attraction_silent')).toMatchObject({ value: 11 });
    // After closing time it is not silent, it is shut.
    await tickAt(ten + (16 * 60 + 31 - 600) * MIN); // 16:31
    expect(await alarm('LIFT-A', 'attraction_silent')).toBeUndefined();

    // Its gate offline: that is the gate's own alarm, not a silent attraction.
    await tickAt(ten + 30 * MIN);
    expect(await alarm('LIFT-A', 'attraction_silent')).toBeDefined();
    await t.db.query("UPDATE devices SET last_seen_at = now() - INTERVAL '1 hour' WHERE id = $1", [device]);
    await tickAt(ten + 31 * MIN);
    expect(await alarm('LIFT-A', 'attraction_silent')).toBeUndefined();
  });

  it('counts the people a closed ropeway strands up the mountain, follows the count, and clears when it reopens or they are down', async () => {
    const ropeway = await id('attractions', 'ROPEWAY');
    await setOccupancy('ROPEWAY-UPPER', 3);
    await setOccupancy('TIANCHI', 5);
    await setOccupancy('ROPEWAY-LOWER', 40); // the near station has its own way out
    await tickAt(ten);
    expect(await alarm('ROPEWAY', 'stranded')).toBeUndefined();

    await setAttractionControl({ db: t.db, shared }, CLI_ACTOR, {
      attractionId: ropeway,
      closed: true,
      note: '大风 wind',
    });
    await tickAt(ten + MIN);
    const raised = await alarm('ROPEWAY', 'stranded');
    expect(raised).toMatchObject({ severity: 'critical', value: 8, venue_id: venueId });

    // A closed ski lift strands nobody: its riders ski back down where they boarded.
    await setOccupancy('SKI-AREA', 6);
    await setAttractionControl({ db: t.db, shared }, CLI_ACTOR, {
      attractionId: await id('attractions', 'LIFT-B'),
      closed: true,
      note: '大风 wind',
    });
    changes.length = 0;
    await tickAt(ten + 2 * MIN);
    expect(await alarm('LIFT-B', 'stranded')).toBeUndefined();
    expect(await alarm('ROPEWAY', 'stranded')).toMatchObject({ id: raised.id, value: 14 });
    expect(changes.flat()).toContain(venueId); // the wall hears the new count

    for (const z of ['ROPEWAY-UPPER', 'TIANCHI', 'SKI-AREA']) await setOccupancy(z, 0);
    await tickAt(ten + 3 * MIN);
    expect(await alarm('ROPEWAY', 'stranded')).toBeUndefined();

    await setOccupancy('YUNHAI', 2);
    await tickAt(ten + 4 * MIN);
    expect(await alarm('ROPEWAY', 'stranded')).toMatchObject({ value: 2 });
    await setAttractionControl({ db: t.db, shared }, CLI_ACTOR, { attractionId: ropeway, closed: false });
    await tickAt(ten + 5 * MIN);
    expect(await alarm('ROPEWAY', 'stranded')).toBeUndefined();
    await setOccupancy('YUNHAI', 0);
  });

  it('keeps an escalated alarm critical while nobody acknowledges it', async () => {
    const escalating = new AlarmEngine({
      db: t.db,
      shared,
      logger: pino({ level: 'silent' }),
      holdDownS: 0,
      escalateAfterS: 0,
      heartbeatTimeoutS: 600,
      onChange: () => {},
      clock: () => clock,
    });
    const zone = await id('zones', 'YINGKESONG');
    const cap = (await t.db.query<{ capacity: number }>('SELECT capacity FROM zones WHERE id = $1', [zone])).rows[0]
      .capacity;
    await setOccupancy('YINGKESONG', Math.ceil(cap * 0.8));
    const open = async () =>
      (
        await t.db.query<AlarmRow>(
          "SELECT * FROM alarms WHERE subject_kind = 'zone' AND subject_id = $1 AND state <> 'cleared'",
          [zone],
        )
      ).rows[0];
    clock = ten;
    await escalating.tick();
    expect(await open()).toMatchObject({ severity: 'warning', escalated_at: null });
    await escalating.tick();
    expect((await open()).escalated_at).not.toBeNull();
    await escalating.tick();
    await escalating.tick();
    expect(await open()).toMatchObject({ severity: 'critical' });
    await setOccupancy('YINGKESONG', 0);
    await escalating.tick();
    expect(await open()).toBeUndefined();
  });
});
