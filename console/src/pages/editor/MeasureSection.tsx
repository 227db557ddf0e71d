// Measuring the rule: a holdout group (its salt shown, never edited here: a reshuffle is its own audited act),
// the goal(s) and the guardrails, each a metric {event, within, where, value, name}.
import { useT } from '../../i18n/index.tsx';
import { useEditor } from './context.tsx';
import { fieldId, getAt, type Json } from './path.ts';
import { NumberField, TextField, Toggle } from './fields.tsx';
import { EventTypesField } from './TriggerSection.tsx';

function Metric({ path, n, onRemove, kind }: { path: string; n: number; onRemove?: () => void; kind: 'goal' | 'guardrail' }) {
  const t = useT();
  return (
    <div className="metric">
      <div className="grid">
        <EventTypesField path={`${path}.event`} label={t(kind === 'goal' ? 'editor.goal.event' : 'editor.guard.event', { n })} />
        <TextField path={`${path}.within`} label={t('editor.metric.within', { n })} hint={t('editor.metric.withinHint')} required />
        {kind === 'goal' && <TextField path={`${path}.value`} label={t('editor.metric.value', { n })} hint={t('editor.metric.valueHint')} />}
        <TextField path={`${path}.where`} label={t('editor.metric.where', { n })} hint={t('editor.metric.whereHint')} />
        <TextField path={`${path}.name`} label={t('editor.metric.name', { n })} hint={t('editor.metric.nameHint')} />
      </div>
      {onRemove && <button type="button" className="button subtle" onClick={onRemove}>{t(kind === 'goal' ? 'editor.goal.remove' : 'editor.guard.remove', { n })}</button>}
    </div>
  );
}

export function MeasureSection() {
  const t = useT();
  const { doc, update } = useEditor();
  const salt = getAt(doc, 'holdout.salt');
  const goals = Array.isArray(doc.goals) ? doc.goals : undefined;
  const guardrails = Array.isArray(doc.guardrails) ? doc.guardrails : [];
  const newMetric: Json = { event: '', within: '3d' };
  return (
    <section className="panel" aria-labelledby="measure-title" id={fieldId('goals')} tabIndex={-1}>
      <h2 id="measure-title">{t('editor.measure.title')}</h2>
      <Toggle path="holdout" label={t('editor.holdout.toggle')} defaults={{ percent: 10 }}>
        <div className="grid">
          <NumberField path="holdout.percent" label={t('editor.holdout.percent')} min={0.1} max={50} />
          <div className="field">
            <span className="label">{t('editor.holdout.salt')}</span>
            <output className="readonly" aria-label={t('editor.holdout.salt')}>{typeof salt === 'string' ? salt : t('editor.holdout.saltDefault')}</output>
            <span className="hint">{t('editor.holdout.saltHint')}</span>
          </div>
        </div>
        <label className="check"><input type="checkbox" checked={getAt(doc, 'holdout.global_control') === true} onChange={(e) => update('holdout.global_control', e.target.checked ? true : undefined)} />{t('editor.holdout.global')}</label>
      </Toggle>

      <h3>{t('editor.goal.title')}</h3>
      <p className="hint">{t('editor.goal.intro')}</p>
      {goals ? (
        <>
          {goals.map((_, i) => <Metric key={i} path={`goals[${i}]`} n={i + 1} kind="goal" onRemove={() => update('goals', goals.length === 1 ? undefined : goals.filter((__, j) => j !== i))} />)}
          <button type="button" className="button" disabled={goals.length >= 10} onClick={() => update('goals', [...goals, newMetric])}>{t('editor.goal.add')}</button>
        </>
      ) : doc.goal !== undefined ? (
        <>
          <Metric path="goal" n={1} kind="goal" onRemove={() => update('goal', undefined)} />
          <button type="button" className="button" onClick={() => { update('goal', undefined); update('goals', [doc.goal as Json, newMetric]); }}>{t('editor.goal.add')}</button>
        </>
      ) : <button type="button" className="button" onClick={() => update('goal', { event: '', within: '3d' })}>{t('editor.goal.add')}</button>}

      <h3>{t('editor.guard.title')}</h3>
      <p className="hint">{t('editor.guard.intro')}</p>
      {guardrails.map((_, i) => <Metric key={i} path={`guardrails[${i}]`} n={i + 1} kind="guardrail" onRemove={() => update('guardrails', guardrails.length === 1 ? undefined : guardrails.filter((__, j) => j !== i))} />)}
      <button type="button" className="button" disabled={guardrails.length >= 10} onClick={() => update('guardrails', [...guardrails, { event: '', within: '7d' }])}>{t('editor.guard.add')}</button>
    </section>
  );
}
