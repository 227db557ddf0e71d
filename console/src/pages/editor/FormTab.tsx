// The form: what the rule is called, its trigger, its actions, its limits, how it is measured, and how deliveries
// are retried; laid out as a rule reads (trigger → actions → limits → goal).
import { useT } from '../../i18n/index.tsx';
import { NumberField, TextField } from './fields.tsx';
import { TriggerSection } from './TriggerSection.tsx';
import { ActionsSection } from './ActionsSection.tsx';
import { LimitsSection } from './LimitsSection.tsx';
import { MeasureSection } from './MeasureSection.tsx';
import { useEditor } from './context.tsx';

export function FormTab({ isNew }: { isNew: boolean }) {
  const t = useT();
  const { doc } = useEditor();
  return (
    <div className="form-tab">
      <section className="panel" aria-labelledby="basics-title">
        <h2 id="basics-title">{t('editor.basics.title')}</h2>
        <div className="grid">
          {isNew
            ? <TextField path="id" label={t('editor.basics.id')} hint={t('editor.basics.idHint')} required />
            : <div className="field"><span className="label">{t('editor.basics.id')}</span><output className="readonly">{String(doc.id ?? '')}</output></div>}
          <TextField path="name" label={t('editor.basics.name')} />
          <TextField path="description" label={t('editor.basics.description')} multiline={2} className="wide" />
        </div>
      </section>
      <TriggerSection />
      <ActionsSection ruleId={typeof doc.id === 'string' ? doc.id : ''} />
      <LimitsSection />
      <MeasureSection />
      <details className="panel">
        <summary><h2 className="inline-heading">{t('editor.delivery.title')}</h2></summary>
        <p className="hint">{t('editor.delivery.intro')}</p>
        <div className="grid">
          <NumberField path="delivery.max_attempts" label={t('editor.delivery.attempts')} min={1} max={100} step={1} />
          <TextField path="delivery.max_age" label={t('editor.delivery.maxAge')} hint={t('editor.delivery.maxAgeHint')} />
          <TextField path="delivery.backoff" label={t('editor.delivery.backoff')} hint={t('editor.delivery.backoffHint')} />
          <TextField path="delivery.backoff_max" label={t('editor.delivery.backoffMax')} hint={t('editor.delivery.backoffMaxHint')} />
        </div>
      </details>
    </div>
  );
}
