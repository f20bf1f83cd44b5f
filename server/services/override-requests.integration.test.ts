import { randomUUID } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../db/migrate.ts';
import type { AppError } from '../../lib/errors.ts';
import type { TDeskSubscribeAck } from '../../lib/schemas/live.ts';
import type { TOverrideRequestView } from '../../lib/schemas/override-request.ts';
import { addDays } from '../../lib/venue-time.ts';
import { connectSocket, sessionCookie, startTestApp } from '../../tests/helpers/app.ts';
import { backends, eventually, type TestDb } from '../../tests/helpers/backends.ts';
import { addTicketType, venueToday } from '../../tests/helpers/venue.ts';
import type { App } from '../app.ts';
import { CLI_ACTOR, type TActor } from './actor.ts';
import { createChannel, createUser } from './admin.ts';
import { admitAtDesk, openShift, sellAtWindow } from './front-desk.ts';
import {
  cancelOverride,
  claimApproval,
  decideOverride,
  expireOverdueOverrides,
  overrideRequest,
  pendingOverrides,
  requestOverride,
} from './override-requests.ts';
import { seedDemo } from './seed.ts';

/**
 * Remote supervisor approval on every backend: a desk asks, a supervisor of the venue approves or
 * denies, the desk admits once with the approval (recorded on the scan like an override with
 * credentials), and the lifecycle refuses everything else by name. The hub pushes the pending list
 * to the venue's supervisors and the answer to the desk. On PostgreSQL, races with their controls.
 */

describe.each(backends())('override requests on $name', (backend) => {
  let t: TestDb;
  let app: App;
  let venueId: number;
  let gateId: number;
  let cashier: TActor;
  let otherCashier: TActor;
  let manager: TActor;
  let shiftId: number;
  const sockets: Socket[] = [];
  const tomorrow = addDays(venueToday(), 1);

  const user = async (role: 'frontdesk' | 'manager', tag: string): Promise<TActor> => {
    const email = `${tag}-${randomUUID().slice(0, 8)}@approvals.test`;
    const { id } = await createUser(t.db, CLI_ACTOR, {
      email,
      name: email,
      role,
      password: 'approvals-password-1',
      venues: ['YUNLING'],
    });
    return { kind: 'user', id, label: email };
  };

  /** Tickets for tomorrow: the gates refuse them today (not_valid_today), so a desk asks for an override. */
  const tickets = async (qty: number): Promise<number[]> => {
    const sold = await sellAtWindow(app.runtime, cashier, {
      shiftId,
      ref: `o-${randomUUID()}`,
      items: [{ type: 'O-ADULT', qty, date: tomorrow }],
      amount: 100 * qty,
      payments: [{ method: 'cash', amount: 100 * qty }],
    });
    return sold.order.tickets.map((x) => x.id);
  };
  const ask = (actor: TActor, ticketId: number, extra: Record<string, unknown> = {}) =>
    requestOverride(app.runtime, actor, { gateId, ticketId, direction: 'in', reason: 'device_fault', ...extra });
  const admit = (actor: TActor, ticketId: number, approvalId: number, requestId = randomUUID()) =>
    admitAtDesk(app.runtime, actor, { gateId, ticketId, direction: 'in', requestId, override: { approvalId } });
  const codeOf = (p: Promise<unknown>) =>
    p.then(
      () => 'ok',
      (e: AppError) => e.code,
    );

  beforeAll(async () => {
    t = await backend.create();
    await migrate(t.db);
    await seedDemo(t.db, `/tmp/tw-approvals-${backend.name}-${process.pid}`, CLI_ACTOR);
    venueId = (await t.db.query<{ id: number }>("SELECT id FROM venues WHERE code = 'YUNLING'")).rows[0].id;
    gateId = (await t.db.query<{ id: number }>("SELECT id FROM gates WHERE code = 'MG-01'")).rows[0].id;
    await addTicketType(t.db, venueId, 'O-ADULT', { draws_day_quota: false, price_fen: 10000 });
    app = await startTestApp(t.db);
    cashier = await user('frontdesk', 'cashier');
    otherCashier = await user('frontdesk', 'other');
    manager = await user('manager', 'manager');
    const ch = await createChannel(t.db, CLI_ACTOR, { code: 'WIN-APPR', kind: 'window', venue: 'YUNLING' });
    shiftId = (await openShift(app.runtime, cashier, { channelId: ch.id, openingFloat: 0 }, venueId)).id;
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await app?.close();
    await t?.cleanup();
  });

  it('asks, approves and admits once with the approval, recorded on the scan like an override with credentials', async () => {
    const [ticketId] = await tickets(1);
    const asked = await ask(cashier, ticketId, { note: '闸机读不出二维码' });
    expect(asked).toMatchObject({
      state: 'pending',
      refusal: 'not_valid_today',
      reason: 'device_fault',
      note: '闸机读不出二维码',
      requestedBy: { id: cashier.id },
      gate: { code: 'MG-01' },
      ticket: { id: ticketId, type: 'O-ADULT' },
    });
    // The ticket's code is a bearer credential: the request shows its ends only.
    expect(asked.ticket.code).toMatch(/^.{4}….{4}$/);
    // Asking again for the same ticket, gate and direction is the same request.
    expect((await ask(cashier, ticketId)).id).toBe(asked.id);
    expect((await pendingOverrides(t.db, venueId)).map((r) => r.id)).toContain(asked.id);

    // Not usable before a supervisor approves it, and a desk does not approve.
    expect(await codeOf(admit(cashier, ticketId, asked.id))).toBe('conflict');
    const approved = await decideOverride(app.runtime, manager, { requestId: asked.id, note: '可以' }, 'approved');
    expect(approved).toMatchObject({ state: 'approved', decidedBy: { email: manager.label }, decisionNote: '可以' });
    expect((await pendingOverrides(t.db, venueId)).map((r) => r.id)).not.toContain(asked.id);
    // Another supervisor answering later is told who answered first.
    const second = await user('manager', 'late');
    await expect(decideOverride(app.runtime, second, { requestId: asked.id }, 'denied')).rejects.toThrow(
      `already approved by ${manager.label}`,
    );

    // Only the desk that asked, for that ticket, gate and direction.
    expect(await codeOf(admit(otherCashier, ticketId, asked.id))).toBe('forbidden');
    expect(
      await codeOf(
        admitAtDesk(app.runtime, cashier, {
          gateId,
          ticketId,
          direction: 'out',
          requestId: randomUUID(),
          override: { approvalId: asked.id },
        }),
      ),
    ).toBe('invalid');
    const requestId = randomUUID();
    const ack = await admit(cashier, ticketId, asked.id, requestId);
    expect(ack).toMatchObject({ result: 'admit', supervisor: manager.label });
    // A retry of the same admission (its answer was lost) gets past the approval again, and the
    // gates' idempotency answers it without a second entry; another admission is refused.
    expect(await admit(cashier, ticketId, asked.id, requestId)).toMatchObject({
      id: `desk-${cashier.id}-${requestId}`,
      result: 'admit',
    });
    await expect(admit(cashier, ticketId, asked.id)).rejects.toThrow('already used');
    const scans = await t.db.query<{ override_reason: string; supervisor_id: number; manual_user_id: number }>(
      'SELECT override_reason, supervisor_id, manual_user_id FROM gate_scans WHERE ticket_id = $1',
      [ticketId],
    );
    expect(scans.rows).toEqual([
      { override_reason: 'device_fault', supervisor_id: manager.id, manual_user_id: cashier.id },
    ]);
    expect(
      (await overrideRequest(app.runtime, { id: cashier.id!, role: 'frontdesk' }, { requestId: asked.id })).state,
    ).toBe('used');
    // Every step is in the audit log, the admission as a gate.override naming the supervisor and the approval.
    const audit = await t.db.query<{ action: string; actor_label: string; after: Record<string, unknown> }>(
      `SELECT action, actor_label, after FROM audit_log
       WHERE (subject_kind = 'override_request' AND subject_id = $1) OR (action = 'gate.override' AND subject_id = $2)
       ORDER BY id`,
      [String(asked.id), String(ticketId)],
    );
    expect(audit.rows.slice(0, 3).map((r) => [r.action, r.actor_label])).toEqual([
      ['override.request', cashier.label],
      ['override.approve', manager.label],
      ['gate.override', cashier.label],
    ]);
    // The retry is answered but not audited again: one admission, one override in the trail.
    expect(audit.rows).toHaveLength(3);
    expect(audit.rows[2].after).toMatchObject({ request: requestId });
    expect(audit.rows[2].after).toMatchObject({
      supervisor: manager.label,
      approvalId: asked.id,
      overrideReason: 'device_fault',
    });
  });

  it('says no by name: a denial with its note, a withdrawn request, one of your own, one the gates admit anyway', async () => {
    const [a, b, c] = await tickets(3);
    const denied = await decideOverride(
      app.runtime,
      manager,
      { requestId: (await ask(cashier, a)).id, note: '请游客到售票处改签' },
      'denied',
    );
    expect(denied).toMatchObject({ state: 'denied', decisionNote: '请游客到售票处改签' });
    await expect(admit(cashier, a, denied.id)).rejects.toThrow(`already denied by ${manager.label}`);

    // The desk withdraws its request; nobody else can, and it cannot be decided afterwards.
    const asked = await ask(cashier, b);
    expect(await codeOf(cancelOverride(app.runtime, otherCashier, { requestId: asked.id }))).toBe('forbidden');
    expect(await cancelOverride(app.runtime, cashier, { requestId: asked.id })).toMatchObject({ state: 'cancelled' });
    expect(await codeOf(decideOverride(app.runtime, manager, { requestId: asked.id }, 'approved'))).toBe('conflict');
    // A desk sees its own requests, not other desks'.
    expect(
      await codeOf(overrideRequest(app.runtime, { id: otherCashier.id!, role: 'frontdesk' }, { requestId: asked.id })),
    ).toBe('forbidden');

    // A supervisor at the desk does not approve their own request.
    const own = await ask(manager, c);
    await expect(decideOverride(app.runtime, manager, { requestId: own.id }, 'approved')).rejects.toThrow('your own');
    await cancelOverride(app.runtime, manager, { requestId: own.id });

    // A ticket the gates admit needs no override.
    const today = await sellAtWindow(app.runtime, cashier, {
      shiftId,
      ref: `o-${randomUUID()}`,
      items: [{ type: 'O-ADULT', qty: 1, date: venueToday() }],
      amount: 100,
      payments: [{ method: 'cash', amount: 100 }],
    });
    await expect(ask(cashier, today.order.tickets[0].id)).rejects.toThrow('admitted by the rules now');
  });

  it('expires a request nobody answered and an approval nobody used, and refuses one whose supervisor lost the role', async () => {
    const [a, b, c] = await tickets(3);
    const waiting = await ask(cashier, a);
    const approved = await decideOverride(app.runtime, manager, { requestId: (await ask(cashier, b)).id }, 'approved');
    await t.db.query(
      "UPDATE override_requests SET expires_at = now() - interval '1 second' WHERE id = ANY($1::bigint[])",
      [[waiting.id, approved.id]],
    );
    // Out of time before any sweep: not in the list, not usable, and the desk is told it expired.
    expect((await pendingOverrides(t.db, venueId)).map((r) => r.id)).not.toContain(waiting.id);
    expect(await codeOf(admit(cashier, b, approved.id))).toBe('conflict');
    expect(
      (await overrideRequest(app.runtime, { id: cashier.id!, role: 'frontdesk' }, { requestId: waiting.id })).state,
    ).toBe('expired');
    // The hub's sweep (every instance, every few seconds) moves them; asking again is a new request.
    await eventually(
      async () =>
        (
          await t.db.query<{ n: number }>(
            "SELECT count(*)::int AS n FROM override_requests WHERE id = ANY($1::bigint[]) AND state = 'expired'",
            [[waiting.id, approved.id]],
          )
        ).rows[0].n === 2,
      'the sweep to expire both',
    );
    expect(await expireOverdueOverrides(app.runtime)).toBe(0);
    expect((await ask(cashier, a)).id).not.toBe(waiting.id);

    // The approving manager is made an operator before the desk uses the approval: refused.
    const fickle = await user('manager', 'fickle');
    const ok = await decideOverride(app.runtime, fickle, { requestId: (await ask(cashier, c)).id }, 'approved');
    await t.db.query("UPDATE users SET role = 'operator' WHERE id = $1", [fickle.id]);
    await expect(admit(cashier, c, ok.id)).rejects.toThrow('can no longer approve');
    // Refused without using it up.
    expect(
      (await overrideRequest(app.runtime, { id: cashier.id!, role: 'frontdesk' }, { requestId: ok.id })).state,
    ).toBe('approved');
  });

  it('pushes the pending list to the venue supervisors, the answer to the desk that asked, and coalesced catalog changes', async () => {
    const [ticketId] = await tickets(1);
    const open = async (who: TActor) => {
      const s = await connectSocket(`${app.url}/desk`, { cookie: await sessionCookie(who.id!) });
      sockets.push(s);
      return s;
    };
    const sup = await open(manager);
    const desk = await open(cashier);
    const lists: TOverrideRequestView[][] = [];
    const decided: TOverrideRequestView[] = [];
    let catalogs = 0;
    let deskLists = 0;
    sup.on('desk:overrides', (m: { pending: TOverrideRequestView[] }) => lists.push(m.pending));
    desk.on('desk:override-decided', (m: { request: TOverrideRequestView }) => decided.push(m.request));
    desk.on('desk:catalog', () => catalogs++);
    desk.on('desk:overrides', () => deskLists++);
    const supAck = (await sup.emitWithAck('subscribe', { venueId })) as TDeskSubscribeAck;
    expect(supAck).toMatchObject({ ok: true, supervisor: true, pending: expect.any(Array) });
    expect(await desk.emitWithAck('subscribe', { venueId })).toEqual({
      ok: true,
      venueId,
      supervisor: false,
      at: expect.any(String),
    });

    const asked = await ask(cashier, ticketId);
    await eventually(() => lists.at(-1)?.some((r) => r.id === asked.id), 'the request on the supervisor screen');
    await decideOverride(app.runtime, manager, { requestId: asked.id, note: 'ok' }, 'approved');
    const answer = await eventually(() => decided.find((r) => r.id === asked.id), 'the answer at the desk');
    expect(answer).toMatchObject({ state: 'approved', decisionNote: 'ok' });
    await eventually(() => lists.at(-1) && !lists.at(-1)!.some((r) => r.id === asked.id), 'the list without it');
    expect(deskLists, 'a desk user is sent no override requests').toBe(0);

    // Ten sales in a row reach the sell screens at most once a second, not once per sale.
    catalogs = 0;
    const from = Date.now();
    for (let i = 0; i < 10; i++) await tickets(1);
    await eventually(() => catalogs > 0, 'a catalog change');
    await new Promise((r) => setTimeout(r, 1_200));
    expect(catalogs).toBeLessThanOrEqual(Math.floor((Date.now() - from) / 1000) + 1);
    expect(catalogs).toBeLessThan(10);

    // A supervisor made a cashier stops getting the requests at the hub's next look at its screens' users.
    const demoted = await user('manager', 'demoted');
    const screen = await open(demoted);
    expect(await screen.emitWithAck('subscribe', { venueId })).toMatchObject({ ok: true, supervisor: true });
    const rooms = () => app.runtime.hub!.io.of('/desk').sockets.get(screen.id!)?.rooms;
    expect(rooms()?.has(`supervisors:${venueId}`)).toBe(true);
    await t.db.query("UPDATE users SET role = 'frontdesk' WHERE id = $1", [demoted.id]);
    await eventually(
      () => rooms() && !rooms()!.has(`supervisors:${venueId}`),
      'the demoted supervisor out of the room',
    );
    expect(rooms()?.has(`venue:${venueId}`), 'still a desk of the venue').toBe(true);
  });

  // Races need several sessions: PostgreSQL only.
  it.runIf(backend.name === 'postgres')(
    'of supervisors deciding at once one wins, and an approval used twice at once admits once; the controls show both races are real',
    async () => {
      const rt = app.runtime;
      const supervisors = await Promise.all([0, 1, 2, 3].map((i) => user('manager', `race-${i}`)));
      const ROUNDS = 15;
      const ids = await tickets(ROUNDS * 4 + 1);
      let at = 0;

      // Four supervisors answer one request at once (two approve, two deny).
      const raceDecisions = async (guarded: boolean) => {
        const winners: number[] = [];
        for (let round = 0; round < ROUNDS; round++) {
          const req = await ask(cashier, ids[at++]);
          const results = await Promise.all(
            supervisors.map((s, i) =>
              codeOf(decideOverride(rt, s, { requestId: req.id }, i % 2 ? 'denied' : 'approved', { guarded })),
            ),
          );
          winners.push(results.filter((r) => r === 'ok').length);
          const decisions = await t.db.query<{ n: number }>(
            "SELECT count(*)::int AS n FROM audit_log WHERE subject_kind = 'override_request' AND subject_id = $1 AND action IN ('override.approve', 'override.deny')",
            [String(req.id)],
          );
          expect(decisions.rows[0].n, `round ${round}: decisions audited`).toBe(winners.at(-1));
        }
        return winners;
      };
      const guardedDecide = await raceDecisions(true);
      expect(guardedDecide, 'one winner every round').toEqual(Array(ROUNDS).fill(1));
      const controlDecide = await raceDecisions(false);
      console.log(`override decisions, winners per round without the guard: ${controlDecide.join(' ')}`);
      expect(Math.max(...controlDecide), 'without the guard two supervisors both decide').toBeGreaterThan(1);

      // One approval, two admissions at once (two different admission ids, as after a double key on two PCs).
      const raceUses = async (guarded: boolean) => {
        const used: number[] = [];
        for (let round = 0; round < ROUNDS; round++) {
          const ticketId = ids[at++];
          const req = await ask(cashier, ticketId);
          await decideOverride(rt, manager, { requestId: req.id }, 'approved');
          const claim = () =>
            codeOf(
              claimApproval(
                rt,
                cashier,
                { approvalId: req.id, ticketId, gateId, direction: 'in', admissionId: randomUUID() },
                { guarded },
              ),
            );
          used.push((await Promise.all([claim(), claim()])).filter((r) => r === 'ok').length);
        }
        return used;
      };
      const guardedUse = await raceUses(true);
      expect(guardedUse, 'one use every round').toEqual(Array(ROUNDS).fill(1));
      const controlUse = await raceUses(false);
      console.log(`approval uses per round without the guard: ${controlUse.join(' ')}`);
      expect(Math.max(...controlUse), 'without the guard an approval is used twice').toBe(2);

      // End to end: the same approval at two desks' admissions at once lets one visitor in.
      const ticketId = ids[at++];
      const req = await ask(cashier, ticketId);
      await decideOverride(rt, manager, { requestId: req.id }, 'approved');
      const both = await Promise.all([
        codeOf(admit(cashier, ticketId, req.id)),
        codeOf(admit(cashier, ticketId, req.id)),
      ]);
      expect(both.sort()).toEqual(['conflict', 'ok']);
      const admitted = await t.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM gate_scans WHERE ticket_id = $1 AND result = 'admit'",
        [ticketId],
      );
      expect(admitted.rows[0].n).toBe(1);
    },
  );
});
