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
  tooltipRow,
  valueAxis,
  type TLoadingState,
} from './chart-theme.ts';
import type { TBarSeries, TChartOption } from './echarts-core.ts';
import { channelSales, foldChannels, OTHER_ID, type TChartSeries } from './series-data.ts';
import { useEChart, type TChartSize } from './use-echart.ts';
import { yuanFormat } from '../../../lib/i18n/money.ts';

/** Most channel series; the smallest channels are added up beyond this. */
const MAX_CHANNEL_SERIES = 6;

/** The chart's words in the wall's language (messages `charts.sales`). */
function useText() {
  const t = useTranslations('charts.sales');
  return useMemo(
    () => ({
      title: t('title'),
      subtitle: (h: string) => t('subtitle', { h }),
      sold: t('sold'),
      refunded: t('refunded'),
      revenue: t('revenue'),
      tickets: (n: string) => t('tickets', { n }),
      other: t('other'),
      empty: (h: string) => t('empty', { h }),
    }),
    [t],
  );
}
type TText = ReturnType<typeof useText>;

function windowHours(s: TChartSeries | undefined): string {
  const min = s ? (Date.parse(s.to) - Date.parse(s.from)) / 60_000 : 180;
  return String(Math.round((min / 60) * 10) / 10);
}

function buildOption(
  { fontSize: fs, width }: TChartSize,
  t: TText,
  series: TChartSeries | undefined,
  sales: ReturnType<typeof channelSales> | undefined,
): TChartOption {
  const times = sales?.times ?? [];
  const channels = foldChannels(sales?.channels ?? [], MAX_CHANNEL_SERIES, t.other);
  const tz = series?.timezone;
  // A channel keeps its colour whichever channels sell: the colour follows its place in the venue's list.
  const place = new Map((series?.channels ?? []).map((c, i) => [c.id, i]));
  const channelColor = channels.map((c) =>
    c.id === OTHER_ID ? COLORS.muted : PALETTE[(place.get(c.id) ?? 0) % PALETTE.length],
  );
  const color = (k: number) => channelColor[k];
  const legend = channels.map((c) => c.label);
  const source = times.map((time, i) => [time, ...channels.map((c) => c.sold[i])]);
  const bars: TBarSeries[] = channels.map((c, k) => ({
    type: 'bar',
    id: `sold-${c.id}`,
    name: c.label,
    stack: 'sold',
    encode: { x: 0, y: 1 + k },
    color: color(k),
    barCategoryGap: '15%',
    emphasis: { disabled: true },
  }));
  const base = baseOption(fs);
  return {
    ...base,
    grid: gridFor(fs, legendHeight(legend, fs, width)),
    legend: { ...base.legend, data: legend },
    tooltip: {
      ...base.tooltip,
      formatter: (params: unknown) => {
        const first = (Array.isArray(params) ? params[0] : params) as { dataIndex?: number } | undefined;
        const i = first?.dataIndex ?? -1;
        if (i < 0 || i >= times.length) return '';
        const total = channels.reduce((n, c) => n + c.sold[i], 0);
        const rows = channels
          .map((c, k) => ({ c, k }))
          .filter(({ c }) => c.sold[i] > 0)
          .map(({ c, k }) => tooltipRow(color(k), c.label, String(c.sold[i])));
        return `<div><strong>${escapeHtml(clockTime(times[i], tz))}</strong> ${escapeHtml(`${t.sold} ${total}`)}</div>${rows.join('')}`;
      },
    },
    dataset: { source },
    xAxis: {
      type: 'time',
      min: times[0],
      max: times.length ? times[times.length - 1] : undefined,
      axisLine: { lineStyle: { color: COLORS.line } },
      axisTick: { show: false },
      splitLine: { show: false },
      axisLabel: { color: COLORS.muted, fontSize: fs, hideOverlap: true, formatter: (v: number) => clockTime(v, tz) },
    },
    yAxis: valueAxis(fs),
    series: bars,
  };
}

/** Tickets sold per minute, stacked by sales channel, with the window's sold, refunded and net revenue. */
export function SalesChart({
  locale: rawLocale,
  state,
  error,
  stale,
  series,
}: {
  locale: string;
  state: TLoadingState;
  error?: string;
  stale?: boolean;
  series?: TChartSeries;
}) {
  const locale = chartLocale(rawLocale);
  const t = useText();
  const sales = useMemo(() => (series ? channelSales(series, locale) : undefined), [series, locale]);
  const build = useCallback((size: TChartSize) => buildOption(size, t, series, sales), [t, series, sales]);
  const { ref } = useEChart(build);
  const h = windowHours(series);
  const money = yuanFormat(locale);
  return (
    <ChartPanel
      name="sales"
      title={t.title}
      subtitle={t.subtitle(h)}
      state={state}
      error={error}
      stale={stale}
      isEmpty={!sales || sales.channels.length === 0}
      emptyText={t.empty(h)}
      chartRef={ref}
      data={{ 'data-total-sold': sales?.totalSold, 'data-total-refunded': sales?.totalRefunded }}
      figures={
        sales && (
          <>
            <Figure
              name="sold"
              label={t.sold}
              value={t.tickets(formatCount(sales.totalSold, locale))}
              color={COLORS.accent}
            />
            {sales.totalRefunded > 0 && (
              <Figure name="refunded" label={t.refunded} value={t.tickets(formatCount(sales.totalRefunded, locale))} />
            )}
            <Figure name="revenue" label={t.revenue} value={money.format(sales.revenueFen / 100)} />
          </>
        )
      }
    />
  );
}
