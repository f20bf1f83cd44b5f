/**
 * The one allow-list of what a signed-out caller may reach: the health check, the sign-in flow and
 * the routes that take a device's or a channel's bearer token instead of a session. The
 * authorization matrix tests read it and fail when the route, page and namespace tables declare
 * anything public that is not listed here, so opening something up is a change to this file.
 */
export const PUBLIC_SURFACE = {
  /** Routes of server/http/routes.ts with `access: 'public'`. */
  httpRoutes: ['health'],
  /** Routes that authenticate by bearer token (device or channel), not by session. */
  tokenRoutes: ['gateScans', 'catalog', 'hotelAvailability', 'order', 'refund', 'ticketQr'],
  /** Path prefixes handed on whole (next-auth's sign-in flow). */
  httpPrefixes: ['/api/auth/'],
  /** Pages of lib/page-access.ts with `public`. */
  pages: ['/sign-in'],
  /** Socket.IO namespaces whose handshake takes a bearer token (server/realtime/surface.ts). */
  tokenNamespaces: ['/gates', '/channels'],
} as const;
