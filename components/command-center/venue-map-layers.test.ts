import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Layer } from '@deck.gl/core';
import { DEMO_VENUE, pointInPolygon } from '../../db/seed/demo-venue.ts';
import type { TGateStatus } from '../../lib/schemas/live.ts';
import { createTranslator } from 'use-intl';
import en from '../../lib/i18n/messages/en.json';
import zhCN from '../../lib/i18n/messages/zh-CN.json';
import {
  FONT_FAMILY,
  LAYER_IDS,
  REJECT_MIN_SCANS,
  arcMiddle,
  buildVenueMapLayers,
  flowArcs,
  flowTooltip,
  flowWidth,
  fitPlan,
  gateHealth,
  gateStates,
  heatPoints,
  labelAnchor,
  labelExtent,
  labelGlyphs,
  pickedObject,
  placeLabels,
  tooltipText,
  zoneFillColor,
  zoneLevel,
  zoneStates,
  type TLabelSpec,
  type TMapZone,
  type TVenueMapLayerInput,
  mapStringsFrom,
  zoneAnchors,
} from './venue-map-layers.ts';

/** The map's words as the screens get them, from the message files. */
function words(locale: string, messages: typeof en) {
  const t = createTranslator({ locale, messages, namespace: 'map.labels' });
  return mapStringsFrom((key, values) => t(key as Parameters<typeof t>[0], values));
}
const WORDS = { 'zh-CN': words('zh-CN', zhCN), en: words('en', en) };

const ZONES: TMapZone[] = DEMO_VENUE.zones.map((z, i) => ({
  id: i + 1,
  code: z.code,
  nameZh: z.nameZh,
  nameEn: z.nameEn,
  polygon: z.polygon,
  warnRatio: z.warnRatio,
  criticalRatio: z.criticalRatio,
}));
const GATES: TGateStatus[] = DEMO_VENUE.gates.map((g, i) => ({
  id: i + 1,
  code: g.code,
  zoneCode: g.zoneCode,
  nameZh: g.nameZh,
  nameEn: g.nameEn,
  direction: g.direction,
  kind: g.kind,
  position: g.position,
  online: g.code !== 'MG-04',
  lastSeenAt: null,
  queue: 0,
  battery: null,
  devices: 1,
}));
const CAPACITY = new Map(DEMO_VENUE.zones.map((z, i) => [i + 1, z.capacity]));
const zoneId = (code: string) => ZONES.find((z) => z.code === code)!.id;
const gateId = (code: string) => GATES.find((g) => g.code === code)!.id;

function occupancyAt(ratio: (z: TMapZone) => number) {
  return new Map(
    ZONES.map((z) => [z.id, { count: Math.round(CAPACITY.get(z.id)! * ratio(z)), capacity: CAPACITY.get(z.id)! }]),
  );
}

function input(over: Partial<TVenueMapLayerInput> = {}): TVenueMapLayerInput {
  const activity = new Map([
    [gateId('MG-01'), { scans: 40, rejects: 2 }],
    [gateId('RL-02'), { scans: 20, rejects: 9 }],
  ]);
  const gs = gateStates(GATES, activity);
  return {
    plan: DEMO_VENUE.plan,
    planImage: null,
    zones: ZONES,
    anchors: ZONES.map((zone) => ({ zone, position: labelAnchor(zone.polygon), leader: null })),
    leaders: [],
    zoneStates: zoneStates(
      ZONES,
      occupancyAt(() => 0.5),
      gs,
      undefined,
    ),
    gates: GATES,
    gateStates: gs,
    heat: heatPoints(GATES, activity),
    alarmZones: [],
    locale: 'zh-CN',
    strings: WORDS['zh-CN'],
    em: 17,
    pulse: 1,
    labelFont: FONT_FAMILY,
    showIssues: true,
    ...over,
  };
}

const layersOf = (i: TVenueMapLayerInput) => buildVenueMapLayers(i).filter(Boolean) as Layer[];
const byId = (layers: Layer[], id: string) => layers.find((l) => l.id === id)!;

describe('zone colours', () => {
  it('bands occupancy at the zone’s own warning and critical lines, inclusive', () => {
    expect(zoneLevel(null, 0.8, 0.95)).toBe('none');
    expect(zoneLevel(0, 0.8, 0.95)).toBe('calm');
    expect(zoneLevel(0.7999, 0.8, 0.95)).toBe('calm');
    expect(zoneLevel(0.8, 0.8, 0.95)).toBe('warn');
    expect(zoneLevel(0.95, 0.8, 0.95)).toBe('crit');
    expect(zoneLevel(1.4, 0.75, 0.9)).toBe('crit');
  });

  it('deepens the calm teal with the ratio and switches hue past the lines', () => {
    const low = zoneFillColor(0.1, 'calm');
    const high = zoneFillColor(0.7, 'calm');
    expect(low.slice(0, 3)).toEqual(high.slice(0, 3));
    expect(high[3]!).toBeGreaterThan(low[3]!);
    expect(zoneFillColor(0.85, 'warn').slice(0, 3)).toEqual([240, 180, 41]);
    expect(zoneFillColor(0.99, 'crit').slice(0, 3)).toEqual([239, 79, 79]);
  });
});

describe('gate health', () => {
  it('is red offline, amber above 30% rejects of at least 10 scans, green otherwise', () => {
    expect(gateHealth(false, 0, 0)).toBe('offline');
    expect(gateHealth(false, 100, 0)).toBe('offline');
    expect(gateHealth(true, REJECT_MIN_SCANS - 1, REJECT_MIN_SCANS - 1)).toBe('ok');
    expect(gateHealth(true, 10, 3)).toBe('ok');
    expect(gateHealth(true, 10, 4)).toBe('degraded');
    expect(gateHealth(true, 0, 0)).toBe('ok');
  });

  it('counts a zone’s troubled gates by the zone code the gates lead into', () => {
    const gs = gateStates(GATES, new Map([[gateId('RL-02'), { scans: 20, rejects: 9 }]]));
    const zs = zoneStates(
      ZONES,
      occupancyAt(() => 0.5),
      gs,
      new Set([zoneId('TIANCHI')]),
    );
    expect(zs.get(zoneId('MAIN-PLAZA'))).toMatchObject({ gatesOffline: 1, gatesDegraded: 0, alarm: false });
    expect(zs.get(zoneId('ROPEWAY-LOWER'))).toMatchObject({ gatesOffline: 0, gatesDegraded: 1 });
    expect(zs.get(zoneId('TIANCHI'))?.alarm).toBe(true);
  });

  it('treats a zone without capacity as no data rather than empty', () => {
    const zs = zoneStates(ZONES, new Map([[1, { count: 5, capacity: 0 }]]), new Map(), undefined);
    expect(zs.get(1)).toMatchObject({ ratio: null, level: 'none', count: 5 });
    expect(zs.get(2)).toMatchObject({ ratio: null, level: 'none', count: 0 });
  });
});

describe('fitPlan', () => {
  it('fits the whole plan, keeps its aspect and centres it', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 50, max: 8000 }),
        fc.integer({ min: 50, max: 5000 }),
        fc.integer({ min: 100, max: 4000 }),
        fc.integer({ min: 100, max: 4000 }),
        (pw, ph, w, h) => {
          const { target, zoom } = fitPlan({ width: pw, height: ph }, w, h);
          const s = 2 ** zoom;
          expect(target).toEqual([pw / 2, ph / 2, 0]);
          expect(pw * s).toBeLessThanOrEqual(w + 1e-6);
          expect(ph * s).toBeLessThanOrEqual(h + 1e-6);
          // One side touches the container: nothing is wasted.
          expect(Math.max(pw * s - w, ph * s - h)).toBeCloseTo(0, 6);
        },
      ),
    );
  });

  it('fits the plan above a strip kept for the legend, the plan’s bottom edge on the strip', () => {
    const v = fitPlan({ width: 2000, height: 1400 }, 1000, 800, 0, 100);
    const scale = 2 ** v.zoom;
    expect(scale).toBeCloseTo(0.5, 9);
    // The plan's bottom (y = 1400) lands where the strip starts (800 - 100 px from the top).
    expect((1400 - v.target[1]) * scale + 800 / 2).toBeCloseTo(700, 6);
    expect((0 - v.target[1]) * scale + 800 / 2).toBeCloseTo(0, 6);
    expect(fitPlan({ width: 2000, height: 1400 }, 1000, 800, 0, 0)).toEqual(
      fitPlan({ width: 2000, height: 1400 }, 1000, 800),
    );
  });

  it('halves the demo plan into a 1000 x 700 box and leaves the padding free', () => {
    expect(fitPlan(DEMO_VENUE.plan, 1000, 700).zoom).toBeCloseTo(-1, 10);
    expect(2 ** fitPlan(DEMO_VENUE.plan, 1040, 740, 20).zoom).toBeCloseTo(0.5, 10);
  });
});

describe('labels', () => {
  it('anchors every demo zone label inside its zone', () => {
    for (const z of ZONES) expect(pointInPolygon(labelAnchor(z.polygon), z.polygon), z.code).toBe(true);
  });

  it('anchors a concave zone inside it although its centroid is not', () => {
    // A U shape: the centroid falls in the notch.
    const u: [number, number][] = [
      [0, 0],
      [30, 0],
      [30, 100],
      [70, 100],
      [70, 0],
      [100, 0],
      [100, 120],
      [0, 120],
    ];
    expect(pointInPolygon(labelAnchor(u), u)).toBe(true);
    expect(
      labelAnchor([
        [5, 5],
        [5, 5],
        [5, 5],
      ]),
    ).toEqual([5, 5]);
  });

  it('moves a label off its neighbour and keeps a lone label at its zone’s centre', () => {
    const a: TMapZone = {
      ...ZONES[0],
      id: 1,
      polygon: [
        [100, 100],
        [300, 100],
        [300, 200],
        [100, 200],
      ],
    };
    const b: TMapZone = {
      ...ZONES[0],
      id: 2,
      polygon: [
        [320, 100],
        [520, 100],
        [520, 200],
        [320, 200],
      ],
    };
    const view = { width: 1000, height: 700, target: [500, 350, 0] as [number, number, number], zoom: 0 };
    const specs: TLabelSpec[] = [
      { zone: a, width: 260, hasIssue: false, priority: 2 },
      { zone: b, width: 260, hasIssue: false, priority: 1 },
    ];
    const placed = placeLabels(specs, view, 16, []);
    expect(placed.get(1)).toEqual({ position: labelAnchor(a.polygon), leader: null });
    const [ax, ay] = placed.get(1)!.position;
    const [bx, by] = placed.get(2)!.position;
    // The moved label points back at its zone.
    expect(placed.get(2)!.leader?.[1]).toEqual(labelAnchor(b.polygon));
    const ext = labelExtent(16, false);
    const overlapX = 260 - Math.abs(ax - bx);
    const overlapY = ext.bottom - ext.top - Math.abs(ay - by);
    expect(overlapX <= 0 || overlapY <= 0).toBe(true);
    expect(placeLabels([specs[1]], view, 16, []).get(2)).toEqual({ position: labelAnchor(b.polygon), leader: null });
  });

  it('keeps labels off screen furniture such as the legend', () => {
    const a: TMapZone = {
      ...ZONES[0],
      id: 1,
      polygon: [
        [0, 600],
        [200, 600],
        [200, 700],
        [0, 700],
      ],
    };
    const view = { width: 1000, height: 700, target: [500, 350, 0] as [number, number, number], zoom: 0 };
    const spec: TLabelSpec = { zone: a, width: 150, hasIssue: false, priority: 1 };
    expect(placeLabels([spec], view, 16, []).get(1)?.leader).toBeNull();
    // A legend along the bottom edge covers the zone's own centre: the label goes above the zone.
    const moved = placeLabels([spec], view, 16, [], [[0, 640, 400, 700]]).get(1)!;
    expect(moved.position[1] + labelExtent(16, false).bottom).toBeLessThanOrEqual(640);
    expect(moved.leader).not.toBeNull();
  });

  it('asks the font for every character the labels can show', () => {
    const zh = labelGlyphs(ZONES, 'zh-CN', WORDS['zh-CN']);
    for (const ch of '天池南门入口广场0123456789,/ 闸机离线') expect(zh).toContain(ch);
    expect(labelGlyphs(ZONES, 'en', WORDS.en)).toContain('H');
  });
});

describe('buildVenueMapLayers', () => {
  it('stacks plan, zones, heat, alarms, gates, labels and maps the image y-down', () => {
    const canvas = { width: 2000, height: 1400 } as unknown as HTMLCanvasElement;
    const layers = layersOf(input({ planImage: canvas, alarmZones: [ZONES[5]] }));
    expect(layers.map((l) => l.id)).toEqual([
      LAYER_IDS.plan,
      LAYER_IDS.zones,
      LAYER_IDS.heat,
      LAYER_IDS.alarms,
      LAYER_IDS.gates,
      LAYER_IDS.zoneNames,
      LAYER_IDS.zoneCounts,
      LAYER_IDS.zoneIssues,
    ]);
    // [left, bottom, right, top]: the image's bottom row lies at plan y = height.
    expect(byId(layers, LAYER_IDS.plan).props).toMatchObject({ bounds: [0, 1400, 2000, 0] });
  });

  it('draws leader lines for moved labels and drops the gate-trouble line on a small map', () => {
    const moved = {
      zone: ZONES[1],
      position: [1200, 1150] as [number, number],
      leader: [
        [1150, 1200],
        [1070, 1232],
      ] as [[number, number], [number, number]],
    };
    const layers = layersOf(input({ leaders: [moved], showIssues: false }));
    const leaders = byId(layers, LAYER_IDS.leaders).props as unknown as {
      data: unknown[];
      getSourcePosition: (a: typeof moved) => number[];
    };
    expect(leaders.data).toEqual([moved]);
    expect(leaders.getSourcePosition(moved)).toEqual([1150, 1200]);
    expect(layers.map((l) => l.id)).not.toContain(LAYER_IDS.zoneIssues);
    expect(layers.map((l) => l.id).indexOf(LAYER_IDS.leaders)).toBeLessThan(
      layers.map((l) => l.id).indexOf(LAYER_IDS.zoneNames),
    );
  });

  it('leaves out the heat and alarm layers when there is nothing to show', () => {
    const ids = layersOf(input({ heat: [], alarmZones: [] })).map((l) => l.id);
    expect(ids).not.toContain(LAYER_IDS.heat);
    expect(ids).not.toContain(LAYER_IDS.alarms);
    expect(ids).not.toContain(LAYER_IDS.plan);
  });

  it('keeps data identity across renders and changes colour triggers only when colours change', () => {
    const first = input();
    const a = layersOf(first);
    const same = layersOf({
      ...first,
      zoneStates: zoneStates(
        ZONES,
        occupancyAt(() => 0.5),
        first.gateStates,
        undefined,
      ),
    });
    const hotter = layersOf({
      ...first,
      zoneStates: zoneStates(
        ZONES,
        occupancyAt((z) => (z.code === 'TIANCHI' ? 0.99 : 0.5)),
        first.gateStates,
        undefined,
      ),
    });
    const zonesA = byId(a, LAYER_IDS.zones).props;
    expect(zonesA.data).toBe(ZONES);
    expect(byId(same, LAYER_IDS.zones).props.data).toBe(ZONES);
    expect(byId(same, LAYER_IDS.zones).props.updateTriggers).toEqual(zonesA.updateTriggers);
    expect(byId(hotter, LAYER_IDS.zones).props.updateTriggers.getFillColor).not.toEqual(
      zonesA.updateTriggers.getFillColor,
    );
    expect(byId(a, LAYER_IDS.zoneCounts).props.data).toBe(first.anchors);
    expect(byId(hotter, LAYER_IDS.zoneCounts).props.updateTriggers.getText).not.toEqual(
      byId(a, LAYER_IDS.zoneCounts).props.updateTriggers.getText,
    );
  });

  it('colours gates by health and re-runs the colour accessor when a gate goes down', () => {
    const first = input();
    const gates = byId(layersOf(first), LAYER_IDS.gates).props as unknown as {
      getFillColor: (g: TGateStatus) => number[];
      radiusUnits: string;
      updateTriggers: Record<string, unknown>;
    };
    expect(gates.radiusUnits).toBe('pixels');
    expect(gates.getFillColor(GATES.find((g) => g.code === 'MG-04')!).slice(0, 3)).toEqual([239, 79, 79]);
    expect(gates.getFillColor(GATES.find((g) => g.code === 'RL-02')!).slice(0, 3)).toEqual([240, 180, 41]);
    expect(gates.getFillColor(GATES.find((g) => g.code === 'MG-01')!).slice(0, 3)).toEqual([53, 199, 122]);
    const down = GATES.map((g) => (g.code === 'EG-01' ? { ...g, online: false } : g));
    const later = byId(
      layersOf({ ...first, gates: down, gateStates: gateStates(down, new Map()) }),
      LAYER_IDS.gates,
    ).props;
    expect(later.updateTriggers.getFillColor).not.toEqual(gates.updateTriggers.getFillColor);
  });

  it('draws CJK labels with the app font, auto character set, only once the font is loaded', () => {
    const counts = byId(layersOf(input()), LAYER_IDS.zoneNames).props as unknown as {
      characterSet: string;
      fontFamily: string;
      visible: boolean;
      getText: (a: { zone: TMapZone }) => string;
    };
    expect(counts.characterSet).toBe('auto');
    expect(counts.fontFamily).toContain('Noto Sans SC');
    expect(counts.visible).toBe(true);
    expect(counts.getText({ zone: ZONES[0] })).toBe('南门入口广场');
    expect(byId(layersOf(input({ labelFont: null })), LAYER_IDS.zoneNames).props.visible).toBe(false);
    expect(
      (byId(layersOf(input({ locale: 'en' })), LAYER_IDS.zoneNames).props as unknown as typeof counts).getText({
        zone: ZONES[0],
      }),
    ).toBe('Main Gate Plaza');
  });

  it('weights heat by recent scans and skips idle gates', () => {
    const heat = heatPoints(
      GATES,
      new Map([
        [gateId('MG-01'), { scans: 40, rejects: 0 }],
        [gateId('MG-02'), { scans: 0, rejects: 0 }],
      ]),
    );
    expect(heat).toEqual([{ position: [700, 1326], weight: 40 }]);
  });
});

describe('tooltips', () => {
  const i = input({ alarmZones: [] });
  const zoneById = new Map(ZONES.map((z) => [z.id, z]));

  it('names a gate, its status and its recent rejects', () => {
    expect(tooltipText('gate', gateId('RL-02'), zoneById, i.zoneStates, i.gateStates, 'zh-CN', WORDS['zh-CN'])).toBe(
      'RL-02  索道下站2号检票闸机\n在线 · 拒绝率高\n近期扫码 20 · 拒绝 9 (45%)',
    );
    expect(tooltipText('gate', gateId('MG-04'), zoneById, i.zoneStates, i.gateStates, 'en', WORDS.en)).toContain(
      'OFFLINE',
    );
  });

  it('gives a zone’s occupancy and troubles', () => {
    const text = tooltipText('zone', zoneId('MAIN-PLAZA'), zoneById, i.zoneStates, i.gateStates, 'en', WORDS.en);
    expect(text).toBe('Main Gate Plaza\nin zone 1,500 / 3,000 (50%)\n1 gate offline');
    expect(WORDS.en.gatesOffline(2)).toBe('2 gates offline');
    expect(WORDS['zh-CN'].gatesOffline(2)).toBe('2 台闸机离线');
    expect(tooltipText('zone', 999, zoneById, i.zoneStates, i.gateStates, 'en', WORDS.en)).toBeNull();
  });

  it('maps picks of the zone and gate layers only', () => {
    const layers = layersOf(i);
    expect(pickedObject({ layer: byId(layers, LAYER_IDS.zones), object: ZONES[2] })).toEqual({
      kind: 'zone',
      id: ZONES[2].id,
    });
    expect(pickedObject({ layer: byId(layers, LAYER_IDS.gates), object: GATES[0] })).toEqual({
      kind: 'gate',
      id: GATES[0].id,
    });
    expect(pickedObject({ layer: byId(layers, LAYER_IDS.zoneNames), object: { id: 3 } })).toBeNull();
    expect(pickedObject({ layer: null, object: null })).toBeNull();
  });
});

describe('visitor flow arcs', () => {
  const anchors = zoneAnchors(ZONES);
  const flows = [
    { fromZoneId: zoneId('MAIN-PLAZA'), toZoneId: zoneId('FEIPU-GORGE'), people: 120 },
    { fromZoneId: zoneId('FEIPU-GORGE'), toZoneId: zoneId('MAIN-PLAZA'), people: 30 },
    { fromZoneId: zoneId('ROPEWAY-LOWER'), toZoneId: zoneId('ROPEWAY-UPPER'), people: 480 },
    // A zone the map does not know, a pair with nobody and a zone to itself are not drawn.
    { fromZoneId: 999, toZoneId: zoneId('MAIN-PLAZA'), people: 5 },
    { fromZoneId: zoneId('TIANCHI'), toZoneId: zoneId('SKI-AREA'), people: 0 },
    { fromZoneId: zoneId('HOTEL'), toZoneId: zoneId('HOTEL'), people: 3 },
  ];

  it('join the zones’ label anchors, busiest drawn last, one id per (from, to) pair', () => {
    const arcs = flowArcs(flows, anchors);
    expect(arcs.map((a) => a.people)).toEqual([30, 120, 480]);
    expect(new Set(arcs.map((a) => a.id)).size).toBe(3);
    const up = arcs[2];
    expect(up.source).toEqual(anchors.get(zoneId('ROPEWAY-LOWER')));
    expect(up.target).toEqual(anchors.get(zoneId('ROPEWAY-UPPER')));
    // The two directions between the plaza and the gorge are two arcs.
    expect(arcs[0].id).not.toBe(arcs[1].id);
  });

  it('put the count on the bulge, to the right of travel, so both directions of a pair stay apart', () => {
    // Going east (x right, y down) the right-hand side is +y.
    expect(arcMiddle([0, 0], [100, 0], 0.4)).toEqual([50, 20]);
    const there = arcMiddle([0, 0], [0, 100], 0.4);
    const back = arcMiddle([0, 100], [0, 0], 0.4);
    expect(there[0]).toBeCloseTo(-20, 9);
    expect(back[0]).toBeCloseTo(20, 9);
    expect(arcMiddle([5, 5], [5, 5])).toEqual([5, 5]);
  });

  it('widen with volume on an absolute scale: a trickle shows, a crowd stays readable', () => {
    fc.assert(fc.property(fc.nat(100_000), fc.nat(100_000), (a, b) => (a < b ? flowWidth(a) < flowWidth(b) : true)));
    expect(flowWidth(0)).toBeCloseTo(0.15, 9);
    expect(flowWidth(1000)).toBeLessThan(1.3);
  });

  it('draw as arcs laid into the plan with their counts, between the alarms and the gates, keeping data identity', () => {
    const arcs = flowArcs(flows, anchors);
    const layers = layersOf(input({ flows: arcs, alarmZones: [ZONES[5]] }));
    const ids = layers.map((l) => l.id);
    expect(ids.indexOf(LAYER_IDS.flows)).toBeGreaterThan(ids.indexOf(LAYER_IDS.alarms));
    expect(ids.indexOf(LAYER_IDS.flowCounts)).toBe(ids.indexOf(LAYER_IDS.flows) + 1);
    expect(ids.indexOf(LAYER_IDS.gates)).toBeGreaterThan(ids.indexOf(LAYER_IDS.flowCounts));
    const arc = byId(layers, LAYER_IDS.flows).props as unknown as {
      data: unknown;
      getTilt: number;
      widthScale: number;
      getWidth: (a: (typeof arcs)[number]) => number;
      pickable: boolean;
    };
    expect(arc.data).toBe(arcs);
    expect(arc.getTilt).toBe(90);
    expect(arc.widthScale).toBe(17);
    expect(arc.getWidth(arcs[2])).toBe(flowWidth(480));
    expect(arc.pickable).toBe(true);
    const counts = byId(layers, LAYER_IDS.flowCounts).props as unknown as {
      getText: (a: (typeof arcs)[number]) => string;
      getPosition: (a: (typeof arcs)[number]) => [number, number];
    };
    expect(counts.getText(arcs[2])).toBe('480');
    expect(counts.getPosition(arcs[2])).toEqual(arcs[2].mid);
    expect(byId(layersOf(input({ flows: arcs })), LAYER_IDS.flows).props.data).toBe(arcs);
    expect(layersOf(input({ flows: [] })).map((l) => l.id)).not.toContain(LAYER_IDS.flows);
  });

  it('name both zones and the people in the tooltip, and are picked as flows', () => {
    const arcs = flowArcs(flows, anchors);
    const zoneById = new Map(ZONES.map((z) => [z.id, z]));
    const text = flowTooltip(arcs[2], zoneById, 'en', {
      title: (from, to) => `${from} → ${to}`,
      people: (n) => `${n} people in the last 15 min`,
    });
    expect(text).toBe('Ropeway Lower Station → Ropeway Upper Station\n480 people in the last 15 min');
    const layers = layersOf(input({ flows: arcs }));
    expect(pickedObject({ layer: byId(layers, LAYER_IDS.flows), object: arcs[1] })).toEqual({
      kind: 'flow',
      id: arcs[1].id,
    });
    expect(pickedObject({ layer: byId(layers, LAYER_IDS.flowCounts), object: arcs[1] })).toBeNull();
  });
});
