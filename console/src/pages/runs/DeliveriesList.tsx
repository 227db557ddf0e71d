// Deliveries, newest first, filtered by rule, subject and status; with `dead`, the dead-letter list, whose rows can
// be chosen and replayed (or every dead one of a rule), after the page says what the replay will do.
import { useRef, useState } from 'react';
import { useT } from '../../i18n/index.tsx';
import type { MessageKey } from '../../i18n/en.ts';
import { Filters } from './Filters.tsx';
import { ReplayConfirm, type ReplayTarget } from './ReplayConfirm.tsx';
import { Link, MoreRows, segment, useSearchParams, usePaged, useZone, When } from './shared.tsx';
import { StatusBadge } from './words.tsx';
import type { Delivery } from './types.ts';
import { subjectPath, deliveryPath } from './paths.ts';

const STATUSES = ['pending', 'delivering', 'delivered', 'dead'] as const;
const STATUS_LABEL: Record<string, MessageKey> = {
  '': 'runs.filter.anyStatus', pending: 'runs.status.pending', delivering: 'runs.status.delivering', delivered: 'runs.status.delivered', dead: 'runs.status.dead',
};

export function DeliveriesList({ dead }: { dead: boolean }) {
  const t = useT();
  const zone = useZone();
  const [params, setParams] = useSearchParams();
  const [live, setLive] = useState(true);
  const [chosen, setChosen] = useState<ReadonlySet<string>>(new Set());
  const [replaying, setReplaying] = useState<ReplayTarget>();
  const [result, setResult] = useState<string>();
  const [since, setSince] = useState('');
  const opener = useRef<HTMLButtonElement | null>(null);
  const open = (target: ReplayTarget, button: HTMLButtonElement) => { opener.current = button; setResult(undefined); setReplaying(target); };
  // Focus goes back to the button that opened the preview (enabled again once the preview is gone).
  const close = () => { setReplaying(undefined); setTimeout(() => opener.current?.focus(), 0); };
  const filters: Record<string, string> = { rule: params.get('rule') ?? '', subject: params.get('subject') ?? '' };
  if (!dead) filters.status = params.get('status') ?? '';
  const query = new URLSearchParams(Object.entries({ ...filters, ...(dead ? { status: 'dead' } : {}) }).filter(([, v]) => v)).toString();
  const paged = usePaged<Delivery>(`/v1/deliveries${query ? `?${query}` : ''}`, live && !replaying);
  const items = paged.items;
  const toggle = (id: string) => setChosen((old) => { const next = new Set(old); if (next.has(id)) next.delete(id); else next.add(id); return next; });
  const allChosen = Boolean(items?.length) && items!.every((d) => chosen.has(d.id));
  const done = (replayed: number) => {
    setReplaying(undefined);
    setChosen(new Set());
    setResult(t('runs.replay.done', { count: replayed }));
    paged.reload();
  };
  const filtered = Boolean(filters.rule || filters.subject || filters.status);

  return (
    <section aria-labelledby="deliveries-title">
      <h2 id="deliveries-title">{t(dead ? 'runs.dead.title' : 'runs.deliveries.title')}</h2>
      {dead && <p className="muted">{t('runs.dead.help')}</p>}
      <Filters key={query} values={filters} onApply={(v) => { setChosen(new Set()); setParams(v); }} live={live} onLive={setLive} updatedAt={paged.updatedAt}>
        {!dead && (
          <label className="field"><span>{t('runs.filter.status')}</span>
            <select name="status" defaultValue={filters.status}>
              {['', ...STATUSES].map((s) => <option key={s} value={s}>{t(STATUS_LABEL[s])}</option>)}
            </select>
          </label>
        )}
      </Filters>
      {dead && (
        <div className="runs-actions" data-testid="replay-actions">
          <button type="button" className="button primary" disabled={chosen.size === 0 || Boolean(replaying)} onClick={(e) => open({ ids: [...chosen] }, e.currentTarget)}>
            {t('runs.replay.chosen', { count: chosen.size })}
          </button>
          {/* The API replays by rule (and time), not by subject: with a subject filter, "all" is every row shown. */}
          <button type="button" className="button" disabled={!items?.length || Boolean(replaying)}
            onClick={(e) => open(filters.subject ? { ids: (items ?? []).map((d) => d.id) } : { rule: filters.rule || undefined, from: since ? new Date(since).toISOString() : undefined }, e.currentTarget)}>
            {filters.subject ? t('runs.replay.allShown', { count: items?.length ?? 0 }) : filters.rule ? t('runs.replay.allOfRule', { rule: filters.rule }) : t('runs.replay.all')}
          </button>
          {!filters.subject && (
            <label className="field runs-since"><span>{t('runs.replay.since')}</span>
              <input type="datetime-local" value={since} onChange={(e) => setSince(e.target.value)} /></label>
          )}
          {result && <p className="ok" role="status" data-testid="replay-result">{result}</p>}
        </div>
      )}
      {replaying && <ReplayConfirm target={replaying} onDone={done} onCancel={close} />}
      {paged.error && <p className="error" role="alert">{paged.error}</p>}
      {!items ? <div className="skeleton block runs-skeleton" aria-busy="true" aria-label={t('common.loading')} /> : items.length === 0 ? (
        <div className="empty" data-testid="deliveries-empty">
          <p>{t(filtered ? 'runs.deliveries.noneFiltered' : dead ? 'runs.dead.none' : 'runs.deliveries.none')}</p>
        </div>
      ) : (
        <>
          <div className="table-wrap runs-wrap">
            <table className="table" data-testid={dead ? 'dead' : 'deliveries'}>
              <thead><tr>
                {dead && <th scope="col"><input type="checkbox" checked={allChosen} aria-label={t('runs.dead.chooseAll')} onChange={() => setChosen(allChosen ? new Set() : new Set(items.map((d) => d.id)))} /></th>}
                <th scope="col">{t('runs.col.created')} <span className="muted small">({zone})</span></th><th scope="col">{t('runs.col.rule')}</th><th scope="col">{t('runs.col.subject')}</th>
                <th scope="col">{t('runs.col.destination')}</th><th scope="col">{t('runs.col.status')}</th><th scope="col">{t('runs.col.attempts')}</th><th scope="col">{t('runs.col.lastError')}</th>
                <th scope="col"><span className="visually-hidden">{t('runs.col.open')}</span></th>
              </tr></thead>
              <tbody>
                {items.map((d) => (
                  <tr key={d.id}>
                    {dead && <td><input type="checkbox" checked={chosen.has(d.id)} onChange={() => toggle(d.id)} aria-label={t('runs.dead.choose', { id: d.id })} /></td>}
                    <td className="nowrap"><When time={d.createdAt} /></td>
                    <td><Link to={`/rules/${segment(d.rule)}`}>{d.rule}</Link></td>
                    <td><Link to={subjectPath(d.subject)}>{d.subject}</Link></td>
                    <td>{d.kind} <span className="muted small runs-break">{d.destination}</span></td>
                    <td><StatusBadge status={d.status} />{d.status === 'pending' && d.nextAttemptAt ? <span className="muted small"> {t('runs.delivery.nextShort')} <When time={d.nextAttemptAt} /></span> : null}</td>
                    <td>{d.attempts}</td>
                    <td className="runs-break">{d.lastError ?? '—'}</td>
                    <td><Link to={deliveryPath(d.id)}>{t('runs.deliveries.open')}<span className="visually-hidden"> {d.id}</span></Link></td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <MoreRows paged={paged} count={items.length} />
        </>
      )}
    </section>
  );
}
