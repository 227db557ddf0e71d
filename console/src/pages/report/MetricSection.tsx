// One goal or guardrail: the groups table (holdout vs treatment), the lift in the goal's units with both intervals,
// drawn around zero, and the relative lift when the holdout's level is not zero.
import { useT } from '../../i18n/index.tsx';
import { refOf, type ReportFormat } from './format.ts';
import { IntervalBar } from './IntervalBar.tsx';
import type { MetricReport } from './types.ts';

export function GroupsTable({ metric, format, testId }: { metric: MetricReport; format: ReportFormat; testId: string }) {
  const t = useT();
  const c = metric.comparison;
  const conversion = metric.kind === 'conversion';
  const rows = [
    { key: 'control', label: t('report.group.control'), matured: metric.matured.control, maturing: metric.maturing.control, group: c?.groups.control },
    { key: 'treatment', label: t('report.group.treatment'), matured: metric.matured.treatment, maturing: metric.maturing.treatment, group: c?.groups.treatment },
  ] as const;
  return (
    // Focusable: at a phone's width the table scrolls sideways inside this box, and a keyboard must reach that too.
    <div className="table-wrap" role="region" aria-label={t('report.groups.caption', { metric: metric.name })} tabIndex={0}>
      <table className="table groups" data-testid={testId}>
        <caption className="visually-hidden">{t('report.groups.caption', { metric: metric.name })}</caption>
        <thead>
          <tr>
            <th scope="col">{t('report.groups.group')}</th>
            <th scope="col" className="num">{t('report.groups.exposures')}</th>
            {conversion && <th scope="col" className="num">{t(metric.higher_is_better ? 'report.groups.converted' : 'report.groups.happened')}</th>}
            <th scope="col" className="num">{conversion ? t(metric.higher_is_better ? 'report.groups.rate' : 'report.groups.share') : t('report.groups.mean')}</th>
            <th scope="col" className="num">{t('report.groups.maturing')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.key} data-group={r.key}>
              <th scope="row">{r.label}</th>
              <td className="num" data-cell="exposures">{format.count(r.matured)}</td>
              {conversion && <td className="num" data-cell="converted">{r.group?.converters !== undefined ? format.count(r.group.converters) : t('common.none')}</td>}
              <td className="num" data-cell="level">{r.group ? format.level(metric.kind, r.group.mean) : t('common.none')}</td>
              <td className="num muted" data-cell="maturing">{format.count(r.maturing)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function LiftFigures({ metric, format, testId }: { metric: MetricReport; format: ReportFormat; testId: string }) {
  const t = useT();
  const c = metric.comparison;
  if (!c) return <p className="muted" data-testid={testId}>{t('report.lift.none')}</p>;
  const { absolute, relative } = c.lift;
  const level = Math.round((1 - c.alpha) * 100);
  const unit = metric.kind === 'conversion' ? t('report.unit.pointsShort') : '';
  const ref = refOf(c.sequential.absolute);
  const b = (x: number) => format.bound(metric.kind, x, ref);
  return (
    <div className="lift" data-testid={testId}>
      <dl className="lift-numbers">
        <div>
          <dt>{t('report.lift.absolute')}</dt>
          <dd className="big" data-testid={`${testId}-estimate`}>{format.effect(metric.kind, absolute.estimate, ref)}</dd>
        </div>
        <div>
          <dt>{t('report.lift.sequential', { level })}</dt>
          <dd data-testid={`${testId}-sequential`}>{t('report.range', { lower: b(c.sequential.absolute.lower), upper: b(c.sequential.absolute.upper), unit })}</dd>
        </div>
        <div>
          <dt>{t('report.lift.fixed', { level })}</dt>
          <dd data-testid={`${testId}-fixed`}>{t('report.range', { lower: b(absolute.interval.lower), upper: b(absolute.interval.upper), unit })}</dd>
        </div>
        {relative && c.groups.control.mean !== 0 && (
          <div>
            <dt>{t('report.lift.relative')}</dt>
            <dd>{t('report.lift.relativeValue', {
              value: format.relative(relative.estimate),
              from: format.level(metric.kind, c.groups.control.mean), to: format.level(metric.kind, c.groups.treatment.mean),
            })}</dd>
          </div>
        )}
      </dl>
      <IntervalBar kind={metric.kind} estimate={absolute.estimate} sequential={c.sequential.absolute} fixed={absolute.interval}
        good={metric.higher_is_better ? 'up' : 'down'} format={format} label={metric.name} />
      <p className="small muted">{t('report.lift.legend', { level })} {t('report.lift.p', { p: format.p(c.p_value), sequentialP: format.p(c.sequential.p_value) })}</p>
    </div>
  );
}
