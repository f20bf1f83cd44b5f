import type { TArea } from '../../lib/roles.ts';

/**
 * Every Socket.IO namespace the hub serves, how its handshake authenticates and the events it
 * answers. The hub answers only these events (others get a typed `invalid`), and the authorization
 * matrix test checks every namespace and event against every caller, and that the hub registered
 * exactly these.
 */
export const SOCKET_SURFACE = {
  '/gates': { auth: 'device', events: ['heartbeat', 'scan', 'scan:batch'] },
  '/channels': { auth: 'channel', events: ['order'] },
  /** Signed-in screens; subscribing to a venue needs the area and the venue. */
  '/live': { auth: 'session', area: 'commandCenter', events: ['subscribe'] },
  /**
   * The front-desk screens; subscribing to a venue needs the area and the venue. Supervisors of the
   * venue also get its override requests, and every desk user the answers to their own.
   */
  '/desk': { auth: 'session', area: 'frontdesk', events: ['subscribe'] },
} as const satisfies Record<
  string,
  { auth: 'device' | 'channel' | 'session'; area?: TArea; events: readonly string[] }
>;

export type TNamespace = keyof typeof SOCKET_SURFACE;
