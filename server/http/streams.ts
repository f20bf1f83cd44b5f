import type { IncomingMessage, ServerResponse } from 'node:http';
import QRCode from 'qrcode';
import { channelSoldGroup, channelSoldTicket, type ChannelRow } from '../../db/queries/channels.ts';
import type { DeviceAuthRow } from '../../db/queries/devices.ts';
import { AppError } from '../../lib/errors.ts';
import { ZDate } from '../../lib/schemas/order.ts';
import { normalizeGroupCode, normalizeTicketCode } from '../../lib/ticket-code.ts';
import { withDeadline } from '../deadline.ts';
import { acceptOrder, acceptRefund, acceptScanBatch, catalogInTime } from '../ingest/streams.ts';
import type { Runtime } from '../runtime.ts';
import { getHotelAvailability } from '../services/sales.ts';
import type { TTokenCheck } from '../services/token-auth.ts';
import { bearerToken, readJson, sendJson } from './io.ts';
import type { THttpRouteSpec } from './routes.ts';

/**
 * The HTTP forms of the device and channel protocols (docs/device-protocol.md,
 * docs/channel-protocol.md), one handler per route of server/http/routes.ts. The dispatcher
 * (server/app.ts) has authenticated the device or channel before a handler runs.
 */

export interface TStreamRequest {
  rt: Runtime;
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** The path pattern's groups (decoded by the handler). */
  groups: string[];
}

/** Bearer token to device or channel: 401 for a bad one, 503 with Retry-After when it cannot be checked now. */
export function principal<T>(check: TTokenCheck<T>, kind: 'device' | 'channel'): T {
  if (check.ok) return check.row;
  if (check.code === 'unavailable') {
    throw new AppError(
      'unavailable',
      'the token cannot be checked right now (the database is not answering); retry later',
      undefined,
      Math.ceil(check.retryAfterMs / 1000),
    );
  }
  throw new AppError(
    'unauthorized',
    `a valid ${kind} token is required: Authorization: Bearer ${kind === 'device' ? 'twd_' : 'twc_'}…`,
  );
}

export const deviceOf = async (rt: Runtime, req: IncomingMessage): Promise<DeviceAuthRow> =>
  principal(await rt.tokens!.device(bearerToken(req)), 'device');
export const channelOf = async (rt: Runtime, req: IncomingMessage): Promise<ChannelRow> =>
  principal(await rt.tokens!.channel(bearerToken(req)), 'channel');

/** A channel's read answers within this many answer deadlines, as its catalog and orders do. */
const CHANNEL_DEADLINE_FACTOR = 4;

type TDeviceHandler = (r: TStreamRequest, device: DeviceAuthRow) => Promise<void>;
type TChannelHandler = (r: TStreamRequest, channel: ChannelRow) => Promise<void>;

/** Handlers of the device and channel routes, by route name. */
export const STREAM_HANDLERS: {
  device: Partial<Record<THttpRouteSpec['name'], TDeviceHandler>>;
  channel: Partial<Record<THttpRouteSpec['name'], TChannelHandler>>;
} = {
  device: {
    async gateScans({ rt, req, res }, device) {
      const out = await acceptScanBatch(rt, device, await readJson(req));
      // Scans that could not be decided in time ask for a retry: say when, as HTTP does.
      const retryMs =
        'results' in out ? Math.max(0, ...out.results.map((r) => ('error' in r && r.error.retryAfterMs) || 0)) : 0;
      sendJson(
        res,
        'error' in out ? 400 : 200,
        out,
        retryMs ? { 'retry-after': String(Math.ceil(retryMs / 1000)) } : {},
      );
    },
  },
  channel: {
    async catalog({ rt, res, url }, channel) {
      const date = ZDate.safeParse(url.searchParams.get('date') ?? '');
      if (!date.success)
        throw new AppError('invalid', 'date: must be a date as YYYY-MM-DD', { date: ['must be a date as YYYY-MM-DD'] });
      sendJson(res, 200, await catalogInTime(rt, channel, date.data));
    },
    async hotelAvailability({ rt, res, url }, channel) {
      const work = getHotelAvailability(rt.sales!, channel, {
        from: url.searchParams.get('from'),
        to: url.searchParams.get('to'),
      });
      // Bounded as the catalog and orders are: a database that does not answer is a 503, not silence.
      const deadline = rt.config.TIDEWATCH_ANSWER_DEADLINE_MS * CHANNEL_DEADLINE_FACTOR;
      sendJson(res, 200, await withDeadline(work, deadline, 'the hotel availability'));
    },
    async order({ rt, req, res }, channel) {
      const r = await acceptOrder(rt, channel, await readJson(req));
      sendJson(res, r.status, r.body);
    },
    async refund({ rt, req, res, groups }, channel) {
      sendJson(res, 200, await acceptRefund(rt, channel, decodeURIComponent(groups[0]), await readJson(req)));
    },
    async ticketQr({ rt, res, groups }, channel) {
      const raw = decodeURIComponent(groups[0]);
      const ticket = normalizeTicketCode(raw);
      const group = ticket ? null : normalizeGroupCode(raw);
      const code = ticket ?? group;
      const sold = ticket
        ? await channelSoldTicket(rt.db, channel.id, ticket)
        : !!group && (await channelSoldGroup(rt.db, channel.id, group));
      if (!code || !sold) throw new AppError('not_found', 'no such ticket or group code sold by this channel');
      const svg = await QRCode.toString(code, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
      res.writeHead(200, { 'content-type': 'image/svg+xml', 'cache-control': 'private, max-age=86400' });
      res.end(svg);
    },
  },
};
