// A time-series chart (uPlot: ~50 kB, draws on a canvas, fast enough to redraw every few seconds). The box keeps a
// fixed height whether or not data has arrived, so nothing below it jumps.
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import { useLocale } from '../i18n/index.tsx';

export interface Series { label: string; values: number[]; color: string }

const HEIGHT = 180;

export function Chart({ title, times, series, empty }: { title: string; times: number[]; series: Series[]; empty?: string }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  const { locale } = useLocale();
  const shape = series.map((s) => `${s.label}:${s.color}`).join('|');

  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const timeFormat = new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit' });
    const secondFormat = new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
    const numberFormat = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 });
    const options: uPlot.Options = {
      width: Math.max(element.clientWidth, 200),
      height: HEIGHT,
      legend: { show: true },
      scales: { x: { time: true } },
      axes: [
        // Minutes for a long span; seconds too when the span is short (a young server), so labels differ.
        { values: (_u, splits) => splits.map((v) => (splits.length > 1 && splits[splits.length - 1] - splits[0] < 600 ? secondFormat : timeFormat).format(v * 1000)) },
        { values: (_u, splits) => splits.map((v) => numberFormat.format(v)), size: 56 },
      ],
      series: [{ value: (_u, v) => (v == null ? '' : timeFormat.format(v * 1000)) }, ...series.map((s) => ({ label: s.label, stroke: s.color, width: 2, value: (_u: uPlot, v: number | null) => (v == null ? '' : numberFormat.format(v)) }))],
    };
    plot.current = new uPlot(options, [times, ...series.map((s) => s.values)] as uPlot.AlignedData, element);
    const observer = new ResizeObserver(() => plot.current?.setSize({ width: Math.max(element.clientWidth, 200), height: HEIGHT }));
    observer.observe(element);
    return () => { observer.disconnect(); plot.current?.destroy(); plot.current = undefined; };
    // Rebuilt only when the series or the language change; new points go through setData below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [shape, locale]);

  useEffect(() => { plot.current?.setData([times, ...series.map((s) => s.values)] as uPlot.AlignedData); }, [times, series]);

  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <div className="chart-box" ref={box} role="img" aria-label={title} data-empty={times.length < 2 ? 'true' : undefined} />
      {times.length < 2 && empty && <p className="chart-empty">{empty}</p>}
    </figure>
  );
}
