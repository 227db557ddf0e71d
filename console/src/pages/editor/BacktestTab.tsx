// "Backtest the last 7 days": what the rule (the draft, or the saved rule when nothing changed) would have done
// over last week's stored events: firings per day, distinct subjects, suppressions by reason, sample firings,
// and the range really covered. Nothing is sent.
import { useState } from 'react';
import { useIntl } from 'react-intl';
import { useT } from '../../i18n/index.tsx';
import type { MessageKey } from '../../i18n/en.ts';
import { useEditor } from './context.tsx';
import { call, EditorFailure, type FieldError } from './request.ts';
import { estimate, lastWeek, type BacktestAnswer } from './estimate.ts';
import type { Doc } from './path.ts';

const REASONS: Record<string, MessageKey> = {
  capped: 'editor.reason.capped', deduped: 'editor.reason.deduped', quiet_hours: 'editor.reason.quiet_hours', rate_limited: 'editor.reason.rate_limited',
  cancelled: 'editor.reason.cancelled', overflow: 'editor.reason.overflow', holdout: 'editor.reason.holdout',
};

/** A backtest of the last 7 days: the saved rule by id, or a draft (sent as JSON). */
export async function backtestLastWeek(doc: Doc, savedId: string | undefined): Promise<BacktestAnswer> {
  const range = lastWeek();
  if (savedId) return call<BacktestAnswer>('POST', `/v1/rules/${encodeURIComponent(savedId)}/backtest`, { ...range, sample: 10 });
  const draft = { ...doc, id: typeof doc.id === 'string' && doc.id ? doc.id : 'draft' };
  return call<BacktestAnswer>('POST', `/v1/rules/backtest?from=${encodeURIComponent(range.from)}&to=${encodeURIComponent(range.to)}&sample=10`, draft);
}

export function BacktestTab({ savedId, onFieldErrors }: { savedId: string | undefined; onFieldErrors(errors: FieldError[]): void }) {
  const t = useT();
  const { doc } = useEditor();
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<BacktestAnswer>();
  const [error, setError] = useState<string>();
  const run = async () => {
    setBusy(true); setError(undefined);
    try { setResult(await backtestLastWeek(doc, savedId)); } catch (failure) {
      setResult(undefined);
      if (failure instanceof EditorFailure && failure.fields.length) { onFieldErrors(failure.fields); setError(t('editor.test.fixFields')); }
      else setError((failure as Error).message);
    } finally { setBusy(false); }
  };
  return (
    <div className="backtest-tab">
      <section className="panel" aria-labelledby="backtest-title">
        <h2 id="backtest-title">{t('editor.backtest.title')}</h2>
        <p className="hint">{t(savedId ? 'editor.backtest.introSaved' : 'editor.backtest.introDraft')}</p>
        <button type="button" className="button primary" onClick={() => void run()} disabled={busy}>{busy ? t('editor.backtest.running') : t('editor.backtest.run')}</button>
        {error && <p className="error" role="alert">{error}</p>}
      </section>
      <div aria-live="polite" aria-busy={busy || undefined}>
        {busy && !result && <div className="skeleton block" />}
        {result && <BacktestResult result={result} doc={doc} />}
      </div>
    </div>
  );
}

function BacktestResult({ result, doc }: { result: BacktestAnswer; doc: Doc }) {
  const t = useT();
  const intl = useIntl();
  const date = (iso: string) => intl.formatDate(iso, { dateStyle: 'medium', timeStyle: 'short' });
  const most = Math.max(1, ...result.perDay.map((d) => d.firings));
  const guess = estimate(result, doc);
  const suppressions = Object.entries(result.suppressions).filter(([, n]) => n > 0);
  return (
    <section className="panel result" data-testid="backtest-result" aria-labelledby="backtest-covered">
      <p id="backtest-covered">
        {result.covered
          ? t('editor.backtest.covered', { from: date(result.covered.from), to: date(result.covered.to), events: result.events })
          : t('editor.backtest.nothing')}
      </p>
      <dl className="stats">
        <div className="stat"><dt>{t('editor.backtest.firings')}</dt><dd data-testid="backtest-firings">{intl.formatNumber(result.firings)}</dd></div>
        <div className="stat"><dt>{t('editor.backtest.subjects')}</dt><dd>{intl.formatNumber(result.subjects)}</dd></div>
        <div className="stat"><dt>{t('editor.backtest.perDay')}</dt><dd>{guess ? intl.formatNumber(guess.perDay, { maximumFractionDigits: 1 }) : t('common.none')}</dd></div>
        <div className="stat"><dt>{t('editor.backtest.suppressed')}</dt><dd>{intl.formatNumber(suppressions.reduce((s, [, n]) => s + n, 0))}</dd></div>
      </dl>
      {result.perDay.length > 0 && (
        <figure className="bars">
          <figcaption>{t('editor.backtest.chart')}</figcaption>
          <table className="table bars-table" data-testid="backtest-days">
            <thead><tr><th scope="col">{t('editor.backtest.day')}</th><th scope="col">{t('editor.backtest.firings')}</th></tr></thead>
            <tbody>
              {result.perDay.map((d) => (
                <tr key={d.day}>
                  <th scope="row" className="nowrap">{intl.formatDate(`${d.day}T00:00:00Z`, { timeZone: 'UTC', month: 'short', day: 'numeric', weekday: 'short' })}</th>
                  <td><span className="bar-cell"><span className="bar" style={{ width: `${(d.firings / most) * 100}%` }} aria-hidden="true" /><span className="bar-value">{intl.formatNumber(d.firings)}</span></span></td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="hint">{t('editor.backtest.utc')}</p>
        </figure>
      )}
      <h3>{t('editor.backtest.suppressions')}</h3>
      {suppressions.length === 0 ? <p className="muted">{t('editor.backtest.noSuppressions')}</p> : (
        <ul>{suppressions.map(([reason, n]) => <li key={reason}>{t(REASONS[reason] ?? 'editor.reason.other', { reason, count: n })}</li>)}</ul>
      )}
      {result.sample.length > 0 && (
        <>
          <h3>{t('editor.backtest.sample')}</h3>
          <div className="table-wrap">
            <table className="table">
              <thead><tr><th scope="col">{t('editor.backtest.subject')}</th><th scope="col">{t('editor.backtest.time')}</th><th scope="col">{t('editor.backtest.events')}</th></tr></thead>
              <tbody>{result.sample.map((f) => <tr key={f.id}><td>{f.subject}</td><td className="nowrap">{date(f.time)}</td><td><code>{f.eventIds.join(', ')}</code></td></tr>)}</tbody>
            </table>
          </div>
        </>
      )}
      {result.late > 0 && <p className="warning">{t('editor.backtest.late', { count: result.late })}</p>}
      {result.errors.count > 0 && <div className="error"><p>{t('editor.backtest.errors', { count: result.errors.count })}</p><ul>{result.errors.first.map((m, i) => <li key={i}>{m}</li>)}</ul></div>}
      {result.warnings.length > 0 && <ul className="warning">{result.warnings.map((w, i) => <li key={i}>{w}</li>)}</ul>}
    </section>
  );
}
