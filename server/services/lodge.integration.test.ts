import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../../db/client.ts';
import { migrate } from '../../db/migrate.ts';
import { findGateForDesk } from '../../db/queries/gates.ts';
import { findLodgeHotel } from '../../db/queries/lodge.ts';
import { findUserForSignIn } from '../../db/queries/users.ts';
import { addDays } from '../../lib/venue-time.ts';
import { startTestApp } from '../../tests/helpers/app.ts';
import { backends, type TestDb } from '../../tests/helpers/backends.ts';
import { makeTestHotel, type TTestHotel } from '../../tests/helpers/hotel.ts';
import { addTicketType, venueToday } from '../../tests/helpers/venue.ts';
import type { App } from '../app.ts';
import { CLI_ACTOR, type TActor } from './actor.ts';
import { deskDevice } from './front-desk.ts';
import { book, checkIn } from './hotel.ts';
import { carryLodge, LodgeCarry } from './lodge.ts';
import { seedDemo } from './seed.ts';
import { idWithCheck } from '../../tests/helpers/id-card.ts';

/**
 * In-house guests in the lodge zone (issue 13): checking in places every guest in the hotel's zone
 * through the gates' ingest (no scan by the guest), the daily reset carries the guests asleep in
 * the lodge into the next day as its opening balance, and the wall's invariant
 * `carried + entries − exits = the sum of the zones` holds on both days. The reset carries once
 * with two instances at once; the control shows that without its claim and locks it carries twice.
 */

const GUEST_IDS = [idWithCheck('11010519850312001'), idWithCheck('31010419900722002')];

describe.each(backends())('in-house guests in the lodge on $name', (backend) => {
  let t: TestDb;
  let app: App;
  let venueId: number;
  let zoneId: number;
  let desk: TActor;
  let hotel: TTestHotel;
  const today = venueToday();

  const counters = async (day: string) => {
    const r = await t.db.query<{ carried: number; entries: number; exits: number; zones: number; lodge: number }>(
      `SELECT COALESCE((SELECT carried FROM daily_counters WHERE venue_id = $1 AND day = $2), 0) AS carried,
              COALESCE((SELECT entries FROM daily_counters WHERE venue_id = $1 AND day = $2), 0) AS entries,
              COALESCE((SELECT exits FROM daily_counters WHERE venue_id = $1 AND day = $2), 0) AS exits,
              COALESCE((SELECT sum(o.count) FROM occupancy o JOIN zones z ON z.id = o.zone_id
                        WHERE z.venue_id = $1 AND o.day = $2), 0)::int AS zones,
              COALESCE((SELECT count FROM occupancy WHERE zone_id = $3 AND day = $2), 0) AS lodge`,
      [venueId, day, zoneId],
    );
    return r.rows[0];
  };
  const expectInvariant = async (day: string) => {
    const c = await counters(day);
    expect(c.carried + c.entries - c.exits, `carried + entries − exits = the sum of the zones on ${day}`).toBe(c.zones);
    return c;
  };

  const bookAndCheckIn = async (ratePlan: string, adults: number, nights: number, room: number) => {
    const { stay } = await book(app.runtime, desk, venueId, {
      venueId,
      hotelId: hotel.hotelId,
      ref: `lodge-${randomUUID()}`,
      roomType: 'STD',
      ratePlan,
      checkIn: today,
      checkOut: addDays(today, nights),
      adults,
      guest: { name: '住店客人', phone: '139 0000 2020' },
    });
    await checkIn(app.runtime, desk, venueId, {
      venueId,
      stayId: stay.id,
      roomId: hotel.roomIds.STD[room],
      guests: GUEST_IDS.slice(0, adults).map((idNumber, i) => ({ name: `住客${i + 1}`, idNumber })),
      deposit: { method: 'cash', amount: 3000 },
    });
    return stay.id;
  };
  const stayTickets = async (stayId: number) =>
    (
      await t.db.query<{
        id: number;
        code: string;
        type_code: string;
        guest: number;
        visit_date: string;
        inside: boolean;
        zone_id: number | null;
        entries_day: string | null;
      }>(
        `SELECT t.id, t.code, tt.code AS type_code, t.stay_guest_no AS guest, t.visit_date, t.inside, t.zone_id, t.entries_day
         FROM tickets t JOIN ticket_types tt ON tt.id = t.type_id WHERE t.stay_id = $1 ORDER BY t.visit_date, t.stay_guest_no, t.id`,
        [stayId],
      )
    ).rows;

  let roomOnly: number;
  let pkg: number;

  beforeAll(async () => {
    t = await backend.create();
    await migrate(t.db);
    await seedDemo(t.db, `/tmp/tw-lodge-${backend.name}-${process.pid}`, CLI_ACTOR);
    venueId = (await t.db.query<{ id: number }>("SELECT id FROM venues WHERE code = 'YUNLING'")).rows[0].id;
    zoneId = (await t.db.query<{ id: number }>("SELECT id FROM zones WHERE code = 'HOTEL'")).rows[0].id;
    const windowId = (await t.db.query<{ id: number }>("SELECT id FROM channels WHERE code = 'WINDOW-1'")).rows[0].id;
    const parkTypeId = await addTicketType(t.db, venueId, 'L-PARK', { price_fen: 10000, entry_policy: 'multi' });
    const u = (await findUserForSignIn(t.db, 'frontdesk@demo.tidewatch'))!;
    desk = { kind: 'user', id: u.id, label: u.email };
    hotel = await makeTestHotel(t.db, {
      venueId,
      channelId: windowId,
      businessDate: today,
      code: 'LODGE-T',
      types: [['STD', 3]],
      parkTypeId,
      zoneId,
    });
    app = await startTestApp(t.db);
  });
  afterAll(async () => {
    await app?.close();
    await t?.cleanup();
  });

  it('checking in places every guest in the lodge without a scan: a lodge pass, or the package ticket of the day', async () => {
    const before = await expectInvariant(today);
    roomOnly = await bookAndCheckIn('RO', 2, 4, 0);
    let after = await expectInvariant(today);
    expect(after.lodge - before.lodge).toBe(2);
    expect(after.entries - before.entries).toBe(2);
    // Room only: each guest got a zero-price lodge pass, valid to the check-out, placed in the zone.
    const passes = await stayTickets(roomOnly);
    expect(passes.map((p) => [p.type_code, p.guest, p.inside, p.zone_id, p.entries_day])).toEqual([
      ['PASS-LODGE-T', 1, true, zoneId, today],
      ['PASS-LODGE-T', 2, true, zoneId, today],
    ]);
    // The crossing is a scan at a door of the lodge like any other, by the desk user.
    const scans = await t.db.query<{ gate: string; result: string; crossing: string; manual_user_id: number }>(
      `SELECT g.code AS gate, s.result, s.crossing, s.manual_user_id FROM gate_scans s JOIN gates g ON g.id = s.gate_id
       WHERE s.ticket_id = ANY($1::bigint[]) ORDER BY s.ticket_id`,
      [passes.map((p) => p.id)],
    );
    // At the lodge's inner door: an inferred entry, no entry allowance used.
    expect(scans.rows).toEqual([
      { gate: 'HT-02', result: 'admit', crossing: 'entry', manual_user_id: desk.id },
      { gate: 'HT-02', result: 'admit', crossing: 'entry', manual_user_id: desk.id },
    ]);

    // A package guest is placed on the day's park ticket (the pass is for days without one).
    pkg = await bookAndCheckIn('PKG', 1, 4, 1);
    after = await expectInvariant(today);
    expect(after.lodge - before.lodge).toBe(3);
    const tickets = await stayTickets(pkg);
    expect(tickets.map((x) => x.type_code).sort()).toEqual(['L-PARK', 'L-PARK', 'L-PARK', 'L-PARK', 'PASS-LODGE-T']);
    expect(tickets.filter((x) => x.inside).map((x) => [x.type_code, x.visit_date, x.entries_day])).toEqual([
      ['L-PARK', today, today],
    ]);
  });

  it('the reset carries the guests asleep in the lodge into the next day, not the ones who left', async () => {
    // The room-only stay's second guest leaves through the lodge's door in the evening.
    const door = (await findGateForDesk(
      t.db,
      (
        await t.db.query<{ id: number }>("SELECT id FROM gates WHERE code = 'HT-01'")
      ).rows[0].id,
    ))!;
    const leaving = (await stayTickets(roomOnly))[1];
    const [ack] = await app.runtime.ingest!.submit(deskDevice(door), [
      { id: `lodge-out-${randomUUID()}`, code: leaving.code, direction: 'out', at: new Date() },
    ]);
    expect(ack).toMatchObject({ result: 'admit' });
    await expectInvariant(today);

    const tomorrow = addDays(today, 1);
    const h = (await findLodgeHotel(t.db, hotel.hotelId))!;
    const before = await counters(tomorrow);
    expect(await carryLodge(t.db, h, tomorrow)).toBe(2);
    const after = await expectInvariant(tomorrow);
    expect([after.carried - before.carried, after.lodge - before.lodge, after.entries - before.entries]).toEqual([
      2, 2, 0,
    ]);
    // The pass stays the room-only guest's ticket; the package guest is carried on tomorrow's ticket.
    const [pass1, pass2] = await stayTickets(roomOnly);
    expect([pass1.inside, pass1.entries_day, pass2.entries_day]).toEqual([true, tomorrow, today]);
    const onTomorrow = (await stayTickets(pkg)).filter((x) => x.entries_day === tomorrow);
    expect(onTomorrow.map((x) => [x.visit_date, x.inside, x.zone_id])).toEqual([[tomorrow, true, zoneId]]);

    // Once per hotel and day: again, it finds nobody left to carry and changes nothing.
    expect(await carryLodge(t.db, h, tomorrow)).toBe(0);
    expect(await counters(tomorrow)).toEqual(after);
  });

  it('the reset job carries each hotel into its venue business day once', async () => {
    const dayAfter = addDays(today, 2);
    // 05:00 in China on the day after tomorrow: past the venue's 04:00 reset.
    const now = () => new Date(`${dayAfter}T05:00:00+08:00`);
    const job = new LodgeCarry({ db: t.db, logger: app.runtime.logger, now });
    const before = await counters(dayAfter);
    expect(await job.tick()).toBe(2);
    expect(await job.tick()).toBe(0);
    const after = await expectInvariant(dayAfter);
    expect(after.carried - before.carried).toBe(2);
  });

  it('a package guest placed in the lodge enters at the main gate later: left unseen, not a passback', async () => {
    const stayId = await bookAndCheckIn('PKG', 1, 1, 2);
    const todays = (await stayTickets(stayId)).find((x) => x.type_code === 'L-PARK' && x.inside)!;
    const main = (await findGateForDesk(
      t.db,
      (
        await t.db.query<{ id: number }>("SELECT id FROM gates WHERE code = 'MG-01'")
      ).rows[0].id,
    ))!;
    const before = await expectInvariant(today);
    const [ack] = await app.runtime.ingest!.submit(deskDevice(main), [
      { id: `lodge-main-${randomUUID()}`, code: todays.code, direction: 'in', at: new Date() },
    ]);
    expect(ack).toMatchObject({ result: 'admit' });
    const after = await expectInvariant(today);
    // An exit the guest made unseen and the entry seen at the main gate: the lodge has one fewer.
    expect([after.entries - before.entries, after.exits - before.exits, after.lodge - before.lodge]).toEqual([
      1, 1, -1,
    ]);
    // The entry seen at the perimeter is the one anti-passback guards: a second is refused.
    const [again] = await app.runtime.ingest!.submit(deskDevice(main), [
      { id: `lodge-main-${randomUUID()}`, code: todays.code, direction: 'in', at: new Date() },
    ]);
    expect(again).toMatchObject({ result: 'reject', reason: 'passback' });
  });

  it.runIf(backend.name === 'postgres')(
    'two instances resetting at once carry the lodge once; the control without the claim carries it twice',
    async () => {
      const other: Database = await createDatabase({ databaseUrl: t.url!, max: 2 });
      try {
        const h = (await findLodgeHotel(t.db, hotel.hotelId))!;
        const d3 = addDays(today, 3);
        const before3 = await counters(d3);
        const results = await Promise.all([carryLodge(t.db, h, d3), carryLodge(other, h, d3)]);
        // One carries both guests; the other finds the day claimed (null) or nobody left (0).
        expect(results.filter((r) => r)).toEqual([2]);
        const after3 = await expectInvariant(d3);
        expect(after3.carried - before3.carried).toBe(2);

        // Control: the same two runs without the claim and the ticket locks, both reading before
        // either writes, carry the same two guests twice (the race the claim closes is real).
        const d4 = addDays(today, 4);
        let arrived = 0;
        let release!: () => void;
        const bothRead = new Promise<void>((r) => (release = r));
        const afterRead = async () => {
          if (++arrived === 2) release();
          await bothRead;
        };
        const control = await Promise.all([
          carryLodge(t.db, h, d4, { exclusive: false, afterRead }),
          carryLodge(other, h, d4, { exclusive: false, afterRead }),
        ]);
        expect(control).toEqual([2, 2]);
        expect((await counters(d4)).lodge).toBe(4);
      } finally {
        await other.close();
      }
    },
  );
});
