import type { TChartOption } from './echarts-core.ts';

/*
 * The wall's dark theme for canvas charts. Canvas cannot read CSS variables, so the values of
 * app/globals.css (--text, --muted, --line, --panel-2, --accent, --warn) are repeated here.
 */
export const COLORS = {
  text: '#e6eef5',
  muted: '#8fa6b8',
  line: '#24455c',
  panel2: '#183042',
  bg: '#0b1620',
  accent: '#2fb6c9',
  warn: '#f0b429',
  ok: '#35c77a',
} as const;

/**
 * Series colours, distinct on the dark panel. Red means "critical" on the wall and amber marks
 * control changes, so neither is a series colour.
 */
export const PALETTE = [
  '#2fb6c9',
  '#35c77a',
  '#a78bfa',
  '#f472b6',
  '#60a5fa',
  '#fb923c',
  '#5eead4',
  '#e879f9',
  '#d9f99d',
  '#93c5fd',
];

export const FONT_FAMILY = "'Noto Sans SC', 'Noto Sans', system-ui, sans-serif";

export type TChartLocale = 'zh-CN' | 'en';
export type TLoadingState = 'loading' | 'loaded' | 'error';

export function chartLocale(locale: string): TChartLocale {
  return locale === 'en' ? 'en' : 'zh-CN';
}

/**
 * Legend geometry in font sizes: symbol width, gap between items (across and down) and the height
 * of a wrapped row (text line plus the gap).
 */
const LEGEND_ITEM = { symbol: 1.4, itemGap: 0.9, row: 2 };
/** ECharts puts a legend item's text this far after its symbol (px, fixed in LegendView). */
const LEGEND_TEXT_GAP_PX = 5;

/** The parts every chart shares, sized from the chart's font size (px). */
export function baseOption(fs: number): TChartOption {
  return {
    backgroundColor: 'transparent',
    color: PALETTE,
    textStyle: { color: COLORS.text, fontFamily: FONT_FAMILY, fontSize: fs },
    animationDuration: 300,
    animationDurationUpdate: 300,
    legend: {
      top: 0,
      left: 0,
      type: 'plain',
      itemWidth: fs * LEGEND_ITEM.symbol,
      itemHeight: fs * 0.8,
      itemGap: fs * LEGEND_ITEM.itemGap,
      padding: 0,
      textStyle: { color: COLORS.text, fontSize: fs, fontFamily: FONT_FAMILY },
      inactiveColor: COLORS.line,
    },
    tooltip: {
      trigger: 'axis',
      backgroundColor: COLORS.panel2,
      borderColor: COLORS.line,
      textStyle: { color: COLORS.text, fontSize: fs, fontFamily: FONT_FAMILY },
      axisPointer: { type: 'line', lineStyle: { color: COLORS.muted } },
    },
  };
}

/** A value axis in the theme. */
export function valueAxis(fs: number, extra: Record<string, unknown> = {}) {
  return {
    type: 'value' as const,
    minInterval: 1,
    splitNumber: 4,
    axisLabel: { color: COLORS.muted, fontSize: fs },
    splitLine: { lineStyle: { color: COLORS.line, type: 'dashed' as const } },
    axisLine: { show: false },
    ...extra,
  };
}

/** Approximate width of a label in font sizes: CJK glyphs are square, Latin ones about half as wide. */
export function textEm(s: string): number {
  let w = 0;
  for (const ch of s) w += /[\u2e80-\uffff]/.test(ch) ? 1 : 0.56;
  return w;
}

let measureCtx: CanvasRenderingContext2D | null | undefined;
/** Width (px) of a label in the chart font: measured on a canvas in the browser, estimated elsewhere. */
function labelWidth(s: string, fs: number): number {
  if (measureCtx === undefined)
    measureCtx = typeof document === 'undefined' ? null : document.createElement('canvas').getContext('2d');
  if (!measureCtx) return textEm(s) * fs;
  measureCtx.font = `${fs}px ${FONT_FAMILY}`;
  return measureCtx.measureText(s).width;
}

/**
 * Height (px) the legend takes when it wraps in a chart `width` wide. Canvas charts do not make
 * room for a wrapped legend by themselves, so the plot starts below this.
 */
export function legendHeight(labels: string[], fs: number, width: number): number {
  if (!labels.length) return 0;
  let rows = 1;
  let x = 0;
  for (const l of labels) {
    const w = LEGEND_ITEM.symbol * fs + LEGEND_TEXT_GAP_PX + labelWidth(l, fs);
    if (x > 0 && x + w > width) {
      rows++;
      x = 0;
    }
    x += w + LEGEND_ITEM.itemGap * fs;
  }
  return rows * LEGEND_ITEM.row * fs;
}

/** The plot area: below the legend, axis labels inside the chart's own box. */
export function gridFor(fs: number, legendPx: number) {
  return {
    left: fs * 0.4,
    right: fs * 1.2,
    top: legendPx + fs * 0.9,
    bottom: fs * 0.3,
    outerBoundsMode: 'same' as const,
    outerBoundsContain: 'axisLabel' as const,
  };
}

const timeFormats = new Map<string, Intl.DateTimeFormat>();
/** 'HH:MM' of an instant on the venue's clock (the wall may run in another time zone). */
export function clockTime(ms: number, timeZone: string | undefined): string {
  const key = timeZone ?? '';
  let f = timeFormats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    timeFormats.set(key, f);
  }
  return f.format(ms);
}

/** A count with thousands separators in the chart's language. */
export function formatCount(n: number, locale: TChartLocale): string {
  return Math.round(n).toLocaleString(locale === 'en' ? 'en-US' : 'zh-CN');
}

/** Shortens a label to about `maxEm` font sizes wide, with an ellipsis when cut. */
export function fitText(s: string, maxEm: number): string {
  if (textEm(s) <= maxEm) return s;
  let out = '';
  for (const ch of s) {
    if (textEm(out + ch) > maxEm - 1) break;
    out += ch;
  }
  return `${out}…`;
}

/** Escapes text (zone and channel names) for the HTML of a tooltip. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A coloured dot and a line of tooltip text. */
export function tooltipRow(color: string, label: string, value: string): string {
  return `<div style="display:flex;gap:0.6em;align-items:center"><span style="display:inline-block;width:0.7em;height:0.7em;border-radius:50%;background:${color}"></span><span style="flex:1">${escapeHtml(label)}</span><strong>${escapeHtml(value)}</strong></div>`;
}
