// /reports/{ruleId}: a rule's holdout report. The verdict first, in words; then the primary goal's groups, lift and
// cumulative chart; the other goals; the guardrails; what limits the report; when it was computed, over which days.
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { useT } from '../../i18n/index.tsx';
import { api, ApiFailure } from '../../api.ts';
import { follow } from './links.ts';
import { refOf, useReportFormat, type ReportFormat } from './format.ts';
import { GroupsTable, LiftFigures } from './MetricSection.tsx';
import { LiftChart } from './LiftChart.tsx';
import { Explainer, VerdictPanel } from './Verdict.tsx';
import { stateOf } from './state.ts';
import type { MetricReport, RuleReport as Report } from './types.ts';

type Load =
  | { status: 'loading' }
  | { status: 'ready'; report: Report }
  | { status: 'no-holdout'; message: string }
  | { status: 'not-found'; message: string }
  | { status: 'error'; message: string; fix: 'network' | 'period' | 'other' };

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The period from the address (?from=2026-11-01&to=2026-11-30, both days included), so a report can be shared. */
function periodFromAddress(): { from: string; to: string } {
  const query = new URLSearchParams(location.search);
  const day = (v: string | null) => (v && DAY.test(v) ? v : '');
  return { from: day(query.get('from')), to: day(query.get('to')) };
}

/** The API's `to` is exclusive: the day after the last day shown. */
const dayAfter = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

export function RuleReport({ ruleId }: { ruleId: string }) {
  const t = useT();
  const format = useReportFormat();
  const [period, setPeriod] = useState(periodFromAddress);
  const [draft, setDraft] = useState(period);
  const [load, setLoad] = useState<Load>({ status: 'loading' });
  const [refreshing, setRefreshing] = useState(false);
  const [tick, setTick] = useState(0);

  const fetchReport = useCallback(async (signal: AbortSignal) => {
    const query = new URLSearchParams();
    if (period.from) query.set('from', period.from);
    if (period.to) query.set('to', dayAfter(period.to));
    const search = query.toString() ? `?${query}` : '';
    try {
      const report = await api<Report>('GET', `/v1/rules/${encodeURIComponent(ruleId)}/report${search}`, undefined, signal);
      setLoad({ status: 'ready', report });
    } catch (failure) {
      if ((failure as Error).name === 'AbortError') return;
      const f = failure as ApiFailure;
      if (f.status === 409) setLoad({ status: 'no-holdout', message: f.message });
      else if (f.status === 404) setLoad({ status: 'not-found', message: f.message });
      else setLoad({ status: 'error', message: f.message, fix: f.status === 0 ? 'network' : f.status === 400 ? 'period' : 'other' });
    } finally {
      setRefreshing(false);
    }
  }, [ruleId, period]);

  useEffect(() => {
    const controller = new AbortController();
    void fetchReport(controller.signal);
    return () => controller.abort();
  }, [fetchReport, tick]);

  const apply = (event: FormEvent) => {
    event.preventDefault();
    const next = { from: draft.from, to: draft.to };
    const query = new URLSearchParams();
    if (next.from) query.set('from', next.from);
    if (next.to) query.set('to', next.to);
    history.replaceState(null, '', `${location.pathname}${query.toString() ? `?${query}` : ''}`);
    setRefreshing(true);
    setPeriod(next);
  };
  const clear = () => { setDraft({ from: '', to: '' }); history.replaceState(null, '', location.pathname); setRefreshing(true); setPeriod({ from: '', to: '' }); };
  const badPeriod = draft.from && draft.to && draft.to < draft.from;

  return (
    <section className="page report-page" aria-labelledby="page-title">
      <p className="crumbs"><a href="/reports" onClick={follow('/reports')}>{t('report.back')}</a></p>
      <div className="page-head">
        <h1 id="page-title">{t('report.rule.title', { id: ruleId })}</h1>
        <div className="actions">
          <a className="button subtle" href={`/rules/${encodeURIComponent(ruleId)}`} onClick={follow(`/rules/${encodeURIComponent(ruleId)}`)}>{t('report.editRule')}</a>
          <button type="button" className="button" disabled={refreshing} onClick={() => { setRefreshing(true); setTick((n) => n + 1); }}>
            {refreshing ? t('report.refreshing') : t('report.refresh')}
          </button>
        </div>
      </div>
      <form className="period" onSubmit={apply} aria-label={t('report.period.label')}>
        <label className="field">{t('report.period.from')}
          <input type="date" value={draft.from} onChange={(e) => setDraft({ ...draft, from: e.target.value })} />
        </label>
        <label className="field">{t('report.period.to')}
          <input type="date" value={draft.to} min={draft.from || undefined} onChange={(e) => setDraft({ ...draft, to: e.target.value })}
            aria-invalid={badPeriod ? true : undefined} aria-describedby={badPeriod ? 'period-error' : undefined} />
        </label>
        <button type="submit" className="button primary" disabled={!!badPeriod}>{t('report.period.apply')}</button>
        <button type="button" className="button subtle" onClick={clear} disabled={!period.from && !period.to && !draft.from && !draft.to}>{t('report.period.all')}</button>
        {badPeriod && <p id="period-error" className="error small">{t('report.period.backwards')}</p>}
      </form>
      <div aria-busy={refreshing} className="report-body" data-refreshing={refreshing || undefined}>
        <Body load={load} ruleId={ruleId} format={format} onRetry={() => { setLoad({ status: 'loading' }); setTick((n) => n + 1); }} />
      </div>
    </section>
  );
}

function Body({ load, ruleId, format, onRetry }: { load: Load; ruleId: string; format: ReportFormat; onRetry(): void }) {
  const t = useT();
  const editor = `/rules/${encodeURIComponent(ruleId)}`;
  switch (load.status) {
    case 'loading':
      return (
        <div className="report-skeleton" aria-busy="true" aria-label={t('report.loading')} data-testid="report-loading">
          <div className="skeleton verdict-skeleton" />
          <div className="skeleton block" />
          <div className="skeleton chart-skeleton" />
        </div>
      );
    case 'no-holdout':
      return (
        <div className="empty" data-testid="no-holdout">
          <h2>{t('report.noHoldout.title')}</h2>
          <p>{t('report.noHoldout.body')}</p>
          <pre className="commands">{'holdout: { percent: 10 }\ngoal: { event: purchase, within: 3d }'}</pre>
          <p><a className="button primary" href={editor} onClick={follow(editor)}>{t('report.noHoldout.link')}</a></p>
          <p className="small muted">{t('report.server', { message: load.message })}</p>
        </div>
      );
    case 'not-found':
      return (
        <div className="empty" data-testid="not-found">
          <h2>{t('report.notFound.title', { id: ruleId })}</h2>
          <p>{t('report.notFound.body')}</p>
          <p><a href="/reports" onClick={follow('/reports')}>{t('report.back')}</a></p>
        </div>
      );
    case 'error':
      return (
        <div className="error" role="alert">
          <p>{t('common.error', { message: load.message })}</p>
          <p>{t(load.fix === 'network' ? 'report.fix.network' : load.fix === 'period' ? 'report.fix.period' : 'report.fix.other')}</p>
          <button type="button" className="button" onClick={onRetry}>{t('common.retry')}</button>
        </div>
      );
    case 'ready':
      return <ReportBody report={load.report} format={format} />;
  }
}

function ReportBody({ report, format }: { report: Report; format: ReportFormat }) {
  const t = useT();
  const primary = report.primary;
  const others = report.goals.slice(1);
  return (
    <>
      <p className="experiment muted" data-testid="experiment">
        {t('report.experiment', {
          percent: report.experiment.percent, version: report.rule.version, since: format.date(report.experiment.since),
        })}
      </p>
      <VerdictPanel report={report} format={format} />
      <Notes report={report} format={format} />
      {primary && (
        <section aria-labelledby="primary-title" className="metric" data-testid="primary">
          <h2 id="primary-title">{t('report.goal.primary', { name: primary.name })}</h2>
          <p className="muted small">{t(primary.kind === 'conversion' ? 'report.goal.conversion' : 'report.goal.value', { event: primary.event, within: primary.within })}</p>
          <GroupsTable metric={primary} format={format} testId="groups" />
          {stateOf(report) === 'srm' ? (
            // The mismatch stops the verdict: the lift stays out of sight unless asked for, marked as untrustworthy.
            <details className="untrusted" data-testid="untrusted-lift">
              <summary>{t('report.srm.showLift')}</summary>
              <LiftBlock report={report} metric={primary} format={format} />
            </details>
          ) : <LiftBlock report={report} metric={primary} format={format} />}
        </section>
      )}
      <Explainer report={report} format={format} />
      {others.map((goal, i) => (
        <section key={goal.name} aria-labelledby={`goal-${i}`} className="metric">
          <h2 id={`goal-${i}`}>{t('report.goal.other', { name: goal.name })}</h2>
          <p className="muted small">{t(goal.kind === 'conversion' ? 'report.goal.conversion' : 'report.goal.value', { event: goal.event, within: goal.within })}</p>
          <GroupsTable metric={goal} format={format} testId={`groups-${goal.name}`} />
          <LiftFigures metric={goal} format={format} testId={`lift-${goal.name}`} />
        </section>
      ))}
      <Guardrails guardrails={report.guardrails} format={format} />
      <p className="muted small" data-testid="computed">
        {t('report.computed', {
          at: format.time(report.as_of), from: format.date(report.period.from),
          to: report.period.to ? format.date(new Date(Date.parse(report.period.to) - 1).toISOString()) : t('report.now'),
        })}
      </p>
    </>
  );
}

function LiftBlock({ report, metric, format }: { report: Report; metric: MetricReport; format: ReportFormat }) {
  const t = useT();
  return (
    <>
      <h3>{t('report.lift.title')}</h3>
      <LiftFigures metric={metric} format={format} testId="lift" />
      <LiftChart kind={metric.kind} points={report.over_time} format={format} title={t('report.chart.title')} />
      <OverTimeTable report={report} format={format} />
    </>
  );
}

/** What limits the report, in the page's words (the server's English warnings say the same). */
function Notes({ report, format }: { report: Report; format: ReportFormat }) {
  const t = useT();
  const notes: string[] = [];
  const primary = report.primary;
  const maturing = report.maturing.control + report.maturing.treatment;
  if (primary && maturing > 0 && report.verdict !== 'invalid') notes.push(t('report.note.maturing', { count: maturing, within: primary.within }));
  if (primary?.comparison?.cuped?.pre_exposure_imbalance) notes.push(t('report.note.cuped'));
  if (report.reshuffled) notes.push(t('report.note.reshuffled', { since: format.date(report.experiment.since) }));
  if (report.experiment.global_control && report.global_control_percent > 0) {
    notes.push(t('report.note.globalControl', { percent: report.global_control_percent, share: format.share(report.experiment.expected_control_share) }));
  }
  if (!notes.length) return null;
  return <ul className="warning notes" data-testid="notes">{notes.map((n) => <li key={n}>{n}</li>)}</ul>;
}

function OverTimeTable({ report, format }: { report: Report; format: ReportFormat }) {
  const t = useT();
  const kind = report.primary!.kind;
  if (!report.over_time.length) return null;
  return (
    <details className="over-time">
      <summary>{t('report.chart.table')}</summary>
      <div className="table-wrap" role="region" aria-label={t('report.chart.table')} tabIndex={0}>
        <table className="table">
          <thead>
            <tr>
              <th scope="col">{t('report.chart.day')}</th>
              <th scope="col" className="num">{t('report.group.control')}</th>
              <th scope="col" className="num">{t('report.group.treatment')}</th>
              <th scope="col" className="num">{t('report.lift.absolute')}</th>
              <th scope="col" className="num">{t('report.chart.legend.band')}</th>
            </tr>
          </thead>
          <tbody>
            {report.over_time.map((p) => (
              <tr key={p.day}>
                <th scope="row">{format.day(p.day)}</th>
                <td className="num">{format.count(p.control.n)}</td>
                <td className="num">{format.count(p.treatment.n)}</td>
                <td className="num">{p.lift ? format.effect(kind, p.lift.absolute, refOf(p.lift.sequential)) : t('common.none')}</td>
                <td className="num">{p.lift ? t('report.range', { lower: format.bound(kind, p.lift.sequential.lower, refOf(p.lift.sequential)), upper: format.bound(kind, p.lift.sequential.upper, refOf(p.lift.sequential)), unit: '' }) : t('common.none')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}

function Guardrails({ guardrails, format }: { guardrails: MetricReport[]; format: ReportFormat }) {
  const t = useT();
  return (
    <section aria-labelledby="guardrails-title" className="guardrails" data-testid="guardrails">
      <h2 id="guardrails-title">{t('report.guardrails.title')}</h2>
      {!guardrails.length ? <p className="muted">{t('report.guardrails.none')}</p> : (
        <ul className="guardrail-list">
          {guardrails.map((g) => {
            const verdict = g.comparison?.verdict ?? 'invalid';
            return (
              <li key={g.name} className="guardrail" data-verdict={verdict} data-testid={`guardrail-${g.name}`}>
                <h3>
                  {g.name} <span className="badge" data-verdict={verdict}>{t(`report.guardrail.verdict.${verdict}`)}</span>
                </h3>
                <p className="small muted">{t('report.guardrail.what', { event: g.event, within: g.within })}</p>
                <GroupsTable metric={g} format={format} testId={`guardrail-groups-${g.name}`} />
                <LiftFigures metric={g} format={format} testId={`guardrail-lift-${g.name}`} />
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
