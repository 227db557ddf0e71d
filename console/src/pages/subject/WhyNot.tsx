// "Why not?": a rule replayed over the subject's recent events, and for each event what became of it in words —
// fired, or what blocked it (the condition and the values it saw, the window short of its bound, a timer waiting,
// cancelled, capped, quiet hours, rate-limited, deduped, disabled), with the limits the pipeline recorded.
import { useEffect, useState, type FormEvent } from 'react';
import { useIntl } from 'react-intl';
import { api } from '../../api.ts';
import { useT } from '../../i18n/index.tsx';
import type { MessageKey } from '../../i18n/en.ts';
import { Link, segment, useFailureText, When } from '../runs/shared.tsx';
import type { Decision, Suppression } from '../runs/types.ts';
import { firingPath } from '../runs/paths.ts';

interface Explanation {
  subject: string; rule: { id: string; version: number; enabled: boolean }; from: string | null;
  warmup: { events: number; fromTime: string | null }; decisions: Decision[];
  waiting: Array<{ id: string; dueAt: string; because: string }>; suppressions: Array<Suppression & { rule: string }>; truncated: boolean;
}

const OUTCOMES = ['fired', 'event_type', 'condition_false', 'condition_error', 'late', 'window_not_reached', 'already_fired', 'sequence_incomplete', 'waiting',
  'cancelled', 'no_change', 'deduped', 'quiet_hours', 'capped', 'rate_limited', 'overflow', 'disabled'] as const;
const outcomeKey = (outcome: string) => ((OUTCOMES as readonly string[]).includes(outcome) ? `subject.outcome.${outcome}` as MessageKey : undefined);

export function WhyNot({ subject, initialRule }: { subject: string; initialRule?: string }) {
  const t = useT();
  const intl = useIntl();
  const failureText = useFailureText();
  const [rules, setRules] = useState<string[]>();
  const [rule, setRule] = useState(initialRule);
  const [answer, setAnswer] = useState<Explanation>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [otherTypes, setOtherTypes] = useState(false);

  useEffect(() => {
    const controller = new AbortController();
    api<{ items: Array<{ id: string }> }>('GET', '/v1/rules', undefined, controller.signal)
      .then((list) => setRules(list.items.map((r) => r.id)))
      .catch((failure: unknown) => { if ((failure as Error).name !== 'AbortError') { setRules([]); setError(failureText(failure)); } });
    return () => controller.abort();
  }, [failureText]);

  useEffect(() => {
    if (!rule) return;
    const controller = new AbortController();
    setBusy(true);
    setError(undefined);
    api<Explanation>('GET', `/v1/subjects/${segment(subject)}/explain?rule=${segment(rule)}`, undefined, controller.signal)
      .then(setAnswer)
      .catch((failure: unknown) => { if ((failure as Error).name !== 'AbortError') { setAnswer(undefined); setError(failureText(failure)); } })
      .finally(() => setBusy(false));
    return () => controller.abort();
  }, [subject, rule, failureText]);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const chosen = String(new FormData(event.currentTarget).get('rule') ?? '');
    if (chosen) {
      setRule(chosen);
      history.replaceState(null, '', `${location.pathname}?rule=${segment(chosen)}`);
    }
  };

  // Events of types the rule does not listen for say nothing about it: hidden unless asked for, and counted.
  const all = answer ? [...answer.decisions].reverse() : [];
  const decisions = otherTypes ? all : all.filter((d) => d.outcome !== 'event_type');
  const hidden = all.length - decisions.length;
  return (
    <section aria-labelledby="why-title">
      <h2 id="why-title">{t('subject.why')}</h2>
      <p className="muted">{t('subject.whyHelp')}</p>
      <form className="filters" onSubmit={submit}>
        <label className="field"><span>{t('subject.rule')}</span>
          <select name="rule" key={`${rules?.length}-${rule}`} defaultValue={rule ?? ''} disabled={!rules}>
            <option value="" disabled>{t(rules?.length === 0 ? 'subject.noRules' : 'subject.pickRule')}</option>
            {(rules ?? []).map((r) => <option key={r} value={r}>{r}</option>)}
          </select>
        </label>
        <button type="submit" className="button primary" disabled={!rules?.length || busy}>{t('subject.explain')}</button>
      </form>
      {error && <p className="error" role="alert">{error}</p>}
      {busy && <div className="skeleton block runs-skeleton" aria-busy="true" aria-label={t('common.loading')} />}
      {!busy && answer && (
        <div data-testid="why-not">
          <p>
            {t('subject.whyOf', { rule: answer.rule.id, version: answer.rule.version })}{' '}
            {!answer.rule.enabled && <strong>{t('subject.ruleOff')}</strong>}
          </p>
          {answer.warmup.events > 0 && answer.warmup.fromTime && (
            <p className="muted small">{t('subject.warmup', { count: answer.warmup.events, time: intl.formatDate(answer.warmup.fromTime, { dateStyle: 'medium', timeStyle: 'short' }) })}</p>
          )}
          {answer.truncated && <p className="muted small">{t('subject.truncated')}</p>}
          {(hidden > 0 || otherTypes) && (
            <label className="runs-live"><input type="checkbox" checked={otherTypes} onChange={(e) => setOtherTypes(e.target.checked)} />
              {t('subject.otherTypes', { count: all.filter((d) => d.outcome === 'event_type').length })}</label>
          )}
          {decisions.length === 0 ? <p className="empty">{t('subject.whyNone')}</p> : (
            <ol className="subject-decisions">
              {decisions.map((d, i) => {
                const key = outcomeKey(d.outcome);
                return (
                  <li key={`${d.input.id}-${i}`} data-outcome={d.outcome}>
                    <div className="subject-decision-head">
                      <span className="subject-when"><When time={d.input.kind === 'event' ? d.input.receivedAt : d.input.dueAt} /></span>
                      <span>{d.input.kind === 'event' ? t('subject.event', { type: d.input.type ?? '' }) : t('subject.timer')}</span>
                      <strong className="subject-outcome" data-fired={d.outcome === 'fired'}>{key ? t(key) : d.outcome}</strong>
                    </div>
                    <p className="subject-because">{d.because}</p>
                    {d.conditions && d.conditions.length > 0 && <ul className="runs-values">{d.conditions.map((c, j) => <li key={j}><code>{c}</code></li>)}</ul>}
                    {d.window && <p className="small">{t('subject.window', { value: d.window.value, bound: d.window.bound })}</p>}
                    {d.until && <p className="small">{t('subject.until')} <When time={d.until} /></p>}
                    {d.suppressions?.map((s, j) => <p key={j} className="small warning">{s.reason}: {s.detail}</p>)}
                    {d.firingId && <Link to={firingPath(d.firingId)}>{t('subject.openFiring')}</Link>}
                  </li>
                );
              })}
            </ol>
          )}
          {answer.waiting.length > 0 && (
            <>
              <h3>{t('subject.waiting')}</h3>
              <ul>{answer.waiting.map((w) => <li key={w.id}><When time={w.dueAt} />: {w.because}</li>)}</ul>
            </>
          )}
          {answer.suppressions.length > 0 && (
            <>
              <h3>{t('subject.recorded')}</h3>
              <ul>{answer.suppressions.map((s, i) => <li key={i}><When time={s.at} />: {s.reason} — {s.detail}</li>)}</ul>
            </>
          )}
        </div>
      )}
    </section>
  );
}
