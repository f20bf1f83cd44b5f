import { RateLimiterRes } from 'rate-limiter-flexible';
import type { ChannelRow } from '../../db/queries/channels.ts';
import type { DeviceAuthRow } from '../../db/queries/devices.ts';
import { AppError } from '../../lib/errors.ts';
import { ZScan, ZScanBatch, type TScanAck } from '../../lib/schemas/scan.ts';
import type { TOrderResponse } from '../../lib/schemas/order.ts';
import type { Runtime } from '../runtime.ts';
import { placeOrder, refundOrder } from '../services/sales.ts';

/**
 * Entry points shared by the socket and HTTP forms of the device and channel protocols, so both
 * validate, limit and answer identically.
 */

function describeIssues(issues: { path: PropertyKey[]; message: string }[]): string {
  return issues.slice(0, 5).map((i) => `${i.path.map(String).join('.') || 'payload'} ${i.message}`).join('; ');
}

/** One online scan: `{ id, code, direction, at }`. */
export async function acceptScan(rt: Runtime, device: DeviceAuthRow, payload: unknown): Promise<TScanAck> {
  const parsed = ZScan.safeParse(payload);
  if (!parsed.success) {
    const id = typeof (payload as { id?: unknown } | null)?.id === 'string' ? String((payload as { id: string }).id).slice(0, 64) : undefined;
    return { ...(id ? { id } : {}), error: { code: 'invalid', message: `scan: ${describeIssues(parsed.error.issues)}` } };
  }
  const [ack] = await rt.ingest!.submit(device, [parsed.data]);
  return ack;
}

/** An upload after an outage: `{ scans: [...] }`, answered `{ results }` in order. */
export async function acceptScanBatch(rt: Runtime, device: DeviceAuthRow, payload: unknown): Promise<{ results: TScanAck[] } | { error: { code: 'invalid'; message: string } }> {
  const parsed = ZScanBatch.safeParse(payload);
  if (!parsed.success) return { error: { code: 'invalid', message: `scan:batch: ${describeIssues(parsed.error.issues)}` } };
  return { results: await rt.ingest!.submit(device, parsed.data.scans) };
}

const orderLimiters = new WeakMap<Runtime, ReturnType<Runtime['shared']['rateLimiter']>>();

/** Applies the channel's order rate limit (shared across instances through Redis when configured). */
export async function checkChannelRate(rt: Runtime, channel: ChannelRow): Promise<void> {
  let limiter = orderLimiters.get(rt);
  if (!limiter) {
    limiter = rt.shared.rateLimiter({ keyPrefix: 'channel-orders', points: rt.config.TIDEWATCH_CHANNEL_ORDERS_PER_MIN, duration: 60 });
    orderLimiters.set(rt, limiter);
  }
  try {
    await limiter.consume(String(channel.id));
  } catch (err) {
    if (err instanceof RateLimiterRes) {
      const s = Math.max(1, Math.ceil(err.msBeforeNext / 1000));
      throw new AppError('rate_limited', `channel ${channel.code} is over its limit of ${rt.config.TIDEWATCH_CHANNEL_ORDERS_PER_MIN} orders per minute; retry in ${s}s`, undefined, s);
    }
    throw err;
  }
}

export async function acceptOrder(rt: Runtime, channel: ChannelRow, body: unknown): Promise<{ status: 200 | 201; body: TOrderResponse }> {
  await checkChannelRate(rt, channel);
  const r = await placeOrder(rt.sales!, channel, body);
  if (r.status === 201) rt.hub?.touchCounters(channel.venue_id);
  return r;
}

export async function acceptRefund(rt: Runtime, channel: ChannelRow, ref: string, body: unknown) {
  const r = await refundOrder(rt.sales!, channel, ref, body);
  if (r.refunded.length) rt.hub?.touchCounters(channel.venue_id);
  return r;
}
