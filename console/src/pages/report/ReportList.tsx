// /reports: the rules with a holdout, each with what its report comes to, to choose from. Rules come from
// GET /v1/rules; each report is asked for on its own (a few at a time), so one slow or failing report shows in its
// own row and never holds up the list.
import { useEffect, useState } from 'react';
import { useT } from '../../i18n/index.tsx';
import { api, ApiFailure } from '../../api.ts';
import { follow } from './links.ts';
import { useReportFormat } from './format.ts';
import { stateOf } from './state.ts';
import type { RuleReport, RuleSummary } from './types.ts';

type Row = { status: 'loading' } | { status: 'ready'; report: RuleReport } | { status: 'error'; message: string };
const AT_ONCE = 3;

const goalOf = (rule: RuleSummary) => {
  const goal = rule.document.goal ?? rule.document.goals?.[0];
  if (!goal) return undefined;
  return goal.name ?? (Array.isArray(goal.event) ? goal.event[0] : goal.event);
};

export function ReportList() {
  const t = useT();
  const format = useReportFormat();
  const [rules, setRules] = useState<RuleSummary[]>();
  const [others, setOthers] = useState(0);
  const [error, setError] = useState<string>();
  const [rows, setRows] = useState<Record<string, Row>>({});
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    (async () => {
      try {
        const { items } = await api<{ items: RuleSummary[] }>('GET', '/v1/rules', undefined, controller.signal);
        const withHoldout = items.filter((r) => (r.document.holdout?.percent ?? 0) > 0).sort((a, b) => a.id.localeCompare(b.id));
        setRules(withHoldout);
        setOthers(items.length - withHoldout.length);
        setError(undefined);
        const queue = [...withHoldout];
        const worker = async () => {
          for (let rule = queue.shift(); rule; rule = queue.shift()) {
            const id = rule.id;
            try {
              const report = await api<RuleReport>('GET', `/v1/rules/${encodeURIComponent(id)}/report`, undefined, controller.signal);
              setRows((r) => ({ ...r, [id]: { status: 'ready', report } }));
            } catch (failure) {
              if ((failure as Error).name === 'AbortError') return;
              setRows((r) => ({ ...r, [id]: { status: 'error', message: (failure as Error).message } }));
            }
          }
        };
        await Promise.all(Array.from({ length: AT_ONCE }, worker));
      } catch (failure) {
        if ((failure as Error).name === 'AbortError') return;
        setError(failure instanceof ApiFailure && failure.status === 0 ? t('report.fix.network') : t('common.error', { message: (failure as Error).message }));
      }
    })();
    return () => controller.abort();
  }, [attempt, t]);

  return (
    <section className="page report-page" aria-labelledby="page-title">
      <h1 id="page-title">{t('report.list.title')}</h1>
      <p className="muted">{t('report.list.intro')}</p>
      {error && (
        <div className="error" role="alert">
          <p>{error}</p>
          <button type="button" className="button" onClick={() => setAttempt((n) => n + 1)}>{t('common.retry')}</button>
        </div>
      )}
      {!rules && !error && <div className="skeleton block" aria-busy="true" aria-label={t('report.loading')} />}
      {rules && rules.length === 0 && (
        <div className="empty" data-testid="reports-empty">
          <h2>{t('report.list.empty.title')}</h2>
          <p>{t('report.list.empty.body', { count: others })}</p>
          <pre className="commands">{'holdout: { percent: 10 }\ngoal: { event: purchase, within: 3d }'}</pre>
          <p><a href="/rules" onClick={follow('/rules')}>{t('report.list.empty.link')}</a></p>
        </div>
      )}
      {rules && rules.length > 0 && (
        <div className="table-wrap" role="region" aria-label={t('report.list.title')} tabIndex={0}>
          <table className="table report-list" data-testid="report-list">
            <thead>
              <tr>
                <th scope="col">{t('report.list.rule')}</th>
                <th scope="col">{t('report.list.goal')}</th>
                <th scope="col" className="num">{t('report.list.holdout')}</th>
                <th scope="col">{t('report.list.verdict')}</th>
                <th scope="col" className="num">{t('report.list.lift')}</th>
                <th scope="col" className="num">{t('report.list.counted')}</th>
              </tr>
            </thead>
            <tbody>
              {rules.map((rule) => {
                const row = rows[rule.id] ?? { status: 'loading' };
                const report = row.status === 'ready' ? row.report : undefined;
                const state = report ? stateOf(report) : undefined;
                const c = report?.primary?.comparison;
                const path = `/reports/${encodeURIComponent(rule.id)}`;
                return (
                  <tr key={rule.id} data-rule={rule.id}>
                    <th scope="row">
                      <a href={path} onClick={follow(path)}>{rule.document.name ?? rule.id}</a>
                      {rule.document.name && <div className="small muted">{rule.id}</div>}
                      {!rule.enabled && <div className="small muted">{t('report.list.disabled')}</div>}
                    </th>
                    <td>{goalOf(rule) ?? <span className="muted">{t('report.list.noGoal')}</span>}</td>
                    <td className="num">{format.percent(rule.document.holdout?.percent ?? 0)}</td>
                    <td>
                      {row.status === 'loading' && <span className="skeleton inline" aria-label={t('common.loading')} />}
                      {row.status === 'error' && <span className="bad">{row.message}</span>}
                      {state && <span className="badge" data-verdict={state}>{t(`report.badge.${state}`)}</span>}
                    </td>
                    <td className="num">{c && report?.primary && state !== 'srm' && state !== 'tooFew' ? format.effect(report.primary.kind, c.lift.absolute.estimate) : t('common.none')}</td>
                    <td className="num">{report ? format.count(report.matured.control + report.matured.treatment) : ''}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {rules && rules.length > 0 && others > 0 && <p className="muted small">{t('report.list.others', { count: others })}</p>}
    </section>
  );
}
