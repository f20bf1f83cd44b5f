import type { TScanReason } from '../../lib/schemas/scan.ts';

/**
 * The admission rules, as a pure function of a ticket's state, its type's rules and the scan.
 * The caller holds the ticket's row lock while deciding and writes `next` back, so concurrent gates
 * see each other's admissions (one admission per entry allowance, one ride per ride).
 *
 * The venue is a graph (docs/zone-graph.md): zones joined by gates. A gate's `edge` says what a
 * crossing means: `perimeter` (into or out of the venue: entry allowances apply), `transfer` (from
 * one zone to another), `attraction` (uses a ride, and may carry the visitor to another zone, as a
 * ropeway does) and `checkpoint` (checks validity, consumes and moves nothing). Every admitted scan
 * moves the ticket from where it was (a zone, or outside) to where the gate leads, and counts the
 * venue crossings that move makes, so that at every moment
 *
 *   in the venue = entries today − exits today = the sum of the zones.
 *
 * A ticket found where it cannot be (inside without an entry, because the perimeter gate it came
 * through was offline) is admitted, and the entry it must have made is counted as `inferred`.
 */

export type TGateEdge = 'perimeter' | 'transfer' | 'attraction' | 'checkpoint';

export interface TTicketState {
  status: 'valid' | 'refunded' | 'replaced';
  /** First and last valid business day, YYYY-MM-DD. */
  validFrom: string;
  validTo: string;
  /** Slot window in minutes since local midnight on the visit date (validFrom); null: no slot. */
  slotStart: number | null;
  slotEnd: number | null;
  /** Admitted entries in all. */
  entries: number;
  /** Admitted entries on entriesDay. */
  entriesOnDay: number;
  entriesDay: string | null;
  /** Inside the venue (admitted in, not yet out): what anti-passback looks at. */
  inside: boolean;
  /** Zone the ticket is in (where it was last admitted into). */
  zoneId: number | null;
  /** Today's entry was inferred at an inner gate (not seen at the perimeter): an upload may confirm it. */
  entryInferred?: boolean;
  /** When the ticket last moved (epoch ms): an uploaded scan from before it is history, not a move. */
  movedAt?: number | null;
  /** Rides used per attraction id, and when the last one was (epoch ms). */
  rides?: Record<number, { used: number; lastAt: number | null }>;
  /** Points used so far (点数卡). */
  pointsUsed?: number;
  /**
   * The show booked per show attraction id (演出场次): its business day and start and end, minutes
   * since local midnight. None for a show its type includes: any time the show's gate is open (old data).
   */
  shows?: Record<number, { day: string; start: number; end: number }>;
  /**
   * False for a package's park ticket (tickets.stay_id) whose stay has not been checked in at the
   * hotel: it admits nowhere until then (`not_activated`). Missing: not a package ticket.
   */
  activated?: boolean;
}

export interface TTicketRules {
  entryPolicy: 'single' | 'multi';
  antiPassback: boolean;
  maxEntriesPerDay: number | null;
  entryWindowBeforeMin: number;
  /** null: every zone. */
  allowedZoneIds: number[] | null;
  /** False for attraction-only tickets (a ropeway ticket without park entry); default true. */
  parkEntry?: boolean;
  /** Rides included, per attraction id: a number of rides, or null for unlimited within validity. */
  rides?: Record<number, number | null>;
  /** A points card (点数卡): points in all, each ride costing its attraction's points. */
  points?: number | null;
  /** Time-of-day validity (e.g. a night session, 夜场票), minutes since local midnight; null: all day. */
  hoursFrom?: number | null;
  hoursTo?: number | null;
}

/** The attraction an attraction gate belongs to, as the decision reads it. */
export interface TAttractionContext {
  id: number;
  /** Open now: within its opening hours and not closed by a manager. */
  open: boolean;
  /** Points one ride costs on a points card. */
  points: number;
  /** Lift anti-passback: the same ticket rides again only after this many minutes (0: no gap). */
  rideGapMin: number;
  /** A show: its doors open this many minutes before a show starts (a booked ticket is admitted from then). */
  doorsMin?: number;
}

export interface TScanContext {
  direction: 'in' | 'out';
  /** Business day and local minute of the scan at the venue. */
  day: string;
  minute: number;
  /** Zone of the gate: where an `in` leads (an attraction gate: the station it stands in). */
  zoneId: number;
  /** False when the zone the scan leads into is at capacity (entries are refused, exits are not). */
  zoneHasRoom: boolean;
  /** What the gate is in the zone graph; default `perimeter`. */
  edge?: TGateEdge;
  /**
   * The zone on the gate's other side, where an `out` leads (null: outside the venue, the default);
   * at an attraction gate, the far station the ride goes to (null: back where it started).
   */
  otherZoneId?: number | null;
  /** Attraction gates: the attraction. */
  attraction?: TAttractionContext;
  /** When the scan happened (epoch ms): ride gaps, and whether an upload is newer than the last move. */
  at?: number;
}

/** The venue crossings an admission counts: perimeter entries and exits, some of them inferred. */
export interface TCrossings {
  entry: boolean;
  exit: boolean;
  /** Which of the two was not seen at the perimeter but must have happened. */
  inferred: 'entry' | 'exit' | null;
}

const NO_CROSSING: TCrossings = { entry: false, exit: false, inferred: null };

export type TDecision =
  | {
      result: 'admit';
      next: TTicketState;
      /** Occupancy changes: +1 into, -1 out of (either may be null). */
      into: number | null;
      outOf: number | null;
      crossings: TCrossings;
      entriesLeft?: number;
      /** An attraction ride: rides or points left after it (unlimited: neither). */
      ride?: { attractionId: number; ridesLeft?: number; pointsLeft?: number };
    }
  | { result: 'reject'; reason: TScanReason };

function entriesToday(t: TTicketState, day: string): number {
  return t.entriesDay === day ? t.entriesOnDay : 0;
}

/**
 * Inside since today's business day. Occupancy starts at zero every day, so a ticket that never
 * scanned out yesterday is neither refused for passback nor counted out of today's zone.
 */
function insideToday(t: TTicketState, day: string): boolean {
  return t.inside && t.entriesDay === day;
}

/** Where the ticket is today: a zone, or null for outside the venue. */
function positionOf(t: TTicketState, day: string): number | null {
  return insideToday(t, day) ? t.zoneId : null;
}

/** Why a ticket cannot be used at all today (whatever the gate), or null. */
function validityRefusal(t: TTicketState, r: TTicketRules, c: TScanContext): TScanReason | null {
  if (t.status === 'refunded') return 'refunded';
  // A lost ticket replaced at the desk (补票): its old code no longer admits.
  if (t.status === 'replaced') return 'replaced';
  if (c.day < t.validFrom || c.day > t.validTo) return 'not_valid_today';
  // After the day: a package ticket for another day is not valid today, checked in or not (the
  // stay's days are the tickets' validity), and checking in is what the desk can do about this one.
  if (t.activated === false) return 'not_activated';
  if (r.hoursFrom != null && r.hoursTo != null) {
    // A window may run past midnight (22:00 to 02:00).
    const within =
      r.hoursFrom <= r.hoursTo
        ? c.minute >= r.hoursFrom && c.minute <= r.hoursTo
        : c.minute >= r.hoursFrom || c.minute <= r.hoursTo;
    if (!within) return 'outside_slot';
  }
  return null;
}

/** Why an entry at the perimeter would be refused, or null when it is admissible. */
function entryRefusal(t: TTicketState, r: TTicketRules, c: TScanContext): TScanReason | null {
  const invalid = validityRefusal(t, r, c);
  if (invalid) return invalid;
  if (t.slotStart !== null && t.slotEnd !== null) {
    if (c.day !== t.validFrom || c.minute < t.slotStart - r.entryWindowBeforeMin || c.minute > t.slotEnd)
      return 'outside_slot';
  }
  if (r.parkEntry === false) return 'wrong_zone';
  if (r.allowedZoneIds && !r.allowedZoneIds.includes(c.zoneId)) return 'wrong_zone';
  if (r.entryPolicy === 'single') {
    if (t.entries >= 1) return 'used';
  } else {
    // An entry only inferred (seen at an inner gate or placed by a hotel's desk, never at the
    // perimeter) used no allowance: the visitor may have left unseen the way they came, and their
    // entry here is the seen one, as a single-entry ticket's would be.
    if (r.antiPassback && insideToday(t, c.day) && !t.entryInferred) return 'passback';
    if (r.maxEntriesPerDay !== null && entriesToday(t, c.day) >= r.maxEntriesPerDay) return 'used';
  }
  if (!c.zoneHasRoom) return 'capacity';
  return null;
}

/** Where the scan leads: a zone, or null for outside the venue (`from` is where the ticket is). */
function targetOf(c: TScanContext, from: number | null): number | null {
  const edge = c.edge ?? 'perimeter';
  if (edge === 'checkpoint') return from ?? c.zoneId;
  return leadsTo(c);
}

/**
 * The zone a scan at this gate leads into, whoever scans (null: out of the venue; a checkpoint
 * leads nowhere new). An attraction gate boards the attraction: the ride ends at the far station
 * (`otherZoneId`, a ropeway's) or where it started (a ski lift back to its base).
 */
export function leadsTo(c: Pick<TScanContext, 'edge' | 'direction' | 'zoneId' | 'otherZoneId'>): number | null {
  const edge = c.edge ?? 'perimeter';
  if (edge === 'attraction') return c.otherZoneId ?? c.zoneId;
  if (edge === 'checkpoint') return c.zoneId;
  if (c.direction === 'in') return c.zoneId;
  return edge === 'perimeter' ? null : (c.otherZoneId ?? null);
}

/** Whether a scan at an inner gate is refused by where it leads, or by a ticket that cannot be inside. */
function innerRefusal(t: TTicketState, r: TTicketRules, c: TScanContext, to: number | null): TScanReason | null {
  const invalid = validityRefusal(t, r, c);
  if (invalid) return invalid;
  if (r.parkEntry === false) return (c.edge ?? 'perimeter') === 'attraction' ? null : 'not_inside';
  // Left the venue today with no entry allowance to have come back in by: someone else's ticket.
  const from = positionOf(t, c.day);
  if (from === null && t.entriesDay === c.day && r.entryPolicy === 'single' && t.entries >= 1) return 'not_inside';
  if (to !== null && to !== from) {
    if (r.allowedZoneIds && !r.allowedZoneIds.includes(to)) return 'wrong_zone';
    if (!c.zoneHasRoom) return 'capacity';
  }
  return null;
}

/** Why a ride would be refused, or null; with what the ride leaves. */
function rideRefusal(
  t: TTicketState,
  r: TTicketRules,
  c: TScanContext,
): { reason: TScanReason } | { ridesLeft?: number; pointsLeft?: number; viaPoints: boolean } {
  const a = c.attraction!;
  // A booked show admits from its doors until it ends, on its day: the show time is the ticket's
  // slot at the show's gate, and the most specific answer, so it comes before the opening hours.
  const show = t.shows?.[a.id];
  if (show && (c.day !== show.day || c.minute < show.start - (a.doorsMin ?? 0) || c.minute > show.end))
    return { reason: 'outside_slot' };
  if (!a.open) return { reason: 'attraction_closed' };
  const used = t.rides?.[a.id];
  // Within the gap either side of the last ride: an upload of an earlier ride decided after a later
  // one (uploads come in batches, out of order) is too soon only when it was that close to it.
  if (
    a.rideGapMin > 0 &&
    used?.lastAt != null &&
    c.at !== undefined &&
    Math.abs(c.at - used.lastAt) < a.rideGapMin * 60_000
  )
    return { reason: 'ride_too_soon' };
  const included = r.rides && a.id in r.rides ? r.rides[a.id] : undefined;
  if (included === null) return { viaPoints: false };
  if (included !== undefined && (used?.used ?? 0) < included)
    return { ridesLeft: included - (used?.used ?? 0) - 1, viaPoints: false };
  if (r.points != null && (t.pointsUsed ?? 0) + a.points <= r.points)
    return { pointsLeft: r.points - (t.pointsUsed ?? 0) - a.points, viaPoints: true };
  return { reason: 'no_rides_left' };
}

/**
 * Moves a ticket from where it is to `to`, counting the crossings of the venue's boundary that
 * move makes (and the ones it implies), and consuming an entry allowance when it enters.
 */
function move(
  t: TTicketState,
  r: TTicketRules,
  c: TScanContext,
  to: number | null,
): { next: TTicketState; into: number | null; outOf: number | null; crossings: TCrossings } {
  const edge = c.edge ?? 'perimeter';
  if (r.parkEntry === false) return { next: t, into: null, outOf: null, crossings: NO_CROSSING };
  const from = positionOf(t, c.day);
  // An upload of a scan from before the ticket's last move is history: it happened, but the
  // ticket is where its later scans put it. Its crossings are counted in pairs (an entry and the
  // exit it implies, or the other way), so the totals stay equal to the zones.
  if (isHistory(t, c)) {
    if (edge !== 'perimeter') return { next: { ...t }, into: null, outOf: null, crossings: NO_CROSSING };
    if (c.direction === 'in' && t.entryInferred && t.entriesDay === c.day)
      // The entry an inner gate inferred, now seen at its perimeter gate: counted once already.
      return {
        next: { ...consumeEntry(t, c.day), entryInferred: false },
        into: null,
        outOf: null,
        crossings: NO_CROSSING,
      };
    if (c.direction === 'in')
      return {
        next: consumeEntry(t, c.day),
        into: null,
        outOf: null,
        crossings: { entry: true, exit: true, inferred: 'exit' },
      };
    return { next: { ...t }, into: null, outOf: null, crossings: { entry: true, exit: true, inferred: 'entry' } };
  }
  const at = c.at !== undefined ? { movedAt: c.at } : {};
  const placed = (base: TTicketState): TTicketState =>
    to === null ? { ...base, inside: false, zoneId: null, ...at } : { ...base, inside: true, zoneId: to, ...at };
  const moves = { into: to !== from ? to : null, outOf: to !== from ? from : null };
  if (edge === 'perimeter' && c.direction === 'in') {
    // Already inside: they left without a scan, and came back in.
    const crossings: TCrossings =
      from === null ? { entry: true, exit: false, inferred: null } : { entry: true, exit: true, inferred: 'exit' };
    // Seen at the perimeter: today's entry is no longer only inferred (anti-passback guards it now).
    return { next: placed({ ...consumeEntry(t, c.day), entryInferred: false }), ...moves, crossings };
  }
  if (from === null) {
    // Not seen coming in today: the perimeter gate they came by was offline (its upload confirms
    // the entry and uses the allowance then). Counted, flagged, not lost; an exit counts both.
    const crossings: TCrossings = { entry: true, exit: to === null, inferred: 'entry' };
    return { next: placed(presentToday(t, c.day)), ...moves, crossings };
  }
  return { next: placed(t), ...moves, crossings: { entry: false, exit: to === null, inferred: null } };
}

/** The entry allowance an entry uses (a late upload of an earlier day counts in the total only). */
function consumeEntry(t: TTicketState, day: string): TTicketState {
  if (t.entriesDay !== null && day < t.entriesDay) return { ...t, entries: t.entries + 1 };
  return {
    ...t,
    entries: t.entries + 1,
    entriesOnDay: entriesToday(t, day) + 1,
    entriesDay: day,
    // An inferred entry belongs to its day.
    ...(t.entriesDay !== day && t.entryInferred ? { entryInferred: false } : {}),
  };
}

/**
 * An upload of a scan from before the ticket's last move, or from an earlier business day than
 * its last entry: it happened, but it does not say where the ticket is now.
 */
function isHistory(t: TTicketState, c: TScanContext): boolean {
  return (
    (c.at !== undefined && t.movedAt != null && c.at < t.movedAt) || (t.entriesDay !== null && c.day < t.entriesDay)
  );
}

/** Seen in the venue today without a seen entry: today's, with no allowance used (yet). */
function presentToday(t: TTicketState, day: string): TTicketState {
  if (t.entriesDay !== null && day < t.entriesDay) return t;
  return { ...t, entriesOnDay: entriesToday(t, day), entriesDay: day, entryInferred: true };
}

/** The ride an admission at an attraction uses. */
function ride(t: TTicketState, c: TScanContext, viaPoints: boolean): TTicketState {
  const a = c.attraction!;
  const prior = t.rides?.[a.id];
  return {
    ...t,
    rides: {
      ...t.rides,
      [a.id]: { used: (prior?.used ?? 0) + 1, lastAt: Math.max(c.at ?? 0, prior?.lastAt ?? 0) || null },
    },
    ...(viaPoints ? { pointsUsed: (t.pointsUsed ?? 0) + a.points } : {}),
  };
}

function entriesLeftAfter(next: TTicketState, r: TTicketRules, day: string): number | undefined {
  if (r.entryPolicy === 'single') return Math.max(0, 1 - next.entries);
  if (r.maxEntriesPerDay !== null) return Math.max(0, r.maxEntriesPerDay - entriesToday(next, day));
  return undefined;
}

/** Decides an online scan. */
export function decide(t: TTicketState, r: TTicketRules, c: TScanContext): TDecision {
  const edge = c.edge ?? 'perimeter';
  if (edge === 'perimeter') {
    if (c.direction === 'out') {
      // Everyone may leave; a refunded or replaced ticket only when it is inside.
      if (t.status !== 'valid' && !t.inside)
        return { result: 'reject', reason: t.status === 'replaced' ? 'replaced' : 'refunded' };
      const m = move(t, r, c, null);
      return { result: 'admit', ...m, entriesLeft: entriesLeftAfter(m.next, r, c.day) };
    }
    const refusal = entryRefusal(t, r, c);
    if (refusal) return { result: 'reject', reason: refusal };
    const m = move(t, r, c, c.zoneId);
    return { result: 'admit', ...m, entriesLeft: entriesLeftAfter(m.next, r, c.day) };
  }
  const to = targetOf(c, positionOf(t, c.day));
  const refusal = innerRefusal(t, r, c, to);
  if (refusal) return { result: 'reject', reason: refusal };
  if (edge !== 'attraction' || !c.attraction) return { result: 'admit', ...move(t, r, c, to) };
  const rd = rideRefusal(t, r, c);
  if ('reason' in rd) return { result: 'reject', reason: rd.reason };
  const m = move(ride(t, c, rd.viaPoints), r, c, to);
  return {
    result: 'admit',
    ...m,
    ride: {
      attractionId: c.attraction.id,
      ...(rd.ridesLeft !== undefined ? { ridesLeft: rd.ridesLeft } : {}),
      ...(rd.pointsLeft !== undefined ? { pointsLeft: rd.pointsLeft } : {}),
    },
  };
}

/**
 * Records a scan an offline gate already acted on. Its admissions happened: they are applied as
 * facts (a ride uses a ride, a crossing moves the ticket unless a later scan already placed it),
 * and flagged as a conflict when the rules would have refused them (e.g. already admitted
 * elsewhere). Local rejections change nothing.
 */
export function recordOffline(
  t: TTicketState,
  r: TTicketRules,
  c: TScanContext,
  local: 'admit' | 'reject',
): {
  next: TTicketState | null;
  into: number | null;
  outOf: number | null;
  crossings: TCrossings;
  conflict: boolean;
  reason?: TScanReason;
} {
  if (local === 'reject') return { next: null, into: null, outOf: null, crossings: NO_CROSSING, conflict: false };
  // Capacity is not a conflict: the gate could not know the count while offline.
  const roomy = { ...c, zoneHasRoom: true };
  const edge = c.edge ?? 'perimeter';
  if (edge === 'perimeter') {
    if (c.direction === 'out') return { ...move(t, r, c, null), conflict: false };
    // An entry an inner gate inferred today, now uploaded from the perimeter gate it came by: the same entry.
    const confirms = isHistory(t, c) && t.entryInferred && t.entriesDay === c.day;
    // Confirming, the ticket was outside when it came in: only its allowance can make it a conflict.
    const refusal = entryRefusal(confirms ? { ...t, inside: false } : t, r, roomy);
    return { ...move(t, r, c, c.zoneId), conflict: refusal !== null, reason: refusal ?? undefined };
  }
  const to = targetOf(c, positionOf(t, c.day));
  const refusal = innerRefusal(t, r, roomy, to);
  if (edge !== 'attraction' || !c.attraction)
    return { ...move(t, r, c, to), conflict: refusal !== null, reason: refusal ?? undefined };
  const rd = refusal ? { reason: refusal } : rideRefusal(t, r, { ...c, attraction: { ...c.attraction, open: true } });
  const viaPoints = !('reason' in rd) && rd.viaPoints;
  const reason = 'reason' in rd ? rd.reason : undefined;
  return { ...move(ride(t, c, viaPoints), r, c, to), conflict: reason !== undefined, reason };
}
