import { RateLimiterRes } from 'rate-limiter-flexible';
import type { ChannelRow } from '../../db/queries/channels.ts';
import type { DeviceAuthRow } from '../../db/queries/devices.ts';
import { AppError } from '../../lib/errors.ts';
import type { z } from 'zod';
import { groupAnswer, groupMembers } from './group-scans.ts';
import {
  MAX_BATCH_SCANS,
  ZScan,
  ZScanBatch,
  type TScan,
  type TScanAck,
  type TScanReason,
  type ZBatchScan,
} from '../../lib/schemas/scan.ts';
import { normalizeGroupCode } from '../../lib/ticket-code.ts';
import type { TOrderResponse } from '../../lib/schemas/order.ts';
import type { Runtime } from '../runtime.ts';
import { getOrInsert } from '../../lib/map.ts';
import { DeadlineExceeded, withDeadline } from '../deadline.ts';
import { getCatalog, placeOrder, refundOrder } from '../services/sales.ts';

/**
 * Entry points shared by the socket and HTTP forms of the device and channel protocols, so both
 * validate, limit and answer identically.
 */

function describeIssues(issues: { path: PropertyKey[]; message: string }[]): string {
  return issues
    .slice(0, 5)
    .map((i) => `${i.path.map(String).join('.') || 'payload'} ${i.message}`)
    .join('; ');
}

const gateLimiters = new WeakMap<Runtime, Map<number, ReturnType<Runtime['shared']['rateLimiter']>>>();
const rideLimiters = new WeakMap<Runtime, Map<number, ReturnType<Runtime['shared']['rateLimiter']>>>();

/** What the gate's throttle decided for a set of scans, and how to settle its count once they are decided. */
interface TGateThrottle {
  /** `throttled` or `attraction_closed` for a scan refused here, undefined for one that goes on to be decided. */
  forced: (TScanReason | undefined)[];
  /**
   * Gives back the admission (and the ride) each scan took from the gate's (and its attraction's)
   * rate when it ended up not admitted (an unknown or used ticket, capacity, an error): the rate
   * limits people let in, so a burst of bad tickets does not hold up the visitors behind it.
   */
  settle(acks: TScanAck[]): Promise<void>;
}

const NO_THROTTLE: TGateThrottle = { forced: [], settle: async () => {} };

/**
 * Entry throttling at the gate (限流), enforced where the traffic arrives: a closed gate or one over
 * its admission rate refuses online entries with `throttled`. At an attraction's gate every online
 * scan is a ride: a closed attraction refuses it with `attraction_closed` (the ingest also checks
 * the closure and the opening hours in the database, per batch), and one throttled to riders per
 * minute counts it against one limit for all its gates, on every instance (`throttled` over it).
 * Exits at other gates and offline facts pass.
 */
async function gateThrottle(rt: Runtime, device: DeviceAuthRow, scans: TScan[]): Promise<TGateThrottle> {
  const control = rt.controls?.gate(device.gate_id);
  const ride = device.attraction_id != null ? rt.controls?.attraction(device.attraction_id) : undefined;
  const gateRate = control?.closed ? null : (control?.admissions_per_min ?? null);
  const rideRate = ride?.closed ? null : (ride?.rides_per_min ?? null);
  if (!control?.closed && !gateRate && !ride?.closed && !rideRate) return NO_THROTTLE;
  // One counter set per rate: a changed limit applies at once, without waiting for a window.
  const limiterFor = (all: typeof gateLimiters, prefix: string, rate: number | null) => {
    if (!rate) return undefined;
    const perRate = getOrInsert(all, rt, () => new Map());
    return getOrInsert(perRate, rate, () =>
      rt.shared.rateLimiter({ keyPrefix: `${prefix}:${rate}`, points: rate, duration: 60 }),
    );
  };
  const limits = [
    {
      limiter: limiterFor(gateLimiters, 'gate-admissions', gateRate),
      key: String(device.gate_id),
      spent: [] as boolean[],
    },
    {
      limiter: limiterFor(rideLimiters, 'attraction-rides', rideRate),
      key: String(device.attraction_id),
      spent: [] as boolean[],
    },
  ];
  const [entry, rides] = limits;
  /** Takes one from a limit; false when it is used up (the scan is throttled). */
  const take = async (l: (typeof limits)[number], i: number): Promise<boolean> => {
    if (!l.limiter) return true;
    try {
      await l.limiter.consume(l.key);
      l.spent[i] = true;
      return true;
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err;
      return false;
    }
  };
  const forced: (TScanReason | undefined)[] = [];
  for (const [i, s] of scans.entries()) {
    let reason: TScanReason | undefined;
    const isEntry = s.direction === 'in';
    if (s.local) reason = undefined;
    else if (isEntry && control?.closed) reason = 'throttled';
    else if (ride?.closed) reason = 'attraction_closed';
    else if ((isEntry && !(await take(entry, i))) || (ride && !(await take(rides, i)))) reason = 'throttled';
    forced.push(reason);
  }
  return {
    forced,
    async settle(acks) {
      for (const l of limits) {
        const unused = acks.filter((a, i) => l.spent[i] && !('result' in a && a.result === 'admit')).length;
        if (unused && l.limiter)
          await l.limiter
            .reward(l.key, unused)
            .catch((err: Error) =>
              rt.logger.warn(
                { gateId: device.gate_id, attractionId: device.attraction_id, err: err.message },
                'gate admission or ride count not given back',
              ),
            );
      }
    },
  };
}

/** Decides scans through the gate's throttle and gives back what the unadmitted ones took from it. */
async function submitThrottled(
  rt: Runtime,
  device: DeviceAuthRow,
  scans: TScan[],
  expiresAt: number,
): Promise<TScanAck[]> {
  const throttle = await gateThrottle(rt, device, scans);
  const acks = await rt.ingest!.submit(device, scans, throttle.forced, expiresAt);
  await throttle.settle(acks);
  return acks;
}

/**
 * Decides scans, answering within the deadline whatever the database (or Redis) is doing: scans
 * not decided by then are answered `unavailable` by the ingest itself, and the device retries them
 * with the same id or decides by itself and uploads what it did (docs/device-protocol.md). Work
 * already under way goes on; if it commits after all, the retry or the upload finds its answer.
 * The gate's throttle waits at most a Redis round trip bound (server/shared/shared-state.ts).
 */
async function decideInTime(rt: Runtime, device: DeviceAuthRow, scans: TScan[]): Promise<TScanAck[]> {
  const ms = rt.config.TIDEWATCH_ANSWER_DEADLINE_MS;
  try {
    return await submitThrottled(rt, device, scans, Date.now() + ms);
  } catch (err) {
    rt.logger.error({ err: (err as Error).message, gate: device.gate_code }, 'scans not decided');
    const message =
      'the server could not decide the scans; retry with the same scan id, or decide locally and upload what the gate did';
    return scans.map((s) => ({
      id: s.id,
      error: { code: 'unavailable' as const, message, retryAfterMs: SCAN_RETRY_AFTER_MS },
    }));
  }
}

/** One online scan: `{ id, code, direction, at }`. */
export async function acceptScan(rt: Runtime, device: DeviceAuthRow, payload: unknown): Promise<TScanAck> {
  const parsed = ZScan.safeParse(payload);
  if (!parsed.success) {
    const id =
      typeof (payload as { id?: unknown } | null)?.id === 'string'
        ? String((payload as { id: string }).id).slice(0, 64)
        : undefined;
    return {
      ...(id ? { id } : {}),
      error: { code: 'invalid', message: `scan: ${describeIssues(parsed.error.issues)}` },
    };
  }
  const [ack] = await decideExpanded(rt, device, [parsed.data]);
  return ack;
}

/** An upload after an outage: `{ scans: [...] }`, answered `{ results }` in order. */
export async function acceptScanBatch(
  rt: Runtime,
  device: DeviceAuthRow,
  payload: unknown,
): Promise<{ results: TScanAck[] } | { error: { code: 'invalid'; message: string } }> {
  const parsed = ZScanBatch.safeParse(payload);
  if (!parsed.success)
    return { error: { code: 'invalid', message: `scan:batch: ${describeIssues(parsed.error.issues)}` } };
  const people = parsed.data.scans.reduce((n, s) => n + (s.count ?? 1), 0);
  if (people > MAX_BATCH_SCANS)
    return {
      error: {
        code: 'invalid',
        message: `scan:batch: ${people} scans counting group headcounts, at most ${MAX_BATCH_SCANS} in one upload; send several`,
      },
    };
  return { results: await decideExpanded(rt, device, parsed.data.scans) };
}

/** A scan as a gate sent it, validated. */
type TGateScan = z.output<typeof ZBatchScan>;

/**
 * Decides what a gate sent. An ID-card number becomes its keyed index here and goes no further. A
 * group code (团体码) with a headcount N becomes N scans with ids `<id>/1` ... `<id>/N`, each taking
 * one of the group's unused tickets, so a retry or an upload of the same scan finds the same
 * answers; the gate gets one answer for it, with how many were admitted and how many are left.
 */
async function decideExpanded(rt: Runtime, device: DeviceAuthRow, sent: TGateScan[]): Promise<TScanAck[]> {
  const scans: TScan[] = [];
  const spans: { from: number; to: number; group?: string }[] = [];
  for (const s of sent) {
    const { idNumber, count, ...rest } = s;
    const from = scans.length;
    const group = rest.code === undefined ? null : normalizeGroupCode(rest.code);
    if (group) scans.push(...groupMembers(rest, group, count ?? 1));
    else if (idNumber !== undefined)
      scans.push({ ...rest, holderIdx: rt.sales!.idCrypto.blindIndex(idNumber).toString('hex') });
    else scans.push(rest);
    spans.push({ from, to: scans.length, ...(group ? { group } : {}) });
  }
  const acks = await decideInTime(rt, device, scans);
  return Promise.all(
    spans.map((sp, i) =>
      sp.group
        ? groupAnswer(rt.db, rt.config, device, sent[i].id, sp.group, acks.slice(sp.from, sp.to))
        : acks[sp.from],
    ),
  );
}

/** A device told `unavailable` tries again after this long, or decides by itself (ms). */
const SCAN_RETRY_AFTER_MS = 1_000;
/**
 * Channels get an answer within this many deadlines: an order is several statements and a sales
 * channel can wait longer than a turnstile (6 s with the default 1.5 s deadline).
 */
const ORDER_DEADLINE_FACTOR = 4;

const orderLimiters = new WeakMap<Runtime, Map<number, ReturnType<Runtime['shared']['rateLimiter']>>>();
/** A paused channel is told to come back after this long (seconds). */
const PAUSED_RETRY_S = 60;

/**
 * Applies the channel's pause and order rate (the manager's setting, else the installation
 * default), shared across instances through Redis when configured.
 */
export async function checkChannelRate(rt: Runtime, channel: ChannelRow): Promise<void> {
  const control = rt.controls?.channel(channel.id);
  if (control?.paused)
    throw new AppError(
      'rate_limited',
      `sales on channel ${channel.code} are paused by the venue; retry later`,
      undefined,
      PAUSED_RETRY_S,
    );
  const rate = control?.orders_per_min ?? rt.config.TIDEWATCH_CHANNEL_ORDERS_PER_MIN;
  const perRate = getOrInsert(orderLimiters, rt, () => new Map());
  let limiter = perRate.get(rate);
  if (!limiter) {
    // One counter set per rate: a changed limit applies at once, without waiting for a window.
    limiter = rt.shared.rateLimiter({ keyPrefix: `channel-orders:${rate}`, points: rate, duration: 60 });
    perRate.set(rate, limiter);
  }
  try {
    await limiter.consume(String(channel.id));
  } catch (err) {
    if (err instanceof RateLimiterRes) {
      const s = Math.max(1, Math.ceil(err.msBeforeNext / 1000));
      throw new AppError(
        'rate_limited',
        `channel ${channel.code} is over its limit of ${rate} orders per minute; retry in ${s}s`,
        undefined,
        s,
      );
    }
    throw err;
  }
}

/**
 * Bounds a channel request: a database that does not answer becomes `unavailable` (503 with
 * Retry-After, or the socket ack's error) instead of silence. An order that commits after its
 * channel was told so is found by the retry with the same ref (orders are idempotent by ref).
 */
function inTime<T>(rt: Runtime, work: Promise<T>, what: string): Promise<T> {
  return withDeadline(work, rt.config.TIDEWATCH_ANSWER_DEADLINE_MS * ORDER_DEADLINE_FACTOR, what).catch(
    (err: unknown) => {
      if (err instanceof DeadlineExceeded)
        work.catch((e: Error) => rt.logger.warn({ err: e.message }, `${what} failed after its deadline`));
      throw err;
    },
  );
}

export async function acceptOrder(
  rt: Runtime,
  channel: ChannelRow,
  body: unknown,
): Promise<{ status: 200 | 201; body: TOrderResponse }> {
  await checkChannelRate(rt, channel);
  const r = await inTime(rt, placeOrder(rt.sales!, channel, body), 'the order');
  if (r.status === 201) rt.hub?.touchCounters(channel.venue_id);
  return r;
}

export async function acceptRefund(rt: Runtime, channel: ChannelRow, ref: string, body: unknown) {
  const r = await inTime(rt, refundOrder(rt.sales!, channel, ref, body), 'the refund');
  if (r.refunded.length) rt.hub?.touchCounters(channel.venue_id);
  return r;
}

/** What a channel can sell on a date, within the channel deadline. */
export function catalogInTime(rt: Runtime, channel: ChannelRow, date: string) {
  return inTime(rt, getCatalog(rt.sales!, channel, date), 'the catalog');
}
