// The audit log: who changed which rule, key or user, and when, newest first, filtered by target and actor; a rule
// change opens to its diff. Admins read everything; the API narrows editors to the rules' entries; a viewer sees
// the API's refusal in words.
import { useEffect, useMemo, useState, type FormEvent, type MouseEvent } from 'react';
import { useIntl } from 'react-intl';
import { useT } from '../../i18n/index.tsx';
import { api, ApiFailure } from '../../api.ts';
import { navigate } from '../../router.ts';
import { Diff } from './Diff.tsx';
import type { AuditItem, AuditPage, Role } from './types.ts';

type Kind = 'all' | 'rule' | 'key' | 'user';
const ACTIONS = ['rule.save', 'rule.enable', 'rule.disable', 'rule.delete', 'rule.reshuffle', 'key.create', 'key.revoke', 'user.create', 'user.role', 'user.password', 'user.disable', 'user.enable', 'user.delete', 'session.signin', 'session.signin_failed'] as const;
type Action = (typeof ACTIONS)[number];

function targetOf(kind: Kind, id: string): string | undefined {
  if (kind === 'all') return undefined;
  return `${kind}:${id.trim()}`;
}

export function AuditSection({ role }: { role: Role }) {
  const t = useT();
  const intl = useIntl();
  const [kind, setKind] = useState<Kind>(role === 'admin' ? 'all' : 'rule');
  const [id, setId] = useState('');
  const [actor, setActor] = useState('');
  const [applied, setApplied] = useState<{ target?: string; actor?: string }>(() => ({ target: role === 'admin' ? undefined : 'rule:' }));
  const [items, setItems] = useState<AuditItem[]>();
  const [next, setNext] = useState<string>();
  const [error, setError] = useState<{ status: number; message: string }>();
  const [loadingMore, setLoadingMore] = useState(false);

  const query = (before?: string) => {
    const params = new URLSearchParams({ limit: '50' });
    if (applied.target) params.set('target', applied.target);
    if (applied.actor) params.set('actor', applied.actor);
    if (before) params.set('before', before);
    return `/v1/audit?${params}`;
  };

  useEffect(() => {
    const controller = new AbortController();
    setItems(undefined);
    setError(undefined);
    api<AuditPage>('GET', query(), undefined, controller.signal)
      .then((page) => { setItems(page.items); setNext(page.next); })
      .catch((failure: unknown) => {
        if ((failure as Error).name === 'AbortError') return;
        setError({ status: failure instanceof ApiFailure ? failure.status : 0, message: (failure as Error).message });
      });
    return () => controller.abort();
  }, [applied]);

  const more = async () => {
    if (!next) return;
    setLoadingMore(true);
    try {
      const page = await api<AuditPage>('GET', query(next));
      setItems((old) => [...(old ?? []), ...page.items]);
      setNext(page.next);
    } catch (failure) {
      setError({ status: failure instanceof ApiFailure ? failure.status : 0, message: (failure as Error).message });
    } finally {
      setLoadingMore(false);
    }
  };

  const apply = (event: FormEvent) => {
    event.preventDefault();
    setApplied({ target: targetOf(kind, id), actor: actor.trim() || undefined });
  };

  const actors = useMemo(() => [...new Set((items ?? []).map((e) => e.actor))].sort(), [items]);
  const refused = error && (error.status === 403 || error.status === 401);

  return (
    <section aria-labelledby="audit-title" data-testid="audit">
      <h2 id="audit-title">{t('users.audit.title')}</h2>
      {role === 'editor' && <p className="muted">{t('users.audit.editorScope')}</p>}
      {refused ? (
        <p className="warning" role="alert" data-testid="audit-refused">{t('users.audit.refused', { message: error.message })}</p>
      ) : (
        <>
          <form className="inline-form" onSubmit={apply} aria-label={t('users.audit.filters')}>
            <label className="field"><span>{t('users.audit.kind')}</span>
              <select value={kind} onChange={(e) => { const next = e.target.value as Kind; setKind(next); if (next === 'all') setId(''); }}>
                {role === 'admin' && <option value="all">{t('users.audit.kind.all')}</option>}
                <option value="rule">{t('users.audit.kind.rule')}</option>
                {role === 'admin' && <option value="key">{t('users.audit.kind.key')}</option>}
                {role === 'admin' && <option value="user">{t('users.audit.kind.user')}</option>}
              </select>
            </label>
            <label className="field"><span>{t('users.audit.target')}</span>
              <input value={id} onChange={(e) => setId(e.target.value)} disabled={kind === 'all'} placeholder={t('users.audit.target.placeholder')} aria-describedby="audit-target-help" />
            </label>
            <label className="field"><span>{t('users.audit.actor')}</span>
              <input value={actor} onChange={(e) => setActor(e.target.value)} list="audit-actors" placeholder={t('users.audit.actor.placeholder')} />
              <datalist id="audit-actors">{actors.map((a) => <option key={a} value={a} />)}</datalist>
            </label>
            <button type="submit" className="button">{t('users.audit.apply')}</button>
            <p id="audit-target-help" className="small muted" style={{ flexBasis: '100%', margin: 0 }}>{t('users.audit.target.help')}</p>
          </form>
          {error && <p className="error" role="alert">{t('users.loadFailed', { message: error.message })}</p>}
          {!items && !error && <div className="skeleton block" aria-busy="true" aria-label={t('common.loading')} />}
          {items && items.length === 0 && <p className="empty">{t('users.audit.empty')}</p>}
          {items && items.length > 0 && (
            <ol className="audit-list" data-testid="audit-list">
              {items.map((e) => <AuditEntry key={e.id} entry={e} when={intl.formatDate(e.at, { dateStyle: 'medium', timeStyle: 'medium' })} />)}
            </ol>
          )}
          {next && <button type="button" className="button" onClick={() => void more()} disabled={loadingMore}>{t('users.audit.older')}</button>}
        </>
      )}
    </section>
  );
}

function AuditEntry({ entry: e, when }: { entry: AuditItem; when: string }) {
  const t = useT();
  const action = (ACTIONS as readonly string[]).includes(e.action) ? t(`users.audit.action.${e.action as Action}`) : e.action;
  const actor = e.actor === 'IFTHEN_ADMIN_TOKEN' ? t('users.audit.adminToken') : e.actor === 'anonymous' ? t('users.audit.anonymous') : e.actor;
  const [kind, ...rest] = e.target.split(':');
  const name = rest.join(':');
  const follow = (to: string) => (event: MouseEvent<HTMLAnchorElement>) => {
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    navigate(to);
  };
  const ruleHref = kind === 'rule' && name ? `/rules/${encodeURIComponent(name)}` : undefined;
  return (
    <li data-testid="audit-entry" data-action={e.action} data-target={e.target}>
      <div className="audit-head">
        <time dateTime={e.at}>{when}</time>
        <strong>{actor}</strong>
        <span>{action}</span>
        <span className="target">{ruleHref ? <a href={ruleHref} onClick={follow(ruleHref)}><code>{e.target}</code></a> : <code>{e.target}</code>}</span>
      </div>
      <div className="small muted">{e.detail}</div>
      {e.diff && (
        <details>
          <summary>{t('users.audit.showDiff')}</summary>
          <Diff text={e.diff} />
        </details>
      )}
    </li>
  );
}
