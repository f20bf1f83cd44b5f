/**
 * Every HTTP route the custom server answers itself, with who may call it. The server dispatches
 * from this table only (server/app.ts), authenticating by `access` before a handler runs, and the
 * authorization matrix test (server/trpc/authorization-matrix.integration.test.ts) checks every
 * row: a route added here is covered the day it is written, and one not added here is not served.
 * Anything else goes to tRPC (each procedure checks its own access) or to Next.js (pages check
 * theirs; lib/page-access.ts).
 */

/**
 * `public`: anyone (the load balancer's health probe). `device` / `channel`: a bearer token of a
 * gate device or a sales channel. `metrics`: TIDEWATCH_METRICS_TOKEN as a bearer token, or an admin's
 * session.
 */
export type THttpAccess = 'public' | 'device' | 'channel' | 'metrics';

export interface THttpRouteSpec {
  name: 'health' | 'metrics' | 'gateScans' | 'catalog' | 'hotelAvailability' | 'order' | 'refund' | 'ticketQr';
  method: 'GET' | 'POST';
  /** The path, or a pattern whose groups the handler reads. */
  path: string | RegExp;
  /** A concrete path of the route, for tests and docs. */
  example: string;
  access: THttpAccess;
}

export const HTTP_ROUTES: readonly THttpRouteSpec[] = [
  { name: 'health', method: 'GET', path: '/api/health', example: '/api/health', access: 'public' },
  { name: 'metrics', method: 'GET', path: '/metrics', example: '/metrics', access: 'metrics' },
  { name: 'gateScans', method: 'POST', path: '/api/gates/scans', example: '/api/gates/scans', access: 'device' },
  {
    name: 'catalog',
    method: 'GET',
    path: '/api/channels/catalog',
    example: '/api/channels/catalog?date=2026-12-01',
    access: 'channel',
  },
  {
    name: 'hotelAvailability',
    method: 'GET',
    path: '/api/channels/hotel/availability',
    example: '/api/channels/hotel/availability?from=2026-12-01&to=2026-12-03',
    access: 'channel',
  },
  { name: 'order', method: 'POST', path: '/api/channels/orders', example: '/api/channels/orders', access: 'channel' },
  {
    name: 'refund',
    method: 'POST',
    path: /^\/api\/channels\/orders\/([^/]{1,64})\/refund$/,
    example: '/api/channels/orders/some-ref/refund',
    access: 'channel',
  },
  {
    name: 'ticketQr',
    method: 'GET',
    path: /^\/api\/channels\/tickets\/([^/]{1,64})\/qr\.svg$/,
    example: '/api/channels/tickets/T0000000000000000000000000/qr.svg',
    access: 'channel',
  },
];

/** Prefixes handed on whole: tRPC (procedures check access) and next-auth's sign-in flow (public). */
export const TRPC_PREFIX = '/api/trpc/';
export const AUTH_PREFIX = '/api/auth/';

/** The route a request is for, with the path pattern's groups; a known path with another method is `wrongMethod`. */
export function matchRoute(
  method: string | undefined,
  pathname: string,
): { route: THttpRouteSpec; groups: string[] } | { wrongMethod: THttpRouteSpec } | undefined {
  let wrong: THttpRouteSpec | undefined;
  for (const route of HTTP_ROUTES) {
    const m =
      typeof route.path === 'string' ? (route.path === pathname ? [pathname] : null) : route.path.exec(pathname);
    if (!m) continue;
    if (route.method === method) return { route, groups: m.slice(1) };
    wrong = route;
  }
  return wrong ? { wrongMethod: wrong } : undefined;
}
