// The filters above a runs list: each one a labelled field, applied on submit and kept in the address.
import type { FormEvent, ReactNode } from 'react';
import { useIntl } from 'react-intl';
import { useT } from '../../i18n/index.tsx';

export function Filters({ values, onApply, live, onLive, updatedAt, children }: {
  values: Record<string, string>; onApply(values: Record<string, string>): void;
  live: boolean; onLive(live: boolean): void; updatedAt: number | undefined; children?: ReactNode;
}) {
  const t = useT();
  const intl = useIntl();
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    onApply(Object.fromEntries(Object.keys(values).map((k) => [k, String(form.get(k) ?? '')])));
  };
  return (
    <form className="filters runs-filters" onSubmit={submit} data-testid="runs-filters">
      {'rule' in values && <label className="field"><span>{t('runs.filter.rule')}</span><input name="rule" defaultValue={values.rule} /></label>}
      {'subject' in values && <label className="field"><span>{t('runs.filter.subject')}</span><input name="subject" defaultValue={values.subject} /></label>}
      {children}
      <button className="button" type="submit">{t('runs.filter.apply')}</button>
      <label className="runs-live"><input type="checkbox" checked={live} onChange={(e) => onLive(e.target.checked)} />{t('runs.live')}</label>
      <span className="muted small runs-updated" aria-live="off">{updatedAt ? t('common.updated', { time: intl.formatTime(updatedAt, { timeStyle: 'medium' }) }) : ''}</span>
    </form>
  );
}
