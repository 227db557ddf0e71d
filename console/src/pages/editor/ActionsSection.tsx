// The actions (`then`): every kind of the rule language (webhook, chat, email, emit, set, log), each with its
// fields, and a live preview of what it would send, rendered by the server on a real recent event.
import { useEffect, useId, useState } from 'react';
import { useIntl } from 'react-intl';
import { useT } from '../../i18n/index.tsx';
import type { MessageKey } from '../../i18n/en.ts';
import { useEditor, typesOf } from './context.tsx';
import { fieldId, getAt, type Doc, type Json } from './path.ts';
import { JsonField, SelectField, TextField } from './fields.tsx';
import { call, isAbort, EditorFailure } from './request.ts';
import { useRecentEvents } from './recent.ts';
import type { StoredEvent } from '../../types.ts';

export const KINDS = ['webhook', 'chat', 'email', 'emit', 'set', 'log'] as const;
type Kind = (typeof KINDS)[number];
const KIND_LABEL: Record<Kind, MessageKey> = { webhook: 'editor.action.webhook', chat: 'editor.action.chat', email: 'editor.action.email', emit: 'editor.action.emit', set: 'editor.action.set', log: 'editor.action.log' };
const DEFAULTS: Record<Kind, Json> = {
  webhook: { url: 'https://', method: 'POST', body: '{"subject": "{{ subject.id }}", "event": "{{ event.type }}"}' },
  chat: { url: 'https://hooks.slack.com/services/…', text: '{{ subject.id }} did {{ event.type }}' },
  email: { to: '{{ subject.email }}', subject: 'Hello', text: 'Hi {{ subject.id }}' },
  emit: { event: 'rule_fired' },
  set: { last_reminded: '{{ now }}' },
  log: { message: '{{ subject.id }}: {{ event.type }}', level: 'info' },
};

interface Preview { index: number; kind: string; outcome: string; detail?: string; preview?: unknown }

export const kindOfAction = (action: Json): Kind | undefined => (action && typeof action === 'object' && !Array.isArray(action) ? KINDS.find((k) => k in action) : undefined);

export function ActionsSection({ ruleId }: { ruleId: string }) {
  const t = useT();
  const { doc, update } = useEditor();
  const actions = Array.isArray(doc.then) ? doc.then : [];
  const [adding, setAdding] = useState<Kind>('webhook');
  const previews = usePreview(doc, ruleId);
  return (
    <section className="panel" aria-labelledby="actions-title" id={fieldId('then')} tabIndex={-1}>
      <h2 id="actions-title">{t('editor.actions.title')}</h2>
      <PreviewEventPicker state={previews} />
      <ol className="actions">
        {actions.map((action, i) => {
          const kind = kindOfAction(action);
          return (
            <li key={i} className="action" data-testid="action" id={fieldId(`then[${i}]`)} tabIndex={-1}>
              <div className="action-head">
                <h3>{t('editor.action.heading', { n: i + 1, kind: kind ? t(KIND_LABEL[kind]) : '?' })}</h3>
                <button type="button" className="button subtle" disabled={i === 0} onClick={() => update('then', move(actions, i, i - 1))}>{t('editor.action.up', { n: i + 1 })}</button>
                <button type="button" className="button subtle" disabled={actions.length === 1} onClick={() => update('then', actions.filter((_, j) => j !== i))}>{t('editor.action.remove', { n: i + 1 })}</button>
              </div>
              {kind ? <ActionFields kind={kind} base={`then[${i}].${kind}`} n={i + 1} /> : <p className="warning">{t('editor.action.unknown')}</p>}
              <ActionPreview preview={previews.items?.find((p) => p.index === i)} state={previews} n={i + 1} />
            </li>
          );
        })}
      </ol>
      <div className="add-action">
        <div className="field inline">
          <label htmlFor="add-kind">{t('editor.actions.kind')}</label>
          <select id="add-kind" value={adding} onChange={(e) => setAdding(e.target.value as Kind)}>
            {KINDS.map((k) => <option key={k} value={k}>{t(KIND_LABEL[k])}</option>)}
          </select>
        </div>
        <button type="button" className="button" onClick={() => update('then', [...actions, { [adding]: DEFAULTS[adding] }])}>{t('editor.actions.add')}</button>
      </div>
    </section>
  );
}

const move = <T,>(list: T[], from: number, to: number) => { const copy = [...list]; const [x] = copy.splice(from, 1); copy.splice(to, 0, x); return copy; };

function ActionFields({ kind, base, n }: { kind: Kind; base: string; n: number }) {
  const t = useT();
  const { doc } = useEditor();
  const [json, setJson] = useState<Record<string, string | undefined>>({});
  const jsonText = (key: string) => ({ text: json[key], setText: (text: string | undefined) => setJson((old) => ({ ...old, [key]: text })) });
  const liquid = t('editor.action.liquid');
  switch (kind) {
    case 'webhook': {
      const body = getAt(doc, `${base}.body`);
      return (
        <div className="grid">
          <TextField path={`${base}.url`} label={t('editor.webhook.url', { n })} hint={t('editor.webhook.urlHint')} required className="wide" />
          <SelectField path={`${base}.method`} label={t('editor.webhook.method', { n })} options={['POST', 'PUT', 'PATCH', 'GET', 'DELETE'].map((m) => ({ value: m, label: m }))} empty={t('editor.webhook.methodDefault')} />
          <TextField path={`${base}.timeout`} label={t('editor.action.timeout', { n })} hint={t('editor.action.timeoutHint')} />
          <Headers path={`${base}.headers`} n={n} />
          {body !== undefined && typeof body !== 'string'
            ? <JsonField path={`${base}.body`} label={t('editor.webhook.bodyJson', { n })} hint={t('editor.webhook.bodyJsonHint')} className="wide" {...jsonText('body')} />
            : <TextField path={`${base}.body`} label={t('editor.webhook.body', { n })} hint={liquid} multiline={4} className="wide" />}
        </div>
      );
    }
    case 'chat':
      return (
        <div className="grid">
          <TextField path={`${base}.url`} label={t('editor.chat.url', { n })} required className="wide" />
          <TextField path={`${base}.text`} label={t('editor.chat.text', { n })} hint={liquid} multiline={3} required className="wide" />
        </div>
      );
    case 'email':
      return (
        <div className="grid">
          <TextField path={`${base}.to`} label={t('editor.email.to', { n })} hint={liquid} required />
          <TextField path={`${base}.from`} label={t('editor.email.from', { n })} hint={t('editor.email.fromHint')} />
          <TextField path={`${base}.subject`} label={t('editor.email.subject', { n })} hint={liquid} required className="wide" />
          <TextField path={`${base}.text`} label={t('editor.email.text', { n })} hint={liquid} multiline={4} className="wide" />
          <TextField path={`${base}.html`} label={t('editor.email.html', { n })} hint={liquid} multiline={4} className="wide" />
        </div>
      );
    case 'emit':
      return (
        <div className="grid">
          <TextField path={`${base}.event`} label={t('editor.emit.event', { n })} required />
          <TextField path={`${base}.subject`} label={t('editor.emit.subject', { n })} hint={t('editor.emit.subjectHint')} />
          <JsonField path={`${base}.properties`} label={t('editor.emit.properties', { n })} hint={t('editor.emit.propertiesHint')} className="wide" {...jsonText('properties')} />
        </div>
      );
    case 'set':
      return <JsonField path={base} label={t('editor.set.attributes', { n })} hint={t('editor.set.hint')} className="wide" {...jsonText('set')} />;
    case 'log':
      return (
        <div className="grid">
          <TextField path={`${base}.message`} label={t('editor.log.message', { n })} hint={liquid} required className="wide" />
          <SelectField path={`${base}.level`} label={t('editor.log.level', { n })} options={['info', 'warn', 'error'].map((l) => ({ value: l, label: l }))} empty="info" />
        </div>
      );
  }
}

/** Headers as name / value rows (values are Liquid templates). */
function Headers({ path, n }: { path: string; n: number }) {
  const t = useT();
  const { doc, update } = useEditor();
  const value = getAt(doc, path);
  const entries = value && typeof value === 'object' && !Array.isArray(value) ? Object.entries(value) : [];
  const [draft, setDraft] = useState<Array<[string, string]>>([]);
  const rows: Array<[string, string]> = [...entries.map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)] as [string, string]), ...draft];
  const write = (list: Array<[string, string]>) => {
    const named = list.filter(([k]) => k.trim());
    setDraft(list.filter(([k]) => !k.trim()));
    update(path, named.length ? Object.fromEntries(named) : undefined);
  };
  return (
    <fieldset className="headers wide">
      <legend>{t('editor.webhook.headers', { n })}</legend>
      {rows.map(([k, v], i) => (
        <div className="header-row" key={i}>
          <div className="field"><label htmlFor={`${path}-k${i}`}>{t('editor.webhook.headerName', { n: i + 1 })}</label><input id={`${path}-k${i}`} value={k} onChange={(e) => write(rows.map((r, j) => (j === i ? [e.target.value, r[1]] : r)))} /></div>
          <div className="field grow"><label htmlFor={`${path}-v${i}`}>{t('editor.webhook.headerValue', { n: i + 1 })}</label><input id={`${path}-v${i}`} value={v} onChange={(e) => write(rows.map((r, j) => (j === i ? [r[0], e.target.value] : r)))} /></div>
          <button type="button" className="button subtle" onClick={() => write(rows.filter((_, j) => j !== i))}>{t('editor.webhook.headerRemove', { n: i + 1 })}</button>
        </div>
      ))}
      <button type="button" className="button subtle" onClick={() => setDraft([...draft, ['', '']])}>{t('editor.webhook.headerAdd')}</button>
    </fieldset>
  );
}

interface PreviewState { event?: StoredEvent; events?: StoredEvent[]; choose(id: string): void; items?: Preview[]; busy: boolean; error?: string }

/**
 * The preview renders the actions as if the rule fired on the chosen event: the draft's actions under a trigger
 * that matches that event alone (no condition, limit or holdout), through the same endpoint as a test.
 */
function usePreview(doc: Doc, ruleId: string): PreviewState {
  const types = typesOf((doc.when as Record<string, Json> | undefined)?.event);
  const { events } = useRecentEvents(types);
  const [chosen, setChosen] = useState<string>();
  const [result, setResult] = useState<{ items?: Preview[]; error?: string; busy: boolean }>({ busy: false });
  const event = events?.find((e) => e.id === chosen) ?? events?.[0];
  const key = JSON.stringify(doc.then ?? null);
  useEffect(() => {
    if (!event) return;
    const controller = new AbortController();
    const id = ruleId || 'draft';
    const timer = setTimeout(() => {
      setResult((r) => ({ ...r, busy: true }));
      const draft = { id, when: { event: event.type }, then: doc.then ?? [] };
      call<{ trace: { actions?: Preview[] } }>('POST', `/v1/rules/${encodeURIComponent(id)}/test`, { rule: draft, event: { id: event.id, type: event.type, subject: event.subject, time: event.time, properties: event.properties } }, { signal: controller.signal })
        .then((answer) => setResult({ items: answer.trace.actions ?? [], busy: false }))
        .catch((error: unknown) => {
          if (isAbort(error)) return;
          setResult({ busy: false, error: error instanceof EditorFailure && error.fields.length ? 'fields' : (error as Error).message });
        });
    }, 600);
    return () => { clearTimeout(timer); controller.abort(); };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, event?.id, ruleId]);
  return { event, events, choose: setChosen, ...result };
}

function PreviewEventPicker({ state }: { state: PreviewState }) {
  const t = useT();
  const intl = useIntl();
  const id = useId();
  if (state.events === undefined) return <div className="skeleton line" aria-busy="true" aria-label={t('common.loading')} />;
  if (state.events.length === 0) return <p className="muted small">{t('editor.preview.noEvents')}</p>;
  return (
    <div className="field inline preview-picker">
      <label htmlFor={id}>{t('editor.preview.on')}</label>
      <select id={id} value={state.event?.id} onChange={(e) => state.choose(e.target.value)}>
        {state.events.map((e) => <option key={e.id} value={e.id}>{`${e.type} · ${e.subject} · ${intl.formatTime(e.receivedAt, { hour: '2-digit', minute: '2-digit' })}`}</option>)}
      </select>
    </div>
  );
}

function ActionPreview({ preview, state, n }: { preview?: Preview; state: PreviewState; n: number }) {
  const t = useT();
  if (!state.event) return null;
  return (
    <div className="preview" aria-live="polite" data-testid={`preview-${n}`} aria-busy={state.busy || undefined}>
      <p className="preview-title">{t('editor.preview.title', { n, subject: state.event.subject })}</p>
      {n === 1 && <p className="hint">{t('editor.preview.how')}</p>}
      {state.error === 'fields' ? <p className="muted small">{t('editor.preview.fixFirst')}</p>
        : state.error ? <p className="error">{t('common.error', { message: state.error })}</p>
        : !preview ? <p className="muted small">{t('common.loading')}</p>
        : preview.outcome === 'failed' ? <p className="field-error">{preview.detail}</p>
        : <pre>{previewText(preview.preview)}</pre>}
    </div>
  );
}

/** What an action would send, as a person reads it: `POST url` and the body; other kinds as JSON. */
export function previewText(preview: unknown): string {
  if (!preview || typeof preview !== 'object') return JSON.stringify(preview ?? null, null, 2);
  const p = preview as { method?: string; url?: string; body?: unknown };
  if (p.url !== undefined && p.method !== undefined) {
    const body = typeof p.body === 'string' ? p.body : JSON.stringify(p.body, null, 2);
    return `${p.method} ${p.url}\n\n${body ?? ''}`;
  }
  return JSON.stringify(preview, null, 2);
}
