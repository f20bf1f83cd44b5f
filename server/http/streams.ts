import type { IncomingMessage, ServerResponse } from 'node:http';
import QRCode from 'qrcode';
import type { ChannelRow } from '../../db/queries/channels.ts';
import type { DeviceAuthRow } from '../../db/queries/devices.ts';
import { AppError } from '../../lib/errors.ts';
import { normalizeTicketCode } from '../../lib/ticket-code.ts';
import { ZDate } from '../../lib/schemas/order.ts';
import { acceptOrder, acceptRefund, acceptScanBatch, catalogInTime } from '../ingest/streams.ts';
import type { Runtime } from '../runtime.ts';
import { bearerToken, readJson, sendError, sendJson } from './io.ts';

/** The token could not be checked (database down): 503 with Retry-After, never 401. */
function cannotCheck(retryAfterMs: number): AppError {
  return new AppError(
    'unavailable',
    'the token cannot be checked right now (the database is not answering); retry later',
    undefined,
    Math.ceil(retryAfterMs / 1000),
  );
}

async function channelOf(rt: Runtime, req: IncomingMessage): Promise<ChannelRow> {
  const check = await rt.tokens!.channel(bearerToken(req));
  if (check.ok) return check.row;
  if (check.code === 'unavailable') throw cannotCheck(check.retryAfterMs);
  throw new AppError('unauthorized', 'a valid channel token is required: Authorization: Bearer twc_…');
}

async function deviceOf(rt: Runtime, req: IncomingMessage): Promise<DeviceAuthRow> {
  const check = await rt.tokens!.device(bearerToken(req));
  if (check.ok) return check.row;
  if (check.code === 'unavailable') throw cannotCheck(check.retryAfterMs);
  throw new AppError('unauthorized', 'a valid device token is required: Authorization: Bearer twd_…');
}

const ORDER_REFUND = /^\/api\/channels\/orders\/([^/]{1,64})\/refund$/;
const TICKET_QR = /^\/api\/channels\/tickets\/([^/]{1,64})\/qr\.svg$/;

/**
 * The HTTP forms of the channel and device protocols (docs/channel-protocol.md,
 * docs/device-protocol.md). Returns false when the path is not one of them.
 */
export async function handleStreamHttp(
  rt: Runtime,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<boolean> {
  const p = url.pathname;
  if (!p.startsWith('/api/channels/') && p !== '/api/gates/scans') return false;
  try {
    if (p === '/api/gates/scans') {
      if (req.method !== 'POST') throw new AppError('not_found', 'use POST /api/gates/scans');
      const device = await deviceOf(rt, req);
      const body = await readJson(req);
      const out = await acceptScanBatch(rt, device, body);
      // Scans that could not be decided in time ask for a retry: say when, as HTTP does.
      const retryMs =
        'results' in out ? Math.max(0, ...out.results.map((r) => ('error' in r && r.error.retryAfterMs) || 0)) : 0;
      sendJson(
        res,
        'error' in out ? 400 : 200,
        out,
        retryMs ? { 'retry-after': String(Math.ceil(retryMs / 1000)) } : {},
      );
      return true;
    }
    const channel = await channelOf(rt, req);
    if (p === '/api/channels/catalog' && req.method === 'GET') {
      const date = ZDate.safeParse(url.searchParams.get('date') ?? '');
      if (!date.success)
        throw new AppError('invalid', 'date: must be a date as YYYY-MM-DD', { date: ['must be a date as YYYY-MM-DD'] });
      sendJson(res, 200, await catalogInTime(rt, channel, date.data));
      return true;
    }
    if (p === '/api/channels/orders' && req.method === 'POST') {
      const r = await acceptOrder(rt, channel, await readJson(req));
      sendJson(res, r.status, r.body);
      return true;
    }
    const refund = ORDER_REFUND.exec(p);
    if (refund && req.method === 'POST') {
      sendJson(res, 200, await acceptRefund(rt, channel, decodeURIComponent(refund[1]), await readJson(req)));
      return true;
    }
    const qr = TICKET_QR.exec(p);
    if (qr && req.method === 'GET') {
      const code = normalizeTicketCode(decodeURIComponent(qr[1]));
      const own = code
        ? await rt.db.query(
            'SELECT 1 FROM tickets t JOIN orders o ON o.id = t.order_id WHERE t.code = $1 AND o.channel_id = $2',
            [code, channel.id],
          )
        : { rows: [] };
      if (!code || !own.rows.length) throw new AppError('not_found', 'no such ticket sold by this channel');
      const svg = await QRCode.toString(code, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
      res.writeHead(200, { 'content-type': 'image/svg+xml', 'cache-control': 'private, max-age=86400' });
      res.end(svg);
      return true;
    }
    throw new AppError('not_found', `no channel endpoint ${req.method} ${p}`);
  } catch (err) {
    if (!(err instanceof AppError)) rt.logger.error({ err: (err as Error).message, path: p }, 'stream request failed');
    sendError(res, err);
    return true;
  }
}
