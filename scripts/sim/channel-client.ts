import { io, type Socket } from 'socket.io-client';
import type {
  TCatalog,
  TChannelAvailability,
  TOrderInput,
  TOrderResponse,
  TRefundResponse,
} from '../../lib/schemas/order.ts';

/** How long a channel waits for an answer before treating the request as lost (ms). */
const REQUEST_TIMEOUT_MS = 10_000;

export type ChannelTransport = 'http' | 'socket';

/** The outcome of a channel request: the body, or the server's error code (or `network` / `timeout`). */
export type ChannelResult<T> =
  | { ok: true; status: number; body: T }
  | { ok: false; status?: number; code: string; message: string; retryAfterMs?: number };

interface ErrorBody {
  error?: { code?: string; message?: string };
}

/**
 * One sales channel speaking the real channel protocol with its bearer token: the catalog and
 * refunds over HTTP, orders over HTTP (online shop, OTAs) or the /channels socket (window, kiosk).
 */
export class ChannelClient {
  readonly code: string;
  private socket: Socket | undefined;

  constructor(private readonly opts: { baseUrl: string; code: string; token: string; transport: ChannelTransport }) {
    this.code = opts.code;
  }

  get transport(): ChannelTransport {
    return this.opts.transport;
  }

  /** Opens the socket of a window or kiosk; rejects when the token is refused. HTTP channels have nothing to open. */
  connect(timeoutMs = 15_000): Promise<void> {
    if (this.opts.transport === 'http' || this.socket) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const socket = io(`${this.opts.baseUrl}/channels`, {
        auth: { token: this.opts.token },
        transports: ['websocket'],
        reconnectionDelayMax: 5_000,
        // Its own connection: socket.io would otherwise multiplex it onto a gate device's.
        forceNew: true,
      });
      this.socket = socket;
      let settled = false;
      const t = setTimeout(() => {
        // Not reachable yet: socket.io keeps trying; orders wait for the connection.
        settled = true;
        resolve();
      }, timeoutMs);
      socket.on('connect', () => {
        if (settled) return;
        settled = true;
        clearTimeout(t);
        resolve();
      });
      socket.on('connect_error', (err) => {
        if (err.message !== 'unauthorized' || settled) return;
        settled = true;
        clearTimeout(t);
        socket.disconnect();
        reject(
          new Error(
            `channel ${this.code}: the server refused its token (unauthorized); run \`npm run cli -- seed demo\` again`,
          ),
        );
      });
      // After a server restart socket.io does not reconnect by itself when the server closed the connection.
      socket.on('disconnect', (reason) => {
        if (reason === 'io server disconnect') setTimeout(() => socket.connect(), 5_000).unref();
      });
    });
  }

  close(): void {
    this.socket?.disconnect();
    this.socket = undefined;
  }

  private async http<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<ChannelResult<T>> {
    let res: Response;
    try {
      res = await fetch(`${this.opts.baseUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.opts.token}`,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        body: body !== undefined ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (err) {
      const e = err as Error;
      return { ok: false, code: e.name === 'TimeoutError' ? 'timeout' : 'network', message: e.message };
    }
    let json: unknown;
    try {
      json = await res.json();
    } catch {
      json = undefined;
    }
    if (res.ok) return { ok: true, status: res.status, body: json as T };
    const err = (json as ErrorBody | undefined)?.error;
    const retryAfterS = Number(res.headers.get('retry-after'));
    return {
      ok: false,
      status: res.status,
      code: err?.code ?? `http_${res.status}`,
      message: err?.message ?? res.statusText,
      ...(retryAfterS > 0 ? { retryAfterMs: retryAfterS * 1000 } : {}),
    };
  }

  /** GET /api/channels/catalog?date=YYYY-MM-DD */
  catalog(date: string): Promise<ChannelResult<TCatalog>> {
    return this.http<TCatalog>('GET', `/api/channels/catalog?date=${encodeURIComponent(date)}`);
  }

  /** GET /api/channels/hotel/availability?from=&to=: the lodge's rooms left and rates per night. */
  hotelAvailability(from: string, to: string): Promise<ChannelResult<TChannelAvailability>> {
    return this.http<TChannelAvailability>(
      'GET',
      `/api/channels/hotel/availability?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`,
    );
  }

  /** POST /api/channels/orders/:ref/refund with `{}`: every unused ticket of the order. */
  refund(ref: string): Promise<ChannelResult<TRefundResponse>> {
    return this.http<TRefundResponse>('POST', `/api/channels/orders/${encodeURIComponent(ref)}/refund`, {});
  }

  /** Places an order: POST /api/channels/orders, or the `order` socket event whose ack is the same body. */
  async order(order: TOrderInput): Promise<ChannelResult<TOrderResponse>> {
    if (this.opts.transport === 'http') return this.http<TOrderResponse>('POST', '/api/channels/orders', order);
    const socket = this.socket;
    if (!socket?.connected) return { ok: false, code: 'network', message: `channel ${this.code}: not connected` };
    let ack: TOrderResponse | ErrorBody;
    try {
      ack = (await socket.timeout(REQUEST_TIMEOUT_MS).emitWithAck('order', order)) as TOrderResponse | ErrorBody;
    } catch {
      return {
        ok: false,
        code: 'timeout',
        message: `channel ${this.code}: no answer within ${REQUEST_TIMEOUT_MS / 1000}s`,
      };
    }
    if ('error' in ack && ack.error) {
      const code = ack.error.code ?? 'internal';
      const message = ack.error.message ?? '';
      // The socket ack carries no Retry-After; the message says "retry in Ns".
      const m = /retry in (\d+)s/.exec(message);
      return {
        ok: false,
        code,
        message,
        ...(code === 'rate_limited' ? { retryAfterMs: (m ? Number(m[1]) : 5) * 1000 } : {}),
      };
    }
    // The socket answer has no status: a replayed ref gets the stored body, like HTTP's 200.
    return { ok: true, status: 201, body: ack as TOrderResponse };
  }
}
