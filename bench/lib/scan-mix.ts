// Which gates the ingest benchmark's devices stand at and which tickets they are shown (--mix).
// Since the venue became a zone graph (docs/zone-graph.md) a gate's edge decides what a scan costs:
// a perimeter entry, a transfer, an attraction ride (the ride tables are read and written), a
// checkpoint. The mixes keep the original load as the default and add the venue's real traffic.
import { DEMO_VENUE } from '../../db/seed/demo-venue.ts';
import { getOrInsert } from '../../lib/map.ts';
import type { BenchDevice } from './bench-db.ts';
import type { ScanFeed } from './gate-load.ts';

export const MIX_NAMES = ['entry', 'perimeter', 'graph'] as const;
export type MixName = (typeof MIX_NAMES)[number];

/** What one device of a mix does: its gate, the scans' direction, and the tickets it is shown. */
export interface GateRole {
  gate: string;
  direction: 'in' | 'out';
  /** Ticket types of its fresh tickets, cycled (codes of db/seed/demo-tickets.ts, or BENCH). */
  types: string[];
  /** Where its fresh tickets are when the run starts: a zone (entered 30 min earlier), or null (not entered yet). */
  placedIn: string | null;
  /** Rides of one attraction its tickets used earlier today, the last 20 minutes ago (outside a lift's 5-minute gap). */
  ridden?: { attraction: string; rides: number };
  /** Repeats (--repeat) re-present a ticket recently shown at this gate; undefined: this device never repeats. */
  repeatsFrom?: string;
}

export interface MixPlan {
  name: MixName;
  /** One role per device, in device order. */
  roles: GateRole[];
  /**
   * True: one sequence of fresh BENCH tickets and one window of repeats for all devices (the feed
   * of the recorded runs); false: every device has its own tickets, placed for its gate.
   */
  shared: boolean;
}

/** How a first entry's type mix looks at the perimeter: 40 % plain, 30 % ropeway combo, 30 % ski tickets. */
const ENTRY_TYPES = ['BENCH', 'COMBO', 'BENCH', 'COMBO', 'SKI-DAY', 'BENCH', 'COMBO', 'SKI-10', 'BENCH', 'POINTS'];
const PLAIN = ['BENCH', 'COMBO'];

/**
 * The venue on a busy ski-season day (16 devices; more devices cycle through the list): 6 perimeter
 * devices (4 entries, 2 exits), 4 transfers, the temple checkpoint, 2 ropeway boarding gates and
 * the 3 ski-area lifts. Repeats are what gates really see: a visitor trying an entry ticket again
 * (`used`, or `passback` for a ski day pass), a ropeway return ridden up and down trying a third
 * ride (`no_rides_left`), a skier back at a chairlift inside its 5-minute gap (`ride_too_soon`),
 * and another magic-carpet ride (no gap there: admitted). Exits, transfers and the checkpoint never
 * repeat (a repeat there is just admitted again).
 */
const GRAPH_ROLES: GateRole[] = [
  { gate: 'MG-01', direction: 'in', types: ENTRY_TYPES, placedIn: null, repeatsFrom: 'MG-01' },
  { gate: 'MG-02', direction: 'in', types: ENTRY_TYPES, placedIn: null, repeatsFrom: 'MG-02' },
  { gate: 'MG-03', direction: 'in', types: ENTRY_TYPES, placedIn: null, repeatsFrom: 'MG-03' },
  { gate: 'EG-01', direction: 'in', types: ENTRY_TYPES, placedIn: null, repeatsFrom: 'EG-01' },
  { gate: 'MG-06', direction: 'out', types: PLAIN, placedIn: 'MAIN-PLAZA' },
  { gate: 'EG-03', direction: 'out', types: PLAIN, placedIn: 'EAST-PLAZA' },
  { gate: 'FP-01', direction: 'in', types: PLAIN, placedIn: 'MAIN-PLAZA' },
  { gate: 'YKS-01', direction: 'in', types: PLAIN, placedIn: 'MAIN-PLAZA' },
  { gate: 'VC-01', direction: 'out', types: PLAIN, placedIn: 'VISITOR-CENTER' },
  { gate: 'SK-01', direction: 'in', types: ['SKI-DAY', 'SKI-10', 'POINTS', 'SKI-DAY'], placedIn: 'TIANCHI' },
  { gate: 'GS-01', direction: 'in', types: PLAIN, placedIn: 'EAST-PLAZA' },
  { gate: 'RL-01', direction: 'in', types: ['COMBO'], placedIn: 'ROPEWAY-LOWER', repeatsFrom: 'RU-01' },
  {
    gate: 'RU-01',
    direction: 'in',
    types: ['COMBO'],
    placedIn: 'ROPEWAY-UPPER',
    ridden: { attraction: 'ROPEWAY', rides: 1 },
    repeatsFrom: 'RU-01',
  },
  {
    gate: 'LA-01',
    direction: 'in',
    types: ['SKI-DAY', 'SKI-10', 'POINTS', 'SKI-DAY'],
    placedIn: 'SKI-AREA',
    ridden: { attraction: 'LIFT-A', rides: 2 },
    repeatsFrom: 'LA-01',
  },
  {
    gate: 'LB-01',
    direction: 'in',
    types: ['SKI-DAY', 'POINTS'],
    placedIn: 'SKI-AREA',
    ridden: { attraction: 'LIFT-B', rides: 1 },
    repeatsFrom: 'LB-01',
  },
  {
    gate: 'LC-01',
    direction: 'in',
    types: ['SKI-DAY', 'POINTS'],
    placedIn: 'SKI-AREA',
    ridden: { attraction: 'CARPET', rides: 3 },
    repeatsFrom: 'LC-01',
  },
];

/** The devices' roles in a mix. */
export function mixPlan(name: MixName, devices: number): MixPlan {
  const spread = (gates: string[]): GateRole[] =>
    Array.from({ length: devices }, (_, i) => ({
      gate: gates[i % gates.length],
      direction: 'in' as const,
      types: ['BENCH'],
      placedIn: null,
    }));
  switch (name) {
    case 'entry':
      // The recorded configuration: the gates whose direction is `in`. Since migration 0015 they
      // include the ropeway's boarding gates and the lifts, where a BENCH ticket (no rides) is refused.
      return {
        name,
        shared: true,
        roles: spread(DEMO_VENUE.gates.filter((g) => g.direction === 'in').map((g) => g.code)),
      };
    case 'perimeter':
      return {
        name,
        shared: true,
        roles: spread(
          DEMO_VENUE.gates.filter((g) => g.direction === 'in' && g.edge === 'perimeter').map((g) => g.code),
        ),
      };
    case 'graph':
      return {
        name,
        shared: false,
        roles: Array.from({ length: devices }, (_, i) => GRAPH_ROLES[i % GRAPH_ROLES.length]),
      };
  }
}

/** One line per edge: how many devices of the mix stand at which gates. */
export function describeMix(plan: MixPlan): string {
  const edgeOf = new Map(DEMO_VENUE.gates.map((g) => [g.code, g.edge]));
  const byEdge = new Map<string, string[]>();
  for (const r of plan.roles) {
    const e = edgeOf.get(r.gate) ?? '?';
    const list = byEdge.get(e) ?? [];
    list.push(`${r.gate}${r.direction === 'out' ? ' out' : ''}`);
    byEdge.set(e, list);
  }
  return [...byEdge]
    .map(([e, gates]) => `${e} ${gates.length}/${plan.roles.length} (${[...new Set(gates)].join(', ')})`)
    .join('; ');
}

/** Recently presented codes per gate, bounded: what repeats draw from. */
const RECENT = 10_000;

/**
 * The graph mix's tickets: every device shows fresh tickets of its own (placed for its gate when the
 * database was set up) and, at the rate of `repeatRatio`, a ticket recently shown at the gate its
 * role repeats from.
 */
export class GraphFeed implements ScanFeed {
  private readonly cursors = new Map<number, number>();
  private readonly recent = new Map<string, string[]>();
  private readonly pools = new Map<number, string[]>();
  private readonly roles = new Map<number, GateRole>();
  wrapped = false;

  constructor(
    devices: BenchDevice[],
    pools: string[][],
    roles: GateRole[],
    private readonly repeatRatio: number,
  ) {
    devices.forEach((d, i) => {
      this.pools.set(d.id, pools[i]);
      this.roles.set(d.id, roles[i]);
    });
  }

  next(device: BenchDevice): { code: string; direction: 'in' | 'out' } {
    const role = this.roles.get(device.id)!;
    const from = role.repeatsFrom ? this.recent.get(role.repeatsFrom) : undefined;
    if (from?.length && Math.random() < this.repeatRatio)
      return { code: from[Math.floor(Math.random() * from.length)], direction: role.direction };
    const pool = this.pools.get(device.id)!;
    let n = this.cursors.get(device.id) ?? 0;
    if (n >= pool.length) {
      n = 0;
      this.wrapped = true;
    }
    const code = pool[n];
    this.cursors.set(device.id, n + 1);
    const mine = getOrInsert(this.recent, role.gate, () => []);
    if (mine.length < RECENT) mine.push(code);
    else mine[n % RECENT] = code;
    return { code, direction: role.direction };
  }
}
