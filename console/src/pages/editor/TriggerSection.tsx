// The trigger (`when`): event type(s), the shape (each event, a threshold, a sequence, a change), its condition
// rows, and the optional delay (`wait`) and absence (`unless`). Only the parts of the chosen shape are shown.
import { useEffect, useId, useState } from 'react';
import { useT } from '../../i18n/index.tsx';
import { useEditor, suggestions, typesOf } from './context.tsx';
import { fieldId, getAt, type Json } from './path.ts';
import { NumberField, TextField, Toggle } from './fields.tsx';
import { ConditionRows } from './ConditionRows.tsx';

type Shape = 'match' | 'threshold' | 'sequence' | 'change';
const MEASURES = ['count', 'sum', 'distinct'] as const;

export function shapeOf(when: Record<string, Json> | undefined): Shape {
  if (!when) return 'match';
  if (when.change !== undefined) return 'change';
  if (when.after !== undefined) return 'sequence';
  if (MEASURES.some((m) => when[m] !== undefined)) return 'threshold';
  return 'match';
}

/** Event types typed as "a, b" are a list; one is a string. */
export function typesValue(text: string): Json | undefined {
  const list = text.split(',').map((s) => s.trim()).filter(Boolean);
  return list.length === 0 ? undefined : list.length === 1 && !text.includes(',') ? list[0] : list;
}

export function EventTypesField({ path, label }: { path: string; label: string }) {
  const t = useT();
  const { doc, update, catalogue } = useEditor();
  const listId = useId();
  const value = getAt(doc, path);
  const shown = Array.isArray(value) ? value.join(', ') : typeof value === 'string' ? value : '';
  // The text is kept as typed ("a, " on the way to "a, b"); an edit elsewhere (YAML) replaces it.
  const [text, setText] = useState(shown);
  const key = JSON.stringify(value ?? null);
  useEffect(() => { if (JSON.stringify(typesValue(text) ?? null) !== key) setText(shown); }, [key]); // eslint-disable-line react-hooks/exhaustive-deps
  return (
    <>
      <datalist id={listId}>{suggestions(catalogue, []).types.map((type) => <option key={type} value={type} />)}<option value="*" /></datalist>
      <TextField path={path} label={label} list={listId} value={text} hint={t('editor.when.eventHint')} onText={(s) => { setText(s); update(path, typesValue(s)); }} />
    </>
  );
}

export function TriggerSection() {
  const t = useT();
  const { doc, update } = useEditor();
  const when = (doc.when ?? {}) as Record<string, Json>;
  const shape = shapeOf(when);
  const types = typesOf(when.event);
  const measure = MEASURES.find((m) => when[m] !== undefined) ?? 'count';

  const setShape = (next: Shape) => {
    const base: Record<string, Json> = { ...when };
    for (const key of [...MEASURES, 'after', 'change']) delete base[key];
    if (next === 'threshold') { base.count = { at_least: 3, within: '10m' }; delete base.unless; }
    if (next === 'sequence') base.after = [{ event: '', within: '1d' }];
    if (next === 'change') base.change = { attribute: '' };
    update('when', base);
  };
  const setMeasure = (next: (typeof MEASURES)[number]) => {
    const old = (when[measure] ?? {}) as Record<string, Json>;
    const base: Record<string, Json> = { ...when };
    for (const m of MEASURES) delete base[m];
    base[next] = next === 'count' ? { at_least: old.at_least ?? 3, within: old.within ?? '10m' } : { of: 'event.properties.total', at_least: old.at_least ?? 100, within: old.within ?? '1d' };
    update('when', base);
  };
  const steps = when.after === undefined ? [] : Array.isArray(when.after) ? when.after : [when.after];
  const stepPath = (i: number) => (Array.isArray(when.after) ? `when.after[${i}]` : 'when.after');

  return (
    <section className="panel" aria-labelledby="trigger-title" id={fieldId('when')} tabIndex={-1}>
      <h2 id="trigger-title">{t('editor.when.title')}</h2>
      <div className="grid">
        <div className="field">
          <label htmlFor="shape">{t('editor.when.shape')}</label>
          <select id="shape" value={shape} onChange={(e) => setShape(e.target.value as Shape)}>
            <option value="match">{t('editor.shape.match')}</option>
            <option value="threshold">{t('editor.shape.threshold')}</option>
            <option value="sequence">{t('editor.shape.sequence')}</option>
            <option value="change">{t('editor.shape.change')}</option>
          </select>
        </div>
        <EventTypesField path="when.event" label={shape === 'change' ? t('editor.when.eventChange') : t('editor.when.event')} />
      </div>

      {shape === 'threshold' && (
        <div className="grid">
          <div className="field">
            <label htmlFor="measure">{t('editor.threshold.measure')}</label>
            <select id="measure" value={measure} onChange={(e) => setMeasure(e.target.value as (typeof MEASURES)[number])}>
              <option value="count">{t('editor.threshold.count')}</option>
              <option value="sum">{t('editor.threshold.sum')}</option>
              <option value="distinct">{t('editor.threshold.distinct')}</option>
            </select>
          </div>
          {measure !== 'count' && <TextField path={`when.${measure}.of`} label={t('editor.threshold.of')} hint={t('editor.threshold.ofHint')} required />}
          <NumberField path={`when.${measure}.at_least`} label={t('editor.threshold.atLeast')} min={measure === 'sum' ? 0 : 1} step={measure === 'sum' ? undefined : 1} />
          <TextField path={`when.${measure}.within`} label={t('editor.threshold.within')} hint={t('editor.duration')} required />
        </div>
      )}

      {shape === 'sequence' && (
        <fieldset className="steps" id={fieldId('when.after')} tabIndex={-1}>
          <legend>{t('editor.seq.title')}</legend>
          <ol>
            {steps.map((_, i) => (
              <li key={i} className="step">
                <div className="grid">
                  <EventTypesField path={`${stepPath(i)}.event`} label={t('editor.seq.event', { n: i + 1 })} />
                  <TextField path={`${stepPath(i)}.within`} label={t('editor.seq.within', { n: i + 1 })} hint={t('editor.seq.withinHint')} required />
                  <TextField path={`${stepPath(i)}.where`} label={t('editor.seq.where', { n: i + 1 })} hint={t('editor.cond.celHint')} className="wide" />
                </div>
                <button type="button" className="button subtle" disabled={steps.length === 1} onClick={() => update('when.after', steps.filter((__, j) => j !== i))}>{t('editor.seq.remove', { n: i + 1 })}</button>
              </li>
            ))}
          </ol>
          <button type="button" className="button" disabled={steps.length >= 10} onClick={() => update('when.after', [...steps, { event: '', within: '1d' }])}>{t('editor.seq.add')}</button>
          <p className="hint">{t('editor.seq.last')}</p>
        </fieldset>
      )}

      {shape === 'change' && (
        <div className="grid">
          <TextField path="when.change.attribute" label={t('editor.change.attribute')} required />
          <ValueField path="when.change.from" label={t('editor.change.from')} />
          <ValueField path="when.change.to" label={t('editor.change.to')} />
        </div>
      )}

      <ConditionRows path="when.where" label={t('editor.when.where')} types={types} />

      <Toggle path="when.wait" label={t('editor.wait.toggle')} defaults="10m">
        <TextField path="when.wait" label={t('editor.wait.time')} hint={t('editor.duration')} required />
      </Toggle>
      {shape !== 'threshold' && (
        <Toggle path="when.unless" label={t('editor.unless.toggle')} defaults={{ event: '', within: '1h' }}>
          <div className="grid">
            <EventTypesField path="when.unless.event" label={t('editor.unless.event')} />
            <TextField path="when.unless.within" label={t('editor.unless.within')} hint={t('editor.duration')} />
            <TextField path="when.unless.where" label={t('editor.unless.where')} hint={t('editor.cond.celHint')} className="wide" />
          </div>
        </Toggle>
      )}
      {shape === 'threshold' && <p className="hint">{t('editor.unless.notWithThreshold')}</p>}
    </section>
  );
}

/** A value compared as JSON (from / to of a change): `pro` is the text "pro", `3` a number, empty means any. */
function ValueField({ path, label }: { path: string; label: string }) {
  const t = useT();
  const { doc, update } = useEditor();
  const value = getAt(doc, path);
  const text = value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  return (
    <TextField path={path} label={label} value={text} hint={t('editor.change.hint')} onText={(s) => {
      if (s === '') return update(path, undefined);
      try { const parsed = JSON.parse(s) as Json; update(path, typeof parsed === 'object' && parsed !== null ? s : parsed); } catch { update(path, s); }
    }} />
  );
}
