import { createHash } from 'node:crypto';
import type { Database, Queryable } from '../../db/client.ts';
import type { DeviceAuthRow } from '../../db/queries/devices.ts';
import {
  applyCounts,
  findScanRequests,
  lockOccupancy,
  lockTicketsByCode,
  readOccupancy,
  readVenueClock,
  writeScanFacts,
  type CounterDelta,
  type GateActivityDelta,
  type GateScanRow,
  type TicketForScan,
  type TicketUpdate,
} from '../../db/queries/scans.ts';
import { normalizeTicketCode } from '../../lib/ticket-code.ts';
import { localTime, minutesOf } from '../../lib/venue-time.ts';
import type { TScan, TScanAck, TScanReason } from '../../lib/schemas/scan.ts';
import type { TLogger } from '../logger.ts';
import { metrics } from '../metrics.ts';
import { decide, recordOffline, type TScanContext, type TTicketRules, type TTicketState } from './decide.ts';

/** Scans waiting for the database beyond this many get an explicit retry-later answer. */
const MAX_PENDING = 20_000;
/** Scans decided in one transaction: large enough to amortise a commit, small enough to keep latency low. */
const MAX_BATCH = 400;
/** Offline scans older than this are not counted as recent gate activity (no window reads that far back). */
const ACTIVITY_HORIZON_MS = 60 * 60_000;
/** A device that got retry-later should wait about this long (ms). */
const RETRY_AFTER_MS = 1_000;

interface Job {
  device: DeviceAuthRow;
  scan: TScan;
  hash: string;
  /** Refused before deciding (gate closed or over its admission rate): recorded, state unchanged. */
  forced?: TScanReason;
  resolve: (ack: TScanAck) => void;
}

export interface ScanIngestOptions {
  db: Database;
  logger: TLogger;
  /** Called after a batch is durable, with the venues whose counters changed. */
  onCommitted?: (venueIds: number[], gateIds: number[]) => void;
  /** Clock for online decisions (tests pin it). */
  now?: () => Date;
  /** Batches in flight at once: 1 for PGlite (one session), more for a PostgreSQL pool. */
  concurrency?: number;
  /**
   * Re-check zone capacity after an unlocked occupancy read (default true). Only the race test's
   * control turns it off, to show that the race it closes is real.
   */
  recheckZones?: boolean;
}

/**
 * Thrown inside a batch's transaction when, decided on an unlocked occupancy read, it would leave a
 * zone it admitted people into over capacity because other batches filled it meanwhile: the
 * transaction rolls back and the batch is decided again with the occupancy rows locked.
 */
class ZoneFilledMeanwhile extends Error {
  constructor() {
    super('a zone filled up while the batch was decided');
  }
}

/** sha256 of the fields that define a scan: a replay must match it exactly. */
export function scanHash(scan: TScan): string {
  return createHash('sha256')
    .update(JSON.stringify([scan.code, scan.direction, scan.at.toISOString(), scan.local ?? null, ...(scan.reason ? [scan.reason] : [])]))
    .digest('base64url');
}

function rulesOf(t: TicketForScan): TTicketRules {
  return {
    entryPolicy: t.entry_policy,
    antiPassback: t.anti_passback,
    maxEntriesPerDay: t.max_entries_per_day,
    entryWindowBeforeMin: t.entry_window_before_min,
    allowedZoneIds: t.allowed_zone_ids,
  };
}

function stateOf(t: TicketForScan): TTicketState {
  return {
    status: t.status,
    validFrom: t.valid_from,
    validTo: t.valid_to,
    slotStart: t.slot_start ? minutesOf(t.slot_start) : null,
    slotEnd: t.slot_end ? minutesOf(t.slot_end) : null,
    entries: t.entries,
    entriesOnDay: t.entries_on_day,
    entriesDay: t.entries_day,
    inside: t.inside,
    zoneId: t.zone_id,
  };
}

/**
 * The gate stream: validated scans are queued, decided in batches inside one transaction that holds
 * the row locks of the tickets involved, and acknowledged only after the commit (never before the
 * scan is durable). When the database falls behind, new scans get `unavailable` with retryAfterMs.
 */
export class ScanIngest {
  private queue: Job[] = [];
  private inFlight = 0;
  private readonly clocks = new Map<number, Promise<{ timezone: string; resetMinute: number }>>();
  private readonly concurrency: number;
  private readonly now: () => Date;
  private closed = false;
  /** Batches decided again with locked occupancy rows because a zone filled up meanwhile (tests read it). */
  optimisticRetries = 0;

  constructor(private readonly opts: ScanIngestOptions) {
    this.concurrency = opts.concurrency ?? (opts.db.kind === 'pglite' ? 1 : Number(process.env.TIDEWATCH_INGEST_CONCURRENCY ?? 2));
    this.now = opts.now ?? (() => new Date());
  }

  get pending(): number {
    return this.queue.length;
  }

  /** Submits scans from one device; resolves with one acknowledgement per scan, in order. */
  submit(device: DeviceAuthRow, scans: TScan[], forced: (TScanReason | undefined)[] = []): Promise<TScanAck[]> {
    if (this.closed || this.queue.length + scans.length > MAX_PENDING) {
      const message = this.closed ? 'the server is shutting down; retry on another instance' : 'the server is busy; retry later with the same scan id';
      return Promise.resolve(scans.map((s) => ({ id: s.id, error: { code: 'unavailable' as const, message, retryAfterMs: RETRY_AFTER_MS } })));
    }
    const acks = scans.map(
      (scan, i) => new Promise<TScanAck>((resolve) => this.queue.push({ device, scan, hash: scanHash(scan), forced: forced[i], resolve })),
    );
    this.pump();
    return Promise.all(acks);
  }

  /** Stops taking scans and waits for the queued ones to be written. */
  async drain(): Promise<void> {
    this.closed = true;
    while (this.queue.length || this.inFlight) await new Promise((r) => setTimeout(r, 10));
  }

  private pump(): void {
    while (this.inFlight < this.concurrency && this.queue.length) {
      const batch = this.queue.splice(0, MAX_BATCH);
      this.inFlight++;
      void this.run(batch).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private clock(venueId: number) {
    let c = this.clocks.get(venueId);
    if (!c) {
      c = readVenueClock(this.opts.db, venueId);
      c.catch(() => this.clocks.delete(venueId));
      this.clocks.set(venueId, c);
    }
    return c;
  }

  private async run(batch: Job[]): Promise<void> {
    // Optimistic first (occupancy read without locks, re-checked at the end); locked after a zone filled up meanwhile.
    let lockZones = false;
    for (let attempt = 1; ; attempt++) {
      try {
        // Venue clocks are read before the transaction: PGlite is one session, and a query outside
        // the open transaction would wait for it forever.
        const clocks = new Map<number, { timezone: string; resetMinute: number }>();
        for (const v of new Set(batch.map((j) => j.device.venue_id))) clocks.set(v, await this.clock(v));
        const { acks, venues, gates } = await this.opts.db.transaction((tx) => this.decideBatch(tx, batch, clocks, lockZones));
        batch.forEach((job, i) => job.resolve(acks[i]));
        metrics.scanBatches.inc({ outcome: 'committed' });
        this.opts.onCommitted?.(venues, gates);
        return;
      } catch (err) {
        if (err instanceof ZoneFilledMeanwhile && !lockZones) {
          lockZones = true;
          this.optimisticRetries++;
          metrics.scanBatches.inc({ outcome: 'relocked' });
          continue;
        }
        // A deadlock or serialisation failure is worth one more try; anything else is retry-later.
        const code = (err as { code?: string }).code;
        if (attempt < 3 && (code === '40P01' || code === '40001')) {
          metrics.scanBatches.inc({ outcome: 'deadlock_retry' });
          continue;
        }
        metrics.scanBatches.inc({ outcome: 'failed' });
        this.opts.logger.error({ err: (err as Error).message, scans: batch.length }, 'scan batch failed; devices will retry');
        for (const job of batch) {
          job.resolve({ id: job.scan.id, error: { code: 'unavailable', message: 'the scan was not stored; retry later with the same scan id', retryAfterMs: RETRY_AFTER_MS } });
        }
        return;
      }
    }
  }

  /** Decides a batch inside one transaction; returns the acknowledgements in batch order. */
  private async decideBatch(
    tx: Queryable,
    batch: Job[],
    clocks: Map<number, { timezone: string; resetMinute: number }>,
    lockZones: boolean,
  ): Promise<{ acks: TScanAck[]; venues: number[]; gates: number[] }> {
    const acks: (TScanAck | undefined)[] = new Array(batch.length);
    // 1. Replays: a scan id this device already sent gets its stored answer.
    const stored = await findScanRequests(tx, batch.map((j) => ({ deviceId: j.device.id, scanId: j.scan.id })));
    const seen = new Map<string, { hash: string; ack?: TScanAck; index?: number }>();
    for (const s of stored) seen.set(`${s.device_id}|${s.scan_id}`, { hash: s.request_hash, ack: s.response as TScanAck });
    const fresh: number[] = [];
    batch.forEach((job, i) => {
      const key = `${job.device.id}|${job.scan.id}`;
      const prior = seen.get(key);
      if (!prior) {
        seen.set(key, { hash: job.hash, index: i });
        fresh.push(i);
      } else if (prior.hash !== job.hash) {
        acks[i] = { id: job.scan.id, error: { code: 'idempotency_mismatch', message: `scan id ${job.scan.id} was already used by this device for a different scan` } };
      }
      // Same hash: filled in below from the stored or first answer.
    });

    // 2. Lock the tickets and the occupancy rows involved, in a fixed order.
    const codes = new Map<number, string | null>();
    for (const i of fresh) codes.set(i, normalizeTicketCode(batch[i].scan.code));
    const tickets = new Map((await lockTicketsByCode(tx, [...new Set([...codes.values()].filter((c): c is string => !!c))])).map((t) => [t.code, t]));
    const now = this.now();
    const contexts = new Map<number, TScanContext>();
    const nowLocal = new Map<number, ReturnType<typeof localTime>>();
    const occKeys = new Map<string, { zoneId: number; day: string }>();
    for (const i of fresh) {
      const { device, scan } = batch[i];
      const clock = clocks.get(device.venue_id)!;
      // Online scans are decided on the server's clock (a gate's clock can be wrong or tampered
      // with); uploaded offline scans happened at their own time. The batch's "now" is computed once per venue.
      let lt = scan.local ? localTime(scan.at, clock.timezone, clock.resetMinute) : nowLocal.get(device.venue_id);
      if (!lt) nowLocal.set(device.venue_id, (lt = localTime(now, clock.timezone, clock.resetMinute)));
      contexts.set(i, { direction: scan.direction, day: lt.day, minute: lt.minute, zoneId: device.zone_id, zoneHasRoom: true });
      occKeys.set(`${device.zone_id}|${lt.day}`, { zoneId: device.zone_id, day: lt.day });
      const t = tickets.get(codes.get(i) ?? '');
      if (t?.zone_id) occKeys.set(`${t.zone_id}|${lt.day}`, { zoneId: t.zone_id, day: lt.day });
    }
    const keys = [...occKeys.values()];
    const unlocked = lockZones ? null : await readOccupancy(tx, keys);
    const occupancy = unlocked ?? (await lockOccupancy(tx, keys));
    /** Zones this batch admitted people into on the strength of their room (to re-check when unlocked). */
    const relied = new Set<string>();

    // 3. Decide in arrival order against the evolving state.
    const state = new Map<number, TTicketState>();
    const updates = new Map<number, TicketUpdate>();
    const deltas = new Map<string, number>();
    const scanRows: GateScanRow[] = [];
    const counters = new Map<string, CounterDelta>();
    const counter = (venueId: number, day: string) => {
      const k = `${venueId}|${day}`;
      let c = counters.get(k);
      if (!c) counters.set(k, (c = { venueId, day }));
      return c;
    };
    const activity = new Map<string, GateActivityDelta>();
    const activityOf = (device: DeviceAuthRow, ms: number) => {
      const minute = Math.floor(ms / 60_000) * 60_000;
      const k = `${device.gate_id}|${minute}`;
      let a = activity.get(k);
      if (!a) activity.set(k, (a = { gateId: device.gate_id, venueId: device.venue_id, minute: new Date(minute), scans: 0, rejects: 0, entries: 0, offlineScans: 0, offlineRejects: 0, conflicts: 0 }));
      return a;
    };
    const move = (zoneId: number | null, day: string, d: number) => {
      if (zoneId === null) return;
      const k = `${zoneId}|${day}`;
      deltas.set(k, (deltas.get(k) ?? 0) + d);
      const occ = occupancy.get(k);
      if (occ) occ.count = Math.max(0, occ.count + d);
    };
    for (const i of fresh) {
      const { device, scan } = batch[i];
      const ctx = contexts.get(i)!;
      const code = codes.get(i);
      const t = code ? tickets.get(code) : undefined;
      let ack: TScanAck;
      let row: Pick<GateScanRow, 'result' | 'reason' | 'conflict'>;
      if (batch[i].forced && !scan.local) {
        const reason = batch[i].forced!;
        ack = { id: scan.id, result: 'reject', reason, ...(t && t.venue_id === device.venue_id ? { ticket: { type: t.type_code } } : {}) };
        row = { result: 'reject', reason, conflict: false };
      } else if (!t || t.venue_id !== device.venue_id) {
        const reason: TScanReason = code ? 'unknown' : 'invalid';
        const conflict = scan.local === 'admit';
        ack = scan.local ? { id: scan.id, result: scan.local, recorded: true, ...(conflict ? { conflict: true as const } : {}) } : { id: scan.id, result: 'reject', reason };
        row = { result: scan.local ?? 'reject', reason, conflict };
        if (conflict) move(ctx.direction === 'in' ? ctx.zoneId : null, ctx.day, 1);
      } else {
        const current = state.get(t.id) ?? stateOf(t);
        const rules = rulesOf(t);
        const occ = occupancy.get(`${ctx.zoneId}|${ctx.day}`);
        const c: TScanContext = { ...ctx, zoneHasRoom: !occ || occ.count < occ.capacity };
        if (scan.local) {
          const r = recordOffline(current, rules, c, scan.local);
          if (r.next) {
            state.set(t.id, r.next);
            updates.set(t.id, { id: t.id, entries: r.next.entries, entriesOnDay: r.next.entriesOnDay, entriesDay: r.next.entriesDay, inside: r.next.inside, zoneId: r.next.zoneId, at: scan.at });
            move(r.into, ctx.day, 1);
            move(r.outOf, ctx.day, -1);
          }
          ack = { id: scan.id, result: scan.local, recorded: true, ticket: { type: t.type_code }, ...(r.conflict ? { conflict: true as const } : {}) };
          row = { result: scan.local, reason: r.reason ?? scan.reason ?? null, conflict: r.conflict };
        } else {
          const d = decide(current, rules, c);
          if (d.result === 'admit') {
            state.set(t.id, d.next);
            updates.set(t.id, { id: t.id, entries: d.next.entries, entriesOnDay: d.next.entriesOnDay, entriesDay: d.next.entriesDay, inside: d.next.inside, zoneId: d.next.zoneId, at: now });
            move(d.into, ctx.day, 1);
            move(d.outOf, ctx.day, -1);
            if (d.into !== null) relied.add(`${d.into}|${ctx.day}`);
            ack = { id: scan.id, result: 'admit', ticket: { type: t.type_code, ...(d.entriesLeft !== undefined ? { entriesLeft: d.entriesLeft } : {}) } };
            row = { result: 'admit', reason: null, conflict: false };
          } else {
            ack = { id: scan.id, result: 'reject', reason: d.reason, ticket: { type: t.type_code } };
            row = { result: 'reject', reason: d.reason, conflict: false };
          }
        }
      }
      acks[i] = ack;
      const cd = counter(device.venue_id, ctx.day);
      if (row.result === 'admit') {
        // Only boundary gates count people entering and leaving the venue; inner gates move them between zones.
        if (device.perimeter !== false) {
          if (scan.direction === 'in') cd.entries = (cd.entries ?? 0) + 1;
          else cd.exits = (cd.exits ?? 0) + 1;
        }
      } else {
        cd.rejects = (cd.rejects ?? 0) + 1;
        // An offline rejection may come without the gate's reason: it is in the total only.
        if (row.reason) {
          const reason = row.reason as TScanReason;
          cd.rejectsByReason ??= {};
          cd.rejectsByReason[reason] = (cd.rejectsByReason[reason] ?? 0) + 1;
        }
      }
      if (row.conflict) cd.conflicts = (cd.conflicts ?? 0) + 1;
      // Recent activity: online scans at the server's time, offline ones when they happened; conflicts when they arrive.
      const happened = scan.local ? Math.min(scan.at.getTime(), now.getTime()) : now.getTime();
      if (now.getTime() - happened < ACTIVITY_HORIZON_MS) {
        const a = activityOf(device, happened);
        a.scans++;
        if (row.result === 'reject') a.rejects++;
        else if (device.perimeter !== false && scan.direction === 'in') a.entries++;
        if (scan.local) {
          a.offlineScans++;
          if (row.result === 'reject') a.offlineRejects++;
        }
      }
      if (row.conflict) activityOf(device, now.getTime()).conflicts++;
      scanRows.push({
        at: scan.at,
        venueId: device.venue_id,
        zoneId: device.zone_id,
        gateId: device.gate_id,
        deviceId: device.id,
        scanId: scan.id,
        ticketId: t && t.venue_id === device.venue_id ? t.id : null,
        typeId: t && t.venue_id === device.venue_id ? t.type_id : null,
        direction: scan.direction,
        result: row.result,
        reason: row.reason,
        offline: !!scan.local,
        conflict: row.conflict,
      });
    }

    // 4. Replays within the batch or from before get the first answer.
    batch.forEach((job, i) => {
      if (acks[i]) return;
      const prior = seen.get(`${job.device.id}|${job.scan.id}`)!;
      acks[i] = prior.ack ?? acks[prior.index!];
    });

    // 5. Write everything in this transaction; the caller acknowledges after COMMIT. What no other
    // batch contends for first; the rows all gates share (occupancy, venue totals) last, so they stay
    // locked only for one statement and the commit.
    await writeScanFacts(
      tx,
      [...updates.values()],
      scanRows,
      fresh.map((i) => ({ deviceId: batch[i].device.id, scanId: batch[i].scan.id, hash: batch[i].hash, response: acks[i] })),
    );
    const changes = [...new Set([...deltas.keys(), ...relied])]
      .filter((k) => (deltas.get(k) ?? 0) !== 0 || relied.has(k))
      .map((k) => {
        const [zoneId, day] = k.split('|');
        return { zoneId: Number(zoneId), day, delta: deltas.get(k) ?? 0 };
      });
    const after = await applyCounts(tx, changes, [...activity.values()], [...counters.values()]);
    if (unlocked && this.opts.recheckZones !== false) {
      for (const k of relied) {
        const o = after.get(k);
        if (o && o.count > o.capacity) throw new ZoneFilledMeanwhile();
      }
    }
    return {
      acks: acks as TScanAck[],
      venues: [...new Set(fresh.map((i) => batch[i].device.venue_id))],
      gates: [...new Set(fresh.map((i) => batch[i].device.gate_id))],
    };
  }
}
