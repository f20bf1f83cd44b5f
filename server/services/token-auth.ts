import type { Queryable } from '../../db/client.ts';
import { isUnavailableError } from '../../db/client.ts';
import { filterActiveChannelTokens, findActiveChannelByTokenHash, type ChannelRow } from '../../db/queries/channels.ts';
import { filterActiveDeviceTokens, findActiveDeviceByTokenHash, type DeviceAuthRow } from '../../db/queries/devices.ts';
import { withDeadline } from '../deadline.ts';
import type { TLogger } from '../logger.ts';
import type { SharedState } from '../shared/shared-state.ts';
import { hashToken } from './secrets.ts';

/** Pub/sub topic on which a revoked or rotated token reaches every instance's cache. */
export const TOKENS_REVOKED_CHANNEL = 'tokens:revoked';
/**
 * A token verified by this instance within this long (ms) is let back in while the database cannot
 * be asked. The revocation sweep re-verifies every known token every few seconds whenever the
 * database answers, so in practice "known" means "still valid when the database last answered".
 */
const KNOWN_TOKEN_TTL_MS = 24 * 3600_000;
/** A device or channel told "cannot check now" should try again after this long (ms). */
export const HANDSHAKE_RETRY_MS = 2_000;

export type TTokenCheck<T> =
  | {
      ok: true;
      row: T;
      tokenHash: string /** let in from this instance's cache: the database did not answer */;
      cached: boolean;
    }
  | { ok: false; code: 'unauthorized' }
  | { ok: false; code: 'unavailable'; retryAfterMs: number };

export interface TRevocation {
  devices?: number[];
  channels?: number[];
}

interface Known<T> {
  row: T;
  verifiedAt: number;
}

class KnownTokens<T extends { id: number }> {
  readonly byHash = new Map<string, Known<T>>();

  constructor(
    private readonly find: (db: Queryable, hash: Buffer) => Promise<T | undefined>,
    private readonly filterActive: (db: Queryable, hashesHex: string[]) => Promise<string[]>,
  ) {}

  async check(db: Queryable, token: string | undefined, deadlineMs: number, what: string): Promise<TTokenCheck<T>> {
    if (!token) return { ok: false, code: 'unauthorized' };
    const hash = hashToken(token);
    const hex = hash.toString('hex');
    try {
      const row = await withDeadline(this.find(db, hash), deadlineMs, `the ${what} token look-up`);
      if (!row) {
        this.byHash.delete(hex);
        return { ok: false, code: 'unauthorized' };
      }
      this.byHash.set(hex, { row, verifiedAt: Date.now() });
      return { ok: true, row, tokenHash: hex, cached: false };
    } catch (err) {
      if (!isUnavailableError(err)) throw err;
      const known = this.byHash.get(hex);
      if (known && Date.now() - known.verifiedAt < KNOWN_TOKEN_TTL_MS)
        return { ok: true, row: known.row, tokenHash: hex, cached: true };
      return { ok: false, code: 'unavailable', retryAfterMs: HANDSHAKE_RETRY_MS };
    }
  }

  /** Re-verifies these hashes (and every cached one); returns the hashes no longer valid. */
  async reverify(db: Queryable, extra: string[]): Promise<Set<string>> {
    const all = [...new Set([...this.byHash.keys(), ...extra])];
    if (!all.length) return new Set();
    const active = new Set(await this.filterActive(db, all));
    const now = Date.now();
    const gone = new Set<string>();
    for (const h of all) {
      if (active.has(h)) {
        const k = this.byHash.get(h);
        if (k) k.verifiedAt = now;
      } else {
        gone.add(h);
        this.byHash.delete(h);
      }
    }
    return gone;
  }

  forgetIds(ids: number[]): void {
    if (!ids.length) return;
    const set = new Set(ids);
    for (const [h, k] of this.byHash) if (set.has(k.row.id)) this.byHash.delete(h);
  }
}

/**
 * Device and channel bearer tokens (docs/device-protocol.md, docs/channel-protocol.md). Tells a bad
 * token (`unauthorized`: stop and ask for a new one) from a database that cannot be asked just now
 * (`unavailable`: try again), and lets a token this instance verified recently back in during such
 * an outage, so a lane does not go out of service because of a blip. Revocations reach every
 * instance's cache through the shared pub/sub at once and the sweep (reverify) within seconds.
 */
export class TokenAuth {
  private readonly devices = new KnownTokens<DeviceAuthRow>(findActiveDeviceByTokenHash, filterActiveDeviceTokens);
  private readonly channels = new KnownTokens<ChannelRow>(findActiveChannelByTokenHash, filterActiveChannelTokens);
  private unsubscribe: (() => void) | undefined;
  /** Called when a revocation notice arrives (the hub disconnects this instance's sockets of those ids). */
  onRevoked?: (r: TRevocation) => void;

  constructor(private readonly deps: { db: Queryable; shared: SharedState; logger: TLogger; deadlineMs: number }) {}

  start(): void {
    this.unsubscribe = this.deps.shared.subscribe(TOKENS_REVOKED_CHANNEL, (m) => {
      const r = m as TRevocation;
      const devices = Array.isArray(r.devices) ? r.devices.filter(Number.isInteger) : [];
      const channels = Array.isArray(r.channels) ? r.channels.filter(Number.isInteger) : [];
      this.devices.forgetIds(devices);
      this.channels.forgetIds(channels);
      this.onRevoked?.({ devices, channels });
    });
  }

  stop(): void {
    this.unsubscribe?.();
  }

  device(token: string | undefined): Promise<TTokenCheck<DeviceAuthRow>> {
    return this.devices.check(this.deps.db, token, this.deps.deadlineMs, 'device');
  }

  channel(token: string | undefined): Promise<TTokenCheck<ChannelRow>> {
    return this.channels.check(this.deps.db, token, this.deps.deadlineMs, 'channel');
  }

  /**
   * Tells every instance that these devices' or channels' tokens no longer count (revoked, rotated).
   * A notice lost to a Redis outage is made up for by the sweep, which asks the database.
   */
  async announceRevoked(r: TRevocation): Promise<void> {
    this.devices.forgetIds(r.devices ?? []);
    this.channels.forgetIds(r.channels ?? []);
    await this.deps.shared.publish(TOKENS_REVOKED_CHANNEL, r).catch((err: Error) => {
      this.deps.logger.warn({ err: err.message }, 'revocation notice not published; the sweep will catch it');
    });
  }

  /**
   * Re-verifies every token this instance knows plus those of its connected sockets against the
   * database; returns the hashes that are no longer valid. Throws when the database does not answer.
   */
  async sweep(connected: {
    devices: string[];
    channels: string[];
  }): Promise<{ devices: Set<string>; channels: Set<string> }> {
    const [devices, channels] = await Promise.all([
      this.devices.reverify(this.deps.db, connected.devices),
      this.channels.reverify(this.deps.db, connected.channels),
    ]);
    return { devices, channels };
  }
}
