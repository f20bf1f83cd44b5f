import type { Server as HttpServer } from 'node:http';
import { Server, type Namespace, type Socket } from 'socket.io';
import { isUnavailableError } from '../../db/client.ts';
import type { ChannelRow } from '../../db/queries/channels.ts';
import {
  listStaleConnected,
  markConnected,
  markDisconnected,
  recordHeartbeat,
  type DeviceAuthRow,
} from '../../db/queries/devices.ts';
import { listGateStatus, type GateStatusRow } from '../../db/queries/gates.ts';
import { readLiveCounters, readVenueClock } from '../../db/queries/scans.ts';
import { listOpenAlarms, type AlarmRow } from '../../db/queries/alarms.ts';
import { localTime } from '../../lib/venue-time.ts';
import { acceptOrder, acceptScan, acceptScanBatch } from '../ingest/streams.ts';
import { AppError } from '../../lib/errors.ts';
import { canUse } from '../../lib/roles.ts';
import { ZHeartbeat, type THeartbeatAck } from '../../lib/schemas/device.ts';
import {
  ZSubscribe,
  type DeskClientEvents,
  type DeskServerEvents,
  type LiveClientEvents,
  type LiveServerEvents,
  type TAlarm,
  type TDeskSubscribeAck,
  type TGateStatus,
  type TSubscribeAck,
} from '../../lib/schemas/live.ts';
import type { TOverrideRequestView } from '../../lib/schemas/override-request.ts';
import { canSeeVenue, userById, userFromCookieHeader, type TSessionUser } from '../auth/session.ts';
import { toAckError } from '../errors.ts';
import { metrics } from '../metrics.ts';
import type { Runtime } from '../runtime.ts';
import { withDeadline } from '../deadline.ts';
import { HANDSHAKE_RETRY_MS, type TTokenCheck } from '../services/token-auth.ts';
import { expireOverdueOverrides, isSupervisorRole, pendingOverrides } from '../services/override-requests.ts';
import { SOCKET_SURFACE } from './surface.ts';
import { getOrInsert } from '../../lib/map.ts';

/** How often gate changes are flushed to screens (ms): bursts of heartbeats become one update. */
const GATE_FLUSH_MS = 250;
/** How often revoked devices, stale devices and changed users are swept (ms); revocation must bite within 5 s. */
const SWEEP_MS = 2_000;
/**
 * Sell screens are told a venue's sales changed at most this often (ms): each one refetches its
 * catalog, so a burst of channel orders must become one refetch, not one per order.
 */
const CATALOG_FLUSH_MS = 1_000;

export interface RealtimeHub {
  io: Server;
  /** Marks gates as changed; screens get their new state in the next flush. */
  touchGates(venueId: number, gateIds: number[]): void;
  /**
   * Marks a venue's counters as changed (scans, sales); screens get them in the next flush. Sales
   * (the default) also tell the front desk's sell screens that places left changed; scans do not.
   */
  touchCounters(venueId: number, what?: 'sales' | 'scans'): void;
  /** Marks a venue's override requests as changed; its supervisors get the pending list in the next flush. */
  touchOverrides(venueId: number): void;
  /** Tells the desk user who asked that their override request was decided (or withdrawn, or expired). */
  overrideDecided(userId: number, request: TOverrideRequestView): void;
  /** Marks a venue's alarms as changed; screens get the open alarms in the next flush. */
  touchAlarms(venueId: number): void;
  /** Tells screens the controls changed (this instance's screens; every instance hears the change itself), desks included. */
  controlsChanged(venueId: number | null): void;
  /** Disconnects every socket, for shutdown. */
  close(): Promise<void>;
}

interface DeviceData {
  device: DeviceAuthRow;
  /** sha256 of the bearer token (hex), re-verified by the sweep. */
  tokenHash: string;
  connectedAt?: Date;
}
interface ChannelData {
  channel: ChannelRow;
  tokenHash: string;
}
/** markConnected failed (database down): try again this often while the socket stays (ms). */
const MARK_CONNECTED_RETRY_MS = 2_000;
/** A signed-in screen's socket, on /live or /desk. */
interface LiveData {
  user: TSessionUser;
}

export function toAlarm(a: AlarmRow): TAlarm {
  const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
  return {
    id: a.id,
    subjectKind: a.subject_kind,
    subjectId: a.subject_id,
    kind: a.kind,
    severity: a.severity,
    state: a.state,
    value: a.value,
    threshold: a.threshold,
    openedAt: new Date(a.opened_at).toISOString(),
    ackedAt: iso(a.acked_at),
    ackedBy: a.acked_by_label,
    ackNote: a.ack_note,
    escalated: !!a.escalated_at,
    clearedAt: iso(a.cleared_at),
  };
}

export function toGateStatus(r: GateStatusRow): TGateStatus {
  return {
    id: r.id,
    code: r.code,
    zoneCode: r.zone_code,
    nameZh: r.name_zh,
    nameEn: r.name_en,
    direction: r.direction,
    kind: r.kind,
    position: r.position,
    online: r.online,
    lastSeenAt: r.last_seen_at ? new Date(r.last_seen_at).toISOString() : null,
    queue: r.last_queue,
    battery: r.last_battery,
    devices: r.device_count,
  };
}

function bearer(socket: Socket): string | undefined {
  const t = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
  return typeof t === 'string' && t.length > 0 && t.length < 512 ? t : undefined;
}

/**
 * The handshake refusals of docs/device-protocol.md: `unauthorized` (a bad, revoked or missing
 * credential: do not retry with it) or `unavailable` (it could not be checked now: reconnect after
 * `data.retryAfterMs`). Socket.IO clients do not reconnect by themselves after a refusal.
 */
function refusal(code: 'unauthorized' | 'unavailable', retryAfterMs?: number): Error {
  const err = new Error(code) as Error & { data?: unknown };
  err.data =
    code === 'unavailable'
      ? {
          code,
          message: 'the server cannot check credentials right now (its database is not answering); reconnect later',
          retryAfterMs,
        }
      : { code, message: 'the credential is missing, unknown or revoked' };
  return err;
}

/**
 * The bearer-token handshake of /gates and /channels: the token is checked (or, during a database
 * outage, found among those this instance verified recently), accepted, or refused with one of the
 * two refusals; a failure of the check itself is `unavailable`, never silence.
 */
function tokenHandshake<T>(
  ns: '/gates' | '/channels',
  check: (token: string | undefined) => Promise<TTokenCheck<T>>,
  accept: (socket: Socket, row: T, tokenHash: string, cached: boolean) => void,
) {
  const handshake = async (socket: Socket, next: (err?: Error) => void) => {
    let c: TTokenCheck<T>;
    try {
      c = await check(bearer(socket));
    } catch {
      c = { ok: false, code: 'unavailable', retryAfterMs: HANDSHAKE_RETRY_MS };
    }
    if (c.ok) {
      accept(socket, c.row, c.tokenHash, c.cached);
      return next();
    }
    metrics.socketErrors.inc({ namespace: ns, code: c.code });
    next(c.code === 'unavailable' ? refusal('unavailable', c.retryAfterMs) : refusal('unauthorized'));
  };
  // Never rejects: a failed check is the `unavailable` refusal above.
  return (socket: Socket, next: (err?: Error) => void) => void handshake(socket, next);
}

/** Answers every event nobody handles with a typed error instead of silence. */
function rejectUnknownEvents(socket: Socket, known: Set<string>, ns: string): void {
  socket.onAny((event: string, ...args: unknown[]) => {
    if (known.has(event)) return;
    metrics.socketErrors.inc({ namespace: ns, code: 'unknown_event' });
    const ack = args[args.length - 1];
    if (typeof ack === 'function')
      ack({ error: { code: 'invalid', message: `unknown event "${String(event).slice(0, 64)}"` } });
  });
}

/**
 * The only code that touches the Socket.IO server: namespaces /gates (devices), /channels (sales
 * channels), /live (signed-in screens) and /desk (front-desk screens), on the app's HTTP server.
 */
export function createRealtimeHub(httpServer: HttpServer, rt: Runtime): RealtimeHub {
  const { db, config, logger, shared } = rt;
  const io = new Server(httpServer, {
    path: '/socket.io',
    serveClient: false,
    // Frames larger than this close the connection (websocket close 1009 / HTTP 413 on polling).
    maxHttpBufferSize: config.TIDEWATCH_MAX_MESSAGE_BYTES,
    adapter: shared.socketAdapter(),
    pingInterval: 10_000,
    pingTimeout: 8_000,
    cors: { origin: false },
  });

  // ---- gate updates, coalesced per venue ----
  const dirty = new Map<number, Set<number>>();
  const live: Namespace<LiveClientEvents, LiveServerEvents> = io.of('/live');
  const touchGates = (venueId: number, gateIds: number[]) => {
    const set = getOrInsert(dirty, venueId, () => new Set<number>());
    for (const id of gateIds) set.add(id);
  };
  let flushing = false;
  const flush = async () => {
    if (flushing || dirty.size === 0) return;
    flushing = true;
    const batch = [...dirty.entries()];
    dirty.clear();
    try {
      for (const [venueId, ids] of batch) {
        const rows = await listGateStatus(db, venueId, config.TIDEWATCH_HEARTBEAT_TIMEOUT_S, [...ids]);
        live
          .to(`venue:${venueId}`)
          .emit('gates:update', { venueId, gates: rows.map(toGateStatus), at: new Date().toISOString() });
      }
    } catch (err) {
      // Put them back: the next flush retries once the database answers.
      for (const [venueId, ids] of batch) touchGates(venueId, [...ids]);
      logger.warn({ err: (err as Error).message }, 'gate update flush failed');
    } finally {
      flushing = false;
    }
  };
  const flushTimer = setInterval(() => {
    void flush();
    void flushCounters();
    void flushAlarms();
    flushCatalog();
    void flushOverrides();
  }, GATE_FLUSH_MS);

  // ---- the front desk (/desk): catalog changes and override requests, coalesced per venue ----
  const desk: Namespace<DeskClientEvents, DeskServerEvents> = io.of('/desk');
  const dirtyCatalog = new Set<number>();
  let catalogSentAt = 0;
  /** Through the adapter: the instance that committed a sale tells every instance's sell screens. */
  const flushCatalog = () => {
    if (dirtyCatalog.size === 0 || Date.now() - catalogSentAt < CATALOG_FLUSH_MS) return;
    catalogSentAt = Date.now();
    const at = new Date().toISOString();
    for (const venueId of dirtyCatalog) desk.to(`venue:${venueId}`).emit('desk:catalog', { venueId, at });
    dirtyCatalog.clear();
  };
  const dirtyOverrides = new Set<number>();
  let flushingOverrides = false;
  /** The pending list whole, to the venue's supervisors on every instance (through the adapter). */
  const flushOverrides = async () => {
    if (flushingOverrides || dirtyOverrides.size === 0) return;
    flushingOverrides = true;
    const venues = [...dirtyOverrides];
    dirtyOverrides.clear();
    try {
      for (const venueId of venues)
        desk.to(`supervisors:${venueId}`).emit('desk:overrides', {
          venueId,
          pending: await pendingOverrides(db, venueId),
          at: new Date().toISOString(),
        });
    } catch (err) {
      for (const v of venues) dirtyOverrides.add(v);
      logger.warn({ err: (err as Error).message }, 'override requests flush failed');
    } finally {
      flushingOverrides = false;
    }
  };

  // ---- alarms, pushed whole per venue when they change ----
  const dirtyAlarms = new Set<number>();
  const alarmsOf = async (venueId: number) => (await listOpenAlarms(db, venueId)).map(toAlarm);
  let flushingAlarms = false;
  const flushAlarms = async () => {
    if (flushingAlarms || dirtyAlarms.size === 0) return;
    flushingAlarms = true;
    const venues = [...dirtyAlarms];
    dirtyAlarms.clear();
    try {
      for (const venueId of venues)
        live
          .to(`venue:${venueId}`)
          .emit('alarms:update', { venueId, alarms: await alarmsOf(venueId), at: new Date().toISOString() });
    } catch (err) {
      for (const v of venues) dirtyAlarms.add(v);
      logger.warn({ err: (err as Error).message }, 'alarm flush failed');
    } finally {
      flushingAlarms = false;
    }
  };

  // ---- live counters (entries, exits, occupancy, sales), coalesced per venue ----
  const dirtyCounters = new Set<number>();
  const clocks = new Map<number, Promise<{ timezone: string; resetMinute: number }>>();
  const venueDay = async (venueId: number) => {
    let c = clocks.get(venueId);
    if (!c) {
      c = readVenueClock(db, venueId);
      c.catch(() => clocks.delete(venueId));
      clocks.set(venueId, c);
    }
    const { timezone, resetMinute } = await c;
    return localTime(new Date(), timezone, resetMinute).day;
  };
  /** The business day whose counters each venue's screens were last sent. */
  const sentDay = new Map<number, string>();
  const countersOf = async (venueId: number) => {
    const counters = await readLiveCounters(db, venueId, await venueDay(venueId));
    sentDay.set(venueId, counters.day);
    return counters;
  };
  /**
   * A new business day begins at the venue's reset time, usually at night with nothing scanned:
   * its screens must drop yesterday's totals then, not at the first scan of the morning.
   */
  const touchNewDays = async () => {
    for (const room of live.adapter.rooms.keys()) {
      if (!room.startsWith('venue:')) continue;
      const venueId = Number(room.slice('venue:'.length));
      const day = sentDay.get(venueId);
      if (day !== undefined && (await venueDay(venueId)) !== day) dirtyCounters.add(venueId);
    }
  };
  let flushingCounters = false;
  const flushCounters = async () => {
    if (flushingCounters || dirtyCounters.size === 0) return;
    flushingCounters = true;
    const venues = [...dirtyCounters];
    dirtyCounters.clear();
    try {
      for (const venueId of venues) {
        live
          .to(`venue:${venueId}`)
          .emit('counters:update', { venueId, counters: await countersOf(venueId), at: new Date().toISOString() });
      }
    } catch (err) {
      for (const v of venues) dirtyCounters.add(v);
      logger.warn({ err: (err as Error).message }, 'counter flush failed');
    } finally {
      flushingCounters = false;
    }
  };

  // ---- /gates: devices authenticate with their bearer token ----
  const gates = io.of('/gates');
  gates.use(
    tokenHandshake(
      '/gates',
      (token) => rt.tokens!.device(token),
      (socket, device, tokenHash, cached) => {
        if (cached)
          logger.info(
            { gate: device.gate_code },
            'device let in from the known-token cache: the database did not answer',
          );
        Object.assign(socket.data as DeviceData, { device, tokenHash });
      },
    ),
  );
  gates.on('connection', (socket) => {
    const data = socket.data as DeviceData;
    const { device } = data;
    metrics.socketConnections.inc({ namespace: '/gates' });
    rejectUnknownEvents(socket, new Set(SOCKET_SURFACE['/gates'].events), '/gates');
    socket.join(`gate:${device.gate_id}`);
    // Handlers are registered before the first await: events sent right after connecting must not be lost.
    // A device let in during a database outage is recorded as connected once the database answers.
    const connected = (async () => {
      for (;;) {
        try {
          data.connectedAt = await markConnected(db, device.id, config.instanceId);
          touchGates(device.venue_id, [device.gate_id]);
          return;
        } catch (err) {
          logger.warn({ deviceId: device.id, err: (err as Error).message }, 'could not record device connect');
          if (!isUnavailableError(err) || !socket.connected || closed) return;
          await new Promise((r) => setTimeout(r, MARK_CONNECTED_RETRY_MS));
          if (!socket.connected || closed) return;
        }
      }
    })();
    socket.on(
      'heartbeat',
      async (payload: unknown, ack?: (res: THeartbeatAck | ReturnType<typeof toAckError>) => void) => {
        const reply = typeof ack === 'function' ? ack : () => {};
        const parsed = ZHeartbeat.safeParse(payload);
        if (!parsed.success) {
          metrics.socketErrors.inc({ namespace: '/gates', code: 'invalid' });
          return reply(
            toAckError(
              new AppError(
                'invalid',
                `heartbeat: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'payload'} ${i.message}`).join('; ')}`,
              ),
            ),
          );
        }
        try {
          const hb = {
            deviceId: device.id,
            gateId: device.gate_id,
            at: parsed.data.at,
            queue: parsed.data.queue ?? null,
            battery: parsed.data.battery ?? null,
          };
          await withDeadline(recordHeartbeat(db, hb), config.TIDEWATCH_ANSWER_DEADLINE_MS, 'the heartbeat write');
          metrics.heartbeats.inc();
          touchGates(device.venue_id, [device.gate_id]);
          reply({ ok: true, serverTime: new Date().toISOString() });
        } catch (err) {
          logger.warn({ deviceId: device.id, err: (err as Error).message }, 'heartbeat not recorded');
          reply(
            toAckError(
              new AppError(
                'unavailable',
                'the server could not record the heartbeat; retry later',
                undefined,
                HANDSHAKE_RETRY_MS / 1000,
              ),
            ),
          );
        }
      },
    );
    socket.on('scan', async (payload: unknown, ack?: (res: unknown) => void) => {
      const ackFn = typeof ack === 'function' ? ack : () => {};
      const res = await acceptScan(rt, device, payload);
      if ('error' in res) metrics.socketErrors.inc({ namespace: '/gates', code: res.error.code });
      ackFn(res);
    });
    socket.on('scan:batch', async (payload: unknown, ack?: (res: unknown) => void) => {
      const ackFn = typeof ack === 'function' ? ack : () => {};
      const res = await acceptScanBatch(rt, device, payload);
      if ('error' in res) metrics.socketErrors.inc({ namespace: '/gates', code: res.error.code });
      ackFn(res);
    });
    socket.on('disconnect', async () => {
      metrics.socketConnections.dec({ namespace: '/gates' });
      await connected;
      if (!data.connectedAt) return;
      try {
        if (await markDisconnected(db, device.id, data.connectedAt)) touchGates(device.venue_id, [device.gate_id]);
      } catch (err) {
        logger.warn({ deviceId: device.id, err: (err as Error).message }, 'could not record device disconnect');
      }
    });
  });

  // ---- /channels: sales channels authenticate with their bearer token (orders come with the streams issue) ----
  const channels = io.of('/channels');
  channels.use(
    tokenHandshake(
      '/channels',
      (token) => rt.tokens!.channel(token),
      (socket, channel, tokenHash) => {
        Object.assign(socket.data as ChannelData, { channel, tokenHash });
      },
    ),
  );
  channels.on('connection', (socket) => {
    metrics.socketConnections.inc({ namespace: '/channels' });
    rejectUnknownEvents(socket, new Set(SOCKET_SURFACE['/channels'].events), '/channels');
    const { channel } = socket.data as ChannelData;
    // The same order and answer as POST /api/channels/orders: the ack carries the response body.
    socket.on('order', async (payload: unknown, ack?: (res: unknown) => void) => {
      const ackFn = typeof ack === 'function' ? ack : () => {};
      try {
        ackFn((await acceptOrder(rt, channel, payload)).body);
      } catch (err) {
        if (!(err instanceof AppError)) logger.error({ err: (err as Error).message }, 'socket order failed');
        ackFn(toAckError(err));
      }
    });
    socket.on('disconnect', () => metrics.socketConnections.dec({ namespace: '/channels' }));
  });

  // ---- /live: signed-in screens authenticate from the next-auth session cookie ----
  /** Never rejects: every failure becomes one of the two refusals. */
  const liveHandshake = async (socket: Socket, next: (err?: Error) => void) => {
    let user: TSessionUser | null;
    try {
      user = await withDeadline(
        userFromCookieHeader(db, config.authSecret, socket.handshake.headers.cookie),
        config.TIDEWATCH_ANSWER_DEADLINE_MS,
        'the session check',
      );
    } catch (err) {
      // The session could not be checked: the screen keeps its data, marks it stale and comes back.
      if (!isUnavailableError(err)) logger.error({ err: (err as Error).message }, 'live handshake failed');
      return next(refusal('unavailable', HANDSHAKE_RETRY_MS));
    }
    if (!user) return next(refusal('unauthorized'));
    (socket.data as LiveData).user = user;
    next();
  };
  /**
   * Re-reads a screen's user at each subscription: a role change or a disabled account counts at
   * once. Answers the subscription itself (and lets the socket go) when there is no such user now.
   */
  const freshUser = async (
    socket: { data: unknown; disconnect(close?: boolean): unknown },
    reply: (res: { error: { code: string; message: string } }) => void,
  ): Promise<TSessionUser | undefined> => {
    let user: TSessionUser | null;
    try {
      user = await withDeadline(
        userById(db, (socket.data as LiveData).user.id),
        config.TIDEWATCH_ANSWER_DEADLINE_MS,
        'the session check',
      );
    } catch {
      reply({ error: { code: 'unavailable', message: 'the database did not answer; retrying' } });
      return undefined;
    }
    if (!user) {
      reply({ error: { code: 'unauthorized', message: 'the session is no longer valid' } });
      socket.disconnect(true);
      return undefined;
    }
    (socket.data as LiveData).user = user;
    return user;
  };
  live.use((socket, next) => void liveHandshake(socket as unknown as Socket, next));
  live.on('connection', (socket) => {
    metrics.socketConnections.inc({ namespace: '/live' });
    rejectUnknownEvents(socket as unknown as Socket, new Set(SOCKET_SURFACE['/live'].events), '/live');
    socket.on('subscribe', async (payload: unknown, ack: (res: TSubscribeAck) => void) => {
      const reply = typeof ack === 'function' ? ack : () => {};
      const parsed = ZSubscribe.safeParse(payload);
      if (!parsed.success) return reply({ error: { code: 'invalid', message: 'subscribe needs { venueId: number }' } });
      const user = await freshUser(socket, reply);
      if (!user) return;
      const { venueId } = parsed.data;
      if (!canUse(user.role, SOCKET_SURFACE['/live'].area) || !canSeeVenue(user, venueId)) {
        return reply({ error: { code: 'forbidden', message: `the ${user.role} role cannot watch venue ${venueId}` } });
      }
      try {
        // Join first, then read: an update between the two is applied on top of the snapshot.
        for (const room of socket.rooms) if (room.startsWith('venue:')) socket.leave(room);
        socket.join(`venue:${venueId}`);
        const [rows, counters, alarms] = await withDeadline(
          Promise.all([
            listGateStatus(db, venueId, config.TIDEWATCH_HEARTBEAT_TIMEOUT_S),
            countersOf(venueId),
            alarmsOf(venueId),
          ]),
          // A snapshot may take longer than a scan: three reads, and a wall can wait a moment.
          config.TIDEWATCH_ANSWER_DEADLINE_MS * 4,
          'the live snapshot',
        );
        reply({ ok: true, venueId, gates: rows.map(toGateStatus), counters, alarms, at: new Date().toISOString() });
      } catch (err) {
        logger.warn({ err: (err as Error).message }, 'live snapshot failed');
        reply({ error: { code: 'unavailable', message: 'the database did not answer; retrying' } });
      }
    });
    socket.on('disconnect', () => metrics.socketConnections.dec({ namespace: '/live' }));
  });

  // ---- /desk: the front-desk screens, with the same session handshake ----
  desk.use((socket, next) => void liveHandshake(socket as unknown as Socket, next));
  desk.on('connection', (socket) => {
    metrics.socketConnections.inc({ namespace: '/desk' });
    rejectUnknownEvents(socket as unknown as Socket, new Set(SOCKET_SURFACE['/desk'].events), '/desk');
    socket.on('subscribe', async (payload: unknown, ack: (res: TDeskSubscribeAck) => void) => {
      const reply = typeof ack === 'function' ? ack : () => {};
      const parsed = ZSubscribe.safeParse(payload);
      if (!parsed.success) return reply({ error: { code: 'invalid', message: 'subscribe needs { venueId: number }' } });
      const user = await freshUser(socket, reply);
      if (!user) return;
      const { venueId } = parsed.data;
      if (!canUse(user.role, SOCKET_SURFACE['/desk'].area) || !canSeeVenue(user, venueId))
        return reply({
          error: { code: 'forbidden', message: `the ${user.role} role cannot work at venue ${venueId}` },
        });
      const supervisor = isSupervisorRole(user.role);
      // Join first, then read: a change between the two comes as an update on top of the snapshot.
      for (const room of socket.rooms) if (room !== socket.id) socket.leave(room);
      socket.join([`venue:${venueId}`, `user:${user.id}`, ...(supervisor ? [`supervisors:${venueId}`] : [])]);
      if (!supervisor) return reply({ ok: true, venueId, supervisor, at: new Date().toISOString() });
      try {
        const pending = await withDeadline(
          pendingOverrides(db, venueId),
          config.TIDEWATCH_ANSWER_DEADLINE_MS * 2,
          'the override requests',
        );
        reply({ ok: true, venueId, supervisor, pending, at: new Date().toISOString() });
      } catch (err) {
        logger.warn({ err: (err as Error).message }, 'desk snapshot failed');
        reply({ error: { code: 'unavailable', message: 'the database did not answer; retrying' } });
      }
    });
    socket.on('disconnect', () => metrics.socketConnections.dec({ namespace: '/desk' }));
  });

  // ---- sweeps: revoked devices, devices that stopped heartbeating, disabled users ----
  let sweeping = false;
  let sweepCount = 0;
  let closed = false;
  const sweep = async () => {
    if (sweeping || closed) return;
    sweeping = true;
    try {
      const [deviceSockets, channelSockets] = await Promise.all([
        gates.local.fetchSockets(),
        channels.local.fetchSockets(),
      ]);
      const gone = await rt.tokens!.sweep({
        devices: deviceSockets.map((s) => (s.data as DeviceData).tokenHash),
        channels: channelSockets.map((s) => (s.data as ChannelData).tokenHash),
      });
      cutOff(
        deviceSockets.filter((s) => gone.devices.has((s.data as DeviceData).tokenHash)),
        channelSockets.filter((s) => gone.channels.has((s.data as ChannelData).tokenHash)),
      );
      for (const stale of await listStaleConnected(db, config.TIDEWATCH_HEARTBEAT_TIMEOUT_S))
        touchGates(stale.venue_id, [stale.gate_id]);
      await touchNewDays();
      await expireOverdueOverrides(rt);
      if (++sweepCount % 3 === 0) {
        // One look-up per user, not per screen: a control room has hundreds of screens and few users.
        const [screens, desks] = await Promise.all([live.local.fetchSockets(), desk.local.fetchSockets()]);
        const users = new Map<number, TSessionUser | null>();
        for (const id of new Set([...screens, ...desks].map((s) => (s.data as LiveData).user.id)))
          users.set(id, await userById(db, id));
        for (const s of screens) {
          const u = users.get((s.data as LiveData).user.id);
          if (!u || !canUse(u.role, SOCKET_SURFACE['/live'].area)) s.disconnect(true);
        }
        for (const s of desks) {
          const u = users.get((s.data as LiveData).user.id);
          const venues = [...s.rooms].filter((r) => r.startsWith('venue:')).map((r) => Number(r.slice(6)));
          if (!u || !canUse(u.role, SOCKET_SURFACE['/desk'].area) || venues.some((v) => !canSeeVenue(u, v)))
            s.disconnect(true);
          else if (!isSupervisorRole(u.role)) for (const r of s.rooms) if (r.startsWith('supervisors:')) s.leave(r);
        }
      }
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'realtime sweep failed');
    } finally {
      sweeping = false;
    }
  };
  const sweepTimer = setInterval(sweep, SWEEP_MS);

  type LocalSocket = Awaited<ReturnType<typeof gates.local.fetchSockets>>[number];
  /** Disconnects sockets whose token no longer counts, telling them why. */
  function cutOff(deviceSockets: LocalSocket[], channelSockets: LocalSocket[]): void {
    for (const s of deviceSockets) {
      const d = (s.data as DeviceData).device;
      logger.info({ deviceId: d.id, gate: d.gate_code }, 'disconnecting revoked device');
      s.emit('revoked', { error: { code: 'unauthorized', message: 'this device token was revoked' } });
      s.disconnect(true);
      touchGates(d.venue_id, [d.gate_id]);
    }
    for (const s of channelSockets) {
      logger.info(
        { channel: (s.data as ChannelData).channel.code },
        'disconnecting channel whose token was revoked or replaced',
      );
      s.emit('revoked', { error: { code: 'unauthorized', message: 'this channel token was revoked or replaced' } });
      s.disconnect(true);
    }
  }
  // A revocation on any instance cuts this instance's sockets off at once (the sweep is the backstop).
  rt.tokens!.onRevoked = (r) => {
    const devices = new Set(r.devices ?? []);
    const chans = new Set(r.channels ?? []);
    void Promise.all([gates.local.fetchSockets(), channels.local.fetchSockets()]).then(([ds, cs]) =>
      cutOff(
        ds.filter((s) => devices.has((s.data as DeviceData).device.id)),
        cs.filter((s) => chans.has((s.data as ChannelData).channel.id)),
      ),
    );
  };

  return {
    io,
    touchGates,
    touchCounters: (venueId, what = 'sales') => {
      dirtyCounters.add(venueId);
      if (what === 'sales') dirtyCatalog.add(venueId);
    },
    touchAlarms: (venueId) => void dirtyAlarms.add(venueId),
    touchOverrides: (venueId) => void dirtyOverrides.add(venueId),
    overrideDecided: (userId, request) =>
      void desk
        .to(`user:${userId}`)
        .emit('desk:override-decided', { venueId: request.venueId, request, at: new Date().toISOString() }),
    // Local emit only: every instance reloads its controls from the same notice and tells its own screens.
    controlsChanged: (venueId) => {
      const payload = { venueId, at: new Date().toISOString() };
      if (venueId) {
        live.local.to(`venue:${venueId}`).emit('controls:update', payload);
        // A capacity changed by date or slot changes places left at the windows.
        desk.local.to(`venue:${venueId}`).emit('desk:catalog', { venueId, at: payload.at });
      } else {
        live.local.emit('controls:update', payload);
        desk.local.emit('desk:catalog', { venueId: null, at: payload.at });
      }
    },
    async close() {
      closed = true;
      clearInterval(flushTimer);
      clearInterval(sweepTimer);
      while (sweeping) await new Promise((r) => setTimeout(r, 20));
      await flush();
      await flushCounters();
      await flushOverrides();
      io.disconnectSockets(true);
      await new Promise<void>((resolve) => io.close(() => resolve()));
    },
  };
}
