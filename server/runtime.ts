import type { Database } from '../db/client.ts';
import type { TConfig } from './config.ts';
import type { TLogger } from './logger.ts';
import type { SharedState } from './shared/shared-state.ts';
import type { RealtimeHub } from './realtime/hub.ts';
import type { ScanIngest } from './ingest/scan-ingest.ts';
import type { SalesContext } from './services/sales.ts';
import type { ControlsCache } from './services/controls-cache.ts';
import type { AlarmEngine } from './services/alarm-engine.ts';
import type { TokenAuth } from './services/token-auth.ts';

/**
 * The process-wide services, created once by the custom server at boot. Next.js bundles route
 * handlers and server components separately from server/index.ts, so a plain module singleton
 * would be created twice (two PGlite instances on one directory corrupt it): they live on
 * globalThis instead and every bundle reads the same object.
 */
export interface Runtime {
  config: TConfig;
  db: Database;
  shared: SharedState;
  logger: TLogger;
  hub?: RealtimeHub;
  /** The gate stream (batched admission decisions). */
  ingest?: ScanIngest;
  /** The sales stream's dependencies (database, ID-card crypto). */
  sales?: SalesContext;
  /** This instance's copy of the rate-limit controls. */
  controls?: ControlsCache;
  /** Alarm evaluation (one instance at a time evaluates, under an advisory lock). */
  alarms?: AlarmEngine;
  /** Device and channel tokens, with this instance's cache of recently verified ones (outages). */
  tokens?: TokenAuth;
  timescale: boolean;
  startedAt: Date;
  version: string;
}

const KEY = Symbol.for('tidewatch.runtime');
type Holder = { [KEY]?: Runtime };

export function setRuntime(rt: Runtime | undefined): void {
  (globalThis as Holder)[KEY] = rt;
}

export function getRuntime(): Runtime {
  const rt = (globalThis as Holder)[KEY];
  if (!rt)
    throw new Error(
      'Tidewatch runtime is not initialised: start the app with `npm run dev`, `npm start` or `npm run demo` (server/index.ts), not `next dev`.',
    );
  return rt;
}
