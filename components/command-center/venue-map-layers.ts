import { COORDINATE_SYSTEM, type Color, type LayersList, type PickingInfo } from '@deck.gl/core';
import { ArcLayer, BitmapLayer, LineLayer, PolygonLayer, ScatterplotLayer, TextLayer } from '@deck.gl/layers';
import { HeatmapLayer } from '@deck.gl/aggregation-layers';
import type { TGateStatus } from '../../lib/schemas/live.ts';
import { getOrInsert } from '../../lib/map.ts';

/*
 * Pure helpers for the deck.gl venue map: colours, health rules, the fit of the plan into its
 * container, label anchors and layout, tooltip text and the layer list. No React here, so all of it is unit
 * tested in Node (venue-map-layers.test.ts) without a browser or WebGL.
 */

export interface TMapPlan {
  /** URL of the plan drawing under /public ('' when the venue has none). */
  image: string;
  /** Plan units; x to the right, y DOWN, as in the image. */
  width: number;
  height: number;
}

export interface TMapZone {
  id: number;
  code: string;
  nameZh: string;
  nameEn: string;
  polygon: [number, number][];
  warnRatio: number;
  criticalRatio: number;
}

export type TOccupancy = ReadonlyMap<number, { count: number; capacity: number }>;
export type TActivity = ReadonlyMap<number, { scans: number; rejects: number }>;

export type TZoneLevel = 'none' | 'calm' | 'warn' | 'crit';
export type TGateHealth = 'ok' | 'degraded' | 'offline';

export interface TZoneState {
  count: number;
  capacity: number;
  /** count / capacity, or null when the zone has no capacity. */
  ratio: number | null;
  level: TZoneLevel;
  alarm: boolean;
  /** Gates leading into this zone that are offline / rejecting too much. */
  gatesOffline: number;
  gatesDegraded: number;
}

export interface TGateState {
  gate: TGateStatus;
  health: TGateHealth;
  scans: number;
  rejects: number;
}

/** A gate whose recent scans are rejected this often (share, 0..1) is flagged amber... */
export const REJECT_SHARE_WARN = 0.3;
/** ...but only once it has seen this many scans: 2 rejects out of 3 scans is noise, not a fault. */
export const REJECT_MIN_SCANS = 10;

// Colours of the dark control-room palette (RGBA 0..255), matching app/globals.css.
const TEAL: [number, number, number] = [47, 182, 201];
const AMBER: [number, number, number] = [240, 180, 41];
const RED: [number, number, number] = [239, 79, 79];
const GREEN: [number, number, number] = [53, 199, 122];
const INK: Color = [11, 22, 32, 255];
const TEXT: Color = [230, 238, 245, 255];
/** Gate-trouble line: light amber / light red, legible over the fills and the drawing. */
const TEXT_WARN: Color = [255, 211, 107, 255];
const TEXT_CRIT: Color = [255, 140, 140, 255];
const NO_DATA_FILL: Color = [143, 166, 184, 28];
/** Activity heat: violet to pale yellow, deliberately unlike the teal/amber/red of occupancy. */
const HEAT_COLORS: Color[] = [
  [72, 26, 110],
  [125, 40, 150],
  [190, 55, 130],
  [236, 95, 80],
  [250, 165, 55],
  [255, 236, 150],
];

/** The app's CJK font (loaded by app/layout.tsx through @fontsource/noto-sans-sc). */
export const FONT_FAMILY = '"Noto Sans SC", "Noto Sans", sans-serif';
/** Used only while the label font has not arrived; a different string means a different atlas. */
export const FALLBACK_FONT_FAMILY = 'sans-serif';
/** Every character a count line can need, loaded with the zone names before the atlas is built. */
export const NUMBER_GLYPHS = '0123456789,./ %';

// -- rules -----------------------------------------------------------------------------------

/** Occupancy band of a zone: calm below its warning line, amber from it, red from critical. */
export function zoneLevel(ratio: number | null, warnRatio: number, criticalRatio: number): TZoneLevel {
  if (ratio === null) return 'none';
  if (ratio >= criticalRatio) return 'crit';
  if (ratio >= warnRatio) return 'warn';
  return 'calm';
}

/** Zone fill: teal that deepens with the ratio while calm, then flat amber or red. */
export function zoneFillColor(ratio: number | null, level: TZoneLevel): Color {
  switch (level) {
    case 'none':
      return NO_DATA_FILL;
    case 'crit':
      return [...RED, 150];
    case 'warn':
      return [...AMBER, 125];
    case 'calm':
      return [...TEAL, Math.round(255 * (0.1 + Math.min(Math.max(ratio ?? 0, 0), 1) * 0.35))];
  }
}

export function zoneLineColor(level: TZoneLevel): Color {
  if (level === 'crit') return [...RED, 255];
  if (level === 'warn') return [...AMBER, 255];
  return [...TEAL, 200];
}

/** Gate health: offline is red; online but rejecting > 30% of at least 10 recent scans is amber. */
export function gateHealth(online: boolean, scans: number, rejects: number): TGateHealth {
  if (!online) return 'offline';
  if (scans >= REJECT_MIN_SCANS && rejects / scans > REJECT_SHARE_WARN) return 'degraded';
  return 'ok';
}

export function gateColor(health: TGateHealth): Color {
  if (health === 'offline') return [...RED, 255];
  if (health === 'degraded') return [...AMBER, 255];
  return [...GREEN, 255];
}

export function zoneStates(
  zones: readonly TMapZone[],
  occupancy: TOccupancy,
  gates: ReadonlyMap<number, TGateState>,
  alarmZoneIds: ReadonlySet<number> | undefined,
): Map<number, TZoneState> {
  const byCode = new Map<string, { offline: number; degraded: number }>();
  for (const g of gates.values()) {
    const c = byCode.get(g.gate.zoneCode) ?? { offline: 0, degraded: 0 };
    if (g.health === 'offline') c.offline++;
    if (g.health === 'degraded') c.degraded++;
    byCode.set(g.gate.zoneCode, c);
  }
  const out = new Map<number, TZoneState>();
  for (const z of zones) {
    const occ = occupancy.get(z.id);
    const count = occ?.count ?? 0;
    const capacity = occ?.capacity ?? 0;
    const ratio = occ && capacity > 0 ? count / capacity : null;
    const g = byCode.get(z.code);
    out.set(z.id, {
      count,
      capacity,
      ratio,
      level: zoneLevel(ratio, z.warnRatio, z.criticalRatio),
      alarm: alarmZoneIds?.has(z.id) ?? false,
      gatesOffline: g?.offline ?? 0,
      gatesDegraded: g?.degraded ?? 0,
    });
  }
  return out;
}

export function gateStates(gates: readonly TGateStatus[], activity: TActivity): Map<number, TGateState> {
  const out = new Map<number, TGateState>();
  for (const gate of gates) {
    const a = activity.get(gate.id);
    const scans = a?.scans ?? 0;
    const rejects = a?.rejects ?? 0;
    out.set(gate.id, { gate, health: gateHealth(gate.online, scans, rejects), scans, rejects });
  }
  return out;
}

// -- geometry --------------------------------------------------------------------------------

/**
 * OrthographicView state that fits the whole plan into a width x height container, centred; with
 * `reserveBottomPx`, into the part above that strip (a legend along the bottom edge goes there).
 */
export function fitPlan(
  plan: Pick<TMapPlan, 'width' | 'height'>,
  width: number,
  height: number,
  paddingPx = 0,
  reserveBottomPx = 0,
): { target: [number, number, number]; zoom: number } {
  const w = Math.max(1, width - 2 * paddingPx);
  const h = Math.max(1, height - reserveBottomPx - 2 * paddingPx);
  const scale = Math.min(w / Math.max(1, plan.width), h / Math.max(1, plan.height));
  // The container's centre shows the plan point half the strip below the plan's centre.
  return { target: [plan.width / 2, plan.height / 2 + reserveBottomPx / 2 / scale, 0], zoom: Math.log2(scale) };
}

function pointInPolygon([x, y]: [number, number], poly: readonly [number, number][]): boolean {
  let inside = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i];
    const [xj, yj] = poly[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/**
 * Where a zone's label goes: the area centroid when it lies inside the polygon, otherwise (a
 * concave zone, e.g. an L-shaped plaza) the middle of the widest inside span on the centroid's row.
 */
export function labelAnchor(poly: readonly [number, number][]): [number, number] {
  if (poly.length === 0) return [0, 0];
  let a = 0;
  let cx = 0;
  let cy = 0;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [x0, y0] = poly[j];
    const [x1, y1] = poly[i];
    const cross = x0 * y1 - x1 * y0;
    a += cross;
    cx += (x0 + x1) * cross;
    cy += (y0 + y1) * cross;
  }
  const n = poly.length;
  const mean: [number, number] = [poly.reduce((s, p) => s + p[0], 0) / n, poly.reduce((s, p) => s + p[1], 0) / n];
  if (Math.abs(a) < 1e-9) return mean;
  const c: [number, number] = [cx / (3 * a), cy / (3 * a)];
  if (pointInPolygon(c, poly)) return c;
  const xs: number[] = [];
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i];
    const [xj, yj] = poly[j];
    if (yi > c[1] !== yj > c[1]) xs.push(((xj - xi) * (c[1] - yi)) / (yj - yi) + xi);
  }
  xs.sort((p, q) => p - q);
  let best: [number, number] = mean;
  let widest = -1;
  for (let i = 0; i + 1 < xs.length; i += 2) {
    if (xs[i + 1] - xs[i] > widest) {
      widest = xs[i + 1] - xs[i];
      best = [(xs[i] + xs[i + 1]) / 2, c[1]];
    }
  }
  return best;
}

/** Label type sizes (px) for a container whose font size is `em` px. */
export function labelSizes(em: number): { name: number; count: number; issue: number } {
  return { name: Math.round(em * 1.05), count: Math.round(em * 1.3), issue: Math.round(em * 0.95) };
}

/**
 * Vertical extent (px) of a label block around its position: the name sits above the count line
 * (centred on the position) and the gate-trouble line, when there is one, below it.
 */
export function labelExtent(em: number, hasIssue: boolean): { top: number; bottom: number } {
  const s = labelSizes(em);
  return { top: -(nameOffset(em) + s.name), bottom: hasIssue ? issueOffset(em) + s.issue : Math.round(s.count / 2) };
}

/** Pixel offsets of the name's bottom edge (up) and of the issue line's top edge (down). */
function nameOffset(em: number): number {
  return Math.round(labelSizes(em).count * 0.55);
}

function issueOffset(em: number): number {
  return Math.round(labelSizes(em).count * 0.6);
}

export interface TLabelSpec {
  zone: TMapZone;
  /** Widest line of the block, in px. */
  width: number;
  hasIssue: boolean;
  /** Higher is placed first, and so most likely at its own centre (the component uses the zone's area). */
  priority: number;
}

export interface TPlacementView {
  /** Container size (px). */
  width: number;
  height: number;
  /** OrthographicView target and zoom (px per plan unit = 2 ** zoom). */
  target: [number, number, number];
  zoom: number;
}

/** Screen rectangle in px: [left, top, right, bottom]. */
export type TRect = [number, number, number, number];

function overlapArea(a: TRect, b: TRect): number {
  const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  return w > 0 && h > 0 ? w * h : 0;
}

/**
 * Penalties of the label placement (unitless): a label on a label is far worse than a detour out
 * of the zone, and a label lying on another zone (where it would be read as that zone's) is
 * worse than one over empty ground; covering gate markers costs a little. Boxes overlapping by
 * less than `overlapSlack` of their area are free: glyph boxes have air.
 * Candidates: own centre, above, below, right, left, then the four corners.
 */
const PLACE_PENALTY = {
  labelOverlap: 1000,
  overlapSlack: 0.04,
  offscreen: 200,
  otherZone: 40,
  gateCovered: 2,
  gateCoveredMax: 8,
  candidate: [0, 6, 7, 9, 9, 11, 11, 12, 12],
};

export interface TPlacedLabel {
  /** Plan position of the label (the centre of its count line). */
  position: [number, number];
  /** A label moved off its zone gets a leader line to the zone's anchor (plan coordinates). */
  leader: [[number, number], [number, number]] | null;
}

/**
 * Greedy label placement in screen space, so labels of neighbouring zones do not print over each
 * other at any wall size. Each zone tries its own centre, then spots just outside its outline;
 * the cheapest wins (overlaps with placed labels and other zones, the screen edge and gate
 * markers cost). `obstacles` are screen rectangles (px) labels should keep off, e.g. the legend.
 */
export function placeLabels(
  specs: readonly TLabelSpec[],
  view: TPlacementView,
  em: number,
  gatePositions: readonly [number, number][],
  obstacles: readonly TRect[] = [],
): Map<number, TPlacedLabel> {
  const scale = 2 ** view.zoom;
  const toPx = ([x, y]: readonly [number, number]): [number, number] => [
    (x - view.target[0]) * scale + view.width / 2,
    (y - view.target[1]) * scale + view.height / 2,
  ];
  const toPlan = ([x, y]: [number, number]): [number, number] => [
    (x - view.width / 2) / scale + view.target[0],
    (y - view.height / 2) / scale + view.target[1],
  ];
  const gap = Math.round(em * 0.35);
  const markerR = Math.max(5, em * 0.42) * 1.3;
  const gates = gatePositions.map(toPx);
  const zonesPx = specs.map((s) => ({ id: s.zone.id, poly: s.zone.polygon.map(toPx) }));
  // Screen furniture (the legend) counts as an already placed label.
  const placed: TRect[] = [...obstacles];
  const out = new Map<number, TPlacedLabel>();
  const ordered = [...specs].sort((a, b) => b.priority - a.priority);
  for (const spec of ordered) {
    const ext = labelExtent(em, spec.hasIssue);
    const half = spec.width / 2 + gap / 2;
    const pts = zonesPx.find((z) => z.id === spec.zone.id)!.poly;
    const anchor = toPx(labelAnchor(spec.zone.polygon));
    const minX = Math.min(...pts.map((p) => p[0]));
    const maxX = Math.max(...pts.map((p) => p[0]));
    const minY = Math.min(...pts.map((p) => p[1]));
    const maxY = Math.max(...pts.map((p) => p[1]));
    const above = minY - gap - ext.bottom;
    const below = maxY + gap - ext.top;
    const right = maxX + gap + half;
    const left = minX - gap - half;
    const candidates: [number, number][] = [
      anchor,
      [anchor[0], above],
      [anchor[0], below],
      [right, anchor[1]],
      [left, anchor[1]],
      [right, above],
      [left, above],
      [right, below],
      [left, below],
    ];
    let best = 0;
    let bestCost = Infinity;
    candidates.forEach((c, i) => {
      const rect: TRect = [c[0] - half, c[1] + ext.top, c[0] + half, c[1] + ext.bottom];
      const area = (rect[2] - rect[0]) * (rect[3] - rect[1]);
      let cost = PLACE_PENALTY.candidate[i];
      for (const r of placed)
        cost += PLACE_PENALTY.labelOverlap * Math.max(0, overlapArea(rect, r) / area - PLACE_PENALTY.overlapSlack);
      const inside = overlapArea(rect, [0, 0, view.width, view.height]);
      cost += (PLACE_PENALTY.offscreen * (area - inside)) / area;
      // Share of the box (3 x 3 samples) lying on other zones.
      let onOthers = 0;
      for (const fx of [0.1, 0.5, 0.9]) {
        for (const fy of [0.1, 0.5, 0.9]) {
          const p: [number, number] = [rect[0] + fx * (rect[2] - rect[0]), rect[1] + fy * (rect[3] - rect[1])];
          if (zonesPx.some((z) => z.id !== spec.zone.id && pointInPolygon(p, z.poly))) onOthers++;
        }
      }
      cost += (PLACE_PENALTY.otherZone * onOthers) / 9;
      let covered = 0;
      for (const [gx, gy] of gates)
        if (overlapArea(rect, [gx - markerR, gy - markerR, gx + markerR, gy + markerR]) > 0)
          covered += PLACE_PENALTY.gateCovered;
      cost += Math.min(PLACE_PENALTY.gateCoveredMax, covered);
      if (cost < bestCost) {
        bestCost = cost;
        best = i;
      }
    });
    const c = candidates[best];
    const rect: TRect = [c[0] - half, c[1] + ext.top, c[0] + half, c[1] + ext.bottom];
    placed.push(rect);
    // The leader starts on the box edge nearest the zone's anchor.
    const from: [number, number] = [
      Math.min(Math.max(anchor[0], rect[0]), rect[2]),
      Math.min(Math.max(anchor[1], rect[1]), rect[3]),
    ];
    out.set(spec.zone.id, { position: toPlan(c), leader: best === 0 ? null : [toPlan(from), toPlan(anchor)] });
  }
  return out;
}

// -- text ------------------------------------------------------------------------------------

/** The map's label and tooltip words (messages `map.labels`). */
export interface TMapStrings {
  online: string;
  offline: string;
  degraded: string;
  scans: string;
  rejects: string;
  occupancy: string;
  noCapacity: string;
  alarm: string;
  gatesOffline: (n: number) => string;
  gatesDegraded: (n: number) => string;
}

/** Builds the map's words from a translator of the `map.labels` messages (use-intl's, or createTranslator's in tests). */
export function mapStringsFrom(t: (key: string, values?: Record<string, number>) => string): TMapStrings {
  return {
    online: t('online'),
    offline: t('offline'),
    degraded: t('degraded'),
    scans: t('scans'),
    rejects: t('rejects'),
    occupancy: t('occupancy'),
    noCapacity: t('noCapacity'),
    alarm: t('alarm'),
    gatesOffline: (n) => t('gatesOffline', { n }),
    gatesDegraded: (n) => t('gatesDegraded', { n }),
  };
}

const NUMBER_FORMATS = new Map<string, Intl.NumberFormat>();

/** Grouped integers ('1,234') in the display language; cached, the map redraws at up to 12 fps. */
export function numberFormat(locale: string): Intl.NumberFormat {
  const tag = locale === 'en' ? 'en-US' : 'zh-CN';
  return getOrInsert(NUMBER_FORMATS, tag, () => new Intl.NumberFormat(tag));
}

export function zoneName(z: TMapZone, locale: string): string {
  return locale === 'en' ? z.nameEn : z.nameZh;
}

export function countText(s: TZoneState | undefined, nf: Intl.NumberFormat): string {
  if (!s) return '–';
  return s.capacity > 0 ? `${nf.format(s.count)} / ${nf.format(s.capacity)}` : nf.format(s.count);
}

/** The third label line: what is wrong with the gates of a zone ('' when nothing is). */
export function issueText(s: TZoneState | undefined, t: TMapStrings): string {
  if (!s) return '';
  const parts: string[] = [];
  if (s.gatesOffline > 0) parts.push(t.gatesOffline(s.gatesOffline));
  if (s.gatesDegraded > 0) parts.push(t.gatesDegraded(s.gatesDegraded));
  return parts.join(' · ');
}

/** Every character the labels of these zones can show, so the font can be loaded before drawing. */
export function labelGlyphs(zones: readonly TMapZone[], locale: string, t: TMapStrings): string {
  const text = `${zones.map((z) => zoneName(z, locale)).join('')}${NUMBER_GLYPHS}${t.gatesOffline(2)}${t.gatesDegraded(2)} ·`;
  return [...new Set(Array.from(text))].sort().join('');
}

export interface THoverObject {
  kind: 'zone' | 'gate' | 'flow';
  id: number;
}

/** Tooltip text for a hovered zone or gate (rendered as a React text node: no HTML). */
export function tooltipText(
  kind: string | undefined,
  id: number,
  zones: ReadonlyMap<number, TMapZone>,
  zs: ReadonlyMap<number, TZoneState>,
  gs: ReadonlyMap<number, TGateState>,
  locale: string,
  t: TMapStrings,
): string | null {
  const nf = numberFormat(locale);
  if (kind === 'gate') {
    const g = gs.get(id);
    if (!g) return null;
    const name = locale === 'en' ? g.gate.nameEn : g.gate.nameZh;
    const status =
      g.health === 'offline' ? t.offline : g.health === 'degraded' ? `${t.online} · ${t.degraded}` : t.online;
    const share = g.scans > 0 ? ` (${Math.round((100 * g.rejects) / g.scans)}%)` : '';
    return `${g.gate.code}  ${name}\n${status}\n${t.scans} ${nf.format(g.scans)} · ${t.rejects} ${nf.format(g.rejects)}${share}`;
  }
  if (kind === 'zone') {
    const z = zones.get(id);
    const s = zs.get(id);
    if (!z) return null;
    const lines = [zoneName(z, locale)];
    if (s && s.capacity > 0) lines.push(`${t.occupancy} ${countText(s, nf)} (${Math.round((s.ratio ?? 0) * 100)}%)`);
    else lines.push(`${t.occupancy} ${nf.format(s?.count ?? 0)} · ${t.noCapacity}`);
    const issues = issueText(s, t);
    if (issues) lines.push(issues);
    if (s?.alarm) lines.push(t.alarm);
    return lines.join('\n');
  }
  return null;
}

/** The kind and id behind a picked object of the layers built below. */
export function pickedObject(info: Pick<PickingInfo, 'layer' | 'object'>): THoverObject | null {
  const id = info.layer?.id;
  const o = info.object as { id?: unknown } | undefined;
  if (!o || typeof o.id !== 'number') return null;
  if (id === LAYER_IDS.zones) return { kind: 'zone', id: o.id };
  if (id === LAYER_IDS.gates) return { kind: 'gate', id: o.id };
  if (id === LAYER_IDS.flows) return { kind: 'flow', id: o.id };
  return null;
}

// -- layers ----------------------------------------------------------------------------------

export const LAYER_IDS = {
  plan: 'plan-image',
  zones: 'zones',
  heat: 'scan-heat',
  alarms: 'zone-alarms',
  flows: 'zone-flows',
  flowCounts: 'zone-flow-counts',
  gates: 'gates',
  leaders: 'label-leaders',
  zoneNames: 'zone-names',
  zoneCounts: 'zone-counts',
  zoneIssues: 'zone-issues',
} as const;

export interface TLabelAnchor {
  zone: TMapZone;
  position: [number, number];
  /** From the label to its zone, when the label had to move off the zone. */
  leader: [[number, number], [number, number]] | null;
}

export interface THeatPoint {
  position: [number, number];
  weight: number;
}

export interface TVenueMapLayerInput {
  plan: TMapPlan;
  /** The rasterised plan drawing, or null while it loads / when there is none. */
  planImage: HTMLCanvasElement | ImageBitmap | null;
  /** Stable identity across renders (the zones of the venue): geometry is tessellated once. */
  zones: readonly TMapZone[];
  /** Stable identity: one anchor per zone (changes only when the label layout does). */
  anchors: readonly TLabelAnchor[];
  /** The anchors that have a leader line (stable identity, like anchors). */
  leaders: readonly TLabelAnchor[];
  zoneStates: ReadonlyMap<number, TZoneState>;
  /** The gates (a new array when any gate changes). */
  gates: readonly TGateStatus[];
  gateStates: ReadonlyMap<number, TGateState>;
  heat: readonly THeatPoint[];
  /** Alarm zones only (stable while the set of alarms does not change). */
  alarmZones: readonly TMapZone[];
  locale: string;
  /** The label and tooltip words in that language. */
  strings: TMapStrings;
  /** CSS pixels per em of the container: every on-screen size scales with the wall's font size. */
  em: number;
  /** Alarm pulse phase, 0..1 (constant 1 when motion is reduced). */
  pulse: number;
  /** Label font family; null hides the labels (the font is still loading, see useLabelFont). */
  labelFont: string | null;
  /** Whether labels carry a third line naming the zone's offline / rejecting gates. */
  showIssues: boolean;
  /** Visitor flow between zones (stable identity while the flows do not change); none: no arcs. */
  flows?: readonly TFlowArc[];
}

/** Signatures for updateTriggers: accessors re-run only when what they read really changed. */
export function zoneStyleKey(zs: ReadonlyMap<number, TZoneState>): string {
  let key = '';
  for (const [id, s] of zs) key += `${id}:${s.level}:${s.ratio === null ? '-' : Math.round(s.ratio * 50)};`;
  return key;
}

export function zoneTextKey(zs: ReadonlyMap<number, TZoneState>, locale: string): string {
  let key = locale;
  for (const [id, s] of zs) key += `;${id}:${s.count}/${s.capacity}:${s.level}:${s.gatesOffline}:${s.gatesDegraded}`;
  return key;
}

export function gateStyleKey(gs: ReadonlyMap<number, TGateState>): string {
  let key = '';
  for (const [id, g] of gs) key += `${id}:${g.health};`;
  return key;
}

/**
 * Layer list, bottom to top: plan, zone fills, scan heat, alarm outlines, flow arcs and their
 * counts, gates, leader lines, labels. Labels win
 * over markers (the numbers are what the wall is for); the layout steers them off gate markers,
 * and a zone's label names its offline / rejecting gates anyway.
 */
export function buildVenueMapLayers(input: TVenueMapLayerInput): LayersList {
  const {
    plan,
    zones,
    anchors,
    zoneStates: zs,
    gates,
    gateStates: gs,
    heat,
    alarmZones,
    locale,
    strings: t,
    em,
    pulse,
    flows = NO_FLOWS,
  } = input;
  const nf = numberFormat(locale);
  const zoneKey = zoneStyleKey(zs);
  const textKey = zoneTextKey(zs, locale);
  const gateKey = gateStyleKey(gs);
  const common = { coordinateSystem: COORDINATE_SYSTEM.CARTESIAN };
  const { name: nameSize, count: countSize, issue: issueSize } = labelSizes(em);
  const textCommon = {
    ...common,
    fontFamily: input.labelFont ?? FONT_FAMILY,
    characterSet: 'auto' as const,
    // SDF glyphs so the dark outline keeps labels legible over fills, heat and the drawing.
    fontSettings: { sdf: true, fontSize: 64, buffer: 8, radius: 16, cutoff: 0.22 },
    outlineWidth: 3,
    outlineColor: INK,
    sizeUnits: 'pixels' as const,
    getPosition: (a: TLabelAnchor) => a.position,
    getTextAnchor: 'middle' as const,
    billboard: true,
    visible: input.labelFont !== null,
  };

  return [
    input.planImage &&
      new BitmapLayer({
        ...common,
        id: LAYER_IDS.plan,
        image: input.planImage,
        // [left, bottom, right, top]: image row 0 is plan y = 0 and the view draws y downwards.
        bounds: [0, plan.height, plan.width, 0],
        opacity: 0.9,
      }),
    new PolygonLayer<TMapZone>({
      ...common,
      id: LAYER_IDS.zones,
      data: zones,
      getPolygon: (z) => z.polygon,
      getFillColor: (z) => {
        const s = zs.get(z.id);
        return zoneFillColor(s?.ratio ?? null, s?.level ?? 'none');
      },
      getLineColor: (z) => zoneLineColor(zs.get(z.id)?.level ?? 'none'),
      getLineWidth: (z) => (zs.get(z.id)?.level === 'crit' ? 3 : 2),
      lineWidthUnits: 'pixels',
      lineWidthScale: Math.max(1, em / 16),
      stroked: true,
      filled: true,
      pickable: true,
      autoHighlight: true,
      highlightColor: [255, 255, 255, 40],
      updateTriggers: { getFillColor: zoneKey, getLineColor: zoneKey, getLineWidth: zoneKey },
    }),
    heat.length > 0 &&
      new HeatmapLayer<THeatPoint>({
        ...common,
        id: LAYER_IDS.heat,
        data: heat,
        getPosition: (p) => p.position,
        getWeight: (p) => p.weight,
        radiusPixels: Math.min(100, Math.round(em * 4.5)),
        intensity: 1,
        threshold: 0.08,
        colorRange: HEAT_COLORS,
        opacity: 0.8,
      }),
    alarmZones.length > 0 &&
      new PolygonLayer<TMapZone>({
        ...common,
        id: LAYER_IDS.alarms,
        data: alarmZones,
        getPolygon: (z) => z.polygon,
        filled: false,
        stroked: true,
        getLineColor: [...RED, 255],
        lineWidthUnits: 'pixels',
        getLineWidth: Math.max(3, em * 0.3),
        // Uniforms only: pulsing never rebuilds attributes.
        lineWidthScale: 1 + pulse * 0.8,
        opacity: 0.45 + pulse * 0.55,
      }),
    flows.length > 0 &&
      new ArcLayer<TFlowArc>({
        ...common,
        id: LAYER_IDS.flows,
        data: flows,
        getSourcePosition: (a) => a.source,
        getTargetPosition: (a) => a.target,
        // Faint where the flow leaves, bright where it arrives: the direction without arrowheads.
        getSourceColor: FLOW_SOURCE,
        getTargetColor: FLOW_TARGET,
        getWidth: (a) => flowWidth(a.people),
        widthUnits: 'pixels',
        // Uniform: the wall's type size sets the scale without rebuilding the width attribute.
        widthScale: em,
        widthMinPixels: 2,
        getHeight: FLOW_ARC_HEIGHT,
        // Laid flat into the plan (a raised arc seen from straight above would be a straight line),
        // to the right of travel: the two directions between a pair of zones run side by side.
        getTilt: 90,
        pickable: true,
        autoHighlight: true,
        highlightColor: [255, 255, 255, 110],
      }),
    flows.length > 0 &&
      new TextLayer<TFlowArc>({
        ...textCommon,
        id: LAYER_IDS.flowCounts,
        data: flows,
        getPosition: (a) => a.mid,
        getText: (a) => nf.format(a.people),
        getSize: Math.round(em * 0.95),
        fontWeight: 700,
        getColor: FLOW_TEXT,
        getAlignmentBaseline: 'center',
        updateTriggers: { getText: locale },
      }),
    new ScatterplotLayer<TGateStatus>({
      ...common,
      id: LAYER_IDS.gates,
      data: gates,
      getPosition: (g) => g.position,
      radiusUnits: 'pixels',
      getRadius: (g) => (gs.get(g.id)?.health === 'ok' ? 1 : 1.3),
      radiusScale: Math.max(5, em * 0.42),
      getFillColor: (g) => gateColor(gs.get(g.id)?.health ?? 'offline'),
      stroked: true,
      getLineColor: INK,
      lineWidthUnits: 'pixels',
      getLineWidth: Math.max(1.5, em * 0.12),
      pickable: true,
      autoHighlight: true,
      highlightColor: [255, 255, 255, 90],
      updateTriggers: { getFillColor: gateKey, getRadius: gateKey },
    }),
    input.leaders.length > 0 &&
      new LineLayer<TLabelAnchor>({
        ...common,
        id: LAYER_IDS.leaders,
        data: input.leaders,
        getSourcePosition: (a) => a.leader![0],
        getTargetPosition: (a) => a.leader![1],
        getColor: [230, 238, 245, 170],
        widthUnits: 'pixels',
        getWidth: Math.max(1.5, em * 0.1),
        visible: input.labelFont !== null,
      }),
    new TextLayer<TLabelAnchor>({
      ...textCommon,
      id: LAYER_IDS.zoneNames,
      data: anchors,
      getText: (a) => zoneName(a.zone, locale),
      getSize: nameSize,
      fontWeight: 400,
      getColor: TEXT,
      getAlignmentBaseline: 'bottom',
      getPixelOffset: [0, -nameOffset(em)],
      updateTriggers: { getText: locale },
    }),
    new TextLayer<TLabelAnchor>({
      ...textCommon,
      id: LAYER_IDS.zoneCounts,
      data: anchors,
      getText: (a) => countText(zs.get(a.zone.id), nf),
      getSize: countSize,
      fontWeight: 700,
      getColor: TEXT,
      getAlignmentBaseline: 'center',
      getPixelOffset: [0, 0],
      updateTriggers: { getText: textKey },
    }),
    input.showIssues &&
      new TextLayer<TLabelAnchor>({
        ...textCommon,
        id: LAYER_IDS.zoneIssues,
        data: anchors,
        getText: (a) => issueText(zs.get(a.zone.id), t),
        getSize: issueSize,
        fontWeight: 700,
        getColor: (a) => ((zs.get(a.zone.id)?.gatesOffline ?? 0) > 0 ? TEXT_CRIT : TEXT_WARN),
        getAlignmentBaseline: 'top',
        getPixelOffset: [0, issueOffset(em)],
        updateTriggers: { getText: textKey, getColor: textKey },
      }),
  ];
}

/** Heat points: one per gate with recent scans, weighted by its scan count. */
export function heatPoints(gates: readonly TGateStatus[], activity: TActivity): THeatPoint[] {
  const out: THeatPoint[] = [];
  for (const g of gates) {
    const scans = activity.get(g.id)?.scans ?? 0;
    if (scans > 0) out.push({ position: g.position, weight: scans });
  }
  return out;
}

// -- visitor flow ----------------------------------------------------------------------------

/** A flow between two zones as the map draws it (plan coordinates). */
export interface TFlowArc {
  /** Stable per (from, to) pair, for picking and the tooltip. */
  id: number;
  fromZoneId: number;
  toZoneId: number;
  people: number;
  /** The zones' label anchors: where their names and counts sit. */
  source: [number, number];
  target: [number, number];
  /** The middle of the drawn (bulging) arc, where its count goes. */
  mid: [number, number];
}

const NO_FLOWS: readonly TFlowArc[] = [];
/** Arc bulge: its height is this share of the distance it spans (ArcLayer getHeight). */
export const FLOW_ARC_HEIGHT = 0.35;
/** Pale blue to near white: apart from the teal/amber/red of occupancy and the violet-yellow of heat. */
export const FLOW_SOURCE: Color = [120, 170, 255, 70];
export const FLOW_TARGET: Color = [220, 236, 255, 235];
const FLOW_TEXT: Color = [220, 236, 255, 255];
/** Zone ids are far below this, so from * FLOW_ID_BASE + to names a pair uniquely. */
const FLOW_ID_BASE = 1_000_000;

/**
 * Arc width in em of the wall's type (the layer's widthScale): 0.15 em and a third of an em more
 * per tenfold, so a trickle shows and the busiest flows stay readable beside each other. Absolute,
 * not relative to the busiest arc, so a width means the same number from refresh to refresh and
 * the legend can print it.
 */
export function flowWidth(people: number): number {
  return 0.15 + 0.35 * Math.log10(1 + Math.max(0, people));
}

/**
 * The middle of an arc as ArcLayer draws it laid flat (tilt 90): its paraboloid peaks at half the
 * chord times the height, to the right of the direction of travel (x right, y down).
 */
export function arcMiddle(
  source: [number, number],
  target: [number, number],
  height = FLOW_ARC_HEIGHT,
): [number, number] {
  const dx = target[0] - source[0];
  const dy = target[1] - source[1];
  const len = Math.hypot(dx, dy);
  const mx = (source[0] + target[0]) / 2;
  const my = (source[1] + target[1]) / 2;
  if (len === 0) return [mx, my];
  const bulge = 0.5 * len * height;
  return [mx - (dy / len) * bulge, my + (dx / len) * bulge];
}

/** The arcs of the flows between known zones, busiest last (drawn on top); unknown zones are dropped. */
export function flowArcs(
  flows: readonly { fromZoneId: number; toZoneId: number; people: number }[],
  anchors: ReadonlyMap<number, [number, number]>,
): TFlowArc[] {
  const out: TFlowArc[] = [];
  for (const f of flows) {
    const source = anchors.get(f.fromZoneId);
    const target = anchors.get(f.toZoneId);
    if (!source || !target || f.people <= 0 || f.fromZoneId === f.toZoneId) continue;
    out.push({
      id: f.fromZoneId * FLOW_ID_BASE + f.toZoneId,
      fromZoneId: f.fromZoneId,
      toZoneId: f.toZoneId,
      people: f.people,
      source,
      target,
      mid: arcMiddle(source, target),
    });
  }
  return out.sort((a, b) => a.people - b.people || a.id - b.id);
}

/** Where each zone's flows start and end: the zone's label anchor, where its name is. */
export function zoneAnchors(zones: readonly TMapZone[]): Map<number, [number, number]> {
  return new Map(zones.map((z) => [z.id, labelAnchor(z.polygon)]));
}

/** Tooltip of a flow arc: "from → to" and how many people in the window. */
export function flowTooltip(
  arc: TFlowArc,
  zones: ReadonlyMap<number, TMapZone>,
  locale: string,
  t: { title: (from: string, to: string) => string; people: (n: number) => string },
): string {
  const name = (id: number) => {
    const z = zones.get(id);
    return z ? zoneName(z, locale) : `#${id}`;
  };
  return `${t.title(name(arc.fromZoneId), name(arc.toZoneId))}\n${t.people(arc.people)}`;
}
