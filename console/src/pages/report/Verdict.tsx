// The verdict in plain words, at the top: what the rule did to its goal, or why the report cannot say (a sample-ratio
// mismatch stops the verdict instead of sitting beside it; too little data says what is still needed), then what
// the numbers mean for someone who never took a statistics class, and how long is left.
import { useT } from '../../i18n/index.tsx';
import { follow } from './links.ts';
import { refOf, sideOfZero, type ReportFormat } from './format.ts';
import { exposuresPerDay, stateOf } from './state.ts';
import type { MetricReport, RuleReport } from './types.ts';

export function VerdictPanel({ report, format }: { report: RuleReport; format: ReportFormat }) {
  const t = useT();
  const state = stateOf(report);
  const primary = report.primary;
  const c = primary?.comparison ?? null;
  const hurtGuardrails = report.guardrails.filter((g) => g.comparison?.verdict === 'hurt');
  return (
    <section className="verdict-panel" data-testid="verdict" data-state={state} aria-labelledby="verdict-title">
      <h2 id="verdict-title">{t(`report.state.${state}.title`, { goal: primary?.name ?? '' })}</h2>
      {state === 'srm' && c && <Srm report={report} format={format} />}
      {state === 'tooFew' && primary && <TooFew report={report} metric={primary} format={format} />}
      {state === 'noGoal' && (
        <p>{t('report.noGoal.body')} <a href={`/rules/${encodeURIComponent(report.rule.id)}`} onClick={follow(`/rules/${encodeURIComponent(report.rule.id)}`)}>{t('report.noGoal.link')}</a></p>
      )}
      {(state === 'helped' || state === 'hurt' || state === 'inconclusive') && primary && c && (
        <p className="verdict-sentence" data-testid="verdict-sentence">{sentence(t, primary, format)}</p>
      )}
      {hurtGuardrails.map((g) => (
        <p key={g.name} className="guardrail-alarm" role="alert">
          {t('report.guardrail.hurtTop', {
            name: g.name, effect: format.effect(g.kind, g.comparison!.lift.absolute.estimate, refOf(g.comparison!.sequential.absolute)),
            lower: format.bound(g.kind, g.comparison!.sequential.absolute.lower, refOf(g.comparison!.sequential.absolute)),
            upper: format.bound(g.kind, g.comparison!.sequential.absolute.upper, refOf(g.comparison!.sequential.absolute)),
            unit: g.kind === 'conversion' ? t('report.unit.pointsShort') : '',
          })}
        </p>
      ))}
    </section>
  );
}

type T = ReturnType<typeof useT>;

function sentence(t: T, metric: MetricReport, format: ReportFormat): string {
  const c = metric.comparison!;
  const ref = refOf(c.sequential.absolute);
  const values = {
    goal: metric.name,
    treatment: format.level(metric.kind, c.groups.treatment.mean), control: format.level(metric.kind, c.groups.control.mean),
    effect: format.effect(metric.kind, c.lift.absolute.estimate, ref),
    lower: format.bound(metric.kind, c.sequential.absolute.lower, ref), upper: format.bound(metric.kind, c.sequential.absolute.upper, ref),
  };
  return metric.kind === 'conversion' ? t('report.sentence.conversion', values) : t('report.sentence.value', values);
}

function Srm({ report, format }: { report: RuleReport; format: ReportFormat }) {
  const t = useT();
  const srm = report.primary!.comparison!.srm;
  return (
    <div className="srm" role="alert" data-testid="srm">
      <p>{t('report.srm.body', { observed: format.share(srm.observed_control_share), expected: format.share(srm.expected_control_share), p: format.p(srm.p_value), control: format.count(report.matured.control), treatment: format.count(report.matured.treatment) })}</p>
      <p className="srm-check">{t('report.srm.check')}</p>
      <ul>
        <li>{t('report.srm.check.conditions')}</li>
        <li>{t('report.srm.check.changes')}</li>
        <li>{t('report.srm.check.subjects')}</li>
      </ul>
    </div>
  );
}

function TooFew({ report, metric, format }: { report: RuleReport; metric: MetricReport; format: ReportFormat }) {
  const t = useT();
  const min = report.minimum_per_arm;
  const maturing = metric.maturing.control + metric.maturing.treatment;
  return (
    <div data-testid="too-few">
      <p>{t('report.tooFew.body', { control: format.count(metric.matured.control), treatment: format.count(metric.matured.treatment), minimum: format.count(min) })}</p>
      <p>{t('report.tooFew.more', { control: format.count(Math.max(0, min - metric.matured.control)), treatment: format.count(Math.max(0, min - metric.matured.treatment)) })}</p>
      {maturing > 0 && <p className="muted">{t('report.tooFew.maturing', { count: maturing, within: metric.within })}</p>}
    </div>
  );
}

/** "What do these numbers mean?": the null, the range, zero, peeking, how much longer. Only when there is a verdict. */
export function Explainer({ report, format }: { report: RuleReport; format: ReportFormat }) {
  const t = useT();
  const state = stateOf(report);
  const metric = report.primary;
  const c = metric?.comparison;
  if (!metric || !c || (state !== 'helped' && state !== 'hurt' && state !== 'inconclusive')) return null;
  const level = Math.round((1 - c.alpha) * 100);
  const range = c.sequential.absolute;
  const side = sideOfZero(range.lower, range.upper);
  const total = c.groups.control.exposed + c.groups.treatment.exposed;
  const needed = c.power.sequential_exposures_needed;
  const effect = c.power.for_effect_absolute;
  const perDay = exposuresPerDay(report);
  const unit = metric.kind === 'conversion' ? t('report.unit.pointsShort') : '';
  return (
    <section className="explainer" aria-labelledby="explain-title" data-testid="explainer">
      <h2 id="explain-title">{t('report.explain.title')}</h2>
      <p>{t('report.explain.null', { goal: metric.name, kind: metric.kind })}</p>
      <p>{t('report.explain.range', { lower: format.bound(metric.kind, range.lower, refOf(range)), upper: format.bound(metric.kind, range.upper, refOf(range)), unit, level })}{' '}
        {t('report.explain.zero', { side, goal: metric.name })}</p>
      {metric.kind === 'conversion' && (
        <p>{t('report.explain.per1000', {
          goal: metric.name, estimate: format.bound('value', Math.round(c.lift.absolute.estimate * 1000)),
          lower: format.bound('value', Math.round(range.lower * 1000)), upper: format.bound('value', Math.round(range.upper * 1000)),
        })}</p>
      )}
      <p>{t('report.explain.peeking')}</p>
      {state === 'inconclusive' && needed !== null && effect !== null && (
        needed > total ? (
          <p data-testid="needed">
            {t('report.needed', { count: format.about(needed - total), effect: format.effect(metric.kind, effect) })}
            {perDay !== null && perDay > 0 && <> {t('report.neededPace', { perDay: format.about(perDay), days: Math.ceil((needed - total) / perDay) })}</>}
          </p>
        ) : <p data-testid="needed">{t('report.enough', { count: format.count(total), effect: format.effect(metric.kind, effect) })}</p>
      )}
      <p className="small muted">{t('report.explain.mde', { mde: format.effect(metric.kind, c.power.mde_absolute), power: Math.round(c.power.power * 100) })}</p>
    </section>
  );
}
