import { io, type Socket } from 'socket.io-client';

/** Seconds between heartbeats; the server counts a gate offline after TIDEWATCH_HEARTBEAT_TIMEOUT_S (15) without one. */
export const HEARTBEAT_INTERVAL_MS = 5_000;

export interface SimDeviceOptions {
  baseUrl: string;
  gateCode: string;
  token: string;
  handheld?: boolean;
  onLog?: (msg: string) => void;
}

/**
 * A simulated gate device speaking the real device protocol: Socket.IO /gates with its bearer
 * token in the handshake, heartbeats acknowledged by the server.
 */
export class SimGateDevice {
  private socket: Socket | undefined;
  private timer: NodeJS.Timeout | undefined;
  private battery = 60 + Math.floor(Math.random() * 40);
  readonly gateCode: string;

  constructor(private readonly opts: SimDeviceOptions) {
    this.gateCode = opts.gateCode;
  }

  get connected(): boolean {
    return !!this.socket?.connected;
  }

  /** Connects and resolves once the server accepted the handshake (rejects on `unauthorized`). */
  connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = io(`${this.opts.baseUrl}/gates`, { auth: { token: this.opts.token }, transports: ['websocket'], reconnectionDelayMax: 5_000 });
      this.socket = socket;
      let settled = false;
      socket.on('connect', () => {
        this.beat();
        clearInterval(this.timer);
        this.timer = setInterval(() => this.beat(), HEARTBEAT_INTERVAL_MS);
        if (!settled) {
          settled = true;
          resolve();
        }
      });
      socket.on('connect_error', (err) => {
        if (err.message === 'unauthorized') {
          socket.disconnect();
          if (!settled) {
            settled = true;
            reject(new Error(`gate ${this.gateCode}: unauthorized`));
          }
        }
      });
      socket.on('revoked', () => this.opts.onLog?.(`gate ${this.gateCode}: token revoked by the server`));
      socket.on('disconnect', () => clearInterval(this.timer));
    });
  }

  /** Sends one heartbeat and resolves with the server's acknowledgement. */
  async beat(): Promise<unknown> {
    if (!this.socket?.connected) return undefined;
    if (this.opts.handheld && Math.random() < 0.05) this.battery = Math.max(5, this.battery - 1);
    try {
      return await this.socket.timeout(5_000).emitWithAck('heartbeat', {
        at: new Date().toISOString(),
        queue: 0,
        ...(this.opts.handheld ? { battery: this.battery } : {}),
      });
    } catch {
      return undefined;
    }
  }

  disconnect(): void {
    clearInterval(this.timer);
    this.socket?.disconnect();
    this.socket = undefined;
  }
}
