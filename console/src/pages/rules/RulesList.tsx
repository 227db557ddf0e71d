// Rules: every rule with its state (errors flagged), owner, last change, firings over the last 24 hours as a
// sparkline with the total, suppressions by reason, and the lift badge of its holdout report. Search (id, name,
// event type), filters (state, holdout, errors) and sort run in the page over the whole list; the table shows 50
// rows a page (paged rather than virtualised: rows keep their natural height, find-in-page and screen readers see
// a plain table, and 1,000 rules never put more than 50 rows in the DOM). Two requests whatever the number of
// rules: GET /v1/rules and GET /v1/rule-activity.
import { useCallback, useDeferredValue, useEffect, useMemo, useRef, useState, type MouseEvent } from 'react';
import { useIntl } from 'react-intl';
import { useT } from '../../i18n/index.tsx';
import { api, ApiFailure } from '../../api.ts';
import { navigate } from '../../router.ts';
import { Sparkline } from './Sparkline.tsx';
import { LiftBadgeView } from './LiftBadgeView.tsx';
import type { RuleActivity, RuleActivityAnswer, RuleItem, Row } from './types.ts';
import './rules.css';

const PAGE_SIZE = 50;
/** Activity refresh; sooner while some lift badges are still being computed. */
const REFRESH_MS = 30_000;
const PENDING_REFRESH_MS = 4_000;

type StateFilter = 'all' | 'enabled' | 'disabled';
type HoldoutFilter = 'any' | 'with' | 'without';
type Sort = 'name' | 'changed' | 'firings' | 'errors';

/** Every event type a rule's trigger names (match, threshold, sequence, absence…), wherever `event` appears under `when`. */
export function eventTypesOf(when: unknown): string[] {
  const found = new Set<string>();
  const visit = (value: unknown, depth: number) => {
    if (depth > 6 || value === null || typeof value !== 'object') return;
    for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
      if (key === 'event') {
        if (typeof inner === 'string') found.add(inner);
        else if (Array.isArray(inner)) for (const e of inner) if (typeof e === 'string') found.add(e);
      } else visit(inner, depth + 1);
    }
  };
  visit(when, 0);
  return [...found];
}

function rowOf(rule: RuleItem, activity: RuleActivity | undefined): Row {
  const name = typeof rule.document.name === 'string' && rule.document.name.trim() ? rule.document.name : rule.id;
  const events = eventTypesOf(rule.document.when);
  const total = activity ? activity.firings.reduce((a, b) => a + b, 0) + activity.holdout.reduce((a, b) => a + b, 0) : 0;
  return { rule, name, events, haystack: `${rule.id}\n${name}\n${events.join('\n')}`.toLowerCase(), activity, total };
}

const sum = (xs: number[] | undefined) => (xs ?? []).reduce((a, b) => a + b, 0);

export function RulesList() {
  const t = useT();
  const intl = useIntl();
  const [rules, setRules] = useState<RuleItem[]>();
  const [activity, setActivity] = useState<RuleActivityAnswer>();
  const [activityAt, setActivityAt] = useState<number>();
  const [error, setError] = useState<string>();
  const [activityError, setActivityError] = useState<string>();
  const [query, setQuery] = useState('');
  const [state, setState] = useState<StateFilter>('all');
  const [holdout, setHoldout] = useState<HoldoutFilter>('any');
  const [errorsOnly, setErrorsOnly] = useState(false);
  const [sort, setSort] = useState<Sort>('name');
  const [page, setPage] = useState(0);
  const [reloads, setReloads] = useState(0);
  const deferredQuery = useDeferredValue(query);

  const explain = useCallback((failure: unknown) => (failure instanceof ApiFailure && failure.status === 0 ? t('signin.unreachable').replaceAll('`', '') : t('common.error', { message: (failure as Error).message })), [t]);

  useEffect(() => {
    const controller = new AbortController();
    setError(undefined);
    api<{ items: RuleItem[] }>('GET', '/v1/rules', undefined, controller.signal)
      .then((answer) => setRules(answer.items))
      .catch((failure: unknown) => { if ((failure as Error).name !== 'AbortError') setError(explain(failure)); });
    return () => controller.abort();
  }, [explain, reloads]);

  // Activity refreshes on its own: every 30 s, or every 4 s while lift badges are still being computed.
  const pendingRef = useRef(false);
  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      try {
        const answer = await api<RuleActivityAnswer>('GET', '/v1/rule-activity?hours=24', undefined, controller.signal);
        setActivity(answer);
        setActivityAt(Date.now());
        setActivityError(undefined);
        pendingRef.current = answer.lift.pending > 0;
      } catch (failure) {
        if ((failure as Error).name === 'AbortError') return;
        setActivityError(explain(failure));
      }
      timer = setTimeout(load, pendingRef.current ? PENDING_REFRESH_MS : REFRESH_MS);
    };
    void load();
    return () => { controller.abort(); clearTimeout(timer); };
  }, [explain, reloads]);

  const rows = useMemo(() => {
    if (!rules) return undefined;
    const byRule = new Map((activity?.items ?? []).map((a) => [a.rule, a]));
    return rules.map((r) => rowOf(r, byRule.get(r.id)));
  }, [rules, activity]);

  const visible = useMemo(() => {
    if (!rows) return undefined;
    const needle = deferredQuery.trim().toLowerCase();
    const kept = rows.filter((row) => {
      if (needle && !row.haystack.includes(needle)) return false;
      if (state === 'enabled' && !row.rule.enabled) return false;
      if (state === 'disabled' && row.rule.enabled) return false;
      const hasHoldout = (row.rule.document.holdout?.percent ?? 0) > 0;
      if (holdout === 'with' && !hasHoldout) return false;
      if (holdout === 'without' && hasHoldout) return false;
      if (errorsOnly && !(row.activity && row.activity.errors.count > 0)) return false;
      return true;
    });
    const byName = (a: Row, b: Row) => a.name.localeCompare(b.name, intl.locale) || a.rule.id.localeCompare(b.rule.id);
    const changedAt = (r: Row) => Date.parse(r.activity?.changed?.at ?? r.rule.updatedAt);
    const compare: Record<Sort, (a: Row, b: Row) => number> = {
      name: byName,
      changed: (a, b) => changedAt(b) - changedAt(a) || byName(a, b),
      firings: (a, b) => b.total - a.total || byName(a, b),
      errors: (a, b) => (b.activity?.errors.count ?? 0) - (a.activity?.errors.count ?? 0) || byName(a, b),
    };
    return kept.sort(compare[sort]);
  }, [rows, deferredQuery, state, holdout, errorsOnly, sort, intl.locale]);

  // A new search or filter starts again at the first page.
  useEffect(() => { setPage(0); }, [deferredQuery, state, holdout, errorsOnly, sort]);

  const pages = visible ? Math.max(1, Math.ceil(visible.length / PAGE_SIZE)) : 1;
  const current = Math.min(page, pages - 1);
  const shown = visible?.slice(current * PAGE_SIZE, (current + 1) * PAGE_SIZE);
  const filtered = deferredQuery.trim() !== '' || state !== 'all' || holdout !== 'any' || errorsOnly;

  const follow = (to: string) => (event: MouseEvent<HTMLAnchorElement>) => {
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    navigate(to);
  };
  const clear = () => { setQuery(''); setState('all'); setHoldout('any'); setErrorsOnly(false); };

  const newRule = <a className="button primary" href="/rules/new" onClick={follow('/rules/new')}>{t('rules.new')}</a>;

  if (error) {
    return (
      <section className="page" aria-labelledby="page-title">
        <div className="page-head"><h1 id="page-title">{t('rules.title')}</h1>{newRule}</div>
        <div className="error" role="alert"><p>{error}</p><button type="button" className="button" onClick={() => setReloads((n) => n + 1)}>{t('common.retry')}</button></div>
      </section>
    );
  }

  if (rules && rules.length === 0) {
    return (
      <section className="page" aria-labelledby="page-title">
        <div className="page-head"><h1 id="page-title">{t('rules.title')}</h1>{newRule}</div>
        <div className="empty" data-testid="rules-empty">
          <h2>{t('rules.empty.title')}</h2>
          <p>{t('rules.empty.what')}</p>
          <p>{t('rules.empty.example')}</p>
          <p>{t('rules.empty.safe')}</p>
          <a className="button primary" href="/rules/new" onClick={follow('/rules/new')}>{t('rules.empty.write')}</a>
        </div>
      </section>
    );
  }

  return (
    <section className="page rules-page" aria-labelledby="page-title">
      <div className="page-head"><h1 id="page-title">{t('rules.title')}</h1>{newRule}</div>
      <form className="filters rules-filters" role="search" aria-label={t('rules.filters')} onSubmit={(e) => e.preventDefault()} data-testid="rules-filters">
        <label className="field rules-search">
          <span>{t('rules.search')}</span>
          <input type="search" value={query} onChange={(e) => setQuery(e.target.value)} placeholder={t('rules.search.placeholder')} aria-describedby="rules-count" />
        </label>
        <label className="field">
          <span>{t('rules.filter.state')}</span>
          <select value={state} onChange={(e) => setState(e.target.value as StateFilter)}>
            <option value="all">{t('rules.filter.state.all')}</option>
            <option value="enabled">{t('rules.filter.state.enabled')}</option>
            <option value="disabled">{t('rules.filter.state.disabled')}</option>
          </select>
        </label>
        <label className="field">
          <span>{t('rules.filter.holdout')}</span>
          <select value={holdout} onChange={(e) => setHoldout(e.target.value as HoldoutFilter)}>
            <option value="any">{t('rules.filter.holdout.any')}</option>
            <option value="with">{t('rules.filter.holdout.with')}</option>
            <option value="without">{t('rules.filter.holdout.without')}</option>
          </select>
        </label>
        <label className="field">
          <span>{t('rules.sort')}</span>
          <select value={sort} onChange={(e) => setSort(e.target.value as Sort)}>
            <option value="name">{t('rules.sort.name')}</option>
            <option value="changed">{t('rules.sort.changed')}</option>
            <option value="firings">{t('rules.sort.firings')}</option>
            <option value="errors">{t('rules.sort.errors')}</option>
          </select>
        </label>
        <label className="check">
          <input type="checkbox" checked={errorsOnly} onChange={(e) => setErrorsOnly(e.target.checked)} />
          <span>{t('rules.filter.errors')}</span>
        </label>
      </form>

      <p id="rules-count" className="muted small rules-count" role="status" data-testid="rules-count">
        {!visible ? t('common.loading')
          : filtered ? t('rules.count.filtered', { shown: visible.length, total: rules!.length })
            : t('rules.count', { total: rules!.length })}
      </p>
      {activityError && <p className="warning" role="alert">{t('rules.activity.failed', { message: activityError })}</p>}

      {visible && visible.length === 0 ? (
        <div className="empty" data-testid="rules-no-match">
          <p>{t('rules.noMatch')}</p>
          <button type="button" className="button" onClick={clear}>{t('rules.clearFilters')}</button>
        </div>
      ) : (
        <div className="table-wrap rules-table-wrap">
          <table className="table rules-table" data-testid="rules-table" aria-describedby="rules-count" aria-busy={!shown}>
            <caption className="visually-hidden">{t('rules.caption', { hours: activity?.hours ?? 24 })}</caption>
            <thead>
              <tr>
                <th scope="col">{t('rules.col.rule')}</th>
                <th scope="col">{t('rules.col.state')}</th>
                <th scope="col">{t('rules.col.owner')}</th>
                <th scope="col">{t('rules.col.changed')}</th>
                <th scope="col">{t('rules.col.firings')}</th>
                <th scope="col">{t('rules.col.suppressed')}</th>
                <th scope="col">{t('rules.col.lift')}</th>
              </tr>
            </thead>
            <tbody>
              {!shown
                ? Array.from({ length: 8 }, (_, i) => <tr key={i} className="rules-skeleton"><td colSpan={7}><div className="skeleton line" /></td></tr>)
                : shown.map((row) => <RuleRow key={row.rule.id} row={row} loaded={activity !== undefined} follow={follow} />)}
            </tbody>
          </table>
        </div>
      )}

      {visible && pages > 1 && (
        <nav className="pager" aria-label={t('rules.pages')}>
          <button type="button" className="button" disabled={current === 0} onClick={() => setPage(current - 1)}>{t('rules.page.previous')}</button>
          <span>{t('rules.page.of', { from: current * PAGE_SIZE + 1, to: Math.min(visible.length, (current + 1) * PAGE_SIZE), total: visible.length })}</span>
          <button type="button" className="button" disabled={current >= pages - 1} onClick={() => setPage(current + 1)}>{t('rules.page.next')}</button>
        </nav>
      )}
      {activity && (
        <p className="muted small">
          {t('rules.legend')} <span className="legend fired" aria-hidden="true" /> {t('rules.legend.fired')} <span className="legend holdout" aria-hidden="true" /> {t('rules.legend.holdout')} <span className="legend suppressed" aria-hidden="true" /> {t('rules.legend.suppressed')}
          {' · '}{t('common.updated', { time: intl.formatTime(activityAt ?? Date.now(), { hour: '2-digit', minute: '2-digit', timeZoneName: 'short' }) })}
        </p>
      )}
    </section>
  );
}

function Actor({ actor }: { actor: string }) {
  const t = useT();
  return <>{actor === 'IFTHEN_ADMIN_TOKEN' ? t('rules.actor.adminToken') : actor}</>;
}

function RuleRow({ row, loaded, follow }: { row: Row; loaded: boolean; follow: (to: string) => (event: MouseEvent<HTMLAnchorElement>) => void }) {
  const t = useT();
  const intl = useIntl();
  const { rule, activity } = row;
  const href = `/rules/${encodeURIComponent(rule.id)}`;
  const when = (iso: string) => intl.formatDate(iso, { dateStyle: 'medium', timeStyle: 'short' });
  const fired = sum(activity?.firings);
  const held = sum(activity?.holdout);
  const suppressed = sum(activity?.suppressed);
  const reasons = Object.entries(activity?.suppressions ?? {}).sort((a, b) => b[1] - a[1]);
  const errors = activity?.errors.count ?? 0;
  return (
    <tr data-rule={rule.id}>
      <td className="rules-name">
        <a href={href} onClick={follow(href)}>{row.name}</a>
        {row.name !== rule.id && <div className="muted small"><code>{rule.id}</code></div>}
        {row.events.length > 0 && <div className="muted small">{t('rules.listensTo', { events: row.events.join(', ') })}</div>}
      </td>
      <td>
        <span className={`state-badge ${rule.enabled ? 'on' : 'off'}`}>{t(rule.enabled ? 'rules.state.enabled' : 'rules.state.disabled')}</span>
        {errors > 0 && (
          <div className="bad small rule-errors" data-testid="rule-errors">
            <span aria-hidden="true">⚠ </span>{t('rules.errors', { count: errors })}
          </div>
        )}
        <div className="muted small">{t('rules.version', { version: rule.version })}</div>
      </td>
      <td>{activity?.created ? <Actor actor={activity.created.actor} /> : <span className="muted">{loaded ? t('rules.owner.unknown') : '…'}</span>}</td>
      <td className="nowrap-md">
        {activity?.changed
          ? <>{when(activity.changed.at)}<div className="muted small">{t('rules.changedBy', { action: t(actionKey(activity.changed.action)) })} <Actor actor={activity.changed.actor} /></div></>
          : when(rule.updatedAt)}
      </td>
      <td data-testid="rule-firings">
        {activity ? (
          <div className="spark-cell">
            <Sparkline firings={activity.firings} holdout={activity.holdout} suppressed={activity.suppressed} />
            <span className="spark-total">{intl.formatNumber(fired + held)}</span>
            <span className="visually-hidden">{t('rules.firings.words', { fired, held, suppressed, hours: activity.firings.length })}</span>
          </div>
        ) : <div className="skeleton spark-skeleton" />}
      </td>
      <td data-testid="rule-suppressed">
        {!activity ? '…' : suppressed === 0 ? <span className="muted">{t('rules.suppressed.none')}</span> : (
          <>
            <strong>{intl.formatNumber(suppressed)}</strong>
            <ul className="reasons small">
              {reasons.map(([reason, n]) => <li key={reason}>{t('rules.reason', { count: n, reason: reasonWord(t, reason) })}</li>)}
            </ul>
          </>
        )}
      </td>
      <td data-testid="rule-lift">{activity ? <LiftBadgeView badge={activity.lift} ruleId={rule.id} /> : '…'}</td>
    </tr>
  );
}

type T = ReturnType<typeof useT>;
const REASONS = ['capped', 'quiet_hours', 'deduped', 'rate_limited', 'cancelled', 'overflow'] as const;
function reasonWord(t: T, reason: string): string {
  return (REASONS as readonly string[]).includes(reason) ? t(`rules.reason.${reason as (typeof REASONS)[number]}`) : reason;
}

const ACTIONS = ['rule.save', 'rule.enable', 'rule.disable', 'rule.delete', 'rule.reshuffle'] as const;
function actionKey(action: string) {
  const known = (ACTIONS as readonly string[]).includes(action) ? (action.slice(5) as 'save' | 'enable' | 'disable' | 'delete' | 'reshuffle') : 'save';
  return `rules.action.${known}` as const;
}
