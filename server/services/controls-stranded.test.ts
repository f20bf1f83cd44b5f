import { describe, expect, it } from 'vitest';
import { DEMO_VENUE } from '../../db/seed/demo-venue.ts';
import { carriesBetweenZones, strandedZones, type TGraphGate } from './controls-stranded.ts';

/** The demo venue's graph, with zones numbered in their order and attractions by code. */
const zoneIds = new Map(DEMO_VENUE.zones.map((z, i) => [z.code, i + 1]));
const attractionIds = new Map(DEMO_VENUE.attractions.map((a, i) => [a.code, i + 1]));
const DEMO_GATES: TGraphGate[] = DEMO_VENUE.gates.map((g) => ({
  zone_id: zoneIds.get(g.zoneCode)!,
  other_zone_id: g.otherZoneCode ? zoneIds.get(g.otherZoneCode)! : null,
  edge: g.edge,
  attraction_id: g.attraction ? attractionIds.get(g.attraction)! : null,
}));
const codes = (ids: number[]) => ids.map((id) => [...zoneIds].find(([, v]) => v === id)![0]).sort();
const ROPEWAY = attractionIds.get('ROPEWAY')!;

describe('who a closed attraction strands', () => {
  it('the demo ropeway strands the summit: its upper station and every zone reached only through it', () => {
    expect(codes(strandedZones(DEMO_GATES, ROPEWAY))).toEqual(['ROPEWAY-UPPER', 'SKI-AREA', 'TIANCHI', 'YUNHAI']);
    expect(carriesBetweenZones(DEMO_GATES, ROPEWAY)).toBe(true);
  });

  it('a ski lift, whose riders ski back down where they boarded, strands nobody', () => {
    for (const code of ['LIFT-A', 'LIFT-B', 'CARPET']) {
      expect(strandedZones(DEMO_GATES, attractionIds.get(code)!)).toEqual([]);
      expect(carriesBetweenZones(DEMO_GATES, attractionIds.get(code)!)).toBe(false);
    }
  });

  it('a trail down from the summit means the ropeway strands nobody', () => {
    const trail: TGraphGate = {
      zone_id: zoneIds.get('TIANCHI')!,
      other_zone_id: zoneIds.get('FEIPU-GORGE')!,
      edge: 'transfer',
      attraction_id: null,
    };
    // The upper station walks to the lake (RU-03) and the lake down the trail: nobody needs the ropeway.
    expect(strandedZones([...DEMO_GATES, trail], ROPEWAY)).toEqual([]);
  });

  it('two ropeways side by side strand the summit only when both are closed, and then each says so', () => {
    const second = 99;
    const twin = DEMO_GATES.filter((g) => g.attraction_id === ROPEWAY).map((g) => ({ ...g, attraction_id: second }));
    const gates = [...DEMO_GATES, ...twin];
    expect(strandedZones(gates, ROPEWAY)).toEqual([]);
    expect(codes(strandedZones(gates, ROPEWAY, [second]))).toEqual(codes(strandedZones(gates, second, [ROPEWAY])));
    expect(strandedZones(gates, ROPEWAY, [second, ROPEWAY])).toHaveLength(4);
  });

  it('checkpoints join nothing, and a zone with no way out at all is nobody to strand', () => {
    const island: TGraphGate = { zone_id: 50, other_zone_id: 51, edge: 'attraction', attraction_id: 7 };
    const check: TGraphGate = { zone_id: 51, other_zone_id: null, edge: 'checkpoint', attraction_id: null };
    expect(strandedZones([island, check], 7)).toEqual([]);
    const door: TGraphGate = { zone_id: 50, other_zone_id: null, edge: 'perimeter', attraction_id: null };
    expect(strandedZones([island, check, door], 7)).toEqual([51]);
  });
});
