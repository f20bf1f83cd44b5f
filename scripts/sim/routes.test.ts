import { describe, expect, it } from 'vitest';
import { DEMO_VENUE } from '../../db/seed/demo-venue.ts';
import {
  boardingGates,
  checkpointsOf,
  chooseRoute,
  type Crossing,
  crossingsOutOf,
  crossingsTo,
  isOpen,
  liftOptions,
  nextRide,
  placeAfter,
  RIDE_GAP_MARGIN_MS,
  ridesNow,
  type RouteInput,
  skiSellable,
  withinWindow,
} from './routes.ts';

const gates = DEMO_VENUE.gates;
const attractions = DEMO_VENUE.attractions;
const at = (list: Crossing[]) => list.map((c) => `${c.gate.code} ${c.direction}`).sort();
const gate = (code: string) => gates.find((g) => g.code === code)!;
const lift = (code: string) => attractions.find((a) => a.code === code)!;
const MIN = 60_000;

describe('the zone graph as visitors walk it', () => {
  it('puts a visitor where the server does: transfers from wherever, rides to the far station, checkpoints nowhere new', () => {
    expect(placeAfter(gate('MG-01'), 'in', null)).toBe('MAIN-PLAZA');
    expect(placeAfter(gate('MG-06'), 'out', 'FEIPU-GORGE')).toBeNull();
    expect(placeAfter(gate('RL-01'), 'in', 'MAIN-PLAZA')).toBe('ROPEWAY-UPPER');
    expect(placeAfter(gate('RU-02'), 'in', 'YUNHAI')).toBe('ROPEWAY-LOWER');
    expect(placeAfter(gate('RU-03'), 'out', 'ROPEWAY-UPPER')).toBe('TIANCHI');
    expect(placeAfter(gate('RL-03'), 'out', 'TIANCHI')).toBe('MAIN-PLAZA');
    expect(placeAfter(gate('LA-01'), 'in', 'SKI-AREA')).toBe('SKI-AREA');
    expect(placeAfter(gate('HT-02'), 'out', 'HOTEL')).toBe('EAST-PLAZA');
    expect(placeAfter(gate('HT-02'), 'in', 'EAST-PLAZA')).toBe('HOTEL');
    expect(placeAfter(gate('GS-01'), 'in', 'EAST-PLAZA')).toBe('EAST-PLAZA');
    expect(placeAfter(gate('GS-01'), 'in', null)).toBe('GUSI-TEMPLE');
  });

  it('finds the gates between two zones, the one standing where the visitor is first', () => {
    expect(at(crossingsTo(gates, null, 'MAIN-PLAZA'))).toEqual([
      'MG-01 in',
      'MG-02 in',
      'MG-03 in',
      'MG-04 in',
      'MG-05 in',
      'MG-08 in',
    ]);
    expect(at(crossingsTo(gates, 'MAIN-PLAZA', null))).toEqual(['MG-06 out', 'MG-07 out', 'MG-08 out']);
    expect(at(crossingsTo(gates, 'EAST-PLAZA', null))).toEqual(['EG-03 out', 'EG-04 out']);
    // The lodge: the lobby from the road is the perimeter, the park-side turnstile leads to the east plaza.
    expect(at(crossingsTo(gates, null, 'HOTEL'))).toEqual(['HT-01 in']);
    expect(at(crossingsTo(gates, 'HOTEL', null))).toEqual(['HT-01 out']);
    expect(at(crossingsTo(gates, 'HOTEL', 'EAST-PLAZA'))).toEqual(['HT-02 out']);
    expect(at(crossingsTo(gates, 'EAST-PLAZA', 'HOTEL'))).toEqual(['HT-02 in']);
    expect(at(crossingsTo(gates, 'MAIN-PLAZA', 'HOTEL'))).toEqual(['HT-02 in']);
    // The summit: out of the upper station by its exit turnstile; the lookouts' ticket checks.
    expect(at(crossingsTo(gates, 'ROPEWAY-UPPER', 'TIANCHI'))).toEqual(['RU-03 out']);
    expect(at(crossingsTo(gates, 'ROPEWAY-UPPER', 'YUNHAI'))).toEqual(['YH-01 in']);
    expect(at(crossingsTo(gates, 'TIANCHI', 'YUNHAI'))).toEqual(['YH-01 in']);
    expect(at(crossingsTo(gates, 'YUNHAI', 'TIANCHI'))).toEqual(['TC-01 in']);
    expect(at(crossingsTo(gates, 'TIANCHI', 'SKI-AREA'))).toEqual(['SK-01 in']);
    expect(at(crossingsTo(gates, 'SKI-AREA', 'TIANCHI'))).toEqual(['SK-01 out']);
    expect(at(crossingsTo(gates, 'ROPEWAY-LOWER', 'MAIN-PLAZA'))).toEqual(['RL-03 out']);
    // Down the gorge on foot when the ropeway is closed.
    expect(at(crossingsTo(gates, 'TIANCHI', 'MAIN-PLAZA', 'FEIPU-GORGE'))).toEqual(['FP-02 out']);
    // The valley's scenic zones and their ways back.
    expect(at(crossingsTo(gates, 'MAIN-PLAZA', 'FEIPU-GORGE'))).toEqual(['FP-01 in']);
    expect(at(crossingsTo(gates, 'EAST-PLAZA', 'FEIPU-GORGE'))).toEqual(['FP-01 in']);
    expect(at(crossingsOutOf(gates, 'FEIPU-GORGE'))).toEqual(['FP-02 out']);
    expect(at(crossingsOutOf(gates, 'YINGKESONG'))).toEqual(['YKS-01 out']);
    expect(at(crossingsOutOf(gates, 'VISITOR-CENTER'))).toEqual(['VC-01 out']);
    expect(checkpointsOf(gates, 'GUSI-TEMPLE').map((g) => g.code)).toEqual(['GS-01']);
  });

  it('boards the ropeway up at the lower station and down at the upper one, the lifts where they stand', () => {
    expect(boardingGates(gates, 'ROPEWAY', 'ROPEWAY-UPPER').map((g) => g.code)).toEqual(['RL-01', 'RL-02']);
    expect(boardingGates(gates, 'ROPEWAY', 'ROPEWAY-LOWER').map((g) => g.code)).toEqual(['RU-01', 'RU-02']);
    expect(boardingGates(gates, 'LIFT-A').map((g) => g.code)).toEqual(['LA-01']);
    expect(boardingGates(gates, 'CARPET', 'SKI-AREA').map((g) => g.code)).toEqual(['LC-01']);
  });
});

describe('routes', () => {
  const inputs: RouteInput[] = [
    { entry: 'main', ropeway: false },
    { entry: 'east', ropeway: true },
    { entry: 'hotel', ropeway: false, twoDay: true },
    { entry: 'main', ropeway: false, twoDay: true },
    { entry: 'main', ropeway: true, ski: true },
    { entry: 'main', ropeway: false, group: true },
    { entry: 'east', ropeway: false, night: true },
  ];

  it('walk at least one stop, each valley zone at most once, and every stop can be reached by its gates', () => {
    for (const input of inputs)
      for (let i = 0; i < 300; i++) {
        const route = chooseRoute(input);
        expect(route.stops.length).toBeGreaterThanOrEqual(1);
        const zones = route.stops.flatMap((s) => (s.kind === 'zone' ? [s.zone] : []));
        expect(new Set(zones).size).toBe(zones.length);
        for (const z of zones) {
          const reach = checkpointsOf(gates, z).length || crossingsTo(gates, 'MAIN-PLAZA', z).length;
          expect(reach, z).toBeGreaterThan(0);
        }
      }
  });

  it('take skiers up first, groups and night visitors through the valley only, riders to the summit once', () => {
    for (let i = 0; i < 300; i++) {
      expect(chooseRoute({ entry: 'main', ropeway: true, ski: true }).stops[0]).toEqual({ kind: 'ski' });
      const group = chooseRoute({ entry: 'main', ropeway: false, group: true });
      expect(group.stops.every((s) => s.kind === 'zone')).toBe(true);
      expect(group.stops.length).toBeLessThanOrEqual(3);
      expect(group.exit).toBe('main');
      const night = chooseRoute({ entry: 'east', ropeway: false, night: true });
      expect(night.stops.every((s) => s.kind === 'zone')).toBe(true);
      const riders = chooseRoute({ entry: 'main', ropeway: true });
      expect(riders.stops.filter((s) => s.kind === 'summit')).toHaveLength(1);
      expect(chooseRoute({ entry: 'main', ropeway: false }).stops.some((s) => s.kind === 'summit')).toBe(false);
      // Lodge guests go back to the lodge; nobody but two-day visitors goes out for lunch.
      expect(chooseRoute({ entry: 'hotel', ropeway: false, twoDay: true }).exit).toBe('hotel');
      expect(
        chooseRoute({ entry: 'hotel', ropeway: false, twoDay: true }).stops.some((s) => s.kind === 'lunch-out'),
      ).toBe(false);
      expect(chooseRoute({ entry: 'main', ropeway: true }).stops.some((s) => s.kind === 'lunch-out')).toBe(false);
    }
  });

  it('go to the gorge and the pine from the main gate, to the temple from the east gate', () => {
    const share = (entry: 'main' | 'east', zone: string) => {
      let n = 0;
      for (let i = 0; i < 2000; i++)
        if (chooseRoute({ entry, ropeway: false }).stops.some((s) => s.kind === 'zone' && s.zone === zone)) n++;
      return n / 2000;
    };
    expect(share('main', 'FEIPU-GORGE')).toBeGreaterThan(share('east', 'FEIPU-GORGE'));
    expect(share('east', 'GUSI-TEMPLE')).toBeGreaterThan(share('main', 'GUSI-TEMPLE'));
  });
});

describe('opening hours on two clocks', () => {
  it('rides only when the simulated day and the real clock both say open, never in the last real minute', () => {
    const a = lift('LIFT-A'); // 08:30-16:30
    expect(isOpen(a, 8 * 60 + 30)).toBe(true);
    expect(isOpen(a, 16 * 60 + 30)).toBe(false);
    expect(isOpen(a, 8 * 60 + 29)).toBe(false);
    expect(ridesNow(a, 10 * 60, 11 * 60)).toBe(true);
    expect(ridesNow(a, 7 * 60 + 45, 11 * 60)).toBe(false);
    expect(ridesNow(a, 10 * 60, 17 * 60)).toBe(false);
    expect(ridesNow(a, 10 * 60, 16 * 60 + 29)).toBe(false);
    expect(ridesNow(a, 10 * 60, 16 * 60 + 28)).toBe(true);
    expect(ridesNow(lift('ROPEWAY'), 17 * 60, 17 * 60)).toBe(true);
  });

  it('sells ski passes for today only while the lifts and the ropeway run a while yet', () => {
    expect(skiSellable(attractions, 9 * 60, 10 * 60)).toBe(true);
    // The simulated morning before the lifts open: skiers wait at the foot of the ropeway.
    expect(skiSellable(attractions, 7 * 60 + 45, 10 * 60)).toBe(true);
    expect(skiSellable(attractions, 15 * 60 + 45, 10 * 60)).toBe(false);
    expect(skiSellable(attractions, 9 * 60, 16 * 60)).toBe(false);
    expect(skiSellable(attractions, 9 * 60, 20 * 60)).toBe(false);
    expect(skiSellable(attractions, 9 * 60, 7 * 60)).toBe(false);
    // A fast simulated clock gets skiers up in a few real minutes: they are sold passes closer to the closing time.
    expect(skiSellable(attractions, 9 * 60, 16 * 60, 9)).toBe(true);
    expect(skiSellable(attractions, 9 * 60, 16 * 60 + 25, 9)).toBe(false);
  });

  it('sells night tickets within their hours, until a margin before they end', () => {
    const night = { from: '17:00', to: '22:00' };
    expect(withinWindow(night, 16 * 60 + 59)).toBe(false);
    expect(withinWindow(night, 17 * 60)).toBe(true);
    expect(withinWindow(night, 21 * 60 + 29, 30)).toBe(true);
    expect(withinWindow(night, 21 * 60 + 31, 30)).toBe(false);
  });
});

describe('lift rides and their ride gap', () => {
  const gap = 5 * MIN;

  it('offers the lifts a ticket includes, or on a points card every lift that costs points', () => {
    const codes = (o: { code: string }[]) => o.map((x) => x.code).sort();
    expect(codes(liftOptions(attractions, { rides: ['LIFT-A'] }, 'beginner'))).toEqual(['LIFT-A']);
    expect(codes(liftOptions(attractions, { points: true }, 'intermediate'))).toEqual(['CARPET', 'LIFT-A', 'LIFT-B']);
    expect(codes(liftOptions(attractions, { rides: ['LIFT-A', 'LIFT-B', 'CARPET'] }, 'expert'))).toEqual([
      'LIFT-A',
      'LIFT-B',
    ]);
    // Intermediates wait for a chairlift; on a points card they fill its gap on the carpet.
    expect(codes(liftOptions(attractions, { rides: ['LIFT-A', 'LIFT-B', 'CARPET'] }, 'intermediate'))).toEqual([
      'LIFT-A',
      'LIFT-B',
    ]);
    // The ropeway is no lift, even for a points card.
    expect(codes(liftOptions(attractions, { rides: ['ROPEWAY'] }, 'expert'))).toEqual([]);
    expect(liftOptions(attractions, { rides: ['LIFT-A'] }, 'expert')[0].gapMs).toBe(gap);
  });

  /** A skier riding whatever nextRide says, skiing down in `runMs` each time; the real times of each lift's rides. */
  function session(options: ReturnType<typeof liftOptions>, runMs: number, rides: number, seed = 1) {
    let s = seed;
    const rand = () => {
      s = (s * 16807) % 2147483647;
      return s / 2147483647;
    };
    const lastAt: Record<string, number> = {};
    const log: { code: string; at: number }[] = [];
    let ready = 0;
    let previous: string | undefined;
    for (let i = 0; i < rides; i++) {
      const next = nextRide(options, lastAt, ready, previous, rand)!;
      expect(next.at).toBeGreaterThanOrEqual(ready);
      log.push(next);
      lastAt[next.code] = next.at;
      previous = next.code;
      ready = next.at + runMs;
    }
    return log;
  }

  it('never rides the same chairlift again within its gap, however fast the simulated clock runs', () => {
    for (const runMs of [10_000, 30_000, 2 * MIN, 10 * MIN])
      for (const level of ['expert', 'intermediate', 'beginner'] as const)
        for (const ticket of [{ rides: ['LIFT-A', 'LIFT-B', 'CARPET'] }, { rides: ['LIFT-A'] }, { points: true }]) {
          const options = liftOptions(attractions, ticket, level);
          const log = session(options, runMs, 40);
          const last: Record<string, number> = {};
          for (const r of log) {
            const g = options.find((o) => o.code === r.code)!.gapMs;
            if (g && last[r.code] !== undefined)
              expect(r.at - last[r.code]).toBeGreaterThanOrEqual(g + RIDE_GAP_MARGIN_MS);
            last[r.code] = r.at;
          }
        }
  });

  it('alternates the chairlifts, waits for the first to free up when both are in their gap', () => {
    const options = liftOptions(attractions, { rides: ['LIFT-A', 'LIFT-B', 'CARPET'] }, 'expert');
    const log = session(options, 20_000, 6);
    for (let i = 1; i < log.length; i++) expect(log[i].code).not.toBe(log[i - 1].code);
    // A, B 20 s later, then A again only once its gap is over.
    expect(log[2].at - log[0].at).toBe(gap + RIDE_GAP_MARGIN_MS);
  });

  it('rides the magic carpet (no gap) back to back, and a ten-ride card only its lift', () => {
    const carpet = session([{ code: 'CARPET', weight: 1, gapMs: 0 }], 10_000, 5);
    expect(carpet.map((r) => r.at)).toEqual([0, 10_000, 20_000, 30_000, 40_000]);
    const ten = session(liftOptions(attractions, { rides: ['LIFT-A'] }, 'intermediate'), 30_000, 4);
    expect(ten.map((r) => r.code)).toEqual(['LIFT-A', 'LIFT-A', 'LIFT-A', 'LIFT-A']);
    expect(ten[3].at - ten[2].at).toBe(gap + RIDE_GAP_MARGIN_MS);
  });

  it('takes a free lift over waiting, and none of weight 0', () => {
    const options = [
      { code: 'LIFT-A', weight: 5, gapMs: gap },
      { code: 'CARPET', weight: 1, gapMs: 0 },
      { code: 'LIFT-B', weight: 0, gapMs: gap },
    ];
    expect(nextRide(options, { 'LIFT-A': 0 }, 60_000, 'LIFT-A')).toEqual({ code: 'CARPET', at: 60_000 });
    expect(nextRide([options[2]], {}, 0)).toBeUndefined();
  });
});
