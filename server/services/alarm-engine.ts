import type { Database, Queryable } from '../../db/client.ts';
import {
  clearAlarm,
  escalateAlarms,
  insertAlarm,
  listOpenAlarms,
  listWatch,
  readAlarmInputs,
  readAttractionAlarmInputs,
  type AttractionAlarmInput,
  setWatch,
  updateAlarmSeverity,
  updateAlarmValue,
  type TAlarmKind,
  type TSeverity,
} from '../../db/queries/alarms.ts';
import { listGraphGates, type GraphGateRow } from '../../db/queries/attraction-controls.ts';
import { insertAudit } from '../../db/queries/audit.ts';
import { readHotelNights, type HotelNightRow } from '../../db/queries/hotel-wall.ts';
import { pruneGateActivity } from '../../db/queries/scans.ts';
import {
  endPolicyActions,
  insertPolicyAction,
  listGateControls,
  listOpenPolicyActions,
  updateGateControl,
} from '../../db/queries/controls.ts';
import { localTime, minutesOf } from '../../lib/venue-time.ts';
import { withinHours } from '../ingest/scan-ingest.ts';
import type { TLogger } from '../logger.ts';
import type { SharedState } from '../shared/shared-state.ts';
import { CONTROLS_CHANNEL } from './controls.ts';
import { carriesBetweenZones, strandedZones } from './controls-stranded.ts';

/** Arbitrary constant for pg_try_advisory_xact_lock: one instance evaluates alarms per tick. */
const ALARM_LOCK_ID = 7_311_204;
/** A capacity alarm clears only this far below its line, so a value hovering at the line does not flap. */
const HYSTERESIS = 0.02;
/** Venue-wide thresholds (the zones carry their own). */
const VENUE_WARN = 0.8;
const VENUE_CRITICAL = 0.95;
/** A gate's reject share over the last 5 minutes that is unusual, with at least MIN_SCANS scans. */
const REJECT_WARN = 0.3;
const REJECT_CRITICAL = 0.6;
const MIN_SCANS = 20;
/** How often the instance that evaluates also prunes old gate activity rows (ms). */
const PRUNE_EVERY_MS = 60_000;
/** Minutes in a day, for opening hours that run past midnight. */
const DAY_MIN = 1440;

/** When attractions raise alarms (the deployment sets them; see server/config.ts). */
export interface AttractionThresholds {
  /** Utilisation (rides in the last hour / hourly capacity) at which a queue is forming: warning. */
  queueWarn: number;
  /** Utilisation at which the queue alarm is critical (at capacity: the queue only grows). */
  queueCritical: number;
  /** How long utilisation must stay above a line before the queue alarm opens or rises (s). */
  queueHoldS: number;
  /** An open attraction whose gates are online but scanned nothing for this long is silent (min). */
  silentMin: number;
}
export const ATTRACTION_THRESHOLDS: AttractionThresholds = {
  queueWarn: 0.9,
  queueCritical: 1,
  queueHoldS: 600,
  silentMin: 10,
};

export interface AlarmEngineOptions {
  db: Database;
  shared: SharedState;
  logger: TLogger;
  /** A condition must hold this long before an alarm opens, changes severity or clears (s). */
  holdDownS: number;
  /** Active alarms nobody acknowledged turn critical after this long (s). */
  escalateAfterS: number;
  heartbeatTimeoutS: number;
  /** Venues whose alarms changed (the hub pushes them to the wall). */
  onChange: (venueIds: number[]) => void;
  /** Queue and silent-gate thresholds (default ATTRACTION_THRESHOLDS). */
  attractions?: Partial<AttractionThresholds>;
  /**
   * The engine's clock (epoch ms; default Date.now): how long conditions held, and the time of day
   * and windows attraction alarms are judged by. Tests move it; the measurements of zones and
   * gates (occupancy, heartbeats, reject rates) stay on the database's clock.
   */
  clock?: () => number;
}

type Level = 'none' | TSeverity;
export interface Condition {
  venueId: number;
  subjectKind: 'venue' | 'zone' | 'gate' | 'attraction' | 'hotel';
  subjectId: number;
  kind: TAlarmKind;
  level: Level;
  value: number | null;
  threshold: number | null;
}

function ratioLevel(ratio: number, warn: number, crit: number, open: Level): Level {
  // Hysteresis: an open alarm holds its level until the value falls clearly below the line.
  const slack = (l: Level) => (open === l ? HYSTERESIS : 0);
  if (ratio >= crit - slack('critical')) return 'critical';
  if (ratio >= warn - slack('warning') - (open === 'critical' ? HYSTERESIS : 0)) return 'warning';
  return 'none';
}

const key = (c: {
  subjectKind?: string;
  subject_kind?: string;
  subjectId?: number;
  subject_id?: number;
  kind: string;
}) => `${c.subjectKind ?? c.subject_kind}|${c.subjectId ?? c.subject_id}|${c.kind}`;

/**
 * Raises, changes, escalates and clears alarms from the live measurements once a second, and runs
 * the crowd policy: when a zone turns critical its entry gates close and online sales of today
 * pause, until it clears. Every instance runs it; an advisory lock lets one evaluate per tick (and,
 * once a minute, prune the gate activity no window reads any more).
 */
export class AlarmEngine {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private prunedAt = 0;
  private readonly limits: AttractionThresholds;
  private readonly clock: () => number;

  constructor(private readonly o: AlarmEngineOptions) {
    this.limits = { ...ATTRACTION_THRESHOLDS, ...o.attractions };
    this.clock = o.clock ?? Date.now;
  }

  start(intervalMs = 1_000): void {
    this.timer = setInterval(() => void this.tick(), intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One evaluation; returns the venues whose alarms changed. */
  async tick(): Promise<number[]> {
    if (this.running) return [];
    this.running = true;
    try {
      const { changed, controlsChanged } = await this.o.db.transaction(async (tx) => {
        const got = await tx.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS ok', [ALARM_LOCK_ID]);
        if (!got.rows[0]?.ok) return { changed: [] as number[], controlsChanged: [] as number[] };
        if (Date.now() - this.prunedAt >= PRUNE_EVERY_MS) {
          this.prunedAt = Date.now();
          await pruneGateActivity(tx);
        }
        return this.evaluate(tx);
      });
      for (const v of controlsChanged) await this.o.shared.publish(CONTROLS_CHANNEL, { venueId: v, at: Date.now() });
      if (changed.length) this.o.onChange(changed);
      return changed;
    } catch (err) {
      this.o.logger.warn({ err: (err as Error).message }, 'alarm evaluation failed');
      return [];
    } finally {
      this.running = false;
    }
  }

  private async evaluate(tx: Queryable): Promise<{ changed: number[]; controlsChanged: number[] }> {
    const inputs = await readAlarmInputs(tx, this.o.heartbeatTimeoutS);
    const open = new Map((await listOpenAlarms(tx)).map((a) => [key(a), a]));
    const openLevel = (k: string): Level => open.get(k)?.severity ?? 'none';
    const conditions: Condition[] = [];

    const venueTotals = new Map<number, number>();
    for (const z of inputs.zones) {
      venueTotals.set(z.venue_id, (venueTotals.get(z.venue_id) ?? 0) + z.count);
      const ratio = z.capacity > 0 ? z.count / z.capacity : 0;
      const k = `zone|${z.id}|capacity`;
      const level = ratioLevel(ratio, z.warn_ratio, z.critical_ratio, openLevel(k));
      conditions.push({
        venueId: z.venue_id,
        subjectKind: 'zone',
        subjectId: z.id,
        kind: 'capacity',
        level,
        value: round(ratio),
        threshold: level === 'critical' ? z.critical_ratio : z.warn_ratio,
      });
    }
    for (const v of inputs.venues) {
      const ratio = v.capacity > 0 ? (venueTotals.get(v.id) ?? 0) / v.capacity : 0;
      const level = ratioLevel(ratio, VENUE_WARN, VENUE_CRITICAL, openLevel(`venue|${v.id}|capacity`));
      conditions.push({
        venueId: v.id,
        subjectKind: 'venue',
        subjectId: v.id,
        kind: 'capacity',
        level,
        value: round(ratio),
        threshold: level === 'critical' ? VENUE_CRITICAL : VENUE_WARN,
      });
    }
    for (const g of inputs.gates) {
      conditions.push({
        venueId: g.venue_id,
        subjectKind: 'gate',
        subjectId: g.id,
        kind: 'device_offline',
        level: g.seen_recently && !g.online ? 'warning' : 'none',
        value: null,
        threshold: null,
      });
      conditions.push({
        venueId: g.venue_id,
        subjectKind: 'gate',
        subjectId: g.id,
        kind: 'offline_conflict',
        level: g.conflicts > 0 ? 'warning' : 'none',
        value: g.conflicts,
        threshold: 1,
      });
      const share = g.scans >= MIN_SCANS ? g.rejects / g.scans : 0;
      const level: Level = share >= REJECT_CRITICAL ? 'critical' : share >= REJECT_WARN ? 'warning' : 'none';
      conditions.push({
        venueId: g.venue_id,
        subjectKind: 'gate',
        subjectId: g.id,
        kind: 'reject_rate',
        level,
        value: round(share),
        threshold: level === 'critical' ? REJECT_CRITICAL : REJECT_WARN,
      });
    }

    const now = this.clock();
    const zoneCounts = new Map(inputs.zones.map((z) => [z.id, z.count]));
    conditions.push(
      ...this.attractionConditions(await readAttractionAlarmInputs(tx, new Date(now)), await listGraphGates(tx), {
        now,
        zoneCounts,
        onlineGates: new Set(inputs.gates.filter((g) => g.online).map((g) => g.id)),
        openLevel,
      }),
    );

    for (const h of await readHotelNights(tx, null)) conditions.push(hotelCondition(h));

    // Hold-down: a level counts once it has been observed continuously for its hold.
    const watch = new Map((await listWatch(tx)).map((w) => [key(w), w]));
    const changed = new Set<number>();
    const controlsChanged = new Set<number>();
    for (const c of conditions) {
      const k = key(c);
      const w = watch.get(k);
      const current = open.get(k);
      const before: Level = current?.severity ?? 'none';
      const holdS = this.holdFor(c, before);
      if (!w || w.level !== c.level) {
        if (w || c.level !== 'none')
          await setWatch(tx, {
            subjectKind: c.subjectKind,
            subjectId: c.subjectId,
            kind: c.kind,
            level: c.level,
            since: new Date(now),
          });
        if (holdS > 0) continue;
      } else if (now - new Date(w.since).getTime() < holdS * 1000) {
        continue;
      }
      // An escalated alarm nobody acknowledged stays critical while its condition lasts.
      const escalatedHolds = current?.escalated_at != null && current.state === 'active' && c.level === 'warning';
      if (c.level === before || escalatedHolds) {
        if (current && c.value !== null && current.value !== c.value) {
          await updateAlarmValue(tx, current.id, c.value);
          // A count of people is what the wall acts on: it follows every change, not only the level's.
          if (c.kind === 'stranded') changed.add(c.venueId);
        }
        continue;
      }
      changed.add(c.venueId);
      if (c.level === 'none') await clearAlarm(tx, current!.id);
      else if (!current)
        await insertAlarm(tx, {
          venueId: c.venueId,
          subjectKind: c.subjectKind,
          subjectId: c.subjectId,
          kind: c.kind,
          severity: c.level,
          value: c.value,
          threshold: c.threshold,
        });
      else await updateAlarmSeverity(tx, current.id, c.level, c.level === 'critical', c.value, c.threshold);
      if (c.subjectKind === 'zone' && c.kind === 'capacity') {
        if (c.level === 'critical') await this.applyPolicy(tx, c);
        else if (before === 'critical') await this.revertPolicy(tx, c);
        controlsChanged.add(c.venueId);
      }
    }
    for (const v of await escalateAlarms(tx, this.o.escalateAfterS)) changed.add(v);
    return { changed: [...changed], controlsChanged: [...controlsChanged] };
  }

  /** How long a condition must hold before its alarm follows it (s): a queue takes its time to count as one. */
  private holdFor(c: Condition, before: Level): number {
    const rank = { none: 0, warning: 1, critical: 2 } as const;
    if (c.kind === 'queue' && rank[c.level] > rank[before]) return Math.max(this.o.holdDownS, this.limits.queueHoldS);
    return this.o.holdDownS;
  }

  /**
   * The attractions' conditions, one of each kind per attraction:
   * - queue: while it is open, rides in the last hour against its hourly capacity, with the
   *   capacity alarms' hysteresis; it opens or rises only once above the line for queueHoldS.
   * - attraction_silent (warning; value: minutes): open for business (its hours, not closed by a
   *   manager), at least one of its gates online, and none of them scanned anything for silentMin
   *   minutes, counted from the latest of its last scan, its opening today and a manager's last change.
   * - stranded (critical; value: people): closed by a manager while it carries people between
   *   zones (a ropeway) and someone is in a zone it strands (controls-stranded.ts).
   */
  private attractionConditions(
    attractions: AttractionAlarmInput[],
    graph: GraphGateRow[],
    m: { now: number; zoneCounts: Map<number, number>; onlineGates: Set<number>; openLevel: (k: string) => Level },
  ): Condition[] {
    const out: Condition[] = [];
    const closedIn = new Map<number, number[]>();
    for (const a of attractions) if (a.closed) closedIn.set(a.venue_id, [...(closedIn.get(a.venue_id) ?? []), a.id]);
    for (const a of attractions) {
      const base = { venueId: a.venue_id, subjectKind: 'attraction' as const, subjectId: a.id };
      const venueGates = graph.filter((g) => g.venue_id === a.venue_id);
      const lt = localTime(new Date(m.now), a.timezone, minutesOf(a.day_reset));
      const opensAt = a.closed ? null : openSince(a, lt.minute);
      const isOpen = opensAt !== null;

      const ratio = a.hourly_capacity > 0 ? a.rides / a.hourly_capacity : 0;
      const { queueWarn, queueCritical, silentMin } = this.limits;
      const queue = isOpen
        ? ratioLevel(ratio, queueWarn, queueCritical, m.openLevel(`attraction|${a.id}|queue`))
        : 'none';
      out.push({
        ...base,
        kind: 'queue',
        level: queue,
        value: round(ratio),
        threshold: queue === 'critical' ? queueCritical : queueWarn,
      });

      let silentFor = 0;
      if (isOpen && venueGates.some((g) => g.attraction_id === a.id && m.onlineGates.has(g.id))) {
        // Since it opened (today, or a show's doors), its last scan, or its last change.
        const spans = [(lt.minute - opensAt! + DAY_MIN) % DAY_MIN];
        for (const at of [a.last_scan_at, a.controls_at])
          if (at) spans.push(Math.max(0, (m.now - new Date(at).getTime()) / 60_000));
        silentFor = Math.floor(Math.min(...spans));
      }
      const silent = silentFor >= silentMin;
      out.push({
        ...base,
        kind: 'attraction_silent',
        level: silent ? 'warning' : 'none',
        value: silent ? silentFor : null,
        threshold: silentMin,
      });

      let stranded = 0;
      if (a.closed && carriesBetweenZones(venueGates, a.id))
        for (const z of strandedZones(venueGates, a.id, closedIn.get(a.venue_id))) stranded += m.zoneCounts.get(z) ?? 0;
      out.push({ ...base, kind: 'stranded', level: stranded > 0 ? 'critical' : 'none', value: stranded, threshold: 1 });
    }
    return out;
  }

  /** Zone critical: close its entry gates and pause today's online sales. Each step is audited. */
  private async applyPolicy(tx: Queryable, c: Condition): Promise<void> {
    const reason = `zone ${c.subjectId} at ${Math.round((c.value ?? 0) * 100)}% of capacity (critical)`;
    const gates = (await listGateControls(tx, c.venueId)).filter(
      (g) => g.zone_id === c.subjectId && g.direction !== 'out' && !g.closed,
    );
    for (const g of gates) {
      await updateGateControl(tx, g.id, g.admissions_per_min, true);
      await insertPolicyAction(tx, { venueId: c.venueId, zoneId: c.subjectId, action: 'close_gate', targetId: g.id });
      await insertAudit(tx, {
        actorKind: 'policy',
        actorLabel: 'policy:zone-critical',
        action: 'policy.close_gate',
        venueId: c.venueId,
        subjectKind: 'gate',
        subjectId: g.code,
        before: { closed: false },
        after: { closed: true },
        reason,
      });
    }
    const paused = (await listOpenPolicyActions(tx, c.venueId)).some(
      (a) => a.action === 'pause_online_sales' && a.zone_id === c.subjectId,
    );
    if (!paused) {
      await insertPolicyAction(tx, {
        venueId: c.venueId,
        zoneId: c.subjectId,
        action: 'pause_online_sales',
        targetId: null,
      });
      await insertAudit(tx, {
        actorKind: 'policy',
        actorLabel: 'policy:zone-critical',
        action: 'policy.pause_online_sales',
        venueId: c.venueId,
        subjectKind: 'venue',
        subjectId: c.venueId,
        before: { paused: false },
        after: { paused: true },
        reason,
      });
    }
    this.o.logger.info({ zoneId: c.subjectId, gates: gates.map((g) => g.code) }, 'crowd policy applied');
  }

  /** Zone no longer critical: undo what the policy did, except where a person took over. */
  private async revertPolicy(tx: Queryable, c: Condition): Promise<void> {
    const actions = (await listOpenPolicyActions(tx, c.venueId)).filter((a) => a.zone_id === c.subjectId);
    const gates = new Map((await listGateControls(tx, c.venueId)).map((g) => [g.id, g]));
    const reason = `zone ${c.subjectId} back to ${c.level === 'none' ? 'normal' : c.level}`;
    for (const a of actions) {
      if (a.action === 'close_gate' && a.target_id !== null && !a.overridden) {
        const g = gates.get(a.target_id);
        if (g?.closed) {
          await updateGateControl(tx, g.id, g.admissions_per_min, false);
          await insertAudit(tx, {
            actorKind: 'policy',
            actorLabel: 'policy:zone-critical',
            action: 'policy.reopen_gate',
            venueId: c.venueId,
            subjectKind: 'gate',
            subjectId: g.code,
            before: { closed: true },
            after: { closed: false },
            reason,
          });
        }
      } else if (a.action === 'pause_online_sales') {
        await insertAudit(tx, {
          actorKind: 'policy',
          actorLabel: 'policy:zone-critical',
          action: 'policy.resume_online_sales',
          venueId: c.venueId,
          subjectKind: 'venue',
          subjectId: c.venueId,
          before: { paused: true },
          after: { paused: false },
          reason,
        });
      }
    }
    await endPolicyActions(
      tx,
      actions.map((a) => a.id),
      false,
    );
  }
}

/**
 * hotel_overbooked (critical; value: rooms short): tonight, on the hotel's business date, a room
 * type has more rooms booked than out-of-order blocks left of it. A booking never oversells (the
 * inventory refuses it); a block taken after the sale does, and a guest arriving tonight would have
 * no room: the desk moves stays to another type, releases the block or finds a room elsewhere.
 */
export function hotelCondition(
  h: Pick<HotelNightRow, 'venue_id' | 'hotel_id' | 'overbooked' | 'rooms' | 'out_of_order'>,
): Condition {
  return {
    venueId: h.venue_id,
    subjectKind: 'hotel',
    subjectId: h.hotel_id,
    kind: 'hotel_overbooked',
    level: h.overbooked > 0 ? 'critical' : 'none',
    value: h.overbooked,
    // What is left to sell tonight after the blocks: the line the bookings crossed.
    threshold: Math.max(0, h.rooms - h.out_of_order),
  };
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}

/**
 * The minute of the day an attraction opened if it is open at `minute`, else null: a show from the
 * doors to the end of each of its shows (between shows its gates are rightly silent), anything else
 * within its opening hours (all-day hours: since the day's reset).
 */
export function openSince(
  a: Pick<AttractionAlarmInput, 'opens' | 'closes' | 'day_reset' | 'shows' | 'doors_min'>,
  minute: number,
): number | null {
  if (a.shows?.length) {
    for (const s of a.shows) {
      const from = minutesOf(s.starts) - a.doors_min;
      if (minute >= from && minute <= minutesOf(s.ends)) return Math.max(0, from);
    }
    return null;
  }
  if (!withinHours(minute, a.opens, a.closes)) return null;
  return minutesOf(a.opens) === minutesOf(a.closes) ? minutesOf(a.day_reset) : minutesOf(a.opens);
}
