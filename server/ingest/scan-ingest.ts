import { createHash } from 'node:crypto';
import { isUnavailableError, type Database, type Queryable } from '../../db/client.ts';
import type { DeviceAuthRow } from '../../db/queries/devices.ts';
import {
  applyCounts,
  findGateScans,
  findGroupTicketCodes,
  findScanRequests,
  findRideContext,
  lockOccupancy,
  lockTicketsByCode,
  readOccupancy,
  readVenueClock,
  settleScans,
  writeScanFacts,
  type CounterDelta,
  type GateActivityDelta,
  type GateScanRow,
  type ScanSettlement,
  type StoredScanRequest,
  type TicketForScan,
  type RideUpdate,
  type TicketUpdate,
  type TScanUndo,
} from '../../db/queries/scans.ts';
import { normalizeTicketCode } from '../../lib/ticket-code.ts';
import { findHolderTickets } from '../../db/queries/front-desk.ts';
import { localTime, minutesOf } from '../../lib/venue-time.ts';
import type { TScan, TScanAck, TScanReason } from '../../lib/schemas/scan.ts';
import type { TLogger } from '../logger.ts';
import { metrics } from '../metrics.ts';
import {
  decide,
  leadsTo,
  recordOffline,
  type TCrossings,
  type TGateEdge,
  type TScanContext,
  type TTicketRules,
  type TTicketState,
} from './decide.ts';
import { getOrInsert } from '../../lib/map.ts';

/** Scans waiting for the database beyond this many get an explicit retry-later answer. */
const MAX_PENDING = 20_000;
/** Scans decided in one transaction: large enough to amortise a commit, small enough to keep latency low. */
const MAX_BATCH = 400;
/** Offline scans older than this are not counted as recent gate activity (no window reads that far back). */
const ACTIVITY_HORIZON_MS = 60 * 60_000;
/** A device that got retry-later should wait about this long (ms). */
const RETRY_AFTER_MS = 1_000;
/** How often scans past their deadline are answered `unavailable` (ms): the answer comes at most this late. */
const DEADLINE_SWEEP_MS = 50;

interface Job {
  device: DeviceAuthRow;
  scan: TScan;
  hash: string;
  /** Refused before deciding (gate closed or over its admission rate): recorded, state unchanged. */
  forced?: TScanReason;
  /**
   * When the device stops waiting (epoch ms): it has been told `unavailable` by then, so a job still
   * queued at that time is dropped rather than decided behind the device's back.
   */
  expiresAt?: number;
  /** An admission by a person at the check-in desk (人工放行), possibly overriding the rules. */
  manual?: TManualScan;
  resolve: (ack: TScanAck) => void;
}

/** Who admits by hand, and for an override of the rules, which supervisor approved it and why. */
export interface TManualScan {
  userId: number;
  override?: { reason: string; supervisorId: number };
}

/** The answer for a scan the server did not store: the device retries it with the same id, or decides itself. */
function unavailable(id: string, message: string): TScanAck {
  return { id, error: { code: 'unavailable', message, retryAfterMs: RETRY_AFTER_MS } };
}

/**
 * Errors that one scan's data can cause (a constraint, a bad value, a trigger's refusal, a retry of
 * a scan id committing in another batch) rather than the database as a whole: the batch is split
 * until the scan is found, and only that scan is refused.
 */
function isRowError(err: unknown): boolean {
  if (isUnavailableError(err) || err instanceof ZoneFilledMeanwhile || err instanceof SettledMeanwhile) return false;
  const code = (err as { code?: unknown }).code;
  return typeof code !== 'string' || /^(22|23|P0)/.test(code);
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
  /**
   * Find and refuse only the scan that cannot be written when a batch fails on one (default true).
   * Only the batch-poisoning test's control turns it off.
   */
  isolateFailures?: boolean;
  /**
   * Lock the tickets a batch decides (default true). Only the concurrency tests' controls turn it
   * off, to show that two gates deciding the same tickets at once would admit them twice.
   */
  lockTickets?: boolean;
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

/**
 * Thrown inside a batch's transaction when another batch settled one of its scans first (both read
 * "not settled" before either committed): the transaction rolls back and the batch is decided
 * again, and then finds the settled answer.
 */
class SettledMeanwhile extends Error {
  constructor() {
    super('a scan was settled by another batch meanwhile');
  }
}

/** The time a desk admission is hashed with (a retry of it is sent later, and is the same request). */
const DESK_HASH_AT = new Date(0);

/** sha256 of the fields that define a scan: a replay must match it exactly. */
export function scanHash(scan: TScan): string {
  return createHash('sha256')
    .update(
      JSON.stringify([
        scan.group !== undefined
          ? `group:${scan.group.code}:${scan.group.count}`
          : scan.holderIdx === undefined
            ? scan.code
            : `holder:${scan.holderIdx}`,
        scan.direction,
        scan.at.toISOString(),
        scan.local ?? null,
        ...(scan.reason ? [scan.reason] : []),
      ]),
    )
    .digest('base64url');
}

/** The request hash of the online form of a scan (what the gate sent before deciding it itself). */
function onlineHash(scan: TScan): string {
  return scanHash({ ...scan, local: undefined, reason: undefined });
}

/**
 * What an online first entry at the perimeter changed, which is not stored (most admissions are
 * first entries, and the hot path writes less): the ticket had no entries, was nowhere, and came
 * into the gate's zone, one entry of the venue.
 */
function impliedUndo(day: string, device: DeviceAuthRow): TScanUndo {
  return {
    day,
    before: { entries: 0, entriesOnDay: 0, entriesDay: null, inside: false, zoneId: null },
    after: { entries: 1, entriesOnDay: 1, entriesDay: day, inside: true, zoneId: device.zone_id },
    into: device.zone_id,
    outOf: null,
    counted: 'entries',
    crossings: ENTRY_ONLY,
  };
}

function countsOf(t: TTicketState): TScanUndo['before'] {
  return {
    entries: t.entries,
    entriesOnDay: t.entriesOnDay,
    entriesDay: t.entriesDay,
    inside: t.inside,
    zoneId: t.zoneId,
  };
}

function sameCounts(a: TScanUndo['before'], b: TScanUndo['before']): boolean {
  return (
    a.entries === b.entries &&
    a.entriesOnDay === b.entriesOnDay &&
    a.entriesDay === b.entriesDay &&
    a.inside === b.inside &&
    a.zoneId === b.zoneId
  );
}

/**
 * The ticket of its group a group scan uses: for a scan being settled, the one the server chose
 * when it decided it online; otherwise the first the gate would admit now, else the first still
 * valid (its refusal says why, e.g. `used` when the whole group is in), else the first.
 */
function pickGroupTicket(
  members: TicketForScan[],
  stateNow: (t: TicketForScan) => TTicketState,
  settledTicketId: number | null | undefined,
  ctx: TScanContext,
): TicketForScan | undefined {
  if (settledTicketId !== undefined) return members.find((m) => m.id === settledTicketId);
  return (
    members.find((m) => decide(stateNow(m), rulesOf(m), ctx).result === 'admit') ??
    members.find((m) => stateNow(m).status === 'valid') ??
    members[0]
  );
}

/**
 * A ticket as a batch decides it: its row, and for the attractions the batch's gates board, the
 * rides its type includes and the rides it used (loaded once the row is locked).
 */
export type TBatchTicket = TicketForScan & {
  typeRides?: Record<number, number | null>;
  rides?: Record<number, { used: number; lastAt: number | null }>;
  /** The shows it booked at the batch's show attractions (演出场次). */
  shows?: TTicketState['shows'];
};

/** A ticket's type rules as the admission decision reads them. */
export function rulesOf(t: TBatchTicket): TTicketRules {
  return {
    entryPolicy: t.entry_policy,
    antiPassback: t.anti_passback,
    maxEntriesPerDay: t.max_entries_per_day,
    entryWindowBeforeMin: t.entry_window_before_min,
    allowedZoneIds: t.allowed_zone_ids,
    parkEntry: t.park_entry ?? true,
    points: t.points ?? null,
    hoursFrom: t.hours_from ? minutesOf(t.hours_from) : null,
    hoursTo: t.hours_to ? minutesOf(t.hours_to) : null,
    ...(t.typeRides ? { rides: t.typeRides } : {}),
  };
}

/** A ticket's state as the admission decision reads it. */
export function stateOf(t: TBatchTicket): TTicketState {
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
    entryInferred: t.entry_inferred ?? false,
    movedAt: t.moved_at ? new Date(t.moved_at).getTime() : null,
    pointsUsed: t.points_used ?? 0,
    ...(t.rides ? { rides: t.rides } : {}),
    ...(t.shows ? { shows: t.shows } : {}),
    // Rows built without the column (tests, older callers) are not package tickets.
    ...(t.activated === false ? { activated: false } : {}),
  };
}

/** Whether a local minute is within opening hours [opens, closes); equal times mean open all day. */
export function withinHours(minute: number, opens: string, closes: string): boolean {
  const from = minutesOf(opens);
  const to = minutesOf(closes);
  if (from === to) return true;
  return from < to ? minute >= from && minute < to : minute >= from || minute < to;
}

/** What a gate is in the zone graph, for devices whose row predates it (tests build such rows). */
export function edgeOf(device: DeviceAuthRow): TGateEdge {
  return device.edge ?? (device.perimeter === false ? 'transfer' : 'perimeter');
}

const NO_CROSSINGS: TCrossings = { entry: false, exit: false, inferred: null };
const ENTRY_ONLY: TCrossings = { entry: true, exit: false, inferred: null };
const ENTRY_AND_EXIT: TCrossings = { entry: true, exit: true, inferred: 'entry' };

/** The gate_scans form of the crossings an admission counted. */
function crossingOf(c: TCrossings): { crossing: 'entry' | 'exit' | 'both' | null; inferred: 'entry' | 'exit' | null } {
  return {
    crossing: c.entry && c.exit ? 'both' : c.entry ? 'entry' : c.exit ? 'exit' : null,
    inferred: c.inferred,
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
  /** Batches being decided: their scans are answered `unavailable` at their deadline too. */
  private readonly deciding = new Set<Job[]>();
  private readonly sweeper: NodeJS.Timeout;
  private readonly clocks = new Map<number, Promise<{ timezone: string; resetMinute: number }>>();
  private readonly concurrency: number;
  private readonly now: () => Date;
  private closed = false;
  /** Batches decided again with locked occupancy rows because a zone filled up meanwhile (tests read it). */
  optimisticRetries = 0;
  /** Scans settled by a gate's upload after a late online decision: agreeing, or corrected to the gate's act. */
  settlements = { agreed: 0, corrected: 0 };

  constructor(private readonly opts: ScanIngestOptions) {
    this.concurrency =
      opts.concurrency ?? (opts.db.kind === 'pglite' ? 1 : Number(process.env.TIDEWATCH_INGEST_CONCURRENCY ?? 2));
    this.now = opts.now ?? (() => new Date());
    // One timer for every waiting scan rather than one per scan: the answer deadline is kept here,
    // whatever the database is doing (a frozen database answers nothing, so nothing else would).
    this.sweeper = setInterval(() => this.answerOverdue(), DEADLINE_SWEEP_MS);
    this.sweeper.unref();
  }

  /** Answers `unavailable` to every scan past its deadline, queued or being decided; the work goes on. */
  private answerOverdue(): void {
    const now = Date.now();
    const overdue = (job: Job) => job.expiresAt !== undefined && job.expiresAt <= now;
    const message =
      'not decided in time (the database is slow or down); retry with the same scan id, or decide locally and upload what the gate did';
    // The queue is in arrival order, so its deadlines are too (one deadline for every scan).
    for (const job of this.queue) {
      if (!overdue(job)) break;
      job.resolve(unavailable(job.scan.id, message));
    }
    for (const batch of this.deciding)
      for (const job of batch) if (overdue(job)) job.resolve(unavailable(job.scan.id, message));
  }

  get pending(): number {
    return this.queue.length;
  }

  /**
   * Submits scans from one device; resolves with one acknowledgement per scan, in order. Scans still
   * queued at `expiresAt` (epoch ms; the device has been answered `unavailable` by then) are dropped.
   */
  submit(
    device: DeviceAuthRow,
    scans: TScan[],
    forced: (TScanReason | undefined)[] = [],
    expiresAt?: number,
    manual?: TManualScan,
  ): Promise<TScanAck[]> {
    if (this.closed || this.queue.length + scans.length > MAX_PENDING) {
      const message = this.closed
        ? 'the server is shutting down; retry on another instance'
        : 'the server is busy; retry later with the same scan id';
      return Promise.resolve(scans.map((s) => unavailable(s.id, message)));
    }
    // The first answer counts: the deadline's `unavailable`, or the decision if it came first.
    const acks = scans.map(
      (scan, i) =>
        new Promise<TScanAck>((resolve) => {
          let answered = false;
          const once = (ack: TScanAck) => {
            if (answered) return;
            answered = true;
            resolve(ack);
          };
          // A desk's retry (same request id) is the same admission whenever it is sent: its time is no part of it.
          const hash = scanHash(manual ? { ...scan, at: DESK_HASH_AT } : scan);
          this.queue.push({ device, scan, hash, forced: forced[i], expiresAt, manual, resolve: once });
        }),
    );
    this.pump();
    return Promise.all(acks);
  }

  /** Stops taking scans and waits for the queued ones to be written. */
  async drain(): Promise<void> {
    this.closed = true;
    while (this.queue.length || this.inFlight) await new Promise((r) => setTimeout(r, 10));
    clearInterval(this.sweeper);
  }

  private pump(): void {
    while (this.inFlight < this.concurrency && this.queue.length) {
      const now = Date.now();
      const batch: Job[] = [];
      while (batch.length < MAX_BATCH && this.queue.length) {
        const job = this.queue.shift()!;
        if (job.expiresAt !== undefined && job.expiresAt <= now)
          job.resolve(
            unavailable(
              job.scan.id,
              'the server could not decide the scan in time; retry with the same scan id or decide locally',
            ),
          );
        else batch.push(job);
      }
      if (!batch.length) continue;
      this.inFlight++;
      this.deciding.add(batch);
      void this.run(batch).finally(() => {
        this.deciding.delete(batch);
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
    try {
      const { acks, venues, gates } = await this.attempt(batch);
      for (const [i, job] of batch.entries()) job.resolve(acks[i]);
      this.opts.onCommitted?.(venues, gates);
    } catch (err) {
      if (this.opts.isolateFailures !== false && isRowError(err)) return this.isolate(batch, err);
      metrics.scanBatches.inc({ outcome: 'failed' });
      this.opts.logger.error(
        { err: (err as Error).message, scans: batch.length },
        'scan batch failed; devices will retry',
      );
      for (const job of batch)
        job.resolve(unavailable(job.scan.id, 'the scan was not stored; retry later with the same scan id'));
    }
  }

  /**
   * A batch failed on something one of its scans caused. The common case is a retry of a scan id
   * that committed meanwhile in another batch (its insert waited for that batch, then hit the key):
   * decided again, the retry finds the stored answer. Otherwise the batch is halved until the
   * scans that cannot be written are found; they alone are refused, the others are stored.
   */
  private async isolate(batch: Job[], first: unknown): Promise<void> {
    metrics.scanBatches.inc({ outcome: 'isolating' });
    const settled = new Map<Job, TScanAck>();
    const committed: { venues: number[]; gates: number[] }[] = [];
    const tryPart = async (part: Job[], err: unknown, again: boolean): Promise<void> => {
      if (again) {
        try {
          const r = await this.attempt(part);
          for (const [i, job] of part.entries()) settled.set(job, r.acks[i]);
          committed.push(r);
          return;
        } catch (e) {
          err = e;
        }
      }
      if (!isRowError(err)) {
        for (const job of part)
          settled.set(job, unavailable(job.scan.id, 'the scan was not stored; retry later with the same scan id'));
        return;
      }
      if (part.length === 1) {
        const job = part[0];
        metrics.scanBatches.inc({ outcome: 'scan_refused' });
        this.opts.logger.error(
          { err: (err as Error).message, deviceId: job.device.id, scanId: job.scan.id },
          'a scan could not be stored; the rest of its batch was',
        );
        settled.set(job, {
          id: job.scan.id,
          error: { code: 'invalid', message: `scan ${job.scan.id} could not be stored: ${(err as Error).message}` },
        });
        return;
      }
      const half = Math.ceil(part.length / 2);
      await tryPart(part.slice(0, half), err, true);
      await tryPart(part.slice(half), err, true);
    };
    // First the whole batch once more (the retry race resolves itself), then halves.
    let again: unknown = first;
    try {
      const r = await this.attempt(batch);
      for (const [i, job] of batch.entries()) settled.set(job, r.acks[i]);
      committed.push(r);
    } catch (e) {
      again = e;
      await tryPart(batch, again, false);
    }
    for (const job of batch) job.resolve(settled.get(job)!);
    for (const c of committed) this.opts.onCommitted?.(c.venues, c.gates);
  }

  /** Decides and commits one batch: optimistic, then with zones locked, and once more after a deadlock. */
  private async attempt(batch: Job[]): Promise<{ acks: TScanAck[]; venues: number[]; gates: number[] }> {
    // Optimistic first (occupancy read without locks, re-checked at the end); locked after a zone filled up meanwhile.
    let lockZones = false;
    for (let attempt = 1; ; attempt++) {
      try {
        // Venue clocks are read before the transaction: PGlite is one session, and a query outside
        // the open transaction would wait for it forever.
        const clocks = new Map<number, { timezone: string; resetMinute: number }>();
        for (const v of new Set(batch.map((j) => j.device.venue_id))) clocks.set(v, await this.clock(v));
        const r = await this.opts.db.transaction((tx) => this.decideBatch(tx, batch, clocks, lockZones));
        metrics.scanBatches.inc({ outcome: 'committed' });
        this.settlements.agreed += r.settled.agreed;
        this.settlements.corrected += r.settled.corrected;
        if (r.settled.agreed) metrics.scanSettlements.inc({ outcome: 'agreed' }, r.settled.agreed);
        if (r.settled.corrected) metrics.scanSettlements.inc({ outcome: 'corrected' }, r.settled.corrected);
        return r;
      } catch (err) {
        if (err instanceof ZoneFilledMeanwhile && !lockZones) {
          lockZones = true;
          this.optimisticRetries++;
          metrics.scanBatches.inc({ outcome: 'relocked' });
          continue;
        }
        // A deadlock, a serialisation failure or a scan settled meanwhile is worth one more try.
        const code = (err as { code?: string }).code;
        if (attempt < 3 && (code === '40P01' || code === '40001' || err instanceof SettledMeanwhile)) {
          metrics.scanBatches.inc({ outcome: 'deadlock_retry' });
          continue;
        }
        throw err;
      }
    }
  }

  /** Decides a batch inside one transaction; returns the acknowledgements in batch order. */
  /**
   * The ticket an ID card presents at a gate (刷身份证入园): the holder's one ticket valid today, or
   * of several the one the gate would admit now; `ambiguous` when more than one would be.
   */
  private async holderTicket(
    tx: Queryable,
    device: DeviceAuthRow,
    scan: TScan,
    lt: { day: string; minute: number },
  ): Promise<string | null | 'ambiguous'> {
    const held = await findHolderTickets(tx, device.venue_id, scan.holderIdx!, lt.day);
    if (held.length <= 1) return held[0]?.code ?? null;
    const rows = await lockTicketsByCode(
      tx,
      held.map((t) => t.code),
      false,
    );
    const admissible = rows.filter(
      (t) =>
        decide(stateOf(t), rulesOf(t), {
          direction: scan.direction,
          day: lt.day,
          minute: lt.minute,
          zoneId: device.zone_id,
          zoneHasRoom: true,
        }).result === 'admit',
    );
    if (admissible.length > 1) return 'ambiguous';
    return (admissible[0] ?? rows[0])?.code ?? null;
  }

  private async decideBatch(
    tx: Queryable,
    batch: Job[],
    clocks: Map<number, { timezone: string; resetMinute: number }>,
    lockZones: boolean,
  ): Promise<{ acks: TScanAck[]; venues: number[]; gates: number[]; settled: { agreed: number; corrected: number } }> {
    const acks: (TScanAck | undefined)[] = new Array(batch.length);
    // 1. Replays: a scan id this device already sent gets its stored answer. An upload of what the
    // gate did with a scan the server decided online (late, after telling it `unavailable`) settles it.
    const stored = await findScanRequests(
      tx,
      batch.map((j) => ({ deviceId: j.device.id, scanId: j.scan.id })),
    );
    const seen = new Map<string, { hash: string; settledHash?: string | null; ack?: TScanAck; index?: number }>();
    const storedByKey = new Map<string, StoredScanRequest>();
    for (const s of stored) {
      const key = `${s.device_id}|${s.scan_id}`;
      seen.set(key, { hash: s.request_hash, settledHash: s.settled_hash, ack: s.response as TScanAck });
      storedByKey.set(key, s);
    }
    const fresh: number[] = [];
    const settling = new Set<number>();
    batch.forEach((job, i) => {
      const key = `${job.device.id}|${job.scan.id}`;
      const prior = seen.get(key);
      if (!prior) {
        seen.set(key, { hash: job.hash, index: i });
        fresh.push(i);
      } else if (prior.hash === job.hash || prior.settledHash === job.hash) {
        // Same scan again: filled in below from the stored or first answer.
      } else if (
        job.scan.local &&
        prior.index === undefined &&
        !prior.settledHash &&
        prior.ack &&
        'result' in prior.ack &&
        prior.hash === onlineHash(job.scan)
      ) {
        settling.add(i);
        // Later copies in this batch (of the upload or of the online form) get the settled answer.
        Object.assign(prior, { settledHash: job.hash, ack: undefined, index: i });
      } else {
        acks[i] = {
          id: job.scan.id,
          error: {
            code: 'idempotency_mismatch',
            message: `scan id ${job.scan.id} was already used by this device for a different scan`,
          },
        };
      }
    });
    /** Scans decided in this batch, in arrival order: fresh ones and settlements. */
    const decided = [...fresh, ...settling].sort((a, b) => a - b);

    // 2. Lock the tickets and the occupancy rows involved, in a fixed order.
    const now = this.now();
    const codes = new Map<number, string | null>();
    /** Scans by ID card that found no ticket valid today, or several the gate would admit. */
    const noHolderTicket = new Set<number>();
    const ambiguous = new Set<number>();
    /** Group scans: the group's tickets, one of which each scan picks when it is decided. */
    const groups = new Map<number, string[]>();
    const groupCodes = new Map<string, string[]>();
    for (const i of decided) {
      const { scan, device } = batch[i];
      if (scan.group !== undefined) {
        const key = `${device.venue_id}|${scan.group.code}`;
        let members = groupCodes.get(key);
        if (!members) {
          members = await findGroupTicketCodes(tx, device.venue_id, scan.group.code);
          groupCodes.set(key, members);
        }
        groups.set(i, members);
        codes.set(i, null);
      } else if (scan.holderIdx === undefined) codes.set(i, normalizeTicketCode(scan.code ?? ''));
      else {
        const clock = clocks.get(device.venue_id)!;
        const lt = localTime(scan.local ? scan.at : now, clock.timezone, clock.resetMinute);
        const code = await this.holderTicket(tx, device, scan, lt);
        if (code === 'ambiguous') ambiguous.add(i);
        else if (code === null) noHolderTicket.add(i);
        codes.set(i, code === 'ambiguous' ? null : code);
      }
    }
    const tickets = new Map<string, TBatchTicket>(
      (
        await lockTicketsByCode(
          tx,
          [...new Set([...[...codes.values()].filter((c): c is string => !!c), ...[...groupCodes.values()].flat()])],
          this.opts.lockTickets !== false,
        )
      ).map((t) => [t.code, t]),
    );
    // Attraction gates: their attractions, the rides the tickets' types include and what they used.
    const rideContext = await findRideContext(
      tx,
      [...new Set(decided.map((i) => batch[i].device.attraction_id).filter((a): a is number => a != null))],
      [...tickets.values()],
    );
    const attractions = new Map(rideContext.attractions.map((a) => [a.id, a]));
    // Show gates: their doors, and the show each ticket booked there (decided like a slot).
    const doors = new Map(rideContext.attractions.filter((a) => a.doors_min !== null).map((a) => [a.id, a.doors_min!]));
    if (attractions.size && tickets.size) {
      const typeRides = new Map<number, Record<number, number | null>>();
      for (const r of rideContext.typeRides) getOrInsert(typeRides, r.type_id, () => ({}))[r.attraction_id] = r.rides;
      const used = new Map<number, NonNullable<TBatchTicket['rides']>>();
      for (const r of rideContext.used)
        getOrInsert(used, r.ticket_id, () => ({}))[r.attraction_id] = {
          used: r.rides,
          lastAt: r.last_ride_at ? new Date(r.last_ride_at).getTime() : null,
        };
      const shows = new Map<number, NonNullable<TBatchTicket['shows']>>();
      for (const b of rideContext.shows)
        getOrInsert(shows, b.ticket_id, () => ({}))[b.attraction_id] = {
          day: b.day,
          start: minutesOf(b.starts),
          end: minutesOf(b.ends),
        };
      for (const t of tickets.values()) {
        t.typeRides = { ...typeRides.get(t.type_id) };
        t.rides = { ...used.get(t.id) };
        const mine = shows.get(t.id);
        if (mine) t.shows = mine;
      }
    }
    const contexts = new Map<number, TScanContext>();
    const nowLocal = new Map<number, ReturnType<typeof localTime>>();
    const occKeys = new Map<string, { zoneId: number; day: string }>();
    // The stored rows and undo records of the scans being settled.
    const settledRows = new Map(
      (
        await findGateScans(
          tx,
          [...settling].map((i) => ({
            gateId: batch[i].device.gate_id,
            at: batch[i].scan.at,
            deviceId: batch[i].device.id,
            scanId: batch[i].scan.id,
          })),
        )
      ).map((r) => [`${r.device_id}|${r.scan_id}`, r]),
    );
    for (const i of settling) {
      const undo = storedByKey.get(`${batch[i].device.id}|${batch[i].scan.id}`)?.undo;
      for (const z of [undo?.into, undo?.outOf])
        if (undo && z != null) occKeys.set(`${z}|${undo.day}`, { zoneId: z, day: undo.day });
    }
    for (const i of decided) {
      const { device, scan } = batch[i];
      const clock = clocks.get(device.venue_id)!;
      // Online scans are decided on the server's clock (a gate's clock can be wrong or tampered
      // with); uploaded offline scans happened at their own time. The batch's "now" is computed once per venue.
      const lt = scan.local
        ? localTime(scan.at, clock.timezone, clock.resetMinute)
        : getOrInsert(nowLocal, device.venue_id, () => localTime(now, clock.timezone, clock.resetMinute));
      const a = device.attraction_id != null ? attractions.get(device.attraction_id) : undefined;
      contexts.set(i, {
        direction: scan.direction,
        day: lt.day,
        minute: lt.minute,
        zoneId: device.zone_id,
        zoneHasRoom: true,
        edge: edgeOf(device),
        otherZoneId: device.other_zone_id ?? null,
        at: scan.local ? Math.min(scan.at.getTime(), now.getTime()) : now.getTime(),
        ...(a
          ? {
              attraction: {
                id: a.id,
                open: !a.closed && withinHours(lt.minute, a.opens, a.closes),
                points: a.points,
                rideGapMin: a.ride_gap_min,
                ...(doors.has(a.id) ? { doorsMin: doors.get(a.id)! } : {}),
              },
            }
          : {}),
      });
      occKeys.set(`${device.zone_id}|${lt.day}`, { zoneId: device.zone_id, day: lt.day });
      if (device.other_zone_id != null)
        occKeys.set(`${device.other_zone_id}|${lt.day}`, { zoneId: device.other_zone_id, day: lt.day });
      for (const code of groups.get(i) ?? [codes.get(i) ?? '']) {
        const t = tickets.get(code);
        if (t?.zone_id) occKeys.set(`${t.zone_id}|${lt.day}`, { zoneId: t.zone_id, day: lt.day });
      }
    }
    const keys = [...occKeys.values()];
    const unlocked = lockZones ? null : await readOccupancy(tx, keys);
    const occupancy = unlocked ?? (await lockOccupancy(tx, keys));
    /** Zones this batch admitted people into on the strength of their room (to re-check when unlocked). */
    const relied = new Set<string>();

    // 3. Decide in arrival order against the evolving state.
    const state = new Map<number, TTicketState>();
    const updates = new Map<number, TicketUpdate>();
    /** A ticket's new state, kept for the rest of the batch and written with it. */
    const rideUpdates = new Map<string, RideUpdate>();
    const advance = (id: number, next: TTicketState, at: Date, attractionId?: number) => {
      state.set(id, next);
      updates.set(id, {
        id,
        entries: next.entries,
        entriesOnDay: next.entriesOnDay,
        entriesDay: next.entriesDay,
        inside: next.inside,
        zoneId: next.zoneId,
        at,
        entryInferred: next.entryInferred ?? false,
        movedAt: next.movedAt != null ? new Date(next.movedAt) : null,
        pointsUsed: next.pointsUsed ?? 0,
      });
      const ride = attractionId !== undefined ? next.rides?.[attractionId] : undefined;
      if (ride)
        rideUpdates.set(`${id}|${attractionId}`, {
          ticketId: id,
          attractionId: attractionId!,
          rides: ride.used,
          lastRideAt: ride.lastAt != null ? new Date(ride.lastAt) : null,
        });
    };
    /** Counts the venue crossings an admission made (docs/zone-graph.md). */
    const cross = (venueId: number, day: string, c: TCrossings, sign: 1 | -1 = 1) => {
      if (!c.entry && !c.exit) return;
      const cd = counter(venueId, day);
      if (c.entry) cd.entries = (cd.entries ?? 0) + sign;
      if (c.exit) cd.exits = (cd.exits ?? 0) + sign;
    };
    /** Room in the zone a scan leads into (exits to outside need none). */
    const roomFor = (c: TScanContext) => {
      const to = leadsTo(c);
      const occ = to === null ? undefined : occupancy.get(`${to}|${c.day}`);
      return !occ || occ.count < occ.capacity;
    };
    const deltas = new Map<string, number>();
    const scanRows: GateScanRow[] = [];
    const counters = new Map<string, CounterDelta>();
    const counter = (venueId: number, day: string) =>
      getOrInsert(counters, `${venueId}|${day}`, () => ({ venueId, day }));
    const activity = new Map<string, GateActivityDelta>();
    const activityOf = (device: DeviceAuthRow, ms: number) => {
      const minute = Math.floor(ms / 60_000) * 60_000;
      const k = `${device.gate_id}|${minute}`;
      return getOrInsert(activity, k, () => ({
        gateId: device.gate_id,
        venueId: device.venue_id,
        minute: new Date(minute),
        scans: 0,
        rejects: 0,
        entries: 0,
        offlineScans: 0,
        offlineRejects: 0,
        conflicts: 0,
      }));
    };
    const move = (zoneId: number | null, day: string, d: number) => {
      if (zoneId === null) return;
      const k = `${zoneId}|${day}`;
      deltas.set(k, (deltas.get(k) ?? 0) + d);
      const occ = occupancy.get(k);
      if (occ) occ.count = Math.max(0, occ.count + d);
    };
    const undos = new Map<number, TScanUndo>();
    const settlements: ScanSettlement[] = [];
    const settled = { agreed: 0, corrected: 0 };
    for (const i of decided) {
      const { device, scan } = batch[i];
      const ctx = contexts.get(i)!;
      const code = codes.get(i);
      const key = `${device.id}|${scan.id}`;
      const storedRow = settledRows.get(key);
      const members = groups.get(i);
      const t = members
        ? pickGroupTicket(
            members.map((c) => tickets.get(c)).filter((x): x is TicketForScan => !!x),
            (m) => state.get(m.id) ?? stateOf(m),
            settling.has(i) ? (storedRow?.ticket_id ?? null) : undefined,
            { ...ctx, zoneHasRoom: roomFor(ctx) },
          )
        : code
          ? tickets.get(code)
          : undefined;
      if (settling.has(i)) {
        const prior = storedByKey.get(key)!;
        const clock = clocks.get(device.venue_id)!;
        const decidedDay = storedRow
          ? localTime(new Date(storedRow.received_at), clock.timezone, clock.resetMinute).day
          : ctx.day;
        const r = this.settle({
          job: batch[i],
          server: prior.response as Extract<TScanAck, { result: unknown }>,
          undo: prior.undo,
          decidedDay,
          ctx,
          ticket: t && t.venue_id === device.venue_id ? t : undefined,
          state,
          counter,
          move,
          advance,
          cross,
          now,
        });
        acks[i] = r.ack;
        settlements.push({
          gateId: device.gate_id,
          at: scan.at,
          deviceId: device.id,
          scanId: scan.id,
          settledHash: batch[i].hash,
          response: r.ack,
          row: r.row,
        });
        if (r.row) settled.corrected++;
        else settled.agreed++;
        continue;
      }
      let ack: TScanAck;
      let row: Pick<GateScanRow, 'result' | 'reason' | 'conflict'>;
      let crossings: TCrossings = NO_CROSSINGS;
      const override = batch[i].manual?.override;
      if (override && t && t.venue_id === device.venue_id && !scan.local) {
        // A supervisor's override at the desk: the visitor goes in whatever the rules say (the
        // refusal they overrode is kept as the row's reason), counted like any admission.
        const current = state.get(t.id) ?? stateOf(t);
        const r = recordOffline(current, rulesOf(t), { ...ctx, zoneHasRoom: true }, 'admit');
        if (r.next) advance(t.id, r.next, now, ctx.attraction?.id);
        move(r.into, ctx.day, 1);
        move(r.outOf, ctx.day, -1);
        crossings = r.crossings;
        ack = { id: scan.id, result: 'admit', ticket: { type: t.type_code } };
        row = { result: 'admit', reason: r.reason ?? null, conflict: false };
      } else if (batch[i].forced && !scan.local) {
        const reason = batch[i].forced!;
        ack = {
          id: scan.id,
          result: 'reject',
          reason,
          ...(t && t.venue_id === device.venue_id ? { ticket: { type: t.type_code } } : {}),
        };
        row = { result: 'reject', reason, conflict: false };
      } else if (!t || t.venue_id !== device.venue_id) {
        const reason: TScanReason = ambiguous.has(i)
          ? 'ambiguous'
          : code || noHolderTicket.has(i) || groups.has(i)
            ? 'unknown'
            : 'invalid';
        const conflict = scan.local === 'admit';
        ack = scan.local
          ? { id: scan.id, result: scan.local, recorded: true, ...(conflict ? { conflict: true as const } : {}) }
          : { id: scan.id, result: 'reject', reason };
        row = { result: scan.local ?? 'reject', reason, conflict };
        if (conflict && ctx.edge === 'perimeter') {
          // Someone the gate let through on a code we cannot follow: into the zone, or in and out at once.
          crossings = ctx.direction === 'in' ? ENTRY_ONLY : ENTRY_AND_EXIT;
          if (ctx.direction === 'in') move(ctx.zoneId, ctx.day, 1);
        }
      } else {
        const current = state.get(t.id) ?? stateOf(t);
        const rules = rulesOf(t);
        const c: TScanContext = { ...ctx, zoneHasRoom: roomFor(ctx) };
        if (scan.local) {
          const r = recordOffline(current, rules, c, scan.local);
          if (r.next) {
            advance(t.id, r.next, scan.at, ctx.attraction?.id);
            move(r.into, ctx.day, 1);
            move(r.outOf, ctx.day, -1);
            crossings = r.crossings;
          }
          ack = {
            id: scan.id,
            result: scan.local,
            recorded: true,
            ticket: { type: t.type_code },
            ...(r.conflict ? { conflict: true as const } : {}),
          };
          row = { result: scan.local, reason: r.reason ?? scan.reason ?? null, conflict: r.conflict };
        } else {
          const d = decide(current, rules, c);
          if (d.result === 'admit') {
            advance(t.id, d.next, now, d.ride?.attractionId);
            move(d.into, ctx.day, 1);
            move(d.outOf, ctx.day, -1);
            crossings = d.crossings;
            if (d.into !== null) relied.add(`${d.into}|${ctx.day}`);
            // A plain first entry's undo is implied (see impliedUndo); only the others are kept.
            const implied =
              ctx.edge === 'perimeter' &&
              scan.direction === 'in' &&
              current.entries === 0 &&
              !current.entryInferred &&
              d.outOf === null &&
              !d.crossings.exit;
            if (!implied)
              undos.set(i, {
                day: ctx.day,
                before: countsOf(current),
                after: countsOf(d.next),
                into: d.into,
                outOf: d.outOf,
                counted: null,
                crossings: d.crossings,
                ...(d.ride
                  ? {
                      ride: {
                        attractionId: d.ride.attractionId,
                        before: current.rides?.[d.ride.attractionId] ?? null,
                        pointsBefore: current.pointsUsed ?? 0,
                      },
                    }
                  : {}),
              });
            ack = {
              id: scan.id,
              result: 'admit',
              ticket: {
                type: t.type_code,
                ...(d.entriesLeft !== undefined ? { entriesLeft: d.entriesLeft } : {}),
                ...(d.ride?.ridesLeft !== undefined ? { ridesLeft: d.ride.ridesLeft } : {}),
                ...(d.ride?.pointsLeft !== undefined ? { pointsLeft: d.ride.pointsLeft } : {}),
              },
            };
            row = { result: 'admit', reason: null, conflict: false };
          } else {
            ack = { id: scan.id, result: 'reject', reason: d.reason, ticket: { type: t.type_code } };
            row = { result: 'reject', reason: d.reason, conflict: false };
          }
        }
      }
      acks[i] = ack;
      const cd = counter(device.venue_id, ctx.day);
      // The venue's entries and exits are the crossings of its boundary (and the ones inferred at
      // inner gates), so that entries - exits = the sum of the zones.
      if (row.result === 'admit') cross(device.venue_id, ctx.day, crossings);
      else {
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
        else if (crossings.entry) a.entries++;
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
        manualUserId: batch[i].manual?.userId ?? null,
        overrideReason: batch[i].manual?.override?.reason ?? null,
        supervisorId: batch[i].manual?.override?.supervisorId ?? null,
        ...(row.result === 'admit' ? crossingOf(crossings) : {}),
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
      fresh.map((i) => ({
        deviceId: batch[i].device.id,
        scanId: batch[i].scan.id,
        hash: batch[i].hash,
        response: acks[i],
        undo: undos.get(i),
      })),
      [...rideUpdates.values()],
    );
    if ((await settleScans(tx, settlements)) < settlements.length) throw new SettledMeanwhile();
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
      venues: [...new Set(decided.map((i) => batch[i].device.venue_id))],
      gates: [...new Set(decided.map((i) => batch[i].device.gate_id))],
      settled,
    };
  }

  /**
   * Settles a scan the server decided online while its gate, told `unavailable`, acted by itself:
   * what the gate did is what happened. Agreeing, the stored decision stands. The server refused
   * but the gate let the visitor through: the passage is recorded as an offline admission (a
   * conflict when the rules refused it). The server admitted but the gate turned the visitor away:
   * the admission is undone (ticket, occupancy, venue totals) and the refusal counted instead.
   * Either way the scan stays one stored row, counted once.
   */
  private settle(a: {
    job: Job;
    server: Extract<TScanAck, { result: unknown }>;
    undo: TScanUndo | null;
    decidedDay: string;
    ctx: TScanContext;
    ticket: TBatchTicket | undefined;
    state: Map<number, TTicketState>;
    counter: (venueId: number, day: string) => CounterDelta;
    move: (zoneId: number | null, day: string, d: number) => void;
    advance: (id: number, next: TTicketState, at: Date, attractionId?: number) => void;
    cross: (venueId: number, day: string, c: TCrossings, sign?: 1 | -1) => void;
    now: Date;
  }): { ack: TScanAck; row?: ScanSettlement['row'] } {
    const { job, server, ctx, ticket: t } = a;
    let { undo } = a;
    const { device, scan } = job;
    const local = scan.local!;
    const ticketOf = t ? { ticket: { type: t.type_code } } : {};
    if (server.result === local) return { ack: { ...server, recorded: true } };
    const count = (day: string, field: 'rejects' | 'conflicts', d: number) => {
      const c = a.counter(device.venue_id, day);
      c[field] = (c[field] ?? 0) + d;
    };
    const byReason = (day: string, reason: string | null | undefined, d: number) => {
      if (!reason) return;
      const c = a.counter(device.venue_id, day);
      c.rejectsByReason ??= {};
      c.rejectsByReason[reason as TScanReason] = (c.rejectsByReason[reason as TScanReason] ?? 0) + d;
    };
    if (local === 'admit') {
      // Refused by the server, let through by the gate.
      count(a.decidedDay, 'rejects', -1);
      byReason(a.decidedDay, server.reason, -1);
      let conflict = true;
      let reason: string | null = server.reason ?? null;
      let crossings: TCrossings = NO_CROSSINGS;
      if (t) {
        const current = a.state.get(t.id) ?? stateOf(t);
        const r = recordOffline(current, rulesOf(t), { ...ctx, zoneHasRoom: true }, 'admit');
        if (r.next) a.advance(t.id, r.next, scan.at, ctx.attraction?.id);
        a.move(r.into, ctx.day, 1);
        a.move(r.outOf, ctx.day, -1);
        crossings = r.crossings;
        conflict = r.conflict;
        reason = r.reason ?? null;
      } else if (ctx.edge === 'perimeter') {
        crossings = scan.direction === 'in' ? ENTRY_ONLY : ENTRY_AND_EXIT;
        if (scan.direction === 'in') a.move(ctx.zoneId, ctx.day, 1);
      }
      a.cross(device.venue_id, ctx.day, crossings);
      if (conflict) count(ctx.day, 'conflicts', 1);
      return {
        ack: {
          id: scan.id,
          result: 'admit',
          recorded: true,
          corrected: true,
          ...ticketOf,
          ...(conflict ? { conflict: true as const } : {}),
        },
        row: { result: 'admit', reason, conflict, ...crossingOf(crossings) },
      };
    }
    // Admitted by the server, turned away by the gate.
    undo ??= scan.direction === 'in' && edgeOf(device) === 'perimeter' ? impliedUndo(a.decidedDay, device) : null;
    const day = undo?.day ?? a.decidedDay;
    // What the admission counted: its crossings, or for undo records from before the zone graph the
    // venue total it added to (boundary gates only).
    const counted: TCrossings | null = undo
      ? (undo.crossings ??
        (undo.counted === 'entries'
          ? ENTRY_ONLY
          : undo.counted === 'exits'
            ? { entry: false, exit: true, inferred: null }
            : null))
      : null;
    if (counted) a.cross(device.venue_id, day, counted, -1);
    count(day, 'rejects', 1);
    byReason(day, scan.reason, 1);
    if (t) {
      const current = a.state.get(t.id) ?? stateOf(t);
      let next: TTicketState = current;
      if (undo && sameCounts(countsOf(current), undo.after)) next = { ...current, ...undo.before };
      else if (scan.direction === 'in' && (!undo || counted?.entry)) {
        // Scanned again since: take back only the entry itself.
        next = {
          ...current,
          entries: Math.max(0, current.entries - 1),
          entriesOnDay: current.entriesDay === day ? Math.max(0, current.entriesOnDay - 1) : current.entriesOnDay,
        };
      }
      // The ride it used, given back.
      const ride = undo?.ride;
      if (ride)
        next = {
          ...next,
          rides: { ...next.rides, [ride.attractionId]: ride.before ?? { used: 0, lastAt: null } },
          pointsUsed: ride.pointsBefore,
        };
      if (next !== current) a.advance(t.id, next, a.now, ride?.attractionId);
    }
    if (undo) {
      a.move(undo.into, undo.day, -1);
      a.move(undo.outOf, undo.day, 1);
    }
    return {
      ack: {
        id: scan.id,
        result: 'reject',
        recorded: true,
        corrected: true,
        ...(scan.reason ? { reason: scan.reason } : {}),
        ...ticketOf,
      },
      row: { result: 'reject', reason: scan.reason ?? null, conflict: false, crossing: null, inferred: null },
    };
  }
}
