'use client';
import { OrthographicView, type DeckProps, type PickingInfo } from '@deck.gl/core';
import { DeckGL } from '@deck.gl/react';
import { useCallback, useEffect, useMemo, useRef, useState, type CSSProperties, type JSX } from 'react';
import { useTranslations } from 'use-intl';
import type { TGateStatus } from '../../lib/schemas/live.ts';
import {
  FALLBACK_FONT_FAMILY,
  FONT_FAMILY,
  buildVenueMapLayers,
  countText,
  fitPlan,
  FLOW_SOURCE,
  FLOW_TARGET,
  flowArcs,
  flowTooltip,
  flowWidth,
  gateColor,
  gateStates,
  heatPoints,
  issueText,
  labelAnchor,
  labelGlyphs,
  labelSizes,
  mapStringsFrom,
  type TMapStrings,
  numberFormat,
  pickedObject,
  placeLabels,
  tooltipText,
  zoneFillColor,
  zoneName,
  zoneAnchors,
  zoneStates,
  type THoverObject,
  type TLabelAnchor,
  type TLabelSpec,
  type TMapZone,
  type TRect,
} from './venue-map-layers.ts';

export interface VenueMapProps {
  /** Plan drawing in /public; plan units, y down. */
  plan: { image: string; width: number; height: number };
  zones: {
    id: number;
    code: string;
    nameZh: string;
    nameEn: string;
    polygon: [number, number][];
    warnRatio: number;
    criticalRatio: number;
  }[];
  /** Occupancy by zone id. */
  occupancy: Map<number, { count: number; capacity: number }>;
  gates: TGateStatus[];
  /** Recent scans by gate id (the heat layer and the reject-rate check). */
  activity: Map<number, { scans: number; rejects: number }>;
  /** Zones with an open alarm: their outline pulses red. */
  alarmZoneIds?: Set<number>;
  locale: string;
  /**
   * Visitor flow between zones over the last `flowMinutes` (keep its identity while it does not
   * change: the arcs are rebuilt from it). Undefined while it loads.
   */
  flows?: readonly { fromZoneId: number; toZoneId: number; people: number }[];
  flowMinutes?: number;
  /** The flows could not be refreshed: the legend says so. */
  flowsStale?: boolean;
}

/** One plan-space view, y down like the image (flipY is the default; stated because we rely on it). */
const PLAN_VIEW = new OrthographicView({ id: 'plan', flipY: true, controller: false });
/** Space kept free around the fitted plan, as a share of the container's shorter side. */
const FIT_PADDING_SHARE = 0.02;
/** Longest side (px) of the rasterised plan when the GPU does not report its own limit. */
const DEFAULT_MAX_TEXTURE_PX = 4096;
/** Re-rasterise the plan drawing only when the wall needs this much more resolution (ratio). */
const RASTER_REGROW = 1.25;
/** Alarm outline pulse period (ms) and redraw interval (ms): 12 fps is smooth enough for a glow. */
const PULSE_PERIOD_MS = 1600;
const PULSE_FRAME_MS = 80;
/** Draw labels with the fallback font if the label font is not in after this long (ms)... */
const FONT_WAIT_MS = 4000;
/** ...but keep asking for it every FONT_RETRY_MS (ms) for FONT_GIVE_UP_MS (ms) in all. */
const FONT_RETRY_MS = 1000;
const FONT_GIVE_UP_MS = 60_000;
/** Plan height (in em of the wall's type) under which labels drop their gate-trouble line. */
const COMPACT_PLAN_EM = 30;
/** Map type is full size from this plan height (em) and shrinks below it, to at most this share. */
const MAP_TYPE_FULL_EM = 36;
const MAP_TYPE_MIN = 0.85;
/** Remount deck this many times after a lost WebGL context, this long (ms) apart. */
const CONTEXT_RETRIES = 3;
const CONTEXT_RETRY_MS = 3000;

/** luma.gl's Device, named through deck's props so we need no direct dependency on luma.gl. */
type TDevice = Parameters<NonNullable<DeckProps['onDeviceInitialized']>>[0];

const WRAPPER_STYLE: CSSProperties = {
  position: 'relative',
  flex: 1,
  minHeight: 0,
  width: '100%',
  height: '100%',
  overflow: 'hidden',
  background: '#0b1620',
  borderRadius: '6px',
};

/**
 * The venue plan on the wall: occupancy-coloured zones, scan heat, gate health markers and
 * zone labels drawn with deck.gl over the plan drawing (no map tiles, nothing from the internet).
 * Everything that matters is on screen without interaction; hovering adds detail.
 */
export function VenueMap({
  plan,
  zones,
  occupancy,
  gates,
  activity,
  alarmZoneIds,
  locale,
  flows,
  flowMinutes = 15,
  flowsStale = false,
}: VenueMapProps): JSX.Element {
  const wrapperRef = useRef<HTMLDivElement>(null);
  const [size, setSize] = useState<{ width: number; height: number; em: number } | null>(null);
  const [webgl, setWebgl] = useState<'unknown' | 'ok' | 'missing'>('unknown');
  const [fatal, setFatal] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);
  const [loaded, setLoaded] = useState(false);
  const [maxTexture, setMaxTexture] = useState(DEFAULT_MAX_TEXTURE_PX);

  // Measure the container (and its font size: the wall scales type with the viewport).
  useEffect(() => {
    const el = wrapperRef.current;
    if (!el) return;
    const measure = () => {
      const r = el.getBoundingClientRect();
      const em = Number.parseFloat(getComputedStyle(el).fontSize) || 16;
      setSize((s) =>
        s && s.width === r.width && s.height === r.height && s.em === em ? s : { width: r.width, height: r.height, em },
      );
    };
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  // Probe WebGL2 once, before deck tries: a display without it gets the fallback straight away.
  useEffect(() => {
    const probe = document.createElement('canvas');
    const gl = probe.getContext('webgl2');
    setWebgl(gl ? 'ok' : 'missing');
    gl?.getExtension('WEBGL_lose_context')?.loseContext();
  }, []);

  const legendText = useLegendText(flowMinutes, flowsStale);
  const wallEm = size?.em ?? 16;
  const fullView = useMemo(() => {
    if (!size || size.width < 1 || size.height < 1) return null;
    return fitPlan(plan, size.width, size.height, Math.min(size.width, size.height) * FIT_PADDING_SHARE);
  }, [plan, size]);
  // The legend goes down a side margin the plan leaves free, or along the bottom, where the plan
  // then makes room for it: the key must not cover zones, their labels or the flow arcs.
  const legend =
    size && fullView ? legendLayout(legendText, wallEm, size, 2 ** fullView.zoom * Math.max(plan.width, 1)) : null;
  const legendReserve = legend && !legend.vertical ? Math.ceil(size!.height - legend.rect[1]) : 0;
  const view = useMemo(() => {
    if (!fullView || !size || !legendReserve) return fullView;
    return fitPlan(plan, size.width, size.height, Math.min(size.width, size.height) * FIT_PADDING_SHARE, legendReserve);
  }, [plan, size, fullView, legendReserve]);

  const dpr = typeof window === 'undefined' ? 1 : window.devicePixelRatio || 1;
  const { canvas: planImage, failed: planFailed } = usePlanRaster(plan, view ? 2 ** view.zoom * dpr : 0, maxTexture);

  const tl = useTranslations('map.labels');
  const t = useMemo(() => mapStringsFrom(tl), [tl]);
  const tf = useTranslations('attractions.flows');
  const labelFont = useLabelFont(useMemo(() => labelGlyphs(zones, locale, t), [zones, locale, t]));
  const pulse = usePulse((alarmZoneIds?.size ?? 0) > 0);

  // Stable data: the zones prop is the zone layer's data as is, so its polygons are tessellated once.
  const zoneById = useMemo(() => new Map(zones.map((z) => [z.id, z])), [zones]);
  const alarmKey = alarmZoneIds ? [...alarmZoneIds].sort((a, b) => a - b).join(',') : '';
  // Keyed by content: a new Set holding the same ids keeps the alarm layer's data (and its tessellation).
  // biome-ignore lint/correctness/useExhaustiveDependencies: alarmKey is alarmZoneIds by content, which is the point
  const alarmZones = useMemo(() => zones.filter((z) => alarmZoneIds?.has(z.id)), [zones, alarmKey]);
  const gs = useMemo(() => gateStates(gates, activity), [gates, activity]);
  const zs = useMemo(() => zoneStates(zones, occupancy, gs, alarmZoneIds), [zones, occupancy, gs, alarmZoneIds]);
  const heat = useMemo(() => heatPoints(gates, activity), [gates, activity]);
  const gatesOnline = useMemo(() => gates.filter((g) => g.online).length, [gates]);
  // Arcs join the zones' label anchors; rebuilt only when the flows (or the zones) change.
  const anchorsById = useMemo(() => zoneAnchors(zones), [zones]);
  const arcs = useMemo(() => flowArcs(flows ?? [], anchorsById), [flows, anchorsById]);
  const arcById = useMemo(() => new Map(arcs.map((a) => [a.id, a])), [arcs]);

  // Map type follows the wall's type (em), a little smaller on a small map so all labels fit.
  const planHeightPx = view ? 2 ** view.zoom * plan.height : Infinity;
  const em = wallEm * Math.min(1, Math.max(MAP_TYPE_MIN, planHeightPx / (MAP_TYPE_FULL_EM * wallEm)));
  // A small map (the plan under COMPACT_PLAN_EM em tall) has no room for the gate-trouble line:
  // red/amber markers, the tooltip and the gate panel carry it there.
  const showIssues = planHeightPx >= COMPACT_PLAN_EM * wallEm;
  const nf = numberFormat(locale);

  // A zone keeps the room for its gate-trouble line once it needed it, so a flapping gate does
  // not make labels jump around the wall (derived state, updated during render as React allows).
  const [issueRoom, setIssueRoom] = useState<{ zones: unknown; locale: string; text: ReadonlyMap<number, string> }>({
    zones,
    locale,
    text: new Map(),
  });
  const room =
    issueRoom.zones === zones && issueRoom.locale === locale ? new Map(issueRoom.text) : new Map<number, string>();
  let roomGrew = issueRoom.zones !== zones || issueRoom.locale !== locale;
  for (const z of zones) {
    const issue = showIssues ? issueText(zs.get(z.id), t) : '';
    if (issue.length > (room.get(z.id)?.length ?? 0)) {
      room.set(z.id, issue);
      roomGrew = true;
    }
  }
  if (roomGrew) setIssueRoom({ zones, locale, text: room });

  // Label layout runs only when its inputs change, not on count updates: the width sample has as
  // many (wide) digits as the larger of count and capacity, so it moves when the digit count does.
  const labelLines = zones.map((z) => {
    const s = zs.get(z.id);
    const sample = s && { ...s, count: Number('8'.repeat(String(Math.max(s.count, s.capacity)).length)) };
    return [zoneName(z, locale), countText(sample, nf), showIssues ? (room.get(z.id) ?? '') : ''] as const;
  });
  const gatePositions = gates.map((g) => g.position);
  const layoutKey = JSON.stringify([view, em, labelFont, labelLines, gatePositions, legend]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: layoutKey stands for everything read here but zones, by content, so an equal layout keeps its labels
  const anchors = useMemo<TLabelAnchor[]>(() => {
    if (!view || !size) return zones.map((zone) => ({ zone, position: labelAnchor(zone.polygon), leader: null }));
    const sz = labelSizes(em);
    const specs: TLabelSpec[] = zones.map((zone, i) => {
      const [name, count, issue] = labelLines[i];
      // The SDF outline adds a little on both sides.
      const width =
        Math.max(
          measureText(name, sz.name, 400, labelFont),
          measureText(count, sz.count, 700, labelFont),
          issue ? measureText(issue, sz.issue, 700, labelFont) : 0,
        ) + 6;
      return { zone, width, hasIssue: issue !== '', priority: polygonArea(zone.polygon) };
    });
    const placed = placeLabels(
      specs,
      { ...view, width: size.width, height: size.height },
      em,
      gatePositions,
      legend ? [legend.rect] : [],
    );
    return zones.map((zone) => ({ zone, position: labelAnchor(zone.polygon), leader: null, ...placed.get(zone.id) }));
    // layoutKey stands for everything read above except zones.
  }, [zones, layoutKey]);

  const leaders = useMemo(() => anchors.filter((a) => a.leader), [anchors]);

  const [hover, setHover] = useState<(THoverObject & { x: number; y: number }) | null>(null);
  const onHover = useCallback((info: PickingInfo) => {
    const hit = pickedObject(info);
    setHover((h) =>
      hit
        ? h && h.kind === hit.kind && h.id === hit.id && h.x === info.x && h.y === info.y
          ? h
          : { ...hit, x: info.x, y: info.y }
        : null,
    );
  }, []);
  // Rendered by us rather than deck's getTooltip: deck 9.4's React widget root sits below the
  // canvas, which throws the built-in tooltip off the map (visgl/deck.gl#10723). Ours also
  // follows live data while the pointer rests.
  const hoveredArc = hover?.kind === 'flow' ? arcById.get(hover.id) : undefined;
  const tooltip = !hover
    ? null
    : hover.kind === 'flow'
      ? hoveredArc
        ? flowTooltip(hoveredArc, zoneById, locale, {
            title: (from, to) => tf('tooltip', { from, to }),
            people: (n) => tf('people', { n, m: flowMinutes }),
          })
        : null
      : tooltipText(hover.kind, hover.id, zoneById, zs, gs, locale, t);

  const layers = buildVenueMapLayers({
    plan,
    planImage,
    zones,
    anchors,
    leaders,
    zoneStates: zs,
    gates,
    gateStates: gs,
    heat,
    alarmZones,
    locale,
    strings: t,
    em,
    pulse,
    labelFont,
    showIssues,
    flows: arcs,
  });

  const onError = useCallback((error: Error, layer?: unknown) => {
    // A single layer failing (say, the heat map on an odd GPU) leaves the rest of the map up.
    if (layer) {
      console.warn(`venue map: layer failed: ${error.message}`);
      return;
    }
    setFatal(error.message || 'WebGL error');
  }, []);

  // After a lost context (GPU reset, driver update) try a fresh deck a few times before giving up.
  useEffect(() => {
    if (!fatal || !/context/i.test(fatal) || attempt >= CONTEXT_RETRIES) return;
    const timer = setTimeout(() => {
      setFatal(null);
      setLoaded(false);
      setAttempt((n) => n + 1);
    }, CONTEXT_RETRY_MS);
    return () => clearTimeout(timer);
  }, [fatal, attempt]);

  const onLoad = useCallback(() => setLoaded(true), []);
  // deck.gl reports its GPU memory about once a second: written straight onto the element (no
  // re-render), so whoever looks after a wall that runs for days can see it stay flat.
  const onMetrics = useCallback((m: TDeckMetrics) => {
    wrapperRef.current?.setAttribute('data-gpu-memory', String(m.gpuMemory));
  }, []);
  const onDeviceInitialized = useCallback((device: TDevice) => {
    const limit = device.limits.maxTextureDimension2D;
    if (limit) setMaxTexture(Math.min(limit, 8192));
  }, []);

  const failed = webgl === 'missing' || (fatal !== null && (!/context/i.test(fatal) || attempt >= CONTEXT_RETRIES));
  const mapState = failed
    ? 'fallback'
    : loaded && labelFont !== null && (!plan.image || planImage || planFailed)
      ? 'ready'
      : 'loading';

  return (
    <div
      ref={wrapperRef}
      className="venue-map"
      data-testid="venue-map"
      data-zones={zones.length}
      data-gates={gates.length}
      data-gates-online={gatesOnline}
      data-alarm-zones={alarmZones.length}
      data-flows={flows === undefined ? '' : arcs.length}
      data-flow-people={arcs.reduce((n, a) => n + a.people, 0)}
      data-map-state={mapState}
      data-label-font={labelFont === null ? 'waiting' : labelFont === FONT_FAMILY ? 'loaded' : 'fallback'}
      style={WRAPPER_STYLE}
    >
      {failed ? (
        <Fallback
          zones={zones}
          zs={zs}
          locale={locale}
          m={t}
          detail={webgl === 'missing' ? 'webgl2 unavailable' : fatal}
        />
      ) : (
        size &&
        view &&
        webgl === 'ok' &&
        fatal === null && (
          <DeckGL
            key={attempt}
            views={PLAN_VIEW}
            viewState={view}
            controller={false}
            layers={layers}
            onHover={onHover}
            getCursor={({ isHovering }) => (isHovering ? 'pointer' : 'default')}
            onError={onError}
            onLoad={onLoad}
            onDeviceInitialized={onDeviceInitialized}
            _onMetrics={onMetrics}
          />
        )
      )}
      {!failed && legend && <Legend text={legendText} layout={legend} arcEm={em} />}
      {!failed && hover && tooltip && size && (
        <Tooltip text={tooltip} x={hover.x} y={hover.y} width={size.width} height={size.height} />
      )}
    </div>
  );
}

/** deck.gl's frame and memory figures (the package does not export their type). */
type TDeckMetrics = Parameters<NonNullable<DeckProps['_onMetrics']>>[0];

/** The plan drawing rasterised sharply for this wall (an SVG scales to any resolution). */
function usePlanRaster(
  plan: VenueMapProps['plan'],
  pixelsPerUnit: number,
  maxTexture: number,
): { canvas: HTMLCanvasElement | null; failed: boolean } {
  const [img, setImg] = useState<HTMLImageElement | null>(null);
  const [failedFor, setFailedFor] = useState<string | null>(null);
  const [raster, setRaster] = useState<{ canvas: HTMLCanvasElement; scale: number; img: HTMLImageElement } | null>(
    null,
  );

  useEffect(() => {
    setImg(null);
    if (!plan.image) return;
    let cancelled = false;
    const el = new Image();
    el.decoding = 'async';
    el.src = plan.image;
    el.decode().then(
      () => !cancelled && setImg(el),
      () => {
        if (cancelled) return;
        // The map still works on its dark background; say so once in the console.
        console.warn(`venue map: plan image ${plan.image} did not load`);
        setFailedFor(plan.image);
      },
    );
    return () => {
      cancelled = true;
    };
  }, [plan.image]);

  useEffect(() => {
    if (!img || pixelsPerUnit <= 0) return;
    const maxScale = maxTexture / Math.max(plan.width, plan.height);
    // Quarter steps, so a few pixels of resize never re-rasterise.
    const wanted = Math.min(maxScale, Math.max(0.25, Math.ceil(pixelsPerUnit * 4) / 4));
    if (raster && raster.img === img && raster.scale >= wanted / RASTER_REGROW && raster.scale <= maxScale) return;
    const canvas = document.createElement('canvas');
    canvas.width = Math.max(1, Math.round(plan.width * wanted));
    canvas.height = Math.max(1, Math.round(plan.height * wanted));
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
    setRaster({ canvas, scale: wanted, img });
  }, [img, pixelsPerUnit, maxTexture, plan.width, plan.height, raster]);

  return { canvas: raster && raster.img === img ? raster.canvas : null, failed: failedFor === plan.image };
}

/**
 * The font family to draw labels with, or null while waiting for it. The label font is split
 * into unicode-range subsets the browser fetches on first use, and deck.gl draws glyphs into an
 * atlas cached by family: a glyph drawn before its subset arrives would stay in the fallback font.
 * So: wait for the subsets these glyphs need; after FONT_WAIT_MS draw with the plain fallback
 * family, and switch to the real one (a new atlas) if it turns up later.
 */
function useLabelFont(glyphs: string): string | null {
  const [state, setState] = useState<{ glyphs: string; family: string | null }>({ glyphs: '', family: null });
  useEffect(() => {
    setState({ glyphs, family: null });
    if (typeof document === 'undefined' || !document.fonts) {
      setState({ glyphs, family: FALLBACK_FONT_FAMILY });
      return;
    }
    let stopped = false;
    let retry: ReturnType<typeof setTimeout> | undefined;
    const started = performance.now();
    const family = FONT_FAMILY.split(',')[0];
    const attempt = () => {
      // load() resolves with no faces while the stylesheet declaring them is not in yet (dev
      // mode injects CSS late): that is "not yet", not "loaded".
      Promise.all([
        document.fonts.load(`400 32px ${family}`, glyphs),
        document.fonts.load(`700 32px ${family}`, glyphs),
      ]).then(
        ([regular, bold]) => {
          if (stopped) return;
          if (regular.length > 0 && bold.length > 0) {
            stopped = true;
            setState({ glyphs, family: FONT_FAMILY });
          } else if (performance.now() - started < FONT_GIVE_UP_MS) {
            retry = setTimeout(attempt, FONT_RETRY_MS);
          }
        },
        () => {
          if (!stopped && performance.now() - started < FONT_GIVE_UP_MS) retry = setTimeout(attempt, FONT_RETRY_MS);
        },
      );
    };
    attempt();
    const fallback = setTimeout(
      () => setState((s) => (s.glyphs === glyphs && s.family === null ? { glyphs, family: FALLBACK_FONT_FAMILY } : s)),
      FONT_WAIT_MS,
    );
    return () => {
      stopped = true;
      clearTimeout(retry);
      clearTimeout(fallback);
    };
  }, [glyphs]);
  return state.glyphs === glyphs ? state.family : null;
}

/** 0..1 phase of the alarm pulse while active; a steady 1 when the viewer prefers less motion. */
function usePulse(active: boolean): number {
  const [phase, setPhase] = useState(1);
  useEffect(() => {
    if (!active || window.matchMedia?.('(prefers-reduced-motion: reduce)').matches) {
      setPhase(1);
      return;
    }
    const start = performance.now();
    const timer = setInterval(() => {
      const t = ((performance.now() - start) % PULSE_PERIOD_MS) / PULSE_PERIOD_MS;
      setPhase(0.5 - 0.5 * Math.cos(2 * Math.PI * t));
    }, PULSE_FRAME_MS);
    return () => clearInterval(timer);
  }, [active]);
  return phase;
}

/** Text width (px) in the label font, for the label layout. */
let measureCtx: CanvasRenderingContext2D | null | undefined;
function measureText(text: string, sizePx: number, weight: number, family: string | null): number {
  if (measureCtx === undefined) measureCtx = document.createElement('canvas').getContext('2d');
  if (!measureCtx) return text.length * sizePx;
  measureCtx.font = `${weight} ${sizePx}px ${family ?? FONT_FAMILY}`;
  return measureCtx.measureText(text).width;
}

function polygonArea(poly: readonly [number, number][]): number {
  let a = 0;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) a += poly[j][0] * poly[i][1] - poly[i][0] * poly[j][1];
  return Math.abs(a) / 2;
}

/** Hover detail, kept inside the map: it opens to the left / upwards near the right / bottom edge. */
function Tooltip({ text, x, y, width, height }: { text: string; x: number; y: number; width: number; height: number }) {
  const dx = x > width * 0.6 ? 'calc(-100% - 14px)' : '14px';
  const dy = y > height * 0.6 ? 'calc(-100% - 14px)' : '14px';
  return (
    <div
      role="tooltip"
      data-testid="venue-map-tooltip"
      style={{
        position: 'absolute',
        left: x,
        top: y,
        transform: `translate(${dx}, ${dy})`,
        zIndex: 3,
        pointerEvents: 'none',
        whiteSpace: 'pre',
        background: 'rgba(11,22,32,0.94)',
        color: '#e6eef5',
        border: '1px solid #24455c',
        borderRadius: '6px',
        padding: '0.5em 0.75em',
        fontSize: '1.05em',
        lineHeight: 1.45,
        boxShadow: '0 4px 16px rgba(0,0,0,0.5)',
      }}
    >
      {text}
    </div>
  );
}

const rgba = (c: ArrayLike<number>) => `rgba(${c[0]},${c[1]},${c[2]},${(c[3] ?? 255) / 255})`;

/** The legend's words (messages `map.legend`, and `attractions.flows` for the flow arcs). */
function useLegendText(flowMinutes: number, flowsStale: boolean) {
  const t = useTranslations('map.legend');
  const tf = useTranslations('attractions.flows');
  return useMemo(
    () => ({
      calm: t('calm'),
      warn: t('warn'),
      crit: t('crit'),
      online: t('online'),
      degraded: t('degraded'),
      offline: t('offline'),
      heat: t('heat'),
      flows: flowsStale ? tf('stale') : tf('legend', { m: flowMinutes }),
    }),
    [t, tf, flowMinutes, flowsStale],
  );
}
type TLegendText = ReturnType<typeof useLegendText>;

/** People per window the width key shows: a trickle, a steady stream, a crowd. */
const FLOW_WIDTH_SAMPLES = [10, 100, 1000];

type TLegendItem = { kind: 'swatch'; color: string; label: string; round: boolean } | { kind: 'flow'; label: string };

function legendItems(t: TLegendText): TLegendItem[] {
  const swatch = (color: string, label: string, round: boolean): TLegendItem => ({
    kind: 'swatch',
    color,
    label,
    round,
  });
  return [
    swatch(rgba(zoneFillColor(0.5, 'calm')), t.calm, false),
    swatch(rgba(zoneFillColor(0.85, 'warn')), t.warn, false),
    swatch(rgba(zoneFillColor(1, 'crit')), t.crit, false),
    swatch(rgba(gateColor('ok')), t.online, true),
    swatch(rgba(gateColor('degraded')), t.degraded, true),
    swatch(rgba(gateColor('offline')), t.offline, true),
    swatch('linear-gradient(90deg, #7d2896, #ec5f50, #ffec96)', t.heat, false),
    { kind: 'flow', label: t.flows },
  ];
}

/** Width of an item's key beside its text, in em of the legend's type (the flow item's width key follows its words). */
function keyEm(item: TLegendItem): number {
  return item.kind === 'flow' ? 1.3 + FLOW_WIDTH_SAMPLES.length * 3.2 : 1.3;
}

interface TLegendLayout {
  vertical: boolean;
  fontPx: number;
  /** Where it sits (px, [left, top, right, bottom]): the label layout keeps off it. */
  rect: TRect;
}

/**
 * The legend goes down the empty side margin when the fitted plan leaves one wide enough (a wide
 * map cell), otherwise along the bottom edge.
 */
function legendLayout(
  text: TLegendText,
  em: number,
  size: { width: number; height: number },
  planWidthPx: number,
): TLegendLayout {
  const fontPx = Math.max(12, Math.round(em * 0.85));
  const inset = Math.round(em * 0.5);
  const pad = Math.round(fontPx * 0.6);
  const widths = legendItems(text).map((item) => measureText(item.label, fontPx, 400, null) + fontPx * keyEm(item));
  const lines = widths.length;
  const sideMargin = (size.width - planWidthPx) / 2;
  const columnWidth = Math.max(...widths) + 2 * pad;
  const columnHeight = lines * fontPx * 1.5 + 2 * pad;
  if (sideMargin >= columnWidth + 2 * inset && columnHeight + 2 * inset <= size.height) {
    return { vertical: true, fontPx, rect: [inset, inset, inset + columnWidth, inset + columnHeight] };
  }
  const rowWidth = Math.min(size.width - 2 * inset, widths.reduce((a, b) => a + b + fontPx * 0.9, 0) + 2 * pad);
  const rows = Math.ceil(
    (widths.reduce((a, b) => a + b + fontPx * 0.9, 0) + 2 * pad) / Math.max(1, size.width - 2 * inset),
  );
  const rowHeight = rows * fontPx * 1.5 + 2 * pad;
  return {
    vertical: false,
    fontPx,
    rect: [inset, size.height - inset - rowHeight, inset + rowWidth, size.height - inset],
  };
}

/** Colour key, always visible: the wall is read from across the room, not hovered. */
function Legend({ text, layout, arcEm }: { text: TLegendText; layout: TLegendLayout; arcEm: number }) {
  const swatch = (color: string, round: boolean): CSSProperties => ({
    display: 'inline-block',
    width: '0.9em',
    height: '0.9em',
    borderRadius: round ? '50%' : '2px',
    background: color,
    marginRight: '0.4em',
    verticalAlign: '-0.1em',
    border: '1px solid rgba(230,238,245,0.5)',
  });
  const [left, top] = layout.rect;
  const place: CSSProperties = layout.vertical
    ? { left, top, flexDirection: 'column' }
    : { left, bottom: left, flexWrap: 'wrap', maxWidth: `calc(100% - ${2 * left}px)` };
  return (
    <div
      aria-hidden="true"
      data-testid="venue-map-legend"
      style={{
        position: 'absolute',
        ...place,
        display: 'flex',
        gap: '0.3em 0.9em',
        padding: '0.6em',
        background: 'rgba(11,22,32,0.78)',
        border: '1px solid #24455c',
        borderRadius: '6px',
        color: '#e6eef5',
        fontSize: `${layout.fontPx}px`,
        lineHeight: 1.2,
        pointerEvents: 'none',
        zIndex: 2,
      }}
    >
      {legendItems(text).map((item) =>
        item.kind === 'swatch' ? (
          <span key={item.label} style={{ whiteSpace: 'nowrap' }}>
            <span style={swatch(item.color, item.round)} />
            {item.label}
          </span>
        ) : (
          <FlowKey key="flows" label={item.label} arcEm={arcEm} />
        ),
      )}
    </div>
  );
}

/**
 * The flow arcs' key: faint to bright is the direction, and lines as wide as the arcs of 10, 100
 * and 1,000 people (the same widths the map draws, in the map's em).
 */
function FlowKey({ label, arcEm }: { label: string; arcEm: number }) {
  return (
    <span
      data-testid="venue-map-legend-flows"
      style={{ display: 'inline-flex', alignItems: 'center', gap: '0.6em', whiteSpace: 'nowrap' }}
    >
      <span style={{ whiteSpace: 'nowrap' }}>
        <span
          style={{
            display: 'inline-block',
            width: '0.9em',
            height: '0.35em',
            marginRight: '0.4em',
            verticalAlign: '0.15em',
            borderRadius: '2px',
            background: `linear-gradient(90deg, ${rgba(FLOW_SOURCE)}, ${rgba(FLOW_TARGET)})`,
          }}
        />
        {label}
      </span>
      <span style={{ display: 'inline-flex', alignItems: 'center', gap: '0.5em', whiteSpace: 'nowrap' }}>
        {FLOW_WIDTH_SAMPLES.map((n) => (
          <span key={n} style={{ display: 'inline-flex', alignItems: 'center', gap: '0.25em' }}>
            <span
              style={{
                display: 'inline-block',
                width: '1.1em',
                height: `${Math.max(2, flowWidth(n) * arcEm)}px`,
                borderRadius: '999px',
                background: rgba(FLOW_TARGET),
              }}
            />
            {n.toLocaleString()}
          </span>
        ))}
      </span>
    </span>
  );
}

/** Without WebGL2 the wall still shows the numbers that matter. */
function Fallback({
  zones,
  zs,
  locale,
  m,
  detail,
}: {
  zones: readonly TMapZone[];
  zs: ReturnType<typeof zoneStates>;
  locale: string;
  m: TMapStrings;
  detail: string | null;
}) {
  const t = useTranslations('map.fallback');
  const nf = numberFormat(locale);
  return (
    <div
      role="alert"
      data-testid="venue-map-fallback"
      data-detail={detail ?? undefined}
      style={{ padding: '1em', overflow: 'auto', height: '100%' }}
    >
      <p style={{ margin: '0 0 0.4em', fontWeight: 700, fontSize: '1.2em', color: '#f0b429' }}>{t('title')}</p>
      <p className="muted" style={{ margin: '0 0 0.8em' }}>
        {t('body')}
      </p>
      <table className="grid">
        <tbody>
          {zones.map((z) => {
            const s = zs.get(z.id);
            const color = s?.level === 'crit' ? '#ef4f4f' : s?.level === 'warn' ? '#f0b429' : undefined;
            return (
              <tr key={z.id} data-zone={z.code}>
                <td>{zoneName(z, locale)}</td>
                <td style={{ color, fontWeight: 700, fontVariantNumeric: 'tabular-nums' }}>{countText(s, nf)}</td>
                <td style={{ color: '#ef4f4f' }}>
                  {[s?.alarm ? m.alarm : '', s && s.gatesOffline > 0 ? m.gatesOffline(s.gatesOffline) : '']
                    .filter(Boolean)
                    .join(' · ')}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <button type="button" className="secondary" style={{ marginTop: '1em' }} onClick={() => window.location.reload()}>
        {t('retry')}
      </button>
    </div>
  );
}
