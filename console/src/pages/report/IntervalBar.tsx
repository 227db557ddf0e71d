// The lift drawn around zero: the estimate as a dot, the always-valid interval (what the verdict uses) as a thick
// bar, the fixed-horizon interval as a thin one inside it, and the zero line. Plain SVG in a box of fixed height.
import { useT } from '../../i18n/index.tsx';
import { refOf, type ReportFormat } from './format.ts';
import type { Interval, MetricKind } from './types.ts';

const WIDTH = 600;
const HEIGHT = 64;
const PAD = 16;

export function IntervalBar({ kind, estimate, sequential, fixed, good, format, label }: {
  kind: MetricKind; estimate: number; sequential: Interval; fixed: Interval; good: 'up' | 'down'; format: ReportFormat; label: string;
}) {
  const t = useT();
  const ends = [sequential.lower, sequential.upper, fixed.lower, fixed.upper, estimate, 0].filter(Number.isFinite);
  let low = Math.min(...ends);
  let high = Math.max(...ends);
  const span = high - low || Math.abs(high) || 1;
  low -= span * 0.08;
  high += span * 0.08;
  const x = (v: number) => PAD + ((Math.min(Math.max(v, low), high) - low) / (high - low)) * (WIDTH - 2 * PAD);
  const side = sequential.lower > 0 ? 'above' : sequential.upper < 0 ? 'below' : 'includes';
  const tone = side === 'includes' ? 'neutral' : (side === 'above') === (good === 'up') ? 'good' : 'bad';
  const ref = refOf(sequential);
  const b = (v: number) => format.bound(kind, v, ref);
  const description = t('report.bar.description', {
    label, estimate: format.effect(kind, estimate, ref),
    lower: b(sequential.lower), upper: b(sequential.upper), fixedLower: b(fixed.lower), fixedUpper: b(fixed.upper),
  });
  return (
    <figure className="interval-bar" data-tone={tone}>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} preserveAspectRatio="none" role="img" aria-label={description} focusable="false">
        <line x1={x(0)} x2={x(0)} y1={4} y2={HEIGHT - 4} className="zero" />
        <rect x={x(sequential.lower)} width={Math.max(2, x(sequential.upper) - x(sequential.lower))} y={22} height={20} rx={4} className="band" />
        <rect x={x(fixed.lower)} width={Math.max(2, x(fixed.upper) - x(fixed.lower))} y={29} height={6} rx={3} className="fixed" />
        <line x1={x(estimate)} x2={x(estimate)} y1={16} y2={48} className="estimate" />
      </svg>
      <figcaption className="interval-scale" aria-hidden="true">
        <span className="end">{b(low)}</span>
        <span className="zero-label" style={{ left: `${(x(0) / WIDTH) * 100}%` }}>0</span>
        <span className="end">{b(high)}</span>
      </figcaption>
    </figure>
  );
}
