'use client';
import { useCallback, useMemo } from 'react';
import { useTranslations } from 'use-intl';
import { ChartPanel, Figure } from './chart-panel.tsx';
import {
  baseOption,
  chartLocale,
  COLORS,
  escapeHtml,
  formatCount,
  gridFor,
  legendHeight,
  tooltipRow,
  valueAxis,
  type TLoadingState,
} from './chart-theme.ts';
import type { TChartOption } from './echarts-core.ts';
import { arrivalSeries, type TArrivals } from './series-data.ts';
import { useEChart, type TChartSize } from './use-echart.ts';

/** The chart's words in the wall's language (messages `charts.arrivals`). */
function useText() {
  const t = useTranslations('charts.arrivals');
  return useMemo(
    () => ({
      title: t('title'),
      subtitle: (day: string) => t('subtitle', { day }),
      expected: t('expected'),
      actual: t('actual'),
      soFar: t('soFar'),
      now: t('now'),
      slotsLabel: t('slotsLabel'),
      empty: t('empty'),
    }),
    [t],
  );
}
type TText = ReturnType<typeof useText>;

const EXPECTED_COLOR = COLORS.text;
const ACTUAL_COLOR = COLORS.accent;

function buildOption(
  { fontSize: fs, width }: TChartSize,
  t: TText,
  a: ReturnType<typeof arrivalSeries> | undefined,
): TChartOption {
  const legend = a?.points.length ? [t.expected, t.actual] : [];
  const points = a?.points ?? [];
  const source = points.map((p) => [p.time, Math.round(p.expected * 100) / 100, p.actual]);
  const nowTime = a && a.nowIndex >= 0 ? points[a.nowIndex].time : undefined;
  const base = baseOption(fs);
  return {
    ...base,
    grid: gridFor(fs, legendHeight(legend, fs, width)),
    legend: { ...base.legend, data: legend },
    tooltip: {
      ...base.tooltip,
      axisPointer: { type: 'shadow' },
      formatter: (params: unknown) => {
        const first = (Array.isArray(params) ? params[0] : params) as { dataIndex?: number } | undefined;
        const p = points[first?.dataIndex ?? -1];
        if (!p) return '';
        return `<div><strong>${escapeHtml(p.time)}</strong></div>${tooltipRow(EXPECTED_COLOR, t.expected, p.expected.toFixed(1))}${p.actual === null ? '' : tooltipRow(ACTUAL_COLOR, t.actual, String(p.actual))}`;
      },
    },
    dataset: { source },
    xAxis: {
      type: 'category',
      axisLine: { lineStyle: { color: COLORS.line } },
      axisTick: { show: false },
      axisLabel: { color: COLORS.muted, fontSize: fs, hideOverlap: true },
    },
    yAxis: valueAxis(fs),
    series: [
      {
        type: 'bar',
        id: 'actual',
        name: t.actual,
        encode: { x: 0, y: 2 },
        color: ACTUAL_COLOR,
        barCategoryGap: '20%',
        emphasis: { disabled: true },
      },
      {
        type: 'line',
        id: 'expected',
        name: t.expected,
        encode: { x: 0, y: 1 },
        color: EXPECTED_COLOR,
        symbol: 'none',
        smooth: 0.3,
        lineStyle: { width: Math.max(2, fs / 6), type: 'dashed' },
        areaStyle: { opacity: 0.08 },
        emphasis: { disabled: true },
      },
      {
        type: 'line',
        id: 'now',
        name: 'now',
        data: [],
        silent: true,
        markLine: {
          silent: true,
          symbol: ['none', 'none'],
          animation: false,
          lineStyle: { color: COLORS.muted, type: 'solid', width: 2 },
          label: {
            show: true,
            position: 'end',
            formatter: t.now,
            color: COLORS.muted,
            fontSize: Math.round(fs * 0.85),
          },
          data: nowTime ? [{ xAxis: nowTime }] : [],
        },
      },
    ],
  };
}

/**
 * The arrival forecast no ticketing system shows: visitors expected from the time slots they
 * booked (each slot's tickets spread over its entry window) against first entries per quarter
 * hour, with the running totals, so a late or early crowd shows before it reaches the gates.
 */
export function ArrivalsChart({
  locale: rawLocale,
  state,
  error,
  stale,
  arrivals,
}: {
  locale: string;
  state: TLoadingState;
  error?: string;
  stale?: boolean;
  arrivals?: TArrivals;
}) {
  const locale = chartLocale(rawLocale);
  const t = useText();
  const a = useMemo(() => (arrivals ? arrivalSeries(arrivals) : undefined), [arrivals]);
  const build = useCallback((size: TChartSize) => buildOption(size, t, a), [t, a]);
  const { ref } = useEChart(build);
  const isEmpty = !a || a.points.length === 0;
  const ratio = a && a.expectedSoFar >= 1 ? Math.round((a.actualSoFar / a.expectedSoFar) * 100) : null;
  return (
    <ChartPanel
      name="arrivals"
      title={t.title}
      subtitle={arrivals ? t.subtitle(arrivals.day) : undefined}
      state={state}
      error={error}
      stale={stale}
      isEmpty={isEmpty}
      emptyText={t.empty}
      chartRef={ref}
      data={{
        'data-expected-so-far': a ? Math.round(a.expectedSoFar) : undefined,
        'data-actual-so-far': a?.actualSoFar,
        'data-total-sold': a?.totalSold,
      }}
      figures={
        a &&
        !isEmpty && (
          <>
            <span className="muted">{t.soFar}</span>
            <Figure name="expected" label={t.expected} value={formatCount(a.expectedSoFar, locale)} />
            <Figure
              name="actual"
              label={t.actual}
              value={`${formatCount(a.actualSoFar, locale)}${ratio === null ? '' : ` (${ratio}%)`}`}
              color={ACTUAL_COLOR}
            />
          </>
        )
      }
      details={
        arrivals && !isEmpty ? (
          <>
            <span>{t.slotsLabel}</span>
            {arrivals.slots
              .filter((s) => s.sold > 0)
              .map((s) => (
                <span
                  key={s.start}
                  data-slot={s.start}
                  data-sold={s.sold}
                  data-arrived={s.arrived}
                  title={`${s.start}–${s.end}`}
                >
                  {s.start}{' '}
                  <strong style={{ color: COLORS.text }}>
                    {formatCount(s.arrived, locale)}/{formatCount(s.sold, locale)}
                  </strong>
                </span>
              ))}
          </>
        ) : undefined
      }
    />
  );
}
