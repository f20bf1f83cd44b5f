import { setTimeout as sleep } from 'node:timers/promises';
import { io, type Socket } from 'socket.io-client';
import { MAX_BATCH_SCANS, type TScanAck, type TScanReason } from '../../lib/schemas/scan.ts';
import { normalizeTicketCode } from '../../lib/ticket-code.ts';

/** Seconds between heartbeats; the server counts a gate offline after TIDEWATCH_HEARTBEAT_TIMEOUT_S (15) without one. */
export const HEARTBEAT_INTERVAL_MS = 5_000;
/** How long a gate waits for a scan's acknowledgement before sending it again with the same id (ms). */
const SCAN_ACK_TIMEOUT_MS = 8_000;
/** An upload of up to 1000 scans is decided in a few transactions; give it time (ms). */
const BATCH_ACK_TIMEOUT_MS = 30_000;
/** A gate that reconnects says hello (heartbeat with its queue) before uploading, as real handhelds do (ms). */
const UPLOAD_SETTLE_MS = 1_500;
/** When an upload could not finish, try again after this long (ms). */
const UPLOAD_RETRY_MS = 5_000;
/** Scans a gate keeps while offline; beyond this the oldest are lost (a real handheld's storage is finite). */
const MAX_OFFLINE_QUEUE = 20_000;
/** Codes a gate remembers for its offline decision ("seen here before": reject). */
const MAX_SEEN_CODES = 5_000;
/** After the server closed the connection itself (restart, shutdown), reconnect after this long (ms). */
const SERVER_CLOSE_RECONNECT_MS = 5_000;

export interface ScanOutcome {
  result: 'admit' | 'reject';
  reason?: TScanReason;
  /** Decided on the gate while it was offline (uploaded later). */
  offline: boolean;
  /** The server refused the scan itself (invalid payload, id reused): a simulator bug, not a visitor's problem. */
  error?: string;
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
  /** Prefix of this run's scan ids: ids must stay unique per device across simulator restarts. */
  runId?: string;
  onLog?: (msg: string) => void;
  /** Called when a scan had to be sent again (timeout or retry-later). */
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
}

/**
 * A simulated gate device speaking the real device protocol: Socket.IO /gates with its bearer token
 * in the handshake, heartbeats every 5 s, scans acknowledged one by one and retried with the same id
 * until acknowledged. While it has no connection it decides locally (admit a code it has not seen,
 * refuse one it has), queues those scans and uploads them with `scan:batch` when it is back.
 */
export class SimGateDevice {
  readonly gateCode: string;
  private readonly socket: Socket;
  private timer: NodeJS.Timeout | undefined;
  private battery = 60 + Math.floor(Math.random() * 40);
  private counter = 0;
  private queue: QueuedScan[] = [];
  private readonly seen = new Set<string>();
  private waiters: (() => void)[] = [];
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
  }

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
        done(() => reject(new Error(`gate ${this.gateCode}: the server refused its token (unauthorized); run \`npm run cli -- seed demo\` again`)));
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
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
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

  private waitConnected(): Promise<void> {
    if (this.socket.connected || this.isClosed) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /**
   * One scan at this gate. Online it waits for the server's decision (retrying with the same id);
   * offline the gate decides by itself at once and queues the scan for upload.
   */
  async scan(code: string, direction: 'in' | 'out'): Promise<ScanOutcome> {
    const scan = { id: this.nextId(), code, direction, at: new Date().toISOString() };
    if (this.isOffline) return this.decideOffline(scan);
    while (!this.isClosed) {
      // Only emit on a live connection: socket.io would buffer it, and we resend after reconnecting anyway.
      if (!this.socket.connected) await this.waitConnected();
      if (this.isClosed) break;
      let ack: TScanAck;
      try {
        ack = (await this.socket.timeout(SCAN_ACK_TIMEOUT_MS).emitWithAck('scan', scan)) as TScanAck;
      } catch {
        this.opts.onRetry?.();
        continue;
      }
      if ('error' in ack) {
        if (ack.error.code === 'unavailable') {
          this.opts.onRetry?.();
          await sleep(ack.error.retryAfterMs ?? 1_000);
          continue;
        }
        return { result: 'reject', offline: false, error: `${ack.error.code}: ${ack.error.message}` };
      }
      if (ack.result === 'admit' && direction === 'in') this.remember(normalizeTicketCode(code) ?? code);
      return { result: ack.result, reason: ack.reason, offline: false };
    }
    return { result: 'reject', offline: false, error: 'stopped' };
  }

  /** The offline rule of a handheld: exits pass; an entry passes unless the code is unreadable or was seen here before. */
  private decideOffline(scan: Omit<QueuedScan, 'local' | 'reason'>): ScanOutcome {
    const code = normalizeTicketCode(scan.code);
    let local: 'admit' | 'reject' = 'admit';
    let reason: TScanReason | undefined;
    if (scan.direction === 'in') {
      if (!code) {
        local = 'reject';
        reason = 'invalid';
      } else if (this.seen.has(code)) {
        local = 'reject';
        reason = 'used';
      } else this.remember(code);
    }
    this.queue.push({ ...scan, local, ...(reason ? { reason } : {}) });
    if (this.queue.length > MAX_OFFLINE_QUEUE) {
      this.queue.shift();
      this.opts.onLog?.(`gate ${this.gateCode}: offline queue full (${MAX_OFFLINE_QUEUE}); the oldest scan is lost`);
    }
    return { result: local, reason, offline: true };
  }

  private scheduleUpload(delayMs: number): void {
    clearTimeout(this.uploadTimer);
    this.uploadTimer = setTimeout(() => void this.upload(), delayMs);
  }

  /** Uploads the offline queue in batches of at most MAX_BATCH_SCANS, keeping what the server could not store yet. */
  private async upload(): Promise<void> {
    if (this.uploading || this.isClosed) return;
    this.uploading = true;
    let uploaded = 0;
    let conflicts = 0;
    let retryAfter = 0;
    try {
      await this.beat();
      while (this.queue.length && this.socket.connected && !this.isClosed) {
        const batch = this.queue.slice(0, MAX_BATCH_SCANS);
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
          this.opts.onLog?.(`gate ${this.gateCode}: upload of ${batch.length} scans refused: ${res.error.code}: ${res.error.message}`);
          for (const s of batch) done.add(s.id);
        } else {
          res.results.forEach((r, i) => {
            const id = batch[i].id;
            if ('error' in r) {
              if (r.error.code === 'unavailable') {
                retryAfter = Math.max(retryAfter, r.error.retryAfterMs ?? 1_000);
                return;
              }
              this.opts.onLog?.(`gate ${this.gateCode}: uploaded scan ${id} refused: ${r.error.code}: ${r.error.message}`);
            } else {
              uploaded++;
              if (r.conflict) conflicts++;
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
    if (uploaded || retryAfter) this.opts.onUpload?.(this.gateCode, { uploaded, conflicts, remaining: this.queue.length });
    if (this.queue.length && !this.isClosed && !this.isCut) this.scheduleUpload(retryAfter || UPLOAD_RETRY_MS);
  }

  /** Stops for good: timers cleared, connection closed, waiting scans released. */
  disconnect(): void {
    this.isClosed = true;
    clearInterval(this.timer);
    clearTimeout(this.uploadTimer);
    clearTimeout(this.reconnectTimer);
    this.socket.disconnect();
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
