/**
 * Who a closed attraction strands (docs/zone-graph.md, "Closing an attraction"): the zones from
 * which every way back out of the venue rides that attraction. Pure: the alarm engine and the
 * controls screen compute it from the same gate rows.
 */

/** A gate as the venue's graph sees it: the zones it joins and what joins them. */
export interface TGraphGate {
  zone_id: number;
  other_zone_id: number | null;
  edge: 'perimeter' | 'transfer' | 'attraction' | 'checkpoint';
  attraction_id: number | null;
}

/** The node for "out of the venue" (zone ids are positive). */
const OUTSIDE = 0;

/**
 * The two ends of the path a gate is, or null when it joins nothing: a perimeter gate joins its
 * zone to the outside, a transfer its two zones (no other zone: the outside, as an `out` leads
 * there), an attraction gate its station to the far one (none: the ride ends where it started, a
 * ski lift), and a checkpoint moves nobody.
 */
function ends(g: TGraphGate): [number, number] | null {
  if (g.edge === 'checkpoint') return null;
  if (g.edge === 'perimeter') return [g.zone_id, OUTSIDE];
  if (g.edge === 'attraction')
    return g.other_zone_id == null || g.other_zone_id === g.zone_id ? null : [g.zone_id, g.other_zone_id];
  return [g.zone_id, g.other_zone_id ?? OUTSIDE];
}

/**
 * Zones joined to the outside by the gates `usable` keeps. Paths are walked both ways: a gate's
 * direction says what its scans count, not which way people can walk (a one-way ticket check into
 * a scenic zone is walked back out unscanned), so a gate is a path in both directions.
 */
function reachOutside(gates: readonly TGraphGate[], usable: (g: TGraphGate) => boolean): Set<number> {
  const next = new Map<number, number[]>();
  for (const g of gates) {
    const e = usable(g) ? ends(g) : null;
    if (!e) continue;
    next.set(e[0], [...(next.get(e[0]) ?? []), e[1]]);
    next.set(e[1], [...(next.get(e[1]) ?? []), e[0]]);
  }
  const seen = new Set<number>([OUTSIDE]);
  const todo = [OUTSIDE];
  while (todo.length) {
    for (const n of next.get(todo.pop()!) ?? []) {
      if (seen.has(n)) continue;
      seen.add(n);
      todo.push(n);
    }
  }
  seen.delete(OUTSIDE);
  return seen;
}

/** Whether an attraction carries people between zones (a ropeway), rather than back where they boarded. */
export function carriesBetweenZones(gates: readonly TGraphGate[], attractionId: number): boolean {
  return gates.some((g) => g.attraction_id === attractionId && ends(g) !== null);
}

/**
 * The zones a closed attraction strands: the ones from which a way out of the venue exists with it
 * running but none without it, the venue's other closed attractions counted as closed (two closed
 * ropeways side by side each strand the summit). Zones with no way out at all (a drawing not joined
 * up yet) are nobody's to strand. Sorted by id.
 */
export function strandedZones(
  gates: readonly TGraphGate[],
  attractionId: number,
  closedAttractions: Iterable<number> = [],
): number[] {
  const closed = new Set(closedAttractions);
  closed.delete(attractionId);
  const isOpen = (g: TGraphGate) => g.attraction_id == null || !closed.has(g.attraction_id);
  const withIt = reachOutside(gates, isOpen);
  const withoutIt = reachOutside(gates, (g) => isOpen(g) && g.attraction_id !== attractionId);
  return [...withIt].filter((z) => !withoutIt.has(z)).sort((a, b) => a - b);
}
