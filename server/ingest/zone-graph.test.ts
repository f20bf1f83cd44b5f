import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEMO_VENUE } from '../../db/seed/demo-venue.ts';
import {
  decide,
  recordOffline,
  type TCrossings,
  type TScanContext,
  type TTicketRules,
  type TTicketState,
} from './decide.ts';

/**
 * Random walks through the demo venue's zone graph (docs/zone-graph.md): visitors scan at any gate
 * in any order, some gates offline and uploading later out of order. Whatever happens, occupancy
 * is never negative, each zone holds exactly the tickets the decisions put there, entries − exits
 * equals the sum of the zones, and rides are used exactly as the rules say.
 */

const DAY = '2026-12-02';
const RUNS = 200;

const zoneIds = new Map(DEMO_VENUE.zones.map((z, i) => [z.code, i + 1]));
const attractionIds = new Map(DEMO_VENUE.attractions.map((a, i) => [a.code, i + 1]));
const GATES = DEMO_VENUE.gates.map((g) => ({
  code: g.code,
  directions: g.direction === 'both' ? (['in', 'out'] as const) : ([g.direction] as const),
  ctx: {
    day: DAY,
    minute: 600,
    zoneId: zoneIds.get(g.zoneCode)!,
    zoneHasRoom: true,
    edge: g.edge,
    otherZoneId: g.otherZoneCode ? zoneIds.get(g.otherZoneCode)! : null,
    ...(g.attraction
      ? (() => {
          const a = DEMO_VENUE.attractions.find((x) => x.code === g.attraction)!;
          return {
            attraction: { id: attractionIds.get(a.code)!, open: true, points: a.points, rideGapMin: a.rideGapMin },
          };
        })()
      : {}),
  },
}));

const ROPEWAY = attractionIds.get('ROPEWAY')!;
const LIFT_A = attractionIds.get('LIFT-A')!;

/** The kinds of ticket the demo sells, as the decision reads them. */
const KINDS: Record<string, TTicketRules> = {
  single: {
    entryPolicy: 'single',
    antiPassback: true,
    maxEntriesPerDay: null,
    entryWindowBeforeMin: 15,
    allowedZoneIds: null,
  },
  combo: {
    entryPolicy: 'single',
    antiPassback: true,
    maxEntriesPerDay: null,
    entryWindowBeforeMin: 15,
    allowedZoneIds: null,
    rides: { [ROPEWAY]: 2 },
  },
  pass: {
    entryPolicy: 'multi',
    antiPassback: true,
    maxEntriesPerDay: 2,
    entryWindowBeforeMin: 15,
    allowedZoneIds: null,
  },
  ski: {
    entryPolicy: 'multi',
    antiPassback: false,
    maxEntriesPerDay: null,
    entryWindowBeforeMin: 15,
    allowedZoneIds: null,
    rides: { [LIFT_A]: 3 },
    points: 20,
  },
  ropewayOnly: {
    entryPolicy: 'single',
    antiPassback: false,
    maxEntriesPerDay: null,
    entryWindowBeforeMin: 15,
    allowedZoneIds: null,
    parkEntry: false,
    rides: { [ROPEWAY]: 2 },
  },
};
const KIND_NAMES = Object.keys(KINDS);

const fresh = (): TTicketState => ({
  status: 'valid',
  validFrom: DAY,
  validTo: DAY,
  slotStart: null,
  slotEnd: null,
  entries: 0,
  entriesOnDay: 0,
  entriesDay: null,
  inside: false,
  zoneId: null,
});

const arbWalk = fc.record({
  kinds: fc.array(fc.constantFrom(...KIND_NAMES), { minLength: 1, maxLength: 6 }),
  steps: fc.array(
    fc.record({
      visitor: fc.nat(),
      gate: fc.nat(GATES.length - 1),
      direction: fc.constantFrom(0 as const, 1 as const),
      offline: fc.boolean(),
      uploadAfter: fc.nat(8),
    }),
    { minLength: 1, maxLength: 60 },
  ),
});

/** The venue as the ingest keeps it: tickets, occupancy per zone and today's crossings. */
class Venue {
  readonly tickets: TTicketState[];
  readonly occupancy = new Map<number, number>();
  entries = 0;
  exits = 0;
  /** Admitted rides per ticket and attraction. */
  readonly rides = new Map<string, number>();

  constructor(readonly kinds: string[]) {
    this.tickets = kinds.map(fresh);
  }

  apply(v: number, m: { next: TTicketState | null; into: number | null; outOf: number | null; crossings: TCrossings }) {
    if (m.next) this.tickets[v] = m.next;
    if (m.into !== null) this.occupancy.set(m.into, (this.occupancy.get(m.into) ?? 0) + 1);
    if (m.outOf !== null) this.occupancy.set(m.outOf, (this.occupancy.get(m.outOf) ?? 0) - 1);
    if (m.crossings.entry) this.entries++;
    if (m.crossings.exit) this.exits++;
  }

  check(): void {
    let sum = 0;
    for (const [zone, n] of this.occupancy) {
      expect(n, `zone ${zone}`).toBeGreaterThanOrEqual(0);
      // Each zone holds exactly the tickets placed in it today.
      const there = this.tickets.filter((t) => t.inside && t.entriesDay === DAY && t.zoneId === zone).length;
      expect(n, `zone ${zone} against the tickets in it`).toBe(there);
      sum += n;
    }
    expect(this.entries - this.exits, 'entries - exits = the sum of the zones').toBe(sum);
  }
}

describe('random walks through the demo zone graph', () => {
  it('online: zones equal where the decisions put each visitor; entries - exits = the sum of the zones; rides as the rules say', () => {
    fc.assert(
      fc.property(arbWalk, ({ kinds, steps }) => {
        const venue = new Venue(kinds);
        const position: (number | null)[] = kinds.map(() => null);
        let clock = Date.UTC(2026, 11, 2, 2, 0);
        for (const s of steps) {
          const v = s.visitor % kinds.length;
          const g = GATES[s.gate];
          const direction = g.directions[s.direction % g.directions.length];
          clock += 7 * 60_000;
          const c: TScanContext = { ...g.ctx, direction, at: clock };
          const before = venue.tickets[v];
          const d = decide(before, KINDS[kinds[v]], c);
          if (d.result !== 'admit') continue;
          venue.apply(v, d);
          // The walk: an admitted scan takes the visitor where the gate leads (a checkpoint keeps them
          // where they are; an attraction-only ticket moves nobody).
          if (KINDS[kinds[v]].parkEntry !== false) {
            // Written out from docs/zone-graph.md rather than taken from the module.
            const to =
              c.edge === 'checkpoint'
                ? (position[v] ?? c.zoneId)
                : c.edge === 'attraction'
                  ? (c.otherZoneId ?? c.zoneId)
                  : direction === 'in'
                    ? c.zoneId
                    : c.edge === 'perimeter'
                      ? null
                      : (c.otherZoneId ?? null);
            position[v] = to;
          }
          if (d.ride) {
            const k = `${v}|${d.ride.attractionId}`;
            venue.rides.set(k, (venue.rides.get(k) ?? 0) + 1);
          }
          venue.check();
          const t = venue.tickets[v];
          expect(t.inside && t.entriesDay === DAY ? t.zoneId : null, `visitor ${v} at ${g.code}`).toBe(position[v]);
        }
        // Entitlements: never more rides than included (points: 20 buys at most 2 rides of LIFT-A at 10).
        for (const [k, n] of venue.rides) {
          const [v, a] = k.split('|').map(Number);
          const r = KINDS[kinds[v]];
          const included = r.rides?.[a];
          const viaPoints = r.points
            ? Math.floor(r.points / (GATES.find((g) => g.ctx.attraction?.id === a)!.ctx.attraction!.points || 1))
            : 0;
          if (included !== undefined && included !== null) expect(n).toBeLessThanOrEqual(included + viaPoints);
          expect(venue.tickets[v].rides?.[a]?.used).toBe(n);
        }
        // A single-entry ticket enters the venue at the perimeter at most once.
        kinds.forEach((k, v) => {
          if (KINDS[k].entryPolicy === 'single') expect(venue.tickets[v].entries).toBeLessThanOrEqual(1);
        });
      }),
      { numRuns: RUNS },
    );
  });

  it('with gates offline and uploads out of order: never negative, entries - exits = the sum of the zones at every step', () => {
    fc.assert(outageWalk(decide, recordOffline), { numRuns: RUNS });
  });

  it('control: counting only what the perimeter saw (no inferred crossings) breaks the invariant, and the walks find it', () => {
    const seenOnly = (c: TCrossings): TCrossings =>
      c.inferred
        ? {
            entry: c.inferred === 'entry' ? false : c.entry,
            exit: c.inferred === 'exit' ? false : c.exit,
            inferred: null,
          }
        : c;
    const decideSeen: typeof decide = (t, r, c) => {
      const d = decide(t, r, c);
      return d.result === 'admit' ? { ...d, crossings: seenOnly(d.crossings) } : d;
    };
    const recordSeen: typeof recordOffline = (t, r, c, l) => {
      const o = recordOffline(t, r, c, l);
      return { ...o, crossings: seenOnly(o.crossings) };
    };
    expect(fc.check(outageWalk(decideSeen, recordSeen), { numRuns: RUNS }).failed).toBe(true);
  });
});

/** The outage walk as a property of the decision functions it runs. */
function outageWalk(decideFn: typeof decide, recordFn: typeof recordOffline) {
  return fc.property(arbWalk, ({ kinds, steps }) => {
    const venue = new Venue(kinds);
    let clock = Date.UTC(2026, 11, 2, 2, 0);
    const queued: { due: number; v: number; c: TScanContext }[] = [];
    const upload = (now: number, all = false) => {
      for (const q of [...queued]) {
        if (!all && q.due > now) continue;
        queued.splice(queued.indexOf(q), 1);
        venue.apply(q.v, recordFn(venue.tickets[q.v], KINDS[kinds[q.v]], q.c, 'admit'));
        venue.check();
      }
    };
    steps.forEach((s, n) => {
      const v = s.visitor % kinds.length;
      const g = GATES[s.gate];
      const direction = g.directions[s.direction % g.directions.length];
      clock += 7 * 60_000;
      const c: TScanContext = { ...g.ctx, direction, at: clock };
      if (s.offline) queued.push({ due: n + s.uploadAfter, v, c });
      else {
        const d = decideFn(venue.tickets[v], KINDS[kinds[v]], c);
        if (d.result === 'admit') venue.apply(v, d);
        venue.check();
      }
      // Uploads arrive later, in the order their gates come back, not the order they happened.
      upload(n);
    });
    upload(Number.POSITIVE_INFINITY, true);
    venue.check();
  });
}
