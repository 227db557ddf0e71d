// A rule's last hours as small stacked bars: firings that acted, firings held out, and triggers a limit stopped.
// Drawn as plain SVG (a thousand rows of uPlot would be a thousand canvases); the words beside it carry the
// numbers for screen readers and for anyone who cannot tell the colours apart.
import { memo } from 'react';

const WIDTH = 120;
const HEIGHT = 28;

export const Sparkline = memo(function Sparkline({ firings, holdout, suppressed }: { firings: number[]; holdout: number[]; suppressed: number[] }) {
  const hours = firings.length;
  const totals = firings.map((f, i) => f + (holdout[i] ?? 0) + (suppressed[i] ?? 0));
  const max = Math.max(1, ...totals);
  const step = WIDTH / Math.max(1, hours);
  const bar = Math.max(1, step - 1);
  const scale = (n: number) => (n / max) * (HEIGHT - 2);
  return (
    <svg className="sparkline" width={WIDTH} height={HEIGHT} viewBox={`0 0 ${WIDTH} ${HEIGHT}`} aria-hidden="true" focusable="false">
      <line x1="0" x2={WIDTH} y1={HEIGHT - 0.5} y2={HEIGHT - 0.5} className="spark-base" />
      {firings.map((f, i) => {
        const h = holdout[i] ?? 0;
        const s = suppressed[i] ?? 0;
        if (f + h + s === 0) return null;
        const x = i * step;
        const yF = HEIGHT - 1 - scale(f);
        const yH = yF - scale(h);
        const yS = yH - scale(s);
        return (
          <g key={i}>
            {f > 0 && <rect x={x} y={yF} width={bar} height={Math.max(1, scale(f))} className="spark-fired" />}
            {h > 0 && <rect x={x} y={yH} width={bar} height={Math.max(1, scale(h))} className="spark-holdout" />}
            {s > 0 && <rect x={x} y={yS} width={bar} height={Math.max(1, scale(s))} className="spark-suppressed" />}
          </g>
        );
      })}
    </svg>
  );
});
