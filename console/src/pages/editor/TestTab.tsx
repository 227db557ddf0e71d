// "Test on an event": a recent stored event or one pasted as JSON, optionally after the subject's earlier events
// (for windows, sequences and caps); the answer in words: fired or not, each condition with the value it saw, the
// window, suppressions, timers waiting, and what each action would do. Nothing is stored or sent.
import { useState, type FormEvent } from 'react';
import { useIntl } from 'react-intl';
import { useT } from '../../i18n/index.tsx';
import type { MessageKey } from '../../i18n/en.ts';
import { useEditor, typesOf } from './context.tsx';
import type { Json } from './path.ts';
import { call, EditorFailure, type FieldError } from './request.ts';
import { useRecentEvents } from './recent.ts';
import { previewText } from './ActionsSection.tsx';
import type { StoredEvent } from '../../types.ts';

interface Decision { input: { kind: string; id: string; type?: string; time?: string }; outcome: string; because: string; conditions?: string[] }
interface TestAnswer {
  fired: boolean; group?: 'treatment' | 'holdout';
  decision?: { outcome: string; because: string; window?: { value: number; bound: number }; until?: string };
  conditions: string[];
  suppressions: Array<{ reason: string; detail: string; delayedUntil?: string }>;
  waiting: Array<{ because: string; dueAt: string }>;
  trace: { actions?: Array<{ index: number; kind: string; outcome: string; detail?: string; preview?: unknown }> };
  earlier?: Decision[];
}

const OUTCOMES: Record<string, MessageKey> = { queued: 'editor.outcome.queued', applied: 'editor.outcome.applied', skipped: 'editor.outcome.skipped', failed: 'editor.outcome.failed' };
const SAMPLE = '{\n  "type": "purchase",\n  "subject": "user-1",\n  "properties": { "total": 42 }\n}';

export function TestTab({ ruleId, onFieldErrors }: { ruleId: string; onFieldErrors(errors: FieldError[]): void }) {
  const t = useT();
  const intl = useIntl();
  const { doc, setChecks } = useEditor();
  const types = typesOf((doc.when as Record<string, Json> | undefined)?.event);
  const { events, error: eventsError } = useRecentEvents(types);
  const [source, setSource] = useState<'recent' | 'paste'>('recent');
  const [chosen, setChosen] = useState<string>();
  const [pasted, setPasted] = useState(SAMPLE);
  const [withEarlier, setWithEarlier] = useState(true);
  const [busy, setBusy] = useState(false);
  const [answer, setAnswer] = useState<TestAnswer>();
  const [error, setError] = useState<string>();

  const run = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    let event: Record<string, unknown>;
    let stored: StoredEvent | undefined;
    let pastedEarlier: unknown[] = [];
    if (source === 'recent') {
      stored = events?.find((x) => x.id === chosen) ?? events?.[0];
      if (!stored) { setError(t('editor.test.noEvent')); return; }
      event = { id: stored.id, type: stored.type, subject: stored.subject, time: stored.time, properties: stored.properties };
    } else {
      let parsed: unknown;
      try { parsed = JSON.parse(pasted); } catch (failure) { setError(t('editor.test.badJson', { message: (failure as Error).message })); return; }
      // A list is the subject's story: the earlier events first, the tested one last.
      const list = Array.isArray(parsed) ? parsed : [parsed];
      const last = list[list.length - 1] as unknown;
      if (!last || typeof last !== 'object' || Array.isArray(last)) { setError(t('editor.test.notObject')); return; }
      event = last as Record<string, unknown>;
      pastedEarlier = list.slice(0, -1);
    }
    setBusy(true);
    try {
      let earlier: unknown[] | undefined = pastedEarlier.length ? pastedEarlier : undefined;
      if (!earlier && withEarlier && typeof event.subject === 'string') {
        const page = await call<{ items: StoredEvent[] }>('GET', `/v1/events?subject=${encodeURIComponent(event.subject)}&limit=500`);
        // The subject's events before the tested one (by arrival), oldest first, each at its own time.
        earlier = page.items.filter((x) => x.id !== stored?.id && (!stored || Number(x.position) < Number(stored.position)))
          .reverse().map((x) => ({ id: x.id, type: x.type, subject: x.subject, time: x.time, properties: x.properties }));
      }
      const id = ruleId || 'draft';
      const result = await call<TestAnswer>('POST', `/v1/rules/${encodeURIComponent(id)}/test`, { rule: { ...doc, id }, event, ...(earlier?.length ? { events: earlier } : {}) });
      setAnswer(result);
      setChecks(result.conditions);
    } catch (failure) {
      setAnswer(undefined);
      if (failure instanceof EditorFailure && failure.fields.length) { onFieldErrors(failure.fields); setError(t('editor.test.fixFields')); }
      else setError((failure as Error).message);
    } finally { setBusy(false); }
  };

  return (
    <div className="test-tab">
      <form onSubmit={run} className="panel" aria-labelledby="test-title">
        <h2 id="test-title">{t('editor.test.title')}</h2>
        <p className="hint">{t('editor.test.intro')}</p>
        <fieldset className="segmented">
          <legend className="visually-hidden">{t('editor.test.source')}</legend>
          <label><input type="radio" name="source" checked={source === 'recent'} onChange={() => setSource('recent')} />{t('editor.test.recent')}</label>
          <label><input type="radio" name="source" checked={source === 'paste'} onChange={() => setSource('paste')} />{t('editor.test.paste')}</label>
        </fieldset>
        {source === 'recent' ? (
          events === undefined ? <div className="skeleton line" aria-busy="true" aria-label={t('common.loading')} />
            : events.length === 0 ? <p className="muted">{eventsError ? t('common.error', { message: eventsError }) : t('editor.test.noRecent')}</p>
            : (
              <div className="field">
                <label htmlFor="test-event">{t('editor.test.event')}</label>
                <select id="test-event" value={chosen ?? events[0].id} onChange={(e) => setChosen(e.target.value)}>
                  {events.map((x) => <option key={x.id} value={x.id}>{`${x.type} · ${x.subject} · ${intl.formatDate(x.receivedAt, { dateStyle: 'short', timeStyle: 'medium' })} · ${JSON.stringify(x.properties).slice(0, 60)}`}</option>)}
                </select>
              </div>
            )
        ) : (
          <div className="field">
            <label htmlFor="test-json">{t('editor.test.json')}</label>
            <textarea id="test-json" rows={7} spellCheck={false} value={pasted} aria-describedby="test-json-hint" onChange={(e) => setPasted(e.target.value)} />
            <span className="hint" id="test-json-hint">{t('editor.test.jsonHint')}</span>
          </div>
        )}
        <label className="check"><input type="checkbox" checked={withEarlier} onChange={(e) => setWithEarlier(e.target.checked)} />{t('editor.test.earlier')}</label>
        <div className="row-actions">
          <button type="submit" className="button primary" disabled={busy}>{t('editor.test.run')}</button>
        </div>
        {error && <p className="error" role="alert">{error}</p>}
      </form>
      <div aria-live="polite">{answer && <TestResult answer={answer} />}</div>
    </div>
  );
}

function TestResult({ answer }: { answer: TestAnswer }) {
  const t = useT();
  const intl = useIntl();
  const actions = answer.trace.actions ?? [];
  return (
    <section className="panel result" data-testid="test-result" aria-labelledby="test-outcome">
      <h3 id="test-outcome" className={answer.fired ? 'ok' : 'bad'}>
        {answer.fired ? (answer.group === 'holdout' ? t('editor.test.firedHoldout') : t('editor.test.fired')) : t('editor.test.notFired')}
      </h3>
      {answer.decision && <p>{answer.decision.because}</p>}
      {answer.decision?.window && !/window/.test(answer.decision.because) && <p>{t('editor.test.window', { value: answer.decision.window.value, bound: answer.decision.window.bound })}</p>}
      {answer.conditions.length > 0 && (
        <>
          <h4>{t('editor.test.conditions')}</h4>
          <ul className="checks">{answer.conditions.map((c, i) => <li key={i}>{c}</li>)}</ul>
        </>
      )}
      {answer.suppressions.length > 0 && (
        <>
          <h4>{t('editor.test.suppressions')}</h4>
          <ul>{answer.suppressions.map((s, i) => <li key={i}>{s.reason}: {s.detail}{s.delayedUntil ? ` (${intl.formatDate(s.delayedUntil, { dateStyle: 'short', timeStyle: 'short' })})` : ''}</li>)}</ul>
        </>
      )}
      {answer.waiting.length > 0 && (
        <>
          <h4>{t('editor.test.waiting')}</h4>
          <ul>{answer.waiting.map((w, i) => <li key={i}>{w.because}</li>)}</ul>
        </>
      )}
      {actions.length > 0 && (
        <>
          <h4>{t('editor.test.actions')}</h4>
          <ol className="would-do">
            {actions.map((a) => (
              <li key={a.index}>
                <strong>{a.kind}</strong> · {t(OUTCOMES[a.outcome] ?? 'editor.outcome.other', { outcome: a.outcome })}{a.detail ? `: ${a.detail}` : ''}
                {a.preview !== undefined && (
                  <>
                    <pre>{previewText(a.preview)}</pre>
                    <details><summary>{t('editor.test.fullRequest')}</summary><pre>{JSON.stringify(a.preview, null, 2)}</pre></details>
                  </>
                )}
              </li>
            ))}
          </ol>
        </>
      )}
      {answer.earlier && answer.earlier.length > 0 && (
        <details>
          <summary>{t('editor.test.earlierResults', { count: answer.earlier.length })}</summary>
          <ol className="earlier">{answer.earlier.map((d, i) => <li key={i}><code>{d.input.type ?? d.input.kind}</code> {d.input.time ? intl.formatTime(d.input.time, { hour: '2-digit', minute: '2-digit', second: '2-digit' }) : ''}: {d.because}</li>)}</ol>
        </details>
      )}
    </section>
  );
}
