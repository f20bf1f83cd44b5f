import { io, type Socket } from 'socket.io-client';
import { MAX_BATCH_SCANS, type TGroupAck, type TScanAck, type TScanReason } from '../../lib/schemas/scan.ts';
import { normalizeGroupCode, normalizeTicketCode } from '../../lib/ticket-code.ts';

/** Seconds between heartbeats; the server counts a gate offline after TIDEWATCH_HEARTBEAT_TIMEOUT_S (15) without one. */
export const HEARTBEAT_INTERVAL_MS = 5_000;
/**
 * How long a gate waits for a scan's acknowledgement (ms). The server answers within its deadline
 * (1.5 s by default, docs/device-protocol.md); silence beyond this means the connection is gone,
 * and the gate decides by itself as it does after `unavailable`.
 */
export const SCAN_ACK_TIMEOUT_MS = 2_000;
/** An upload is answered within the server's deadline too; what it could not decide comes back `unavailable` (ms). */
const BATCH_ACK_TIMEOUT_MS = 5_000;
/** A refused handshake without a retry hint is tried again after this long (ms). */
const HANDSHAKE_RETRY_DEFAULT_MS = 2_000;
/** A gate that reconnects says hello (heartbeat with its queue) before uploading, as real handhelds do (ms). */
const UPLOAD_SETTLE_MS = 1_500;
/** When an upload could not finish, try again after this long (ms). */
const UPLOAD_RETRY_MS = 5_000;
/** Scans a gate keeps while offline; beyond this the oldest are lost (a real handheld's storage is finite). */
const MAX_OFFLINE_QUEUE = 20_000;
/** Codes a gate remembers for its offline decision ("seen here before": reject). */
const MAX_SEEN_CODES = 5_000;
/** Group codes a gate remembers for its offline decision (how many it let in, how many were booked). */
const MAX_GROUPS = 500;
/** After the server closed the connection itself (restart, shutdown), reconnect after this long (ms). */
const SERVER_CLOSE_RECONNECT_MS = 5_000;

export interface ScanOutcome {
  result: 'admit' | 'reject';
  reason?: TScanReason;
  /** Decided on the gate while it was offline (uploaded later). */
  offline: boolean;
  /** The server refused the scan itself (invalid payload, id reused): a simulator bug, not a visitor's problem. */
  error?: string;
  /**
   * A group code's scan: how many persons it let through of how many were asked for (offline: all
   * or none), the group's unused tickets after it and the admitted per type (both from the server only).
   */
  group?: Omit<TGroupAck, 'code'>;
  /** What the server said is left on the ticket (entries, or at an attraction its rides or points). */
  ticket?: { type: string; entriesLeft?: number; ridesLeft?: number; pointsLeft?: number };
}

export interface UploadReport {
  uploaded: number;
  conflicts: number;
  remaining: number;
}

export interface SimDeviceOptions {
  baseUrl: string;
  gateCode: string;
  token: string;
  handheld?: boolean;
  /**
   * What the gate is in the zone graph, for its offline rule (default `perimeter`): a perimeter gate
   * refuses a code it let in before, an inner gate cannot know more than that a code is readable,
   * and an attraction gate refuses a code that rode here within `rideGapMs`.
   */
  edge?: 'perimeter' | 'transfer' | 'attraction' | 'checkpoint';
  /** An attraction gate's ride gap (lift anti-passback), real ms; 0: none. */
  rideGapMs?: number;
  /** Prefix of this run's scan ids: ids must stay unique per device across simulator restarts. */
  runId?: string;
  onLog?: (msg: string) => void;
  /** Called when a scan was decided by the gate itself because the server answered `unavailable` or not at all. */
  onRetry?: () => void;
  onUpload?: (gateCode: string, report: UploadReport) => void;
}

interface QueuedScan {
  id: string;
  code: string;
  direction: 'in' | 'out';
  at: string;
  local: 'admit' | 'reject';
  /** Why the gate refused it offline (sent with the upload). */
  reason?: TScanReason;
  /** A group code's headcount, sent as it was asked for. */
  count?: number;
}

/**
 * What a gate knows of the groups it scanned, for its offline decision: how many persons of each
 * group it let in, and how many the group booked once a server answer said how many were left
 * (booked = let in here + left, as far as this gate can tell). Offline it lets a group in unless
 * that would take more than booked in (then `used`, as the server would say when the whole group
 * is in); a group it never heard of it lets in whole: it cannot know better.
 */
export class GroupMemory {
  private readonly groups = new Map<string, { in: number; booked?: number }>();

  constructor(private readonly max = MAX_GROUPS) {}

  /** What the server answered for a group scan here (admissions count only for entries). */
  learn(code: string, direction: 'in' | 'out', ack: Pick<TGroupAck, 'admitted' | 'left'>): void {
    const g = this.take(code);
    if (direction === 'in') g.in += ack.admitted;
    if (ack.left !== undefined) g.booked = g.in + ack.left;
    this.put(code, g);
  }

  /** The offline decision for `count` persons of a group entering; an admission is remembered. */
  decide(code: string, count: number): { local: 'admit' | 'reject'; reason?: TScanReason } {
    const g = this.take(code);
    if (g.booked !== undefined && g.in + count > g.booked) {
      this.put(code, g);
      return { local: 'reject', reason: 'used' };
    }
    g.in += count;
    this.put(code, g);
    return { local: 'admit' };
  }

  /** How many of the group this gate let in, and how many it believes were booked. */
  get(code: string): { in: number; booked?: number } | undefined {
    const g = this.groups.get(code);
    return g && { ...g };
  }

  private take(code: string): { in: number; booked?: number } {
    const g = this.groups.get(code) ?? { in: 0 };
    this.groups.delete(code);
    return g;
  }

  private put(code: string, g: { in: number; booked?: number }): void {
    this.groups.set(code, g);
    if (this.groups.size > this.max) this.groups.delete(this.groups.keys().next().value!);
  }
}

/** The first queued scans that fit in one upload: at most MAX_BATCH_SCANS, counting a group scan as its headcount. */
export function nextBatch<T extends { count?: number }>(queue: readonly T[], max = MAX_BATCH_SCANS): T[] {
  const batch: T[] = [];
  let people = 0;
  for (const s of queue) {
    const n = s.count ?? 1;
    if (batch.length && people + n > max) break;
    batch.push(s);
    people += n;
  }
  return batch;
}

/**
 * A simulated gate device speaking the real device protocol: Socket.IO /gates with its bearer token
 * in the handshake, heartbeats every 5 s, scans acknowledged one by one and retried with the same id
 * until acknowledged. While it has no connection it decides locally (admit a code it has not seen,
 * refuse one it has; a group's headcount unless it is more than the group booked), queues those
 * scans and uploads them with `scan:batch` when it is back.
 */
export class SimGateDevice {
  readonly gateCode: string;
  private readonly socket: Socket;
  private timer: NodeJS.Timeout | undefined;
  private battery = 60 + Math.floor(Math.random() * 40);
  private counter = 0;
  private queue: QueuedScan[] = [];
  private readonly seen = new Set<string>();
  /** At an attraction gate: when each code last rode here (real ms), for the offline ride gap. */
  private readonly rodeAt = new Map<string, number>();
  private readonly groups = new GroupMemory();
  private uploading = false;
  private uploadTimer: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  /** Taken off the network on purpose (simulated outage): no reconnecting until goOnline(). */
  private isCut = false;
  private isRevoked = false;
  private isClosed = false;
  private readonly runId: string;

  constructor(private readonly opts: SimDeviceOptions) {
    this.gateCode = opts.gateCode;
    this.runId = opts.runId ?? Date.now().toString(36);
    this.socket = io(`${opts.baseUrl}/gates`, {
      auth: { token: opts.token },
      transports: ['websocket'],
      reconnectionDelayMax: 5_000,
      autoConnect: false,
      // Each device is its own machine: its own connection, never multiplexed with another's.
      forceNew: true,
    });
    this.socket.on('connect', () => this.onConnect());
    this.socket.on('disconnect', (reason) => {
      this.connectionEpoch++;
      clearInterval(this.timer);
      // The server closing the connection (restart, shutdown) stops socket.io's own reconnection.
      if (reason === 'io server disconnect' && !this.isRevoked && !this.isClosed && !this.isCut) {
        clearTimeout(this.reconnectTimer);
        this.reconnectTimer = setTimeout(() => {
          if (!this.isCut && !this.isClosed) this.socket.connect();
        }, SERVER_CLOSE_RECONNECT_MS);
      }
    });
    this.socket.on('revoked', () => {
      this.isRevoked = true;
      opts.onLog?.(`gate ${this.gateCode}: token revoked by the server`);
    });
    // A refused handshake is not retried by socket.io itself. `unavailable`: the server could not
    // check the token just now, so come back later; `unauthorized`: stop (the token is bad).
    this.socket.on('connect_error', (err: Error & { data?: { retryAfterMs?: number } }) => {
      if (err.message === 'unauthorized') {
        this.isRevoked = true;
        return;
      }
      if (err.message !== 'unavailable' || this.isClosed || this.isCut) return;
      clearTimeout(this.reconnectTimer);
      this.reconnectTimer = setTimeout(() => {
        if (!this.isCut && !this.isClosed && !this.socket.connected) this.socket.connect();
      }, err.data?.retryAfterMs ?? HANDSHAKE_RETRY_DEFAULT_MS);
    });
  }

  /**
   * What happened to this gate's scans, for the fault test's accounting. `unanswered`: sent on a
   * connection that stayed up and got no answer in SCAN_ACK_TIMEOUT_MS (the server broke its
   * promise); `lostConnection`: the connection itself dropped while waiting.
   */
  readonly stats = { scans: 0, unanswered: 0, lostConnection: 0, unavailable: 0, decidedLocally: 0, corrected: 0 };
  /** Counts disconnects, so a scan knows whether its connection dropped while it waited. */
  private connectionEpoch = 0;

  get connected(): boolean {
    return this.socket.connected;
  }

  /** Scans decided offline and not yet accepted by the server. */
  get queueLength(): number {
    return this.queue.length;
  }

  get isOffline(): boolean {
    return this.isCut || !this.socket.connected;
  }

  /**
   * Connects; resolves true once the server accepted the handshake, false when it did not answer
   * within `timeoutMs` (the device keeps trying), and rejects on `unauthorized`.
   */
  connect(timeoutMs = 15_000): Promise<boolean> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const done = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(t);
        this.socket.off('connect', onOk);
        this.socket.off('connect_error', onErr);
        fn();
      };
      const onOk = () => done(() => resolve(true));
      const onErr = (err: Error) => {
        if (err.message !== 'unauthorized') return;
        this.isRevoked = true;
        this.socket.disconnect();
        done(() =>
          reject(
            new Error(
              `gate ${this.gateCode}: the server refused its token (unauthorized); run \`npm run cli -- seed demo\` again`,
            ),
          ),
        );
      };
      const t = setTimeout(() => done(() => resolve(false)), timeoutMs);
      this.socket.on('connect', onOk);
      this.socket.on('connect_error', onErr);
      this.socket.connect();
    });
  }

  /** Simulated network loss: the connection drops and the gate decides on its own until goOnline(). */
  goOffline(): void {
    this.isCut = true;
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.uploadTimer);
    this.socket.disconnect();
  }

  /** The network is back: reconnect; the queued scans are uploaded once connected. */
  goOnline(): void {
    if (this.isClosed || this.isRevoked) return;
    this.isCut = false;
    this.socket.connect();
  }

  private onConnect(): void {
    clearInterval(this.timer);
    this.timer = setInterval(() => void this.beat(), HEARTBEAT_INTERVAL_MS);
    void this.beat();
    if (this.queue.length) this.scheduleUpload(UPLOAD_SETTLE_MS);
  }

  /** Sends one heartbeat (with the offline queue length) and resolves with the server's acknowledgement. */
  async beat(): Promise<unknown> {
    if (!this.socket.connected) return undefined;
    if (this.opts.handheld && Math.random() < 0.05) this.battery = Math.max(5, this.battery - 1);
    try {
      return await this.socket.timeout(5_000).emitWithAck('heartbeat', {
        at: new Date().toISOString(),
        queue: this.queue.length,
        ...(this.opts.handheld ? { battery: this.battery } : {}),
      });
    } catch {
      return undefined;
    }
  }

  private nextId(): string {
    return `${this.runId}-${this.gateCode}-${++this.counter}`;
  }

  private remember(code: string): void {
    this.seen.delete(code);
    this.seen.add(code);
    if (this.seen.size > MAX_SEEN_CODES) this.seen.delete(this.seen.values().next().value!);
  }

  /**
   * One scan at this gate, as docs/device-protocol.md says a gate does it: online it waits for the
   * server's decision; when the server answers `unavailable`, or nothing within SCAN_ACK_TIMEOUT_MS,
   * the visitor cannot be held, so the gate decides by itself at once and queues what it did for
   * upload under the same scan id (the upload settles the scan whatever the server did meanwhile).
   * Offline it decides by itself straight away. `count` is a group code's headcount (the guide's);
   * it is sent only with a group code.
   */
  async scan(code: string, direction: 'in' | 'out', count?: number): Promise<ScanOutcome> {
    const group = normalizeGroupCode(code);
    const scan: Omit<QueuedScan, 'local' | 'reason'> = {
      id: this.nextId(),
      code,
      direction,
      at: new Date().toISOString(),
      ...(group && count !== undefined ? { count } : {}),
    };
    this.stats.scans++;
    if (this.isOffline) return this.decideOffline(scan);
    let ack: TScanAck;
    const epoch = this.connectionEpoch;
    try {
      ack = (await this.socket.timeout(SCAN_ACK_TIMEOUT_MS).emitWithAck('scan', scan)) as TScanAck;
    } catch {
      if (epoch === this.connectionEpoch && this.socket.connected) this.stats.unanswered++;
      else this.stats.lostConnection++;
      this.opts.onRetry?.();
      return this.decideOffline(scan);
    }
    if ('error' in ack) {
      if (ack.error.code === 'unavailable') {
        this.stats.unavailable++;
        this.opts.onRetry?.();
        return this.decideOffline(scan);
      }
      return { result: 'reject', offline: false, error: `${ack.error.code}: ${ack.error.message}` };
    }
    if (group && ack.group) {
      this.groups.learn(group, direction, ack.group);
      const { code: _code, ...counts } = ack.group;
      return { result: ack.result, reason: ack.reason, offline: false, group: counts };
    }
    const normalized = normalizeTicketCode(code) ?? code;
    if (ack.result === 'admit' && this.opts.edge === 'attraction') this.rode(normalized);
    else if (ack.result === 'admit' && direction === 'in') this.remember(normalized);
    return { result: ack.result, reason: ack.reason, offline: false, ...(ack.ticket ? { ticket: ack.ticket } : {}) };
  }

  private rode(code: string): void {
    this.rodeAt.delete(code);
    this.rodeAt.set(code, Date.now());
    if (this.rodeAt.size > MAX_SEEN_CODES) this.rodeAt.delete(this.rodeAt.keys().next().value!);
  }

  /**
   * The offline rule of a handheld: exits pass; an entry passes unless the code is unreadable or was
   * seen here before; a group code lets its whole headcount in unless that is more than it booked.
   * Inside the venue a gate only checks that the code is readable (the visitor's entry was checked
   * at the perimeter), and a lift refuses a code that rode it within its ride gap.
   */
  private decideOffline(scan: Omit<QueuedScan, 'local' | 'reason'>): ScanOutcome {
    this.stats.decidedLocally++;
    const group = normalizeGroupCode(scan.code);
    if (group) return this.queued(scan, this.decideGroupOffline(group, scan));
    const code = normalizeTicketCode(scan.code);
    let local: 'admit' | 'reject' = 'admit';
    let reason: TScanReason | undefined;
    const edge = this.opts.edge ?? 'perimeter';
    if (edge !== 'perimeter') {
      const last = code ? this.rodeAt.get(code) : undefined;
      const gap = this.opts.rideGapMs ?? 0;
      if (!code) {
        local = 'reject';
        reason = 'invalid';
      } else if (edge === 'attraction' && gap > 0 && last !== undefined && Date.now() - last < gap) {
        local = 'reject';
        reason = 'ride_too_soon';
      } else if (edge === 'attraction') this.rode(code);
    } else if (scan.direction === 'in') {
      if (!code) {
        local = 'reject';
        reason = 'invalid';
      } else if (this.seen.has(code)) {
        local = 'reject';
        reason = 'used';
      } else this.remember(code);
    }
    return this.queued(scan, { local, ...(reason ? { reason } : {}) });
  }

  private decideGroupOffline(
    group: string,
    scan: Omit<QueuedScan, 'local' | 'reason'>,
  ): { local: 'admit' | 'reject'; reason?: TScanReason } {
    if (scan.direction === 'out') return { local: 'admit' };
    return this.groups.decide(group, scan.count ?? 1);
  }

  /** Queues what the gate decided by itself for upload and tells the visitor flow. */
  private queued(
    scan: Omit<QueuedScan, 'local' | 'reason'>,
    { local, reason }: { local: 'admit' | 'reject'; reason?: TScanReason },
  ): ScanOutcome {
    this.queue.push({ ...scan, local, ...(reason ? { reason } : {}) });
    if (this.queue.length > MAX_OFFLINE_QUEUE) {
      this.queue.shift();
      this.opts.onLog?.(`gate ${this.gateCode}: offline queue full (${MAX_OFFLINE_QUEUE}); the oldest scan is lost`);
    }
    // Connected but the server could not decide: upload as soon as it can.
    if (this.socket.connected && !this.uploading && !this.uploadTimer) this.scheduleUpload(UPLOAD_RETRY_MS);
    const persons = scan.count ?? 1;
    return {
      result: local,
      reason,
      offline: true,
      ...(normalizeGroupCode(scan.code)
        ? { group: { requested: persons, admitted: local === 'admit' ? persons : 0, types: {} } }
        : {}),
    };
  }

  private scheduleUpload(delayMs: number): void {
    clearTimeout(this.uploadTimer);
    this.uploadTimer = setTimeout(() => {
      this.uploadTimer = undefined;
      void this.upload();
    }, delayMs);
  }

  /**
   * Uploads the offline queue in batches of at most MAX_BATCH_SCANS (a group scan counting as its
   * headcount, as the server counts it), keeping what the server could not store yet.
   */
  private async upload(): Promise<void> {
    if (this.uploading || this.isClosed) return;
    this.uploading = true;
    let uploaded = 0;
    let conflicts = 0;
    let retryAfter = 0;
    try {
      await this.beat();
      while (this.queue.length && this.socket.connected && !this.isClosed) {
        const batch = nextBatch(this.queue);
        let res: { results: TScanAck[] } | { error: { code: string; message: string } };
        try {
          res = await this.socket.timeout(BATCH_ACK_TIMEOUT_MS).emitWithAck('scan:batch', { scans: batch });
        } catch {
          retryAfter = UPLOAD_RETRY_MS;
          break;
        }
        const done = new Set<string>();
        if ('error' in res) {
          // The server refused the batch as a whole: resending it unchanged cannot help.
          this.opts.onLog?.(
            `gate ${this.gateCode}: upload of ${batch.length} scans refused: ${res.error.code}: ${res.error.message}`,
          );
          for (const s of batch) done.add(s.id);
        } else {
          res.results.forEach((r, i) => {
            const id = batch[i].id;
            if ('error' in r) {
              if (r.error.code === 'unavailable') {
                retryAfter = Math.max(retryAfter, r.error.retryAfterMs ?? 1_000);
                return;
              }
              this.opts.onLog?.(
                `gate ${this.gateCode}: uploaded scan ${id} refused: ${r.error.code}: ${r.error.message}`,
              );
            } else {
              uploaded++;
              if (r.conflict) conflicts++;
              if (r.corrected) this.stats.corrected++;
            }
            done.add(id);
          });
        }
        this.queue = this.queue.filter((s) => !done.has(s.id));
        void this.beat();
        if (retryAfter) break;
      }
    } finally {
      this.uploading = false;
    }
    if (uploaded || retryAfter)
      this.opts.onUpload?.(this.gateCode, { uploaded, conflicts, remaining: this.queue.length });
    if (this.queue.length && !this.isClosed && !this.isCut) this.scheduleUpload(retryAfter || UPLOAD_RETRY_MS);
  }

  /** Stops for good: timers cleared, connection closed, waiting scans released. */
  disconnect(): void {
    this.isClosed = true;
    clearInterval(this.timer);
    clearTimeout(this.uploadTimer);
    clearTimeout(this.reconnectTimer);
    this.socket.disconnect();
  }
}
