'use client';
import { useCallback, useMemo } from 'react';
import { useTranslations } from 'use-intl';
import { ChartPanel, Figure } from './chart-panel.tsx';
import {
  baseOption,
  chartLocale,
  clockTime,
  COLORS,
  escapeHtml,
  formatCount,
  gridFor,
  legendHeight,
  PALETTE,
  fitText,
  tooltipRow,
  valueAxis,
  type TLoadingState,
} from './chart-theme.ts';
import type { TChartOption, TLineSeries } from './echarts-core.ts';
import { foldZones, OTHER_ID, zoneFlows, type TChartSeries, type TZoneFlow } from './series-data.ts';
import { useEChart, type TChartSize } from './use-echart.ts';

/**
 * The chart's words in the wall's language (messages `charts.entries`). The subtitle says what is
 * counted: crossings into and out of the park (the strip's numbers), not moves between zones.
 */
function useText() {
  const t = useTranslations('charts.entries');
  const ts = useTranslations('attractions.entriesChart');
  return useMemo(
    () => ({
      title: t('title'),
      subtitle: (h: string) => ts('subtitle', { h }),
      entries: t('entries'),
      exits: t('exits'),
      empty: (h: string) => t('empty', { h }),
      control: t('control'),
      policy: t('policy'),
      other: t('other'),
    }),
    [t, ts],
  );
}
type TText = ReturnType<typeof useText>;

/** Size of control-change labels relative to the chart text. */
const ANNOTATION_FONT_SCALE = 0.85;
/** Most zone series: more stacked areas cannot be told apart from three metres; the rest are added up. */
const MAX_ZONE_SERIES = 6;

function windowHours(s: TChartSeries | undefined): string {
  const min = s ? (Date.parse(s.to) - Date.parse(s.from)) / 60_000 : 180;
  return String(Math.round((min / 60) * 10) / 10);
}

/**
 * What a control or policy change is called beside its line: its kind and its reason (or action),
 * cut to the height of the plot it runs along (maxEm label font sizes).
 */
function annotationLabel(a: TChartSeries['annotations'][number], t: TText, maxEm: number): string {
  const kind = a.action.startsWith('policy.') ? t.policy : t.control;
  const what = a.reason?.trim() || a.action.slice(a.action.indexOf('.') + 1);
  return fitText(`${kind}: ${what}`, maxEm);
}

function buildOption(
  { fontSize: fs, width, height }: TChartSize,
  t: TText,
  series: TChartSeries | undefined,
  flows: ReturnType<typeof zoneFlows> | undefined,
): TChartOption {
  const times = flows?.times ?? [];
  const zones: TZoneFlow[] = foldZones(flows?.zones ?? [], MAX_ZONE_SERIES, t.other);
  const tz = series?.timezone;
  // A zone keeps its colour whichever zones are busy: the colour follows its place in the venue.
  const place = new Map((series?.zones ?? []).map((z, i) => [z.id, i]));
  const zoneColor = zones.map((z) =>
    z.id === OTHER_ID ? COLORS.muted : PALETTE[(place.get(z.id) ?? 0) % PALETTE.length],
  );
  const color = (k: number) => zoneColor[k];
  const legend = zones.map((z) => z.name);
  const grid = gridFor(fs, legendHeight(legend, fs, width));
  // Labels run up their lines: as long as the plot is high (less the time axis labels).
  const labelEm = Math.max(4, (height - grid.top - grid.bottom - fs * 1.8) / (fs * ANNOTATION_FONT_SCALE));
  // One row per minute: time, then entries and (negated) exits of each zone.
  const source = times.map((time, i) => [time, ...zones.flatMap((z) => [z.entries[i], -z.exits[i]])]);
  const lineWidth = Math.max(1.5, fs / 8);
  const zoneSeries: TLineSeries[] = zones.flatMap((z, k): TLineSeries[] => [
    {
      type: 'line',
      id: `in-${z.id}`,
      name: z.name,
      stack: 'entries',
      encode: { x: 0, y: 1 + 2 * k },
      color: color(k),
      symbol: 'none',
      smooth: 0.25,
      lineStyle: { width: lineWidth },
      areaStyle: { opacity: 0.4 },
      emphasis: { disabled: true },
    },
    {
      type: 'line',
      id: `out-${z.id}`,
      name: z.name,
      stack: 'exits',
      encode: { x: 0, y: 2 + 2 * k },
      color: color(k),
      symbol: 'none',
      smooth: 0.25,
      lineStyle: { width: lineWidth, opacity: 0.8 },
      areaStyle: { opacity: 0.15 },
      emphasis: { disabled: true },
    },
  ]);
  // Control changes ride on a series of their own, so hiding a zone in the legend keeps them.
  const annotations: TLineSeries = {
    type: 'line',
    id: 'annotations',
    name: 'annotations',
    data: [],
    silent: true,
    markLine: {
      silent: true,
      symbol: ['none', 'none'],
      animation: false,
      lineStyle: { color: COLORS.warn, type: 'dashed', width: Math.max(2, fs / 8) },
      label: {
        show: true,
        position: 'insideEndTop',
        formatter: '{b}',
        color: COLORS.warn,
        fontSize: Math.round(fs * ANNOTATION_FONT_SCALE),
        fontWeight: 'bold',
        textBorderColor: COLORS.bg,
        textBorderWidth: 3,
      },
      data: (series?.annotations ?? []).map((a) => ({ xAxis: Date.parse(a.at), name: annotationLabel(a, t, labelEm) })),
    },
  };
  const base = baseOption(fs);
  return {
    ...base,
    grid,
    legend: { ...base.legend, data: legend },
    tooltip: {
      ...base.tooltip,
      formatter: (params: unknown) => {
        const first = (Array.isArray(params) ? params[0] : params) as { dataIndex?: number } | undefined;
        const i = first?.dataIndex ?? -1;
        if (i < 0 || i >= times.length) return '';
        const rows = zones
          .map((z, k) => ({ z, k }))
          .filter(({ z }) => z.entries[i] || z.exits[i])
          .map(({ z, k }) => tooltipRow(color(k), z.name, `↑${z.entries[i]}  ↓${z.exits[i]}`));
        const inSum = zones.reduce((n, z) => n + z.entries[i], 0);
        const outSum = zones.reduce((n, z) => n + z.exits[i], 0);
        return `<div><strong>${escapeHtml(clockTime(times[i], tz))}</strong> ${escapeHtml(`${t.entries} ${inSum} · ${t.exits} ${outSum}`)}</div>${rows.join('')}`;
      },
    },
    dataset: { source },
    xAxis: {
      type: 'time',
      min: times[0],
      max: times.length ? times[times.length - 1] : undefined,
      axisLine: { onZero: false, lineStyle: { color: COLORS.line } },
      axisTick: { show: false },
      splitLine: { show: false },
      axisLabel: { color: COLORS.muted, fontSize: fs, hideOverlap: true, formatter: (v: number) => clockTime(v, tz) },
    },
    yAxis: valueAxis(fs, {
      axisLabel: { color: COLORS.muted, fontSize: fs, formatter: (v: number) => String(Math.abs(v)) },
    }),
    series: [...zoneSeries, annotations],
  };
}

/**
 * Venue entries (up) and exits (down) per minute, stacked by the zone of the gate that counted
 * them (the same crossings as the strip's entries and exits, inferred ones included), with control
 * and policy changes as vertical lines, so the effect of closing a gate or throttling sales shows.
 */
export function EntriesChart({
  locale: rawLocale,
  state,
  error,
  stale,
  series,
  zoneNames,
}: {
  locale: string;
  state: TLoadingState;
  /** Why loading failed. */
  error?: string;
  /** The last refresh failed; the chart shows the previous answer. */
  stale?: boolean;
  series?: TChartSeries;
  /** Zone names in the wall's language; the API's names are the fallback. */
  zoneNames: Map<number, string>;
}) {
  const locale = chartLocale(rawLocale);
  const t = useText();
  const flows = useMemo(() => {
    if (!series) return undefined;
    const fallback = new Map(series.zones.map((z) => [z.id, locale === 'en' ? z.nameEn : z.nameZh]));
    return zoneFlows(series, (id) => zoneNames.get(id) ?? fallback.get(id) ?? `#${id}`);
  }, [series, zoneNames, locale]);
  const build = useCallback((size: TChartSize) => buildOption(size, t, series, flows), [t, series, flows]);
  const { ref } = useEChart(build);
  const h = windowHours(series);
  return (
    <ChartPanel
      name="entries"
      title={t.title}
      subtitle={t.subtitle(h)}
      state={state}
      error={error}
      stale={stale}
      isEmpty={!flows || flows.zones.length === 0}
      emptyText={t.empty(h)}
      chartRef={ref}
      data={{
        'data-total-entries': flows?.totalEntries,
        'data-total-exits': flows?.totalExits,
        'data-annotations': series?.annotations.length,
      }}
      figures={
        flows && (
          <>
            <Figure
              name="entries"
              label={t.entries}
              value={formatCount(flows.totalEntries, locale)}
              color={COLORS.ok}
            />
            <Figure name="exits" label={t.exits} value={formatCount(flows.totalExits, locale)} />
          </>
        )
      }
    />
  );
}
