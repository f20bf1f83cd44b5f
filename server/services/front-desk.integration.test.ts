import { randomUUID } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../db/migrate.ts';
import { findUserForSignIn } from '../../db/queries/users.ts';
import type { AppError } from '../../lib/errors.ts';
import type { TScanAck } from '../../lib/schemas/scan.ts';
import { connectSocket, startTestApp } from '../../tests/helpers/app.ts';
import { backends, type TestDb } from '../../tests/helpers/backends.ts';
import { addTicketType, venueToday } from '../../tests/helpers/venue.ts';
import { addDays } from '../../lib/venue-time.ts';
import type { App } from '../app.ts';
import type { TActor } from './actor.ts';
import { CLI_ACTOR } from './actor.ts';
import { createChannel, createDevice } from './admin.ts';
import {
  admitAtDesk,
  checkAtDesk,
  closeShift,
  deskSearch,
  openShift,
  orderDetail,
  rebookAtDesk,
  refundAtDesk,
  replaceAtDesk,
  sellAtWindow,
  shiftReport,
  verifySupervisor,
} from './front-desk.ts';
import { DEMO_PASSWORD, seedDemo } from './seed.ts';

/**
 * The front desk on every backend: a shift from open to blind close, a window sale paid in cash,
 * the order desk's search, refund, rebook and replacement, and admissions by hand with a
 * supervisor's override, each checked against what the gates then answer.
 */

/** A valid ID-card number (checksum included) for the real-name holder. */
const HOLDER_ID = '11010519491231002X';

describe.each(backends())('front desk on $name', (backend) => {
  let t: TestDb;
  let app: App;
  let venueId: number;
  let cashier: TActor;
  let windowId: number;
  let gate: Socket;
  let gateId: number;
  const today = venueToday();
  const sockets: Socket[] = [];

  const scan = async (code: string): Promise<TScanAck> =>
    (await gate.emitWithAck('scan', {
      id: randomUUID(),
      code,
      direction: 'in',
      at: new Date().toISOString(),
    })) as TScanAck;
  const reasonOf = (a: TScanAck) => ('result' in a ? (a.result === 'admit' ? 'admit' : a.reason) : a.error.code);

  beforeAll(async () => {
    t = await backend.create();
    await migrate(t.db);
    await seedDemo(t.db, `/tmp/tw-desk-${backend.name}-${process.pid}`, CLI_ACTOR);
    venueId = (await t.db.query<{ id: number }>("SELECT id FROM venues WHERE code = 'YUNLING'")).rows[0].id;
    await addTicketType(t.db, venueId, 'D-ADULT', { draws_day_quota: false, price_fen: 10000 });
    await addTicketType(t.db, venueId, 'D-CHILD', { draws_day_quota: false, price_fen: 5000, category: 'child' });
    await addTicketType(t.db, venueId, 'D-NAMED', { draws_day_quota: false, price_fen: 20000, real_name: true });
    const u = (await findUserForSignIn(t.db, 'frontdesk@demo.tidewatch'))!;
    cashier = { kind: 'user', id: u.id, label: u.email };
    windowId = (await t.db.query<{ id: number }>("SELECT id FROM channels WHERE code = 'WINDOW-1'")).rows[0].id;
    app = await startTestApp(t.db);
    // The demo seed opens the demo cashier's shift at WINDOW-1 (float 500): hand it over first.
    const seeded = (
      await t.db.query<{ id: number }>('SELECT id FROM shifts WHERE closed_at IS NULL AND user_id = $1', [u.id])
    ).rows;
    expect(seeded).toHaveLength(1);
    await closeShift(app.runtime, cashier, { shiftId: seeded[0].id, counted: { cash: 500 } });
    const { token } = await createDevice(t.db, CLI_ACTOR, { gate: 'MG-01' });
    gate = await connectSocket(`${app.url}/gates`, { auth: { token } });
    sockets.push(gate);
    gateId = (await t.db.query<{ id: number }>("SELECT id FROM gates WHERE code = 'MG-01'")).rows[0].id;
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await app?.close();
    await t?.cleanup();
  });

  it('sells at the window, finds, refunds, rebooks and replaces, and the gates agree; the shift closes blind', async () => {
    const rt = app.runtime;
    const shift = await openShift(rt, cashier, { channelId: windowId, openingFloat: 500 }, venueId);
    await expect(openShift(rt, cashier, { channelId: windowId, openingFloat: 0 }, venueId)).rejects.toMatchObject({
      code: 'conflict',
    });
    // While open, the cashier does not see what is expected (the count stays blind).
    expect((await shiftReport(t.db, shift.id, { id: cashier.id!, role: 'frontdesk' })).expected).toBeUndefined();

    // 2 adults and a child, cash: 250 tendered 300, change 50.
    const sale = {
      shiftId: shift.id,
      ref: `w-${randomUUID()}`,
      items: [
        { type: 'D-ADULT', qty: 2, date: today },
        { type: 'D-CHILD', qty: 1, date: today },
      ],
      phone: '138 0013 8000',
      amount: 250,
      payments: [{ method: 'cash' as const, amount: 250, tendered: 300 }],
    };
    const sold = await sellAtWindow(rt, cashier, sale);
    expect(sold.status).toBe(201);
    expect(sold.order.tickets).toHaveLength(3);
    expect(sold.order.payments).toMatchObject([{ method: 'cash', amount: 250, tendered: 300, change: 50 }]);
    // A double Enter (or a retry after a lost answer) sells nothing more.
    const again = await sellAtWindow(rt, cashier, sale);
    expect(again.status).toBe(200);
    expect(again.order.id).toBe(sold.order.id);
    expect(again.order.payments).toHaveLength(1);

    // The order desk finds it by the phone's last 4 digits, the order code and a ticket code.
    for (const q of ['8000', sold.order.code!, sold.order.tickets[0].code]) {
      expect(
        (await deskSearch(rt, venueId, { venueId, q })).map((o) => o.id),
        `search ${q}`,
      ).toContain(sold.order.id);
    }
    const [adult1, adult2] = sold.order.tickets.filter((x) => x.type.code === 'D-ADULT');
    const child = sold.order.tickets.find((x) => x.type.code === 'D-CHILD')!;

    // Refund the child: the gate then answers `refunded`.
    const refund = await refundAtDesk(rt, cashier, {
      orderId: sold.order.id,
      ticketIds: [child.id],
      shiftId: shift.id,
    });
    expect(refund).toMatchObject({ amount: 50, fee: 0 });
    expect(reasonOf(await scan(child.code))).toBe('refunded');

    // Rebook one adult to tomorrow: refused today, the old date no longer admits.
    await rebookAtDesk(rt, cashier, {
      orderId: sold.order.id,
      ticketIds: [adult1.id],
      date: addDays(today, 1),
      shiftId: shift.id,
    });
    expect(reasonOf(await scan(adult1.code))).toBe('not_valid_today');

    // Replace the other: the old code is refused as `replaced`, the new one admits.
    const replaced = await replaceAtDesk(rt, cashier, { ticketId: adult2.id, reason: 'lost' });
    expect(reasonOf(await scan(adult2.code))).toBe('replaced');
    expect(reasonOf(await scan(replaced.code))).toBe('admit');

    // A used ticket is refunded only with a supervisor's approval and a reason.
    const used = (await orderDetail(rt, sold.order.id)).tickets.find((x) => x.id === replaced.ticketId)!;
    expect(used.state).toBe('inside');
    await expect(refundAtDesk(rt, cashier, { orderId: sold.order.id, ticketIds: [used.id] })).rejects.toMatchObject({
      code: 'forbidden',
    });
    await expect(
      refundAtDesk(rt, cashier, {
        orderId: sold.order.id,
        ticketIds: [used.id],
        supervisor: { email: 'manager@demo.tidewatch', password: 'wrong' },
        reason: 'x',
      }),
    ).rejects.toMatchObject({ code: 'forbidden' });

    // Close: counted wrong without a note is refused; then expected against counted.
    await expect(closeShift(rt, cashier, { shiftId: shift.id, counted: { cash: 600 } })).rejects.toMatchObject({
      code: 'invalid',
    });
    const closed = await closeShift(rt, cashier, { shiftId: shift.id, counted: { cash: 700 } });
    // 500 float + 250 sale - 50 child refund = 700.
    expect(closed).toMatchObject({ expected: { cash: 700 }, counted: { cash: 700 }, difference: { cash: 0 } });
    // The report says what the shift did: one order paid, one refund given.
    expect((await shiftReport(t.db, shift.id, { id: cashier.id!, role: 'frontdesk' })).activity).toEqual({
      orders: 1,
      sold: 250,
      refunds: 1,
      refunded: 50,
    });
    const detail = await orderDetail(rt, sold.order.id);
    expect(detail.audit.map((a) => a.action)).toEqual(
      expect.arrayContaining(['order.window_sale', 'ticket.refund', 'ticket.rebook']),
    );
  });

  it('finds a real-name order by the holder ID number or its last digits, and admits the holder by ID card at the desk', async () => {
    const rt = app.runtime;
    const shift = await openShift(rt, cashier, { channelId: windowId, openingFloat: 0 }, venueId);
    const sold = await sellAtWindow(rt, cashier, {
      shiftId: shift.id,
      ref: `n-${randomUUID()}`,
      items: [{ type: 'D-NAMED', qty: 1, date: today, holders: [{ name: '王小明', idNumber: HOLDER_ID }] }],
      amount: 200,
      payments: [{ method: 'wechat', amount: 200, reference: 'WX-1' }],
    });
    expect(sold.order.tickets[0].holder).toEqual({ name: '王小明', idNumber: '110105********002X' });
    for (const q of [HOLDER_ID, '002X', '1002X', '王小']) {
      expect(
        (await deskSearch(rt, venueId, { venueId, q })).map((o) => o.id),
        `search ${q}`,
      ).toContain(sold.order.id);
    }
    // Without holders a real-name type is refused.
    await expect(
      sellAtWindow(rt, cashier, {
        shiftId: shift.id,
        ref: `n-${randomUUID()}`,
        items: [{ type: 'D-NAMED', qty: 1, date: today }],
        amount: 200,
        payments: [{ method: 'cash', amount: 200 }],
      }),
    ).rejects.toMatchObject({ code: 'invalid' });

    const check = await checkAtDesk(rt, { gateId, presented: { idNumber: HOLDER_ID }, direction: 'in' });
    expect(check).toMatchObject({ found: true, decision: { result: 'admit' } });
    const first = await admitAtDesk(rt, cashier, {
      gateId,
      ticketId: sold.order.tickets[0].id,
      direction: 'in',
      requestId: randomUUID(),
    });
    expect(first).toMatchObject({ result: 'admit' });
    // Again: the rules refuse (single entry); the desk's check says so without changing anything.
    expect(await checkAtDesk(rt, { gateId, presented: { idNumber: HOLDER_ID }, direction: 'in' })).toMatchObject({
      decision: { result: 'reject', reason: 'used' },
    });
    const refused = await admitAtDesk(rt, cashier, {
      gateId,
      ticketId: sold.order.tickets[0].id,
      direction: 'in',
      requestId: randomUUID(),
    });
    expect(refused).toMatchObject({ result: 'reject', reason: 'used' });
    // A supervisor's own credentials and a reason override it; it is recorded on the scan.
    const forced = await admitAtDesk(rt, cashier, {
      gateId,
      ticketId: sold.order.tickets[0].id,
      direction: 'in',
      requestId: randomUUID(),
      override: { reason: 'device_fault', supervisor: { email: 'manager@demo.tidewatch', password: DEMO_PASSWORD } },
    });
    expect(forced).toMatchObject({ result: 'admit', supervisor: 'manager@demo.tidewatch' });
    const rows = await t.db.query<{ manual_user_id: number; override_reason: string | null }>(
      'SELECT manual_user_id, override_reason FROM gate_scans WHERE ticket_id = $1 ORDER BY at',
      [sold.order.tickets[0].id],
    );
    expect(rows.rows.map((r) => r.override_reason)).toEqual([null, null, 'device_fault']);
    expect(rows.rows.every((r) => r.manual_user_id === cashier.id)).toBe(true);
    await closeShift(rt, cashier, { shiftId: shift.id, counted: { wechat: 200 } });
  });

  it('admits a real-name holder at a gate by ID card (刷身份证入园), and says when no ticket or several would do', async () => {
    const rt = app.runtime;
    const ID = '440304199001010011';
    const byId = async (idNumber: string) =>
      (await gate.emitWithAck('scan', {
        id: randomUUID(),
        idNumber,
        direction: 'in',
        at: new Date().toISOString(),
      })) as TScanAck;
    // Nobody holds a ticket for this ID yet.
    expect(reasonOf(await byId(ID))).toBe('unknown');
    // A checksum that does not hold is refused at the edge, with a typed error.
    expect(await byId('440304199001010012')).toMatchObject({ error: { code: 'invalid' } });
    // A code and an ID number at once are one too many.
    expect(
      await gate.emitWithAck('scan', {
        id: randomUUID(),
        code: 'X',
        idNumber: ID,
        direction: 'in',
        at: new Date().toISOString(),
      }),
    ).toMatchObject({ error: { code: 'invalid' } });
    const shift = await openShift(rt, cashier, { channelId: windowId, openingFloat: 0 }, venueId);
    const sell = (qty: number) =>
      sellAtWindow(rt, cashier, {
        shiftId: shift.id,
        ref: `g-${randomUUID()}`,
        items: [
          {
            type: 'D-NAMED',
            qty,
            date: today,
            holders: Array.from({ length: qty }, () => ({ name: '李四', idNumber: ID })),
          },
        ],
        amount: 200 * qty,
        payments: [{ method: 'cash', amount: 200 * qty }],
      });
    const one = await sell(1);
    const first = await byId(` ${ID} `);
    expect(first).toMatchObject({ result: 'admit', ticket: { type: 'D-NAMED' } });
    // Single entry: the same ID card again is the same ticket, used.
    expect(reasonOf(await byId(ID))).toBe('used');
    const stored = await t.db.query<{ ticket_id: number }>(
      "SELECT ticket_id FROM gate_scans WHERE ticket_id = $1 AND result = 'admit'",
      [one.order.tickets[0].id],
    );
    expect(stored.rows).toHaveLength(1);
    // A second ticket for the same holder today: of the two, the one the gate would admit.
    const second = await sell(1);
    expect(await byId(ID)).toMatchObject({ result: 'admit' });
    expect(
      (await t.db.query('SELECT 1 FROM gate_scans WHERE ticket_id = $1', [second.order.tickets[0].id])).rows,
    ).toHaveLength(1);
    // Two more unused ones: the gate cannot tell which one is meant.
    await sell(2);
    expect(reasonOf(await byId(ID))).toBe('ambiguous');
    // The ID number itself is stored nowhere in the scan tables.
    const leaked = await t.db.query(
      `SELECT 1 FROM scan_requests WHERE response::text LIKE '%' || $1 || '%' OR request_hash LIKE '%' || $1 || '%'`,
      [ID.slice(-6)],
    );
    expect(leaked.rows).toHaveLength(0);
    await closeShift(rt, cashier, { shiftId: shift.id, counted: { cash: 800 } });
  });

  it("throttles a supervisor account's failed approvals at the desk", async () => {
    const creds = { email: `nobody-${randomUUID()}@desk.test`, password: 'wrong' };
    for (let i = 0; i < 5; i++)
      await expect(verifySupervisor(app.runtime, venueId, creds)).rejects.toMatchObject({ code: 'forbidden' });
    const throttled = await verifySupervisor(app.runtime, venueId, creds).catch((e: AppError) => e);
    expect(throttled).toMatchObject({ code: 'rate_limited' });
    // It says when the account may try again (the screen tells the desk), within the 15-minute window.
    expect((throttled as AppError).retryAfterS).toBeGreaterThan(0);
    expect((throttled as AppError).retryAfterS).toBeLessThanOrEqual(15 * 60);
  });

  // Concurrency needs several sessions: PostgreSQL only.
  it.runIf(backend.name === 'postgres')(
    'sells a sale ref once, the last 10 places exactly once, and a ticket either refunded or admitted',
    async () => {
      const rt = app.runtime;
      const manager = (await findUserForSignIn(t.db, 'manager@demo.tidewatch'))!;
      // 20 windows, each with its own cashier and shift.
      const cashiers: { actor: TActor; shiftId: number }[] = [];
      for (let i = 0; i < 20; i++) {
        const email = `cashier-${i}@race.test`;
        const { createUser } = await import('./admin.ts');
        await createUser(t.db, CLI_ACTOR, {
          email,
          name: email,
          role: 'frontdesk',
          password: 'race-password-1',
          venues: ['YUNLING'],
        });
        const u = (await findUserForSignIn(t.db, email))!;
        const ch = await createChannel(t.db, CLI_ACTOR, { code: `WIN-R${i}`, kind: 'window', venue: 'YUNLING' });
        const actor: TActor = { kind: 'user', id: u.id, label: email };
        cashiers.push({
          actor,
          shiftId: (await openShift(rt, actor, { channelId: ch.id, openingFloat: 0 }, venueId)).id,
        });
      }
      expect(manager.id).toBeGreaterThan(0);
      const sellOne = (c: (typeof cashiers)[number], type: string, ref = `r-${randomUUID()}`) =>
        sellAtWindow(rt, c.actor, {
          shiftId: c.shiftId,
          ref,
          items: [{ type, qty: 1, date: today }],
          amount: 100,
          payments: [{ method: 'cash', amount: 100 }],
        }).then(
          () => 'sold' as const,
          (e: AppError) => e.code,
        );

      // The same ref confirmed twice at once: one order. Control: two refs at once are two orders.
      const ref = `dup-${randomUUID()}`;
      await Promise.all([sellOne(cashiers[0], 'D-ADULT', ref), sellOne(cashiers[0], 'D-ADULT', ref)]);
      const orders = async (r: string) =>
        (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM orders WHERE ref = $1', [r])).rows[0].n;
      expect(await orders(ref)).toBe(1);
      const [r1, r2] = [`dup-${randomUUID()}`, `dup-${randomUUID()}`];
      await Promise.all([sellOne(cashiers[0], 'D-ADULT', r1), sellOne(cashiers[0], 'D-ADULT', r2)]);
      expect((await orders(r1)) + (await orders(r2))).toBe(2);

      // 20 windows selling the last 10 places of a date: exactly 10. Control: with 30 places all 20 sell.
      const race = async (capacity: number) => {
        const day = addDays(today, capacity === 10 ? 3 : 4);
        await t.db.query('UPDATE venues SET daily_quota = NULL WHERE id = $1', [venueId]);
        await addTicketType(t.db, venueId, 'D-RACE', { draws_day_quota: true, price_fen: 10000 });
        const { ensureQuotas } = await import('../../db/queries/sales.ts');
        await ensureQuotas(t.db, venueId, day);
        await t.db.query(
          'UPDATE quotas SET capacity = $3, sold = 0 WHERE venue_id = $1 AND day = $2 AND slot_start IS NULL',
          [venueId, day, capacity],
        );
        const results = await Promise.all(
          cashiers.map((c) =>
            sellAtWindow(rt, c.actor, {
              shiftId: c.shiftId,
              ref: `q-${randomUUID()}`,
              items: [{ type: 'D-RACE', qty: 1, date: day }],
              amount: 100,
              payments: [{ method: 'cash', amount: 100 }],
            }).then(
              () => 'sold',
              (e: AppError) => e.code,
            ),
          ),
        );
        return results.filter((r) => r === 'sold').length;
      };
      expect(await race(10)).toBe(10);
      expect(await race(30)).toBe(20);

      // 20 windows selling the last 10 seats of a show (演出场次): exactly 10, each with its seat, and
      // the rest sold_out with nothing half-sold. Control: the same seats taken by reading what is
      // left and then adding to it, without the guarded update, oversell under the same race.
      const { ensureShowQuotas, setShowTimes } = await import('../../db/queries/shows.ts');
      const { setTypeRides } = await import('../../db/queries/attractions.ts');
      const showId = (await t.db.query<{ id: number }>("SELECT id FROM attractions WHERE code = 'SHOW'")).rows[0].id;
      await setShowTimes(t.db, showId, [['19:30', '20:40', 600]], 30);
      const showType = await addTicketType(t.db, venueId, 'D-SHOW', { draws_day_quota: false, price_fen: 10000 });
      await setTypeRides(t.db, showType, [{ attractionId: showId, rides: 1, shareFen: 5000 }]);
      const seatsOf = async (day: string) => {
        const id = (await ensureShowQuotas(t.db, [showId], day)).get(`${showId}|19:30`)!.id;
        await t.db.query('UPDATE show_quotas SET capacity = 10, sold = 0 WHERE id = $1', [id]);
        return id;
      };
      const showDay = addDays(today, 5);
      const seats = await seatsOf(showDay);
      const showResults = await Promise.all(
        cashiers.map((c) =>
          sellAtWindow(rt, c.actor, {
            shiftId: c.shiftId,
            ref: `s-${randomUUID()}`,
            items: [{ type: 'D-SHOW', qty: 1, date: showDay, show: '19:30' }],
            amount: 100,
            payments: [{ method: 'cash', amount: 100 }],
          }).then(
            () => 'sold',
            (e: AppError) => e.code,
          ),
        ),
      );
      expect(showResults.filter((r) => r === 'sold')).toHaveLength(10);
      expect(showResults.filter((r) => r !== 'sold').every((r) => r === 'sold_out')).toBe(true);
      const held = await t.db.query<{ sold: number; booked: number; tickets: number }>(
        `SELECT q.sold, (SELECT count(*)::int FROM ticket_shows WHERE quota_id = q.id) AS booked,
                (SELECT count(*)::int FROM tickets tk JOIN ticket_types ty ON ty.id = tk.type_id
                 WHERE ty.code = 'D-SHOW' AND tk.visit_date = $2) AS tickets
         FROM show_quotas q WHERE q.id = $1`,
        [seats, showDay],
      );
      expect(held.rows[0]).toEqual({ sold: 10, booked: 10, tickets: 10 });
      const unguarded = await seatsOf(addDays(today, 6));
      let taken = 0;
      await Promise.all(
        cashiers.map(async () => {
          const q = await t.db.query<{ left: number }>(
            'SELECT capacity - sold AS left FROM show_quotas WHERE id = $1',
            [unguarded],
          );
          if (q.rows[0].left < 1) return;
          await t.db.query('UPDATE show_quotas SET sold = sold + 1 WHERE id = $1', [unguarded]);
          taken++;
        }),
      );
      expect(taken).toBeGreaterThan(10);

      // A refund and a gate admission of the same ticket at once: exactly one of the two, every time;
      // over the rounds both outcomes happen (the race is real).
      const outcomes = { refunded: 0, admitted: 0 };
      for (let round = 0; round < 12; round++) {
        const c = cashiers[round % cashiers.length];
        const s = await sellAtWindow(rt, c.actor, {
          shiftId: c.shiftId,
          ref: `rr-${randomUUID()}`,
          items: [{ type: 'D-ADULT', qty: 1, date: today }],
          amount: 100,
          payments: [{ method: 'cash', amount: 100 }],
        });
        const ticket = s.order.tickets[0];
        const [refund, admission] = await Promise.all([
          refundAtDesk(rt, c.actor, { orderId: s.order.id, ticketIds: [ticket.id] }).then(
            () => true,
            () => false,
          ),
          scan(ticket.code),
        ]);
        const admitted = 'result' in admission && admission.result === 'admit';
        expect(refund !== admitted, `round ${round}: refunded ${refund}, admitted ${admitted}`).toBe(true);
        if (refund) outcomes.refunded++;
        else outcomes.admitted++;
      }
      console.log(`refund vs admission over 12 rounds: ${JSON.stringify(outcomes)}`);
      expect(outcomes.refunded + outcomes.admitted).toBe(12);
    },
  );
});
