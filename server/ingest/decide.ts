import type { TScanReason } from '../../lib/schemas/scan.ts';

/**
 * The admission rules, as a pure function of a ticket's state, its type's rules and the scan.
 * The caller holds the ticket's row lock while deciding and writes `next` back, so concurrent gates
 * see each other's admissions (one admission per entry allowance).
 */

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
  /** Zone the ticket was last admitted into. */
  zoneId: number | null;
}

export interface TTicketRules {
  entryPolicy: 'single' | 'multi';
  antiPassback: boolean;
  maxEntriesPerDay: number | null;
  entryWindowBeforeMin: number;
  /** null: every zone. */
  allowedZoneIds: number[] | null;
}

export interface TScanContext {
  direction: 'in' | 'out';
  /** Business day and local minute of the scan at the venue. */
  day: string;
  minute: number;
  /** Zone of the gate. */
  zoneId: number;
  /** False when the gate's zone is at capacity (entries are refused, exits are not). */
  zoneHasRoom: boolean;
}

export type TDecision =
  | {
      result: 'admit';
      next: TTicketState;
      /** Occupancy changes: +1 into, -1 out of (either may be null). */
      into: number | null;
      outOf: number | null;
      entriesLeft?: number;
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

/** Why an entry would be refused, or null when it is admissible. */
function entryRefusal(t: TTicketState, r: TTicketRules, c: TScanContext): TScanReason | null {
  if (t.status === 'refunded') return 'refunded';
  // A lost ticket replaced at the desk (补票): its old code no longer admits.
  if (t.status === 'replaced') return 'replaced';
  if (c.day < t.validFrom || c.day > t.validTo) return 'not_valid_today';
  if (t.slotStart !== null && t.slotEnd !== null) {
    if (c.day !== t.validFrom || c.minute < t.slotStart - r.entryWindowBeforeMin || c.minute > t.slotEnd)
      return 'outside_slot';
  }
  if (r.allowedZoneIds && !r.allowedZoneIds.includes(c.zoneId)) return 'wrong_zone';
  if (r.entryPolicy === 'single') {
    if (t.entries >= 1) return 'used';
  } else {
    if (r.antiPassback && insideToday(t, c.day)) return 'passback';
    if (r.maxEntriesPerDay !== null && entriesToday(t, c.day) >= r.maxEntriesPerDay) return 'used';
  }
  if (!c.zoneHasRoom) return 'capacity';
  return null;
}

/** The state after an admitted entry, whether decided now or reported by an offline gate. */
function enter(t: TTicketState, c: TScanContext): TTicketState {
  // A late upload of an earlier day's entry counts in the total but must not replace today's tally.
  if (t.entriesDay !== null && c.day < t.entriesDay) return { ...t, entries: t.entries + 1 };
  return {
    ...t,
    entries: t.entries + 1,
    entriesOnDay: entriesToday(t, c.day) + 1,
    entriesDay: c.day,
    inside: true,
    zoneId: c.zoneId,
  };
}

/** Occupancy moves of an admitted entry: into the gate's zone, out of the zone it was in today (also the same zone). */
function entryMoves(t: TTicketState, c: TScanContext): { into: number | null; outOf: number | null } {
  if (t.entriesDay !== null && c.day < t.entriesDay) return { into: null, outOf: null };
  return { into: c.zoneId, outOf: insideToday(t, c.day) ? t.zoneId : null };
}

function leave(t: TTicketState): TTicketState {
  return { ...t, inside: false, zoneId: null };
}

function entriesLeftAfter(next: TTicketState, r: TTicketRules, day: string): number | undefined {
  if (r.entryPolicy === 'single') return Math.max(0, 1 - next.entries);
  if (r.maxEntriesPerDay !== null) return Math.max(0, r.maxEntriesPerDay - entriesToday(next, day));
  return undefined;
}

/** Decides an online scan. */
export function decide(t: TTicketState, r: TTicketRules, c: TScanContext): TDecision {
  if (c.direction === 'out') {
    // Everyone may leave; only a ticket inside moves occupancy.
    if (t.status !== 'valid' && !t.inside)
      return { result: 'reject', reason: t.status === 'replaced' ? 'replaced' : 'refunded' };
    const next = leave(t);
    return {
      result: 'admit',
      next,
      into: null,
      outOf: insideToday(t, c.day) ? t.zoneId : null,
      entriesLeft: entriesLeftAfter(next, r, c.day),
    };
  }
  const refusal = entryRefusal(t, r, c);
  if (refusal) return { result: 'reject', reason: refusal };
  const next = enter(t, c);
  return { result: 'admit', next, ...entryMoves(t, c), entriesLeft: entriesLeftAfter(next, r, c.day) };
}

/**
 * Records a scan an offline gate already acted on. Its admissions happened: they are applied as
 * facts, and flagged as a conflict when the rules would have refused them (e.g. already admitted
 * elsewhere). Local rejections change nothing.
 */
export function recordOffline(
  t: TTicketState,
  r: TTicketRules,
  c: TScanContext,
  local: 'admit' | 'reject',
): { next: TTicketState | null; into: number | null; outOf: number | null; conflict: boolean; reason?: TScanReason } {
  if (local === 'reject') return { next: null, into: null, outOf: null, conflict: false };
  if (c.direction === 'out') {
    return { next: leave(t), into: null, outOf: insideToday(t, c.day) ? t.zoneId : null, conflict: false };
  }
  // Capacity is not a conflict: the gate could not know the count while offline.
  const refusal = entryRefusal(t, r, { ...c, zoneHasRoom: true });
  return { next: enter(t, c), ...entryMoves(t, c), conflict: refusal !== null, reason: refusal ?? undefined };
}
