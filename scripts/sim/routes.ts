import type { DemoAttraction, DemoGate } from '../../db/seed/demo-venue.ts';
import { minutesOf } from '../../lib/venue-time.ts';
import { pickWeighted } from './orders.ts';

/**
 * The visitor's side of the zone graph (docs/zone-graph.md): where a scan takes a visitor, which
 * gates lead from one zone to another, the routes parties walk, and when a skier may ride a lift
 * again. Pure functions of the venue's gates and a random source, so they can be tested.
 */

type Rand = () => number;
export type Direction = 'in' | 'out';

/** One scan a party makes: a gate and the direction it scans. */
export interface Crossing {
  gate: DemoGate;
  direction: Direction;
}

const directions = (g: DemoGate): Direction[] => (g.direction === 'both' ? ['in', 'out'] : [g.direction]);

/**
 * Where an admitted scan of a park ticket puts its holder, who was in `from` (null: outside), as
 * the server decides it: the perimeter into the venue or out of it, a transfer into the gate's zone
 * (`in`) or its other zone (`out`) from wherever the visitor was, an attraction to the far station
 * or back where it boards, a checkpoint nowhere new (someone first seen there is inside its zone).
 */
export function placeAfter(gate: DemoGate, direction: Direction, from: string | null): string | null {
  if (gate.edge === 'checkpoint') return from ?? gate.zoneCode;
  if (gate.edge === 'attraction') return gate.otherZoneCode ?? gate.zoneCode;
  if (direction === 'in') return gate.zoneCode;
  return gate.edge === 'perimeter' ? null : (gate.otherZoneCode ?? null);
}

/**
 * The scans that take a visitor from `from` to `to` (null: outside the venue), any one of which a
 * visitor would use: into the venue at the perimeter gates of `to`, out of it at those of `from`;
 * between zones the transfers that join the two (those standing in `from` if any: the upper
 * station's exit turnstile rather than the lake's ticket check), else the entrance checks of `to`
 * (the visitor walked there unseen), else any transfer that leads there. `through` asks for the
 * gates between that zone and `to` (a hike down the gorge ends at its exit turnstile).
 */
export function crossingsTo(
  gates: readonly DemoGate[],
  from: string | null,
  to: string | null,
  through?: string,
): Crossing[] {
  const all = gates.flatMap((gate) => directions(gate).map((direction) => ({ gate, direction })));
  if (to === null)
    return all.filter((c) => c.gate.edge === 'perimeter' && c.direction === 'out' && c.gate.zoneCode === from);
  if (from === null)
    return all.filter((c) => c.gate.edge === 'perimeter' && c.direction === 'in' && c.gate.zoneCode === to);
  const leading = all.filter((c) => c.gate.edge === 'transfer' && placeAfter(c.gate, c.direction, from) === to);
  const joins = (c: Crossing, z: string) => c.gate.zoneCode === z || c.gate.otherZoneCode === z;
  if (through !== undefined) return leading.filter((c) => joins(c, through));
  const joining = leading.filter((c) => joins(c, from));
  const standing = joining.filter((c) => c.gate.zoneCode === from);
  if (standing.length) return standing;
  if (joining.length) return joining;
  const entrances = leading.filter((c) => c.direction === 'in');
  return entrances.length ? entrances : leading;
}

/** The transfers out of a zone the visitor is in, with where each leads (the way back from a scenic zone). */
export function crossingsOutOf(gates: readonly DemoGate[], zone: string): Crossing[] {
  return gates
    .filter((g) => g.edge === 'transfer' && g.zoneCode === zone && g.otherZoneCode && directions(g).includes('out'))
    .map((gate) => ({ gate, direction: 'out' as const }));
}

/** The boarding gates of an attraction, those whose ride ends in `to` when given. */
export function boardingGates(gates: readonly DemoGate[], attraction: string, to?: string): DemoGate[] {
  return gates.filter(
    (g) =>
      g.edge === 'attraction' && g.attraction === attraction && (to === undefined || placeAfter(g, 'in', null) === to),
  );
}

/** The checkpoints standing in a zone (the temple gate). */
export function checkpointsOf(gates: readonly DemoGate[], zone: string): DemoGate[] {
  return gates.filter((g) => g.edge === 'checkpoint' && g.zoneCode === zone);
}

// ---- hours ----

/** Whether a local minute is within opening hours [opens, closes), less `marginMin` before closing. */
export function isOpen(a: Pick<DemoAttraction, 'opens' | 'closes'>, minute: number, marginMin = 0): boolean {
  const from = minutesOf(a.opens);
  const to = minutesOf(a.closes) - marginMin;
  if (from === minutesOf(a.closes)) return true;
  return from < to ? minute >= from && minute < to : minute >= from || minute < to;
}

/**
 * Whether a visitor rides an attraction now. The server decides on the real clock (its opening
 * hours, `attraction_closed` outside them), and the visitor goes by the simulated day: a ride
 * happens only when both say open, with a minute's margin before the real closing time so a ride
 * is never decided just after it.
 */
export function ridesNow(a: Pick<DemoAttraction, 'opens' | 'closes'>, simMinute: number, realMinute: number): boolean {
  return isOpen(a, simMinute) && isOpen(a, realMinute, 1);
}

/**
 * Whether skiers are sold a pass for today now: the ropeway and a lift run by the real clock for a
 * while yet (`realMarginMin`: as long as the way up and a few rides take in real time, at most 40
 * minutes for the lifts and an hour for the ropeway), and the simulated day is no later than an
 * hour before the lifts close (nor more than an hour before they open: skiers wait at the foot).
 */
export function skiSellable(
  attractions: readonly DemoAttraction[],
  simMinute: number,
  realMinute: number,
  realMarginMin = 40,
): boolean {
  const ropeway = attractions.find((a) => a.kind === 'ropeway');
  const lifts = attractions.filter((a) => a.kind === 'lift' || a.kind === 'carpet');
  if (!ropeway || !lifts.length) return false;
  const simOk = lifts.some((a) => minutesOf(a.opens) - 60 <= simMinute && simMinute < minutesOf(a.closes) - 60);
  const liftMargin = Math.min(40, realMarginMin);
  const ropewayMargin = Math.min(60, realMarginMin + 20);
  return simOk && isOpen(ropeway, realMinute, ropewayMargin) && lifts.some((a) => isOpen(a, realMinute, liftMargin));
}

/** A time-of-day window (a night session's hours, HH:MM) admits at `minute`, `marginMin` before its end. */
export function withinWindow(hours: { from: string; to: string }, minute: number, marginMin = 0): boolean {
  return isOpen({ opens: hours.from, closes: hours.to }, minute, marginMin);
}

// ---- routes ----

/** A scenic zone of the valley: walked into by a transfer and back out, or a checkpoint that moves nobody. */
export interface ValleyStop {
  kind: 'zone';
  zone: string;
  /** Simulated minutes spent there. */
  dwell: [number, number];
}

/**
 * Up the ropeway to the lake, then back down; some also walk to the Sea of Clouds lookout, after the
 * lake or straight from the upper station (coming back to the lake through its ticket check).
 */
export interface SummitStop {
  kind: 'summit';
  clouds: 'no' | 'after' | 'before';
}

/** Up the ropeway to the lake and into the ski area, a session on the lifts, then back down. */
export interface SkiStop {
  kind: 'ski';
}

/** Two-day pass holders go out for lunch in the village and come back: the day's second entry. */
export interface LunchOutStop {
  kind: 'lunch-out';
}

export type Stop = ValleyStop | SummitStop | SkiStop | LunchOutStop;

export interface Route {
  stops: Stop[];
  /** Where the party leaves: the plaza of the main or the east gate, or the lodge (guests). */
  exit: 'main' | 'east' | 'hotel';
}

export type EntrySide = 'main' | 'east' | 'hotel';

/** How long visitors stay in each valley stop (simulated minutes), and how likely each side's visitors go. */
export const VALLEY_STOPS: { zone: string; dwell: [number, number]; main: number; east: number }[] = [
  { zone: 'FEIPU-GORGE', dwell: [40, 90], main: 0.7, east: 0.35 },
  { zone: 'YINGKESONG', dwell: [20, 45], main: 0.5, east: 0.2 },
  { zone: 'VISITOR-CENTER', dwell: [10, 25], main: 0.3, east: 0.15 },
  { zone: 'GUSI-TEMPLE', dwell: [20, 40], main: 0.2, east: 0.75 },
];

/** Share of summit visitors who also walk to the Sea of Clouds lookout, and of those who go there first. */
const CLOUDS_P = 0.55;
const CLOUDS_FIRST_P = 0.35;
/** Share of parties who leave by the gate they came in by (the car park, the bus stop). */
const SAME_SIDE_EXIT_P = 0.8;

export interface RouteInput {
  entry: EntrySide;
  /** The party holds ropeway rides (a combo, or ropeway tickets for everyone). */
  ropeway: boolean;
  /** Skiers: ski passes and a ropeway ride up. */
  ski?: boolean;
  /** A tour group: the guide leads two or three valley stops. */
  group?: boolean;
  /** Night session: a short walk in the valley. */
  night?: boolean;
  /** Two-day pass holders (not lodge guests), who may go out for lunch. */
  twoDay?: boolean;
}

/**
 * The stops a party walks: a few valley stops by the side it came in by (the gorge and the
 * Welcoming Pine from the main gate, the temple from the east gate), the summit by ropeway for
 * those holding ropeway rides (in the middle of the day's walk), the ski area for skiers (straight
 * up, a short stop after). Each valley zone at most once, and always at least one stop.
 */
export function chooseRoute(input: RouteInput, rand: Rand = Math.random): Route {
  const side = input.entry === 'hotel' ? 'east' : input.entry;
  const other = side === 'main' ? 'east' : 'main';
  const exit: Route['exit'] = input.entry === 'hotel' ? 'hotel' : rand() < SAME_SIDE_EXIT_P ? side : other;
  const valley = (n: number): ValleyStop[] => {
    const picked = VALLEY_STOPS.filter((s) => rand() < s[side]);
    const pool = picked.length
      ? picked
      : [
          pickWeighted(
            VALLEY_STOPS,
            VALLEY_STOPS.map((s) => s[side]),
            rand,
          ),
        ];
    return pool.slice(0, n).map((s) => ({ kind: 'zone', zone: s.zone, dwell: s.dwell }));
  };
  if (input.ski) {
    const after = rand() < 0.3 ? valley(1) : [];
    return { stops: [{ kind: 'ski' }, ...after], exit };
  }
  if (input.night) return { stops: valley(2), exit };
  if (input.group) return { stops: valley(3), exit: side };
  const stops: Stop[] = valley(input.ropeway ? 2 : 3);
  if (input.ropeway)
    stops.splice(Math.min(stops.length, rand() < 0.6 ? 0 : 1), 0, {
      kind: 'summit',
      clouds: rand() >= CLOUDS_P ? 'no' : rand() < CLOUDS_FIRST_P ? 'before' : 'after',
    });
  if (input.twoDay && input.entry !== 'hotel' && rand() < 0.3)
    stops.splice(Math.ceil(stops.length / 2), 0, { kind: 'lunch-out' });
  return { stops, exit };
}

// ---- lifts ----

/** A lift a skier's ticket rides, how much they like it, and its ride gap (real ms). */
export interface LiftOption {
  code: string;
  weight: number;
  gapMs: number;
}

/** A skier's next ride: which lift, and the real time (epoch ms) to scan at it. */
export interface NextRide {
  code: string;
  at: number;
}

/** Margin kept beyond a lift's ride gap (real ms): the server's clock and ours differ by a scan's round trip. */
export const RIDE_GAP_MARGIN_MS = 15_000;

/**
 * The next lift ride of a skier who is ready at `readyAt` (real ms, after skiing down from the last
 * one), given when their ticket last rode each lift (real ms, the moment the answer came back, so
 * later than the server's): never the same lift within its ride gap (plus RIDE_GAP_MARGIN_MS), a
 * different lift than the last ride when one is free, and when every lift they ride is still in its
 * gap, the one that frees up first, at that moment. Lifts of weight 0 are never ridden.
 */
export function nextRide(
  options: readonly LiftOption[],
  lastAt: Readonly<Record<string, number>>,
  readyAt: number,
  previous?: string,
  rand: Rand = Math.random,
): NextRide | undefined {
  const usable = options.filter((o) => o.weight > 0);
  if (!usable.length) return undefined;
  const freeAt = (o: LiftOption) =>
    o.gapMs > 0 && lastAt[o.code] !== undefined
      ? Math.max(readyAt, lastAt[o.code] + o.gapMs + RIDE_GAP_MARGIN_MS)
      : readyAt;
  const free = usable.filter((o) => freeAt(o) <= readyAt);
  if (free.length) {
    const others = free.filter((o) => o.code !== previous);
    const pool = others.length ? others : free;
    return {
      code: pickWeighted(
        pool,
        pool.map((o) => o.weight),
        rand,
      ).code,
      at: readyAt,
    };
  }
  const first = usable.reduce((a, b) => (freeAt(b) < freeAt(a) ? b : a));
  return { code: first.code, at: freeAt(first) };
}

/**
 * How a skier uses the lifts: an expert and an intermediate take the chairlifts (and wait for one
 * when both are in their ride gap: a long run down, a hot drink), a beginner mostly the magic
 * carpet. Points card holders count their points: they fill a chairlift's gap on the carpet.
 */
export const SKIER_WEIGHTS: Record<'expert' | 'intermediate' | 'beginner', Record<string, number>> = {
  expert: { 'LIFT-A': 6, 'LIFT-B': 4, CARPET: 0 },
  intermediate: { 'LIFT-A': 3, 'LIFT-B': 5, CARPET: 0 },
  beginner: { 'LIFT-A': 0, 'LIFT-B': 1, CARPET: 6 },
};

/**
 * The lifts a ticket can ride, weighted by the skier's level: those it includes rides of, or, on a
 * points card, every lift that costs points. Ride gaps from the venue's attractions.
 */
export function liftOptions(
  attractions: readonly DemoAttraction[],
  ticket: { rides?: string[]; points?: boolean },
  level: keyof typeof SKIER_WEIGHTS,
): LiftOption[] {
  return attractions
    .filter((a) => a.kind === 'lift' || a.kind === 'carpet')
    .filter((a) => ticket.rides?.includes(a.code) || (ticket.points && a.points > 0))
    .map((a) => {
      const weight = SKIER_WEIGHTS[level][a.code] ?? 1;
      return {
        code: a.code,
        weight: ticket.points && a.rideGapMin === 0 ? Math.max(1, weight) : weight,
        gapMs: a.rideGapMin * 60_000,
      };
    })
    .filter((o, _, all) => o.weight > 0 || all.every((x) => x.weight === 0))
    .map((o) => (o.weight > 0 ? o : { ...o, weight: 1 }));
}
