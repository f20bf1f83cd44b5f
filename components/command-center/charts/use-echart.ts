'use client';
import type { ECharts } from 'echarts/core';
import { useEffect, useMemo, useRef, useState, type RefObject } from 'react';
import { initChart, type TChartOption } from './echarts-core.ts';

/** Smallest chart text (px): below this nothing is readable even at a desk. */
const MIN_FONT_PX = 12;
/** Chart text never takes more than this share of the chart's height (a short panel keeps its plot). */
const MAX_FONT_SHARE_OF_HEIGHT = 1 / 9;

/** What an option is sized from: the chart's font size and its box (px). */
export interface TChartSize {
  fontSize: number;
  width: number;
  height: number;
}

/**
 * One ECharts instance on the returned element for the component's lifetime: created on mount,
 * resized with its container (ResizeObserver, once per frame), disposed on unmount. Each new
 * option is applied with setOption; series are replaced by id so removed ones disappear while the
 * legend keeps what the user switched off.
 *
 * build gets the chart's size: its box and a font size (px), the container's CSS font size (which
 * the wall scales with the viewport) capped by the chart's height. Pass a stable function
 * (useCallback) so the option is only rebuilt when its data, language or the size change.
 */
export function useEChart(build: (size: TChartSize) => TChartOption): {
  ref: RefObject<HTMLDivElement | null>;
  size: TChartSize;
} {
  const ref = useRef<HTMLDivElement | null>(null);
  const chartRef = useRef<ECharts | null>(null);
  const [size, setSize] = useState<TChartSize>({ fontSize: 16, width: 600, height: 300 });

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const chart = initChart(el, undefined, { renderer: 'canvas' });
    chartRef.current = chart;
    const measure = () => {
      const em = Number.parseFloat(getComputedStyle(el).fontSize) || 16;
      const cap = el.clientHeight > 0 ? el.clientHeight * MAX_FONT_SHARE_OF_HEIGHT : em;
      const next = {
        fontSize: Math.round(Math.max(MIN_FONT_PX, Math.min(em, cap))),
        width: el.clientWidth,
        height: el.clientHeight,
      };
      // Same size, same object: no new option for a resize that changes nothing the option uses.
      setSize((prev) =>
        prev.fontSize === next.fontSize && prev.width === next.width && prev.height === next.height ? prev : next,
      );
    };
    measure();
    let frame = 0;
    const observer = new ResizeObserver(() => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => {
        chart.resize();
        measure();
      });
    });
    observer.observe(el);
    return () => {
      observer.disconnect();
      cancelAnimationFrame(frame);
      chart.dispose();
      chartRef.current = null;
    };
  }, []);

  const option = useMemo(() => build(size), [build, size]);
  useEffect(() => {
    chartRef.current?.setOption(option, { replaceMerge: ['series'] });
  }, [option]);

  return { ref, size };
}
