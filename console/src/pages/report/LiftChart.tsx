// The cumulative lift per exposure day with its always-valid band and the zero line: what the report would have
// said at the end of each day. Our own SVG (a band between two lines is clearer drawn than configured), redrawn at
// the box's width so labels keep their size at 390 px; the box keeps its height while data arrives.
import { useEffect, useRef, useState } from 'react';
import { useT } from '../../i18n/index.tsx';
import type { ReportFormat } from './format.ts';
import type { MetricKind, OverTimePoint } from './types.ts';

const HEIGHT = 240;
const M = { top: 12, right: 12, bottom: 28, left: 60 };

function niceTicks(low: number, high: number, count = 4): number[] {
  const step0 = (high - low) / count;
  const magnitude = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * magnitude).find((s) => s >= step0) ?? step0;
  const ticks: number[] = [];
  for (let v = Math.ceil(low / step) * step; v <= high + step * 1e-9; v += step) ticks.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return ticks;
}

export function LiftChart({ kind, points, format, title }: { kind: MetricKind; points: OverTimePoint[]; format: ReportFormat; title: string }) {
  const t = useT();
  const box = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(600);
  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const measure = () => setWidth(Math.max(240, Math.floor(element.clientWidth)));
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  const scale = kind === 'conversion' ? 100 : 1; // points on the axis for conversions
  const shown = points.filter((p) => p.lift);
  const values = shown.flatMap((p) => [p.lift!.sequential.lower, p.lift!.sequential.upper, p.lift!.absolute].map((v) => v * scale)).filter(Number.isFinite);
  let low = Math.min(0, ...values);
  let high = Math.max(0, ...values);
  if (high - low === 0) { low -= 1; high += 1; }
  const pad = (high - low) * 0.06;
  low -= pad; high += pad;
  const innerW = width - M.left - M.right;
  const innerH = HEIGHT - M.top - M.bottom;
  const n = points.length;
  const x = (i: number) => M.left + (n <= 1 ? innerW / 2 : (i / (n - 1)) * innerW);
  const y = (v: number) => M.top + (1 - (v - low) / (high - low)) * innerH;

  // Runs of consecutive days with a lift: a day without one (a group under 2 subjects) breaks the band.
  const runs: Array<Array<{ i: number; p: OverTimePoint }>> = [];
  points.forEach((p, i) => {
    if (!p.lift) { runs.push([]); return; }
    if (!runs.length) runs.push([]);
    runs[runs.length - 1].push({ i, p });
  });
  const segments = runs.filter((r) => r.length > 0);
  const band = (run: typeof segments[number]) => {
    const top = run.map(({ i, p }) => `${x(i)},${y(p.lift!.sequential.upper * scale)}`);
    const bottom = run.slice().reverse().map(({ i, p }) => `${x(i)},${y(p.lift!.sequential.lower * scale)}`);
    if (run.length === 1) { // one day: a short vertical band
      const { i, p } = run[0];
      return `M${x(i) - 4},${y(p.lift!.sequential.upper * scale)} H${x(i) + 4} V${y(p.lift!.sequential.lower * scale)} H${x(i) - 4} Z`;
    }
    return `M${top.join(' L')} L${bottom.join(' L')} Z`;
  };
  const line = (run: typeof segments[number]) => `M${run.map(({ i, p }) => `${x(i)},${y(p.lift!.absolute * scale)}`).join(' L')}`;
  const ticks = niceTicks(low, high);
  const tick = (v: number) => format.bound(kind, v / scale);
  const xLabels = n <= 3 ? points.map((_, i) => i) : [0, Math.floor((n - 1) / 2), n - 1];
  const last = shown[shown.length - 1];
  const description = last?.lift
    ? t('report.chart.description', {
      days: n, estimate: format.effect(kind, last.lift.absolute),
      lower: format.bound(kind, last.lift.sequential.lower), upper: format.bound(kind, last.lift.sequential.upper),
    })
    : t('report.chart.empty');

  return (
    <figure className="lift-chart" data-testid="lift-chart">
      <figcaption>{title}</figcaption>
      <div ref={box} className="lift-chart-box">
        <svg width={width} height={HEIGHT} role="img" aria-label={description} focusable="false">
          {ticks.map((v) => (
            <g key={v} className="tick">
              <line x1={M.left} x2={width - M.right} y1={y(v)} y2={y(v)} />
              <text x={M.left - 6} y={y(v)} dy="0.32em" textAnchor="end">{tick(v)}</text>
            </g>
          ))}
          {segments.map((run) => <path key={`b${run[0].i}`} d={band(run)} className="band" />)}
          <line x1={M.left} x2={width - M.right} y1={y(0)} y2={y(0)} className="zero" />
          {segments.map((run) => <path key={`l${run[0].i}`} d={line(run)} className="estimate" />)}
          {segments.flat().map(({ i, p }) => <circle key={i} cx={x(i)} cy={y(p.lift!.absolute * scale)} r={3} className="dot" />)}
          {xLabels.map((i) => (
            <text key={i} x={x(i)} y={HEIGHT - 8} textAnchor={n > 1 && i === 0 ? 'start' : n > 1 && i === n - 1 ? 'end' : 'middle'} className="day">{format.day(points[i].day)}</text>
          ))}
        </svg>
        {!shown.length && <p className="chart-empty">{t('report.chart.empty')}</p>}
      </div>
      <ul className="legend" aria-hidden="true">
        <li><span className="swatch estimate" />{t('report.chart.legend.estimate')}</li>
        <li><span className="swatch band" />{t('report.chart.legend.band')}</li>
        <li><span className="swatch zero" />{t('report.chart.legend.zero')}</li>
      </ul>
    </figure>
  );
}
