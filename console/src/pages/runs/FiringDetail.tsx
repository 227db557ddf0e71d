// One firing: its trace in words (the triggering event, each condition with the values it saw, the window, the
// group, suppressions), what each action did and what became of its delivery, with links to the subject and rule.
import { useEffect, useState } from 'react';
import { api } from '../../api.ts';
import { useT } from '../../i18n/index.tsx';
import { Link, REFRESH_MS, segment, useFailureText, When } from './shared.tsx';
import { actionOutcomeText, GroupBadge, StatusBadge, TraceWords } from './words.tsx';
import type { Decision, Delivery, Firing } from './types.ts';
import { subjectPath, deliveryPath } from './paths.ts';

type FiringWithDeliveries = Firing & { deliveries: Delivery[] };

export function FiringDetail({ id }: { id: string }) {
  const t = useT();
  const failureText = useFailureText();
  const [firing, setFiring] = useState<FiringWithDeliveries>();
  const [error, setError] = useState<string>();
  const [decision, setDecision] = useState<Decision | null>();

  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      try {
        const answer = await api<FiringWithDeliveries>('GET', `/v1/firings/${segment(id)}`, undefined, controller.signal);
        setFiring(answer);
        setError(undefined);
        // Deliveries still on their way are followed until they settle.
        if (answer.deliveries.some((d) => d.status === 'pending' || d.status === 'delivering')) timer = setTimeout(load, REFRESH_MS);
      } catch (failure) {
        if ((failure as Error).name !== 'AbortError') setError(failureText(failure));
      }
    };
    void load();
    return () => { controller.abort(); clearTimeout(timer); };
  }, [id, failureText]);

  // The rule's decision on this firing as "why (not)?" replays it now: the window value and any suppression. The
  // stored trace stands alone when the firing is older than the events replayed.
  const subject = firing?.subject;
  const rule = firing?.rule;
  useEffect(() => {
    if (!subject || !rule) return;
    const controller = new AbortController();
    api<{ decisions: Decision[] }>('GET', `/v1/subjects/${segment(subject)}/explain?rule=${segment(rule)}`, undefined, controller.signal)
      .then((answer) => setDecision(answer.decisions.find((d) => d.firingId === id) ?? null))
      .catch(() => setDecision(null));
    return () => controller.abort();
  }, [subject, rule, id]);

  return (
    <section className="page" aria-labelledby="page-title">
      <p className="runs-back"><Link to="/runs">{t('runs.back.firings')}</Link></p>
      <h1 id="page-title">{firing ? t('runs.firing.title', { rule: firing.rule, subject: firing.subject }) : t('runs.firing.titleLoading')}</h1>
      {error && <p className="error" role="alert">{error}</p>}
      {!firing ? (!error && <div className="skeleton block runs-skeleton" aria-busy="true" aria-label={t('common.loading')} />) : (
        <>
          <dl className="runs-facts">
            <div><dt>{t('runs.col.time')}</dt><dd><When time={firing.time} /></dd></div>
            <div><dt>{t('runs.col.rule')}</dt><dd><Link to={`/rules/${segment(firing.rule)}`}>{firing.rule}</Link> <span className="muted">{t('runs.firing.version', { version: firing.version })}</span></dd></div>
            <div><dt>{t('runs.col.subject')}</dt><dd><Link to={subjectPath(firing.subject)}>{firing.subject}</Link></dd></div>
            <div><dt>{t('runs.col.group')}</dt><dd><GroupBadge group={firing.group} /></dd></div>
            <div><dt>{t('runs.firing.events')}</dt><dd>{firing.eventIds.map((e) => <code key={e} className="runs-id">{e}</code>)}</dd></div>
            <div><dt>{t('runs.firing.id')}</dt><dd><code className="runs-id">{firing.id}</code></dd></div>
          </dl>
          <h2>{t('runs.firing.why')}</h2>
          <TraceWords trace={firing.trace} group={firing.group} decision={decision ?? undefined} />
          {decision && <p className="muted small" data-testid="decision-because">{t('runs.firing.because', { because: decision.because })}</p>}
          <h2>{t('runs.firing.actions')}</h2>
          {(firing.trace.actions ?? []).length === 0 ? <p className="muted">{t('runs.firing.noActions')}</p> : (
            <div className="table-wrap runs-wrap">
              <table className="table" data-testid="firing-actions">
                <thead><tr><th scope="col">{t('runs.col.action')}</th><th scope="col">{t('runs.firing.atFiring')}</th><th scope="col">{t('runs.firing.delivery')}</th></tr></thead>
                <tbody>
                  {(firing.trace.actions ?? []).map((a) => {
                    const delivery = firing.deliveries.find((d) => d.actionIndex === a.index);
                    return (
                      <tr key={a.index}>
                        <td>{t('runs.firing.actionName', { index: a.index + 1, kind: a.kind })}</td>
                        <td>{actionOutcomeText(t, a.outcome)}{a.detail ? <span className="muted small"> — {a.detail}</span> : null}</td>
                        <td>{delivery ? (
                          <><StatusBadge status={delivery.status} /> <Link to={deliveryPath(delivery.id)}>{t('runs.firing.openDelivery', { destination: delivery.destination })}</Link>
                            {' '}<span className="muted small">{t('runs.attempts', { count: delivery.attempts })}</span></>
                        ) : <span className="muted">{t(a.outcome === 'queued' ? 'runs.firing.deliveryGone' : 'runs.firing.noDelivery')}</span>}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )}
          <h2>{t('runs.firing.more')}</h2>
          <ul className="runs-links">
            <li><Link to={subjectPath(firing.subject, firing.rule)}>{t('runs.firing.whyNot', { subject: firing.subject })}</Link></li>
            <li><Link to={`/runs?rule=${segment(firing.rule)}`}>{t('runs.firing.allOfRule', { rule: firing.rule })}</Link></li>
            <li><Link to={`/runs/deliveries?rule=${segment(firing.rule)}&subject=${segment(firing.subject)}`}>{t('runs.firing.deliveriesOf')}</Link></li>
          </ul>
        </>
      )}
    </section>
  );
}
