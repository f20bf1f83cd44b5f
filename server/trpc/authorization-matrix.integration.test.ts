import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../db/client.ts';
import { migrate } from '../../db/migrate.ts';
import { findUserForSignIn } from '../../db/queries/users.ts';
import { PUBLIC_SURFACE } from '../../lib/public-surface.ts';
import { AREA_ROLES, ROLES, type TRole } from '../../lib/roles.ts';
import { sessionCookie, startTestApp } from '../../tests/helpers/app.ts';
import { backends, type TestDb } from '../../tests/helpers/backends.ts';
import { createSecondVenue, type TSecondVenue } from '../../tests/helpers/second-venue.ts';
import type { App } from '../app.ts';
import { HTTP_ROUTES } from '../http/routes.ts';
import { SOCKET_SURFACE, type TNamespace } from '../realtime/surface.ts';
import { CLI_ACTOR } from '../services/actor.ts';
import { createUser } from '../services/admin.ts';
import { seedDemo } from '../services/seed.ts';
import type { TAccess, TMeta, TVenueScope } from './init.ts';
import { appRouter } from './root.ts';

/**
 * The authorization matrix: every procedure of the real appRouter (walked from its definition),
 * every HTTP route of the custom server (server/http/routes.ts) and every Socket.IO namespace and
 * event (server/realtime/surface.ts), against a signed-out caller and each role, including a user
 * of venue A asking for venue B's resources. A refused call must change nothing. New code is in
 * the matrix the day it is written; a procedure that declares no access fails it by name.
 */

type TProcedureDef = { _def: { type: 'query' | 'mutation' | 'subscription'; meta?: TMeta } };
const PROCEDURES = Object.entries(
  (appRouter as unknown as { _def: { procedures: Record<string, TProcedureDef> } })._def.procedures,
);

/** Tables written by background work (alarm evaluation, presence), left out of "nothing changed". */
const BACKGROUND_TABLES = new Set(['alarms', 'alarm_watch', 'devices', 'device_heartbeats', 'gate_activity']);
/** The header that bypassed Next.js middleware in CVE-2025-29927: sent by every signed-out call. */
const FORGED_MIDDLEWARE = { 'x-middleware-subrequest': 'middleware:middleware:middleware:middleware:middleware' };

const allowed = (role: TRole, access: TAccess) =>
  access === 'signedIn' || (AREA_ROLES[access] as readonly TRole[]).includes(role);

/** Content of every table (counts and digests) in one statement: what a refused call must leave as it was. */
async function snapshotQuery(db: Database): Promise<string> {
  const tables = (
    await db.query<{ t: string }>("SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
  ).rows
    .map((r) => r.t)
    .filter((t) => !BACKGROUND_TABLES.has(t));
  const parts = tables.map(
    (t) =>
      `'${t}', (SELECT count(*)::text || ':' || COALESCE(md5(string_agg(md5(x::text), '' ORDER BY md5(x::text))), '') FROM "${t}" x)`,
  );
  return `SELECT json_build_object(${parts.join(', ')})::text AS s`;
}

describe.each(backends().filter((b) => b.name !== 'pglite-timescaledb'))('authorization matrix on $name', (backend) => {
  let t: TestDb;
  let app: App;
  let venueA: number;
  let b: TSecondVenue;
  /** Venue B's attraction (its controls are venue B's too). */
  let bAttractionId: number;
  let snapshotSql: string;
  const cookies = new Map<TRole, string>();
  const sockets: Socket[] = [];
  let cells = 0;

  const snapshot = async () => (await t.db.query<{ s: string }>(snapshotSql)).rows[0].s;

  async function call(path: string, type: 'query' | 'mutation', input: unknown, headers: Record<string, string>) {
    const url = `${app.url}/api/trpc/${path}`;
    const body = JSON.stringify({ json: input ?? null });
    const res =
      type === 'mutation'
        ? await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body })
        : await fetch(`${url}?input=${encodeURIComponent(body)}`, { headers });
    await res.text();
    return res.status;
  }

  /** Calls and checks the refusal, and that nothing changed. */
  async function refused(
    path: string,
    type: 'query' | 'mutation',
    input: unknown,
    headers: Record<string, string>,
    status: number,
    who: string,
  ) {
    const before = await snapshot();
    const got = await call(path, type, input, headers);
    expect(got, `${path} as ${who}`).toBe(status);
    expect(await snapshot(), `${path} as ${who} changed the database`).toBe(before);
    cells++;
  }

  /** An input that names venue B's resource the way the procedure finds its venue. */
  function venueBInput(scope: Exclude<TVenueScope, 'none'>): Record<string, unknown> {
    if ('input' in scope) return { venueId: b.venueId };
    if ('resource' in scope) {
      const ids = {
        gate: b.gateId,
        zone: b.zoneId,
        channel: b.channelId,
        alarm: b.alarmId,
        ticket: b.ticketId,
        order: b.orderId,
        shift: b.shiftId,
        overrideRequest: b.overrideRequestId,
        attraction: bAttractionId,
      };
      return { [scope.key]: ids[scope.resource] };
    }
    if ('gateRef' in scope) return { gate: b.gateCode, venue: b.code };
    return { [scope.venueCode]: b.code, code: 'MATRIX-X', kind: 'online' };
  }

  beforeAll(async () => {
    t = await backend.create();
    await migrate(t.db);
    await seedDemo(t.db, `/tmp/tw-matrix-${backend.name}-${process.pid}`, CLI_ACTOR);
    venueA = (await t.db.query<{ id: number }>("SELECT id FROM venues WHERE code = 'YUNLING'")).rows[0].id;
    b = await createSecondVenue(t.db);
    bAttractionId = (
      await t.db.query<{ id: number }>(
        `INSERT INTO attractions (venue_id, code, name_zh, name_en, kind, hourly_capacity)
         VALUES ($1, 'B-LIFT', '乙缆车', 'B lift', 'lift', 600) RETURNING id`,
        [b.venueId],
      )
    ).rows[0].id;
    for (const role of ROLES) {
      const email = `${role}-a@matrix.test`;
      await createUser(t.db, CLI_ACTOR, {
        email,
        name: email,
        role,
        password: 'matrix-password-1',
        venues: ['YUNLING'],
      });
      cookies.set(role, await sessionCookie((await findUserForSignIn(t.db, email))!.id));
    }
    snapshotSql = await snapshotQuery(t.db);
    app = await startTestApp(t.db);
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await app?.close();
    await t?.cleanup();
  });

  it('every procedure declares its access and venue scope, and every change its audit action', () => {
    expect(PROCEDURES.length).toBeGreaterThan(0);
    const undeclared = PROCEDURES.filter(([, p]) => !p._def.meta?.access || !p._def.meta?.venue).map(([path]) => path);
    expect(undeclared, 'procedures without a declared access or venue scope').toEqual([]);
    const unaudited = PROCEDURES.filter(([, p]) => p._def.type === 'mutation' && !p._def.meta?.audit).map(
      ([path]) => path,
    );
    expect(unaudited, 'mutations without a declared audit action').toEqual([]);
  });

  it('refuses every procedure to a signed-out caller, to roles outside its area and for another venue, changing nothing', async () => {
    let venueCases = 0;
    for (const [path, p] of PROCEDURES) {
      const { access, venue } = p._def.meta as Required<Pick<TMeta, 'access' | 'venue'>>;
      const type = p._def.type === 'mutation' ? 'mutation' : 'query';
      const own = venue === 'none' ? {} : venueBInput(venue);
      // Signed out, with the forged middleware header: refused all the same.
      await refused(path, type, own, FORGED_MIDDLEWARE, 401, 'signed out');
      for (const role of ROLES) {
        const cookie = { cookie: cookies.get(role)! };
        if (!allowed(role, access)) {
          await refused(path, type, own, cookie, 403, role);
          continue;
        }
        if (venue !== 'none') {
          // A user of venue A naming venue B's resource.
          await refused(path, type, venueBInput(venue), cookie, 403, `${role} of venue A asking for venue B`);
          venueCases++;
        }
        if (type === 'query' && (venue === 'none' || 'input' in venue)) {
          // The control: the same role on its own venue gets through the checks (a query that needs
          // more input than the venue answers 400, after them; never 401 or 403).
          const status = await call(path, type, venue === 'none' ? {} : { venueId: venueA }, cookie);
          expect([200, 400], `${path} as ${role} on its own venue: ${status}`).toContain(status);
          cells++;
        }
      }
    }
    console.log(
      `authorization matrix (${backend.name}): ${PROCEDURES.length} procedures x ${ROLES.length + 1} callers (${ROLES.length} roles + signed out), ${venueCases} venue-B cases: ${cells} cells checked`,
    );
  });

  it("guests.journey: the venue named is checked, and an anchor of another venue is not found under one's own", async () => {
    // The matrix above refuses venue B by its venueId; here venue A's desk names venue A but
    // anchors the journey on venue B's order or ticket: the service answers it does not exist.
    for (const role of ROLES.filter((r) => allowed(r, 'frontdesk'))) {
      const cookie = { cookie: cookies.get(role)! };
      for (const anchor of [`o-${b.orderId}`, `t-${b.ticketId}`]) {
        const before = await snapshot();
        expect(await call('guests.journey', 'query', { venueId: venueA, anchor }, cookie), `${anchor} as ${role}`).toBe(
          404,
        );
        expect(await snapshot()).toBe(before);
        cells++;
      }
      // The control: an anchor of its own venue answers.
      const own = (await t.db.query<{ id: number }>('SELECT id FROM orders WHERE venue_id = $1 LIMIT 1', [venueA]))
        .rows[0];
      expect(await call('guests.journey', 'query', { venueId: venueA, anchor: `o-${own.id}` }, cookie)).toBe(200);
      cells++;
    }
  });

  it('serves signed-out callers only what the public allow-list names', async () => {
    for (const route of HTTP_ROUTES) {
      const isPublic = route.access === 'public';
      expect(isPublic, `route ${route.name} is public but not in lib/public-surface.ts`).toBe(
        (PUBLIC_SURFACE.httpRoutes as readonly string[]).includes(route.name),
      );
      if (route.access === 'device' || route.access === 'channel') {
        expect(
          (PUBLIC_SURFACE.tokenRoutes as readonly string[]).includes(route.name),
          `token route ${route.name} not in the allow-list`,
        ).toBe(true);
      }
      for (const [who, headers] of [
        ['signed out', FORGED_MIDDLEWARE],
        ['operator session', { cookie: cookies.get('operator')! }],
      ] as const) {
        const before = await snapshot();
        const res = await fetch(`${app.url}${route.example}`, {
          method: route.method,
          headers: { ...headers, 'content-type': 'application/json' },
          body: route.method === 'POST' ? '{}' : undefined,
        });
        await res.text();
        const expected = isPublic ? [200] : route.access === 'metrics' && who === 'operator session' ? [403] : [401];
        expect(expected, `${route.method} ${route.example} as ${who}: ${res.status}`).toContain(res.status);
        expect(await snapshot(), `${route.name} as ${who} changed the database`).toBe(before);
        cells++;
      }
    }
  });

  it('refuses every socket namespace and event to callers without the credential it takes', async () => {
    const connect = (ns: string, opts: { token?: string; cookie?: string } = {}) =>
      new Promise<Socket | Error>((resolve) => {
        const s = io(`${app.url}${ns}`, {
          transports: ['websocket'],
          reconnection: false,
          forceNew: true,
          auth: opts.token ? { token: opts.token } : undefined,
          extraHeaders: { ...FORGED_MIDDLEWARE, ...(opts.cookie ? { cookie: opts.cookie } : {}) },
        });
        s.once('connect', () => {
          sockets.push(s);
          resolve(s);
        });
        s.once('connect_error', (err) => {
          s.close();
          resolve(err);
        });
      });
    const served = [...app.runtime.hub!.io._nsps.keys()].filter((n) => n !== '/').sort();
    expect(served, 'namespaces the hub serves = server/realtime/surface.ts').toEqual(
      Object.keys(SOCKET_SURFACE).sort(),
    );
    for (const ns of Object.keys(SOCKET_SURFACE) as TNamespace[]) {
      const surface = SOCKET_SURFACE[ns];
      // No credential (and a session cookie is no device or channel token).
      for (const cookie of [undefined, surface.auth === 'session' ? undefined : cookies.get('admin')]) {
        const r = await connect(ns, { cookie });
        expect(r, `${ns} without its credential`).toBeInstanceOf(Error);
        expect((r as Error).message).toBe('unauthorized');
        cells++;
      }
      expect((PUBLIC_SURFACE.tokenNamespaces as readonly string[]).includes(ns)).toBe(surface.auth !== 'session');
    }
    // /live: every role may connect; subscribing needs the area and the venue.
    for (const role of ROLES) {
      const s = (await connect('/live', { cookie: cookies.get(role)! })) as Socket;
      expect(s).not.toBeInstanceOf(Error);
      const mine = await s.emitWithAck('subscribe', { venueId: venueA });
      if (allowed(role, SOCKET_SURFACE['/live'].area))
        expect(mine, `${role} subscribing to its venue`).toMatchObject({ ok: true });
      else expect(mine, `${role} subscribing`).toMatchObject({ error: { code: 'forbidden' } });
      expect(await s.emitWithAck('subscribe', { venueId: b.venueId }), `${role} subscribing to venue B`).toMatchObject({
        error: { code: 'forbidden' },
      });
      expect(await s.emitWithAck('no-such-event', {})).toMatchObject({ error: { code: 'invalid' } });
      cells += 3;
      // The hub answers exactly the surface's events on this namespace.
      const server = [...app.runtime.hub!.io.of('/live').sockets.values()].find((x) => x.id === s.id)!;
      const events = server.eventNames().filter((e) => e !== 'disconnect' && e !== 'disconnecting' && e !== 'error');
      expect(events.sort()).toEqual([...SOCKET_SURFACE['/live'].events].sort());
      s.close();
    }
    // /desk: every role may connect; subscribing needs the front desk and the venue, and only the
    // venue's supervisors get its override requests (and join the room they are pushed to).
    for (const role of ROLES) {
      const s = (await connect('/desk', { cookie: cookies.get(role)! })) as Socket;
      expect(s).not.toBeInstanceOf(Error);
      const mine = await s.emitWithAck('subscribe', { venueId: venueA });
      const server = [...app.runtime.hub!.io.of('/desk').sockets.values()].find((x) => x.id === s.id)!;
      if (allowed(role, SOCKET_SURFACE['/desk'].area)) {
        const supervisor = allowed(role, 'controls');
        expect(mine, `${role} subscribing to its venue`).toMatchObject({ ok: true, supervisor });
        expect('pending' in mine, `${role} gets the pending override requests`).toBe(supervisor);
        expect(server.rooms.has(`supervisors:${venueA}`), `${role} in the supervisors' room`).toBe(supervisor);
      } else {
        expect(mine, `${role} subscribing`).toMatchObject({ error: { code: 'forbidden' } });
        expect([...server.rooms], `${role} joined no room`).toEqual([s.id]);
      }
      expect(await s.emitWithAck('subscribe', { venueId: b.venueId }), `${role} subscribing to venue B`).toMatchObject({
        error: { code: 'forbidden' },
      });
      expect(await s.emitWithAck('no-such-event', {})).toMatchObject({ error: { code: 'invalid' } });
      cells += 3;
      const events = server.eventNames().filter((e) => e !== 'disconnect' && e !== 'disconnecting' && e !== 'error');
      expect(events.sort()).toEqual([...SOCKET_SURFACE['/desk'].events].sort());
      s.close();
    }
    console.log(`authorization matrix (${backend.name}): ${cells} cells in all`);
  });
});
