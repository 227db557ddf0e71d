// The firings list: newest first, filtered by rule and subject, refreshed live; each row opens its trace in words.
import { useState } from 'react';
import { useT } from '../../i18n/index.tsx';
import { Filters } from './Filters.tsx';
import { Link, MoreRows, segment, useSearchParams, usePaged, useZone, When } from './shared.tsx';
import { GroupBadge, useValueText } from './words.tsx';
import type { Firing } from './types.ts';
import { subjectPath, firingPath } from './paths.ts';

export function FiringsList() {
  const t = useT();
  const zone = useZone();
  const [params, setParams] = useSearchParams();
  const [live, setLive] = useState(true);
  const filters = { rule: params.get('rule') ?? '', subject: params.get('subject') ?? '' };
  const query = new URLSearchParams(Object.entries(filters).filter(([, v]) => v)).toString();
  const paged = usePaged<Firing>(`/v1/firings${query ? `?${query}` : ''}`, live);
  const filtered = Boolean(filters.rule || filters.subject);
  return (
    <section aria-labelledby="firings-title">
      <h2 id="firings-title">{t('runs.firings.title')}</h2>
      <Filters key={query} values={filters} onApply={setParams} live={live} onLive={setLive} updatedAt={paged.updatedAt} />
      {paged.error && <p className="error" role="alert">{paged.error}</p>}
      {!paged.items ? <div className="skeleton block runs-skeleton" aria-busy="true" aria-label={t('common.loading')} /> : paged.items.length === 0 ? (
        <div className="empty" data-testid="firings-empty">
          {filtered ? <p>{t('runs.firings.noneFiltered')}</p> : (
            <>
              <p><strong>{t('runs.firings.none')}</strong></p>
              <p>{t('runs.firings.noneHow')}</p>
              <p><Link to="/rules">{t('runs.firings.noneTest')}</Link></p>
            </>
          )}
        </div>
      ) : (
        <>
          <div className="table-wrap runs-wrap">
            <table className="table" data-testid="firings">
              <thead><tr>
                <th scope="col">{t('runs.col.time')} <span className="muted small">({zone})</span></th><th scope="col">{t('runs.col.rule')}</th>
                <th scope="col">{t('runs.col.subject')}</th><th scope="col">{t('runs.col.saw')}</th><th scope="col">{t('runs.col.group')}</th><th scope="col">{t('runs.col.actions')}</th><th scope="col"><span className="visually-hidden">{t('runs.col.open')}</span></th>
              </tr></thead>
              <tbody>
                {paged.items.map((f) => (
                  <tr key={f.id}>
                    <td className="nowrap"><When time={f.time} /></td>
                    <td><Link to={`/rules/${segment(f.rule)}`}>{f.rule}</Link> <span className="muted small">v{f.version}</span></td>
                    <td><Link to={subjectPath(f.subject)}>{f.subject}</Link></td>
                    <td className="runs-break small"><Saw firing={f} /></td>
                    <td><GroupBadge group={f.group} /></td>
                    <td>{t('runs.firings.actions', { count: f.trace.actions?.length ?? 0 })}</td>
                    <td><Link to={firingPath(f.id)}>{t('runs.firings.open')}<span className="visually-hidden"> {t('runs.firings.openWhat', { rule: f.rule, subject: f.subject })}</span></Link></td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <MoreRows paged={paged} count={paged.items.length} />
        </>
      )}
    </section>
  );
}

/** What the conditions saw, in one cell: the values each read (`event.properties.total = 42`), so rows compare at a glance. */
function Saw({ firing }: { firing: Firing }) {
  const valueText = useValueText();
  const values = firing.trace.steps.flatMap((step) => (step.check === 'where' ? Object.entries(step.values) : []));
  if (values.length === 0) return <>{firing.trace.steps.find((s) => s.check === 'event')?.actual ?? '—'}</>;
  return <>{values.slice(0, 3).map(([name, value]) => <code key={name} className="runs-saw">{name.replace(/^event\.properties\./, '')} = {valueText(value)}</code>)}{values.length > 3 ? ' …' : ''}</>;
}
