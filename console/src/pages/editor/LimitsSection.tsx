// Limits: a per-subject cap, a cap shared by a group of rules, a delivery rate, quiet hours (with their zone and
// whether a message waits or is dropped), and dedupe. Each is switched on with sensible defaults.
import { useT } from '../../i18n/index.tsx';
import { fieldId } from './path.ts';
import { NumberField, SelectField, TextField, Toggle } from './fields.tsx';

export function LimitsSection() {
  const t = useT();
  return (
    <section className="panel" aria-labelledby="limits-title" id={fieldId('limits')} tabIndex={-1}>
      <h2 id="limits-title">{t('editor.limits.title')}</h2>
      <p className="hint">{t('editor.limits.intro')}</p>
      <Toggle path="limits.per_subject" label={t('editor.limits.perSubject')} defaults={{ max: 1, per: '24h' }}>
        <div className="grid">
          <NumberField path="limits.per_subject.max" label={t('editor.limits.max')} min={1} step={1} />
          <TextField path="limits.per_subject.per" label={t('editor.limits.per')} hint={t('editor.duration')} required />
        </div>
      </Toggle>
      <Toggle path="limits.group" label={t('editor.limits.group')} defaults={{ name: 'marketing', max: 3, per: '24h' }}>
        <div className="grid">
          <TextField path="limits.group.name" label={t('editor.limits.groupName')} hint={t('editor.limits.groupHint')} required />
          <NumberField path="limits.group.max" label={t('editor.limits.max')} min={1} step={1} />
          <TextField path="limits.group.per" label={t('editor.limits.per')} hint={t('editor.duration')} required />
        </div>
      </Toggle>
      <Toggle path="limits.rate" label={t('editor.limits.rate')} defaults="600/m">
        <TextField path="limits.rate" label={t('editor.limits.rateValue')} hint={t('editor.limits.rateHint')} required />
      </Toggle>
      <Toggle path="limits.quiet_hours" label={t('editor.limits.quiet')} defaults={{ from: '22:00', to: '08:00', timezone: 'Asia/Seoul', then: 'delay' }}>
        <div className="grid">
          <TextField path="limits.quiet_hours.from" label={t('editor.limits.quietFrom')} hint="22:00" required />
          <TextField path="limits.quiet_hours.to" label={t('editor.limits.quietTo')} hint="08:00" required />
          <TextField path="limits.quiet_hours.timezone" label={t('editor.limits.zone')} hint={t('editor.limits.zoneHint')} />
          <TextField path="limits.quiet_hours.timezone_attribute" label={t('editor.limits.zoneAttribute')} hint={t('editor.limits.zoneAttributeHint')} />
          <SelectField path="limits.quiet_hours.then" label={t('editor.limits.quietThen')} options={[{ value: 'delay', label: t('editor.limits.delay') }, { value: 'drop', label: t('editor.limits.drop') }]} />
        </div>
      </Toggle>
      <Toggle path="limits.dedupe" label={t('editor.limits.dedupe')} defaults={{ within: '1h' }}>
        <div className="grid">
          <TextField path="limits.dedupe.key" label={t('editor.limits.dedupeKey')} hint={t('editor.limits.dedupeKeyHint')} />
          <TextField path="limits.dedupe.within" label={t('editor.limits.dedupeWithin')} hint={t('editor.duration')} required />
        </div>
      </Toggle>
    </section>
  );
}
