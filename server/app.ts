import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { createDatabase, isUnavailableError, type Database } from '../db/client.ts';
import { migrate } from '../db/migrate.ts';
import { AppError } from '../lib/errors.ts';
import { canUse } from '../lib/roles.ts';
import { REMOTE_ADDR_HEADER } from './auth/next-auth-options.ts';
import { userFromCookieHeader } from './auth/session.ts';
import type { TConfig } from './config.ts';
import { logger as rootLogger } from './logger.ts';
import { metrics, registry } from './metrics.ts';
import { withDeadline } from './deadline.ts';
import { createRealtimeHub } from './realtime/hub.ts';
import { channelOf, deviceOf, STREAM_HANDLERS } from './http/streams.ts';
import { AUTH_PREFIX, HTTP_ROUTES, matchRoute, TRPC_PREFIX, type THttpRouteSpec } from './http/routes.ts';
import { bearerToken, sendError, sendJson } from './http/io.ts';
import { ScanIngest } from './ingest/scan-ingest.ts';
import { createIdCrypto, parseMasterKey } from './services/id-crypto.ts';
import { sameSecret } from './services/secrets.ts';
import { ControlsCache } from './services/controls-cache.ts';
import { AlarmEngine } from './services/alarm-engine.ts';
import { TokenAuth } from './services/token-auth.ts';
import { LodgeCarry } from './services/lodge.ts';
import { setRuntime, type Runtime } from './runtime.ts';
import { startOpsSocket } from './ops-socket.ts';
import { createSharedState } from './shared/shared-state.ts';
import { appRouter } from './trpc/root.ts';

const VERSION: string = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;
/** In-flight requests get this long to finish on shutdown before connections are cut (ms). */
const DRAIN_MS = 7_000;

export interface App {
  server: Server;
  runtime: Runtime;
  url: string;
  /** Stops accepting, lets in-flight work finish, closes sockets, database and Redis. */
  close(): Promise<void>;
}

type NextHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;
type NextUpgrade = (req: IncomingMessage, socket: import('node:stream').Duplex, head: Buffer) => Promise<void>;

export interface StartOptions {
  config: TConfig;
  /** Next.js request handler; without it only the API, sockets, health and metrics are served (tests). */
  next?: { handle: NextHandler; upgrade?: NextUpgrade; close?: () => Promise<void> };
  /** Use this database instead of opening one from the configuration (tests). */
  db?: Database;
  /** Key prefix in Redis, so parallel tests do not share counters or streams. */
  redisPrefix?: string;
}

function remoteAddr(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? 'unknown';
}

/** Boots one Tidewatch instance: database, shared state, Socket.IO, tRPC and (optionally) Next.js. */
export async function startApp(opts: StartOptions): Promise<App> {
  const { config } = opts;
  const logger = rootLogger.child({ instance: config.instanceId }, { level: config.LOG_LEVEL });
  const db =
    opts.db ??
    (await createDatabase({
      databaseUrl: config.DATABASE_URL,
      dataDir: config.dataDir,
      owner: `the Tidewatch server on port ${config.PORT}`,
    }));
  const { timescale } = await migrate(db, (m) => logger.info(m));
  const shared = createSharedState({ redisUrl: config.REDIS_URL, prefix: opts.redisPrefix, logger });
  const runtime: Runtime = { config, db, shared, logger, timescale, startedAt: new Date(), version: VERSION };
  const controls = new ControlsCache({ db, shared, logger });
  await controls.start();
  runtime.controls = controls;
  runtime.sales = {
    db,
    idCrypto: createIdCrypto(parseMasterKey(config.idKey)),
    onlinePausedBy: (v) => controls.onlinePausedBy(v),
  };
  const tokens = new TokenAuth({ db, shared, logger, deadlineMs: config.TIDEWATCH_ANSWER_DEADLINE_MS });
  tokens.start();
  runtime.tokens = tokens;
  runtime.ingest = new ScanIngest({
    db,
    logger,
    onCommitted: (venues) => {
      for (const v of venues) runtime.hub?.touchCounters(v, 'scans');
    },
  });
  setRuntime(runtime);

  const trpc = createHTTPHandler({
    router: appRouter,
    basePath: '/api/trpc/',
    createContext: async ({ req }) => {
      const base = { rt: runtime, remoteAddr: remoteAddr(req) };
      try {
        const user = await withDeadline(
          userFromCookieHeader(db, config.authSecret, req.headers.cookie),
          config.TIDEWATCH_ANSWER_DEADLINE_MS * 4,
          'the session check',
        );
        return { ...base, user };
      } catch (err) {
        if (!isUnavailableError(err)) throw err;
        return { ...base, user: null, authUnavailable: true };
      }
    },
    onError: ({ error, path }) => {
      if (error.code === 'INTERNAL_SERVER_ERROR') logger.error({ path, err: error.message }, 'trpc procedure failed');
    },
    maxBodySize: 1_048_576,
  });

  let inFlight = 0;
  let draining = false;

  /** The health probe: bounded, so a load balancer hears "degraded" from a frozen database, not a timeout. */
  const health = async (res: ServerResponse) => {
    const probe = <T>(p: Promise<T>) => withDeadline(p, config.TIDEWATCH_ANSWER_DEADLINE_MS, 'the health probe');
    const [dbOk, redisOk] = await Promise.all([
      probe(db.query('SELECT 1')).then(
        () => true,
        () => false,
      ),
      config.REDIS_URL ? probe(shared.ping()).catch(() => false) : Promise.resolve(null),
    ]);
    const ok = dbOk && redisOk !== false && !draining;
    metrics.httpRequests.inc({ route: 'health', status: ok ? 200 : 503 });
    sendJson(res, ok ? 200 : 503, {
      status: ok ? 'ok' : draining ? 'shutting_down' : 'degraded',
      mode: config.mode,
      version: VERSION,
      instance: config.instanceId,
      uptimeS: Math.round((Date.now() - runtime.startedAt.getTime()) / 1000),
      database: { kind: db.kind, ok: dbOk, timescale },
      redis: config.REDIS_URL ? { configured: true, ok: redisOk } : { configured: false },
    });
  };

  /** Prometheus text for the metrics token (TIDEWATCH_METRICS_TOKEN) or a signed-in admin. */
  const metricsRoute = async (req: IncomingMessage, res: ServerResponse) => {
    const token = bearerToken(req);
    const byToken = !!token && !!config.TIDEWATCH_METRICS_TOKEN && sameSecret(token, config.TIDEWATCH_METRICS_TOKEN);
    if (!byToken) {
      const user = await userFromCookieHeader(db, config.authSecret, req.headers.cookie);
      if (!user)
        throw new AppError(
          'unauthorized',
          'metrics need Authorization: Bearer <TIDEWATCH_METRICS_TOKEN> or an admin session',
        );
      if (!canUse(user.role, 'admin')) throw new AppError('forbidden', `the ${user.role} role cannot read metrics`);
    }
    res.writeHead(200, { 'content-type': registry.contentType });
    res.end(await registry.metrics());
  };

  /** Serves one route of server/http/routes.ts, authenticating as its `access` says first. */
  const serveRoute = async (
    route: THttpRouteSpec,
    groups: string[],
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
  ) => {
    const r = { rt: runtime, req, res, url, groups };
    switch (route.access) {
      case 'public':
        return health(res);
      case 'metrics':
        return metricsRoute(req, res);
      case 'device':
        return STREAM_HANDLERS.device[route.name]!(r, await deviceOf(runtime, req));
      case 'channel':
        return STREAM_HANDLERS.channel[route.name]!(r, await channelOf(runtime, req));
    }
  };
  // Every route of the table has its handler (a route without one would fail at its first request).
  for (const route of HTTP_ROUTES) {
    const known =
      route.access === 'public'
        ? route.name === 'health'
        : route.access === 'metrics'
          ? route.name === 'metrics'
          : !!STREAM_HANDLERS[route.access][route.name];
    if (!known) throw new Error(`server/http/routes.ts: route ${route.name} has no handler for ${route.access}`);
  }
  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '/';
    const pathname = url.split('?', 1)[0];
    inFlight++;
    res.once('close', () => inFlight--);
    if (draining) res.setHeader('connection', 'close');
    try {
      const match = matchRoute(req.method, pathname);
      if (match && 'wrongMethod' in match) {
        throw new AppError('not_found', `use ${match.wrongMethod.method} ${match.wrongMethod.example.split('?')[0]}`);
      }
      if (match) {
        metrics.httpRequests.inc({ route: match.route.name, status: 'any' });
        return await serveRoute(match.route, match.groups, req, res, new URL(url, 'http://localhost'));
      }
      if (pathname.startsWith(TRPC_PREFIX)) {
        metrics.httpRequests.inc({ route: 'trpc', status: 'any' });
        return trpc(req, res);
      }
      // An API path that is no route of ours is a JSON 404, not a page.
      if (pathname.startsWith('/api/') && !pathname.startsWith(AUTH_PREFIX)) {
        throw new AppError('not_found', `no route ${req.method} ${pathname}`);
      }
      if (opts.next) {
        // Only the server may say where a request came from (sign-in throttling per address).
        req.headers[REMOTE_ADDR_HEADER] = remoteAddr(req);
        return await opts.next.handle(req, res);
      }
      sendJson(res, 404, { error: { code: 'not_found', message: `no route for ${pathname}` } });
    } catch (err) {
      logger.error({ err: (err as Error).message, path: pathname }, 'request failed');
      // A database that does not answer is 503 with Retry-After; anything else hides its detail (500).
      sendError(res, err);
    }
  };

  const server = createServer((req, res) => void handler(req, res));
  const hub = createRealtimeHub(server, runtime);
  runtime.hub = hub;
  controls.onChange = (venueId) => hub.controlsChanged(venueId);
  const alarmEngine = new AlarmEngine({
    db,
    shared,
    logger,
    holdDownS: config.TIDEWATCH_ALARM_HOLD_S,
    escalateAfterS: config.TIDEWATCH_ALARM_ESCALATE_S,
    heartbeatTimeoutS: config.TIDEWATCH_HEARTBEAT_TIMEOUT_S,
    attractions: {
      queueWarn: config.TIDEWATCH_QUEUE_WARN,
      queueCritical: config.TIDEWATCH_QUEUE_CRITICAL,
      queueHoldS: config.TIDEWATCH_QUEUE_HOLD_S,
      silentMin: config.TIDEWATCH_ATTRACTION_SILENT_MIN,
    },
    // The hub emits through the Socket.IO adapter, so screens on every instance get the change.
    onChange: (venues) => {
      for (const v of venues) hub.touchAlarms(v);
    },
  });
  alarmEngine.start();
  runtime.alarms = alarmEngine;
  // In-house hotel guests asleep in a lodge at the daily reset stay counted there (docs/hotel.md).
  const lodge = new LodgeCarry({
    db,
    logger,
    onCarried: (venues) => {
      for (const v of venues) hub.touchCounters(v, 'scans');
    },
  });
  lodge.start();
  if (opts.next?.upgrade) {
    // Socket.IO answers /socket.io/ upgrades itself; hand the rest (Next's hot reload) to Next.
    server.on('upgrade', (req, socket, head) => {
      if (!req.url?.startsWith('/socket.io/')) void opts.next!.upgrade!(req, socket, head);
    });
  }
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.PORT, config.HOST, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${config.HOST === '0.0.0.0' || config.HOST === '::' ? '127.0.0.1' : config.HOST}:${port}`;
  logger.info(
    { url, mode: config.mode, database: db.kind, timescale, redis: !!config.REDIS_URL },
    'tidewatch listening',
  );
  // Embedded only: the CLI cannot open a data directory this process holds, so it takes backups through here.
  const ops = await startOpsSocket({ db, dataDir: config.dataDir, idKey: config.idKey, version: VERSION, logger });

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      draining = true;
      await ops?.close().catch(() => {});
      // Stop accepting; let in-flight requests finish, then cut what is left.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const deadline = Date.now() + DRAIN_MS;
      while (inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      // Scans already accepted are written and acknowledged before the sockets close.
      alarmEngine.stop();
      lodge.stop();
      await runtime.ingest?.drain();
      await hub.close().catch(() => {});
      server.closeAllConnections();
      await closed;
      await opts.next?.close?.().catch(() => {});
      controls.stop();
      tokens.stop();
      await shared.close().catch(() => {});
      if (!opts.db) await db.close().catch(() => {});
      setRuntime(undefined);
      logger.info('tidewatch stopped');
    })());

  return { server, runtime, url, close };
}
