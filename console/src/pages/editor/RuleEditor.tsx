// The rule editor (/rules/new and /rules/{id}): one draft document edited in the form or as YAML, checked by the
// server as it changes (messages at their fields and in a summary that links to them), tested on an event,
// backtested over last week, saved as a new version, switched on or off after a confirmation, rolled back.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useIntl } from 'react-intl';
import { useT } from '../../i18n/index.tsx';
import type { MessageKey } from '../../i18n/en.ts';
import { useSession } from '../../session.tsx';
import { navigate, usePath } from '../../router.ts';
import type { EventTypes } from '../../types.ts';
import { EditorContext } from './context.tsx';
import { fieldId, setAt, type Doc, type Json } from './path.ts';
import { call, EditorFailure, isAbort, type FieldError } from './request.ts';
import { fromYaml } from './yaml-text.ts';
import { Tabs } from './Tabs.tsx';
import { FormTab } from './FormTab.tsx';
import { YamlTab } from './YamlTab.tsx';
import { TestTab } from './TestTab.tsx';
import { BacktestTab } from './BacktestTab.tsx';
import { VersionsTab, withoutEnabled } from './VersionsTab.tsx';
import { EnableDialog } from './EnableDialog.tsx';
import { ErrorSummary } from './ErrorSummary.tsx';
import { useLeaveWarning } from './leave.ts';
import './editor.css';

interface SavedRule { id: string; version: number; enabled: boolean; updatedAt: string; document: Doc; source?: string | null }

/**
 * The YAML as it was saved, with its comments, when it says exactly what the document says and does not set
 * `enabled` (which saving it again would re-apply): the YAML tab then shows it, and a save from there keeps it.
 */
function savedSource(rule: SavedRule): string | undefined {
  if (typeof rule.source !== 'string') return undefined;
  const parsed = fromYaml(rule.source);
  if (!parsed.ok || 'enabled' in parsed.doc) return undefined;
  return JSON.stringify(parsed.doc) === JSON.stringify(withoutEnabled(rule.document)) ? rule.source : undefined;
}
interface SaveAnswer extends SavedRule { changed?: boolean; warnings?: Array<{ message: string }> }
type Tab = 'form' | 'yaml' | 'test' | 'backtest' | 'versions';

const NEW_RULE: Doc = {
  id: '',
  when: { event: '' },
  then: [{ webhook: { url: 'https://', method: 'POST', body: '{"subject": "{{ subject.id }}", "event": "{{ event.type }}"}' } }],
};

/** A message for the page the editor opens next (after the first save, the address changes to the rule's). */
let flash: Note | undefined;

/** A message kept as its key, so it follows a change of language. */
interface Note { key: MessageKey; values?: Record<string, string | number> }

export function RuleEditor() {
  const path = usePath();
  const rest = decodeURIComponent(path.replace(/^\/rules\/?/, '').replace(/\/$/, ''));
  const id = rest === '' || rest === 'new' ? undefined : rest;
  return <EditorPage key={id ?? '(new)'} ruleId={id} />;
}

function EditorPage({ ruleId }: { ruleId: string | undefined }) {
  const t = useT();
  const intl = useIntl();
  const { state } = useSession();
  const role = state.status === 'signed-in' && state.session.kind === 'user' ? state.session.user.role : 'admin';
  const [saved, setSaved] = useState<SavedRule>();
  const [loadError, setLoadError] = useState<{ status: number; message: string }>();
  const [doc, setDoc] = useState<Doc>(ruleId ? {} : NEW_RULE);
  const [yamlText, setYamlText] = useState<string>();
  const [touched, setTouched] = useState(false);
  const [fieldErrors, setFieldErrors] = useState<FieldError[]>([]);
  const [generalError, setGeneralError] = useState<string>();
  // A viewer's dry run would be refused (saving needs an editor): their draft is checked by test and backtest.
  const [liveChecks, setLiveChecks] = useState(role !== 'viewer');
  const [catalogue, setCatalogue] = useState<EventTypes>();
  const [checks, setChecks] = useState<readonly string[]>([]);
  const [tab, setTab] = useState<Tab>('form');
  const [status, setStatus] = useState<Note | undefined>(() => { const f = flash; flash = undefined; return f; });
  const [saveError, setSaveError] = useState<string>();
  const [warnings, setWarnings] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [dialog, setDialog] = useState<'enable' | 'disable'>();
  const [versionsKey, setVersionsKey] = useState(0);
  const summary = useRef<HTMLDivElement>(null);

  const load = useCallback(async (signal?: AbortSignal) => {
    if (!ruleId) return;
    try {
      const rule = await call<SavedRule>('GET', `/v1/rules/${encodeURIComponent(ruleId)}`, undefined, { signal });
      setSaved(rule);
      setDoc(withoutEnabled(rule.document));
      setYamlText(savedSource(rule));
      setLoadError(undefined);
    } catch (failure) {
      if (!isAbort(failure)) setLoadError({ status: (failure as EditorFailure).status, message: (failure as Error).message });
    }
  }, [ruleId]);
  useEffect(() => { const c = new AbortController(); void load(c.signal); return () => c.abort(); }, [load]);
  useEffect(() => {
    const c = new AbortController();
    call<EventTypes>('GET', '/v1/event-types', undefined, { signal: c.signal }).then(setCatalogue, () => setCatalogue({ sampled: 0, items: [] }));
    return () => c.abort();
  }, []);

  const baseline = useMemo(() => JSON.stringify(saved ? withoutEnabled(saved.document) : NEW_RULE), [saved]);
  const dirty = (ruleId ? saved !== undefined : true) && JSON.stringify(doc) !== baseline;
  useLeaveWarning(dirty, t('editor.leave'));
  // A draft is kept in this tab while it differs from the saved rule, so the back button or a reload loses nothing.
  const draftKey = `ifthen.draft.${ruleId ?? '(new)'}`;
  const [kept, setKept] = useState<Doc | undefined>(() => {
    try { const text = sessionStorage.getItem(draftKey); return text ? JSON.parse(text) as Doc : undefined; } catch { return undefined; }
  });
  useEffect(() => {
    if (!touched) return;
    if (dirty) sessionStorage.setItem(draftKey, JSON.stringify(doc)); else sessionStorage.removeItem(draftKey);
  }, [doc, dirty, touched, draftKey]);
  const offerKept = kept !== undefined && !touched && (ruleId ? saved !== undefined : true) && JSON.stringify(kept) !== baseline;

  const update = useCallback((path: string, value: Json | undefined) => {
    setDoc((d) => setAt(d, path, value));
    setYamlText(undefined);
    setTouched(true);
  }, []);
  const replace = useCallback((next: Doc) => { setDoc(next); setTouched(true); }, []);

  // The server checks the draft as it changes (a dry run of the save), half a second after the last edit.
  useEffect(() => {
    if (!touched || !liveChecks) return;
    const controller = new AbortController();
    const timer = setTimeout(() => {
      const id = typeof doc.id === 'string' ? doc.id : '';
      if (!id) { setFieldErrors([{ path: 'id', message: t('editor.id.required') }]); return; }
      call('PUT', `/v1/rules/${encodeURIComponent(id)}?dry_run=true`, doc, { signal: controller.signal })
        .then(() => { setFieldErrors([]); setGeneralError(undefined); })
        .catch((failure: unknown) => {
          if (isAbort(failure)) return;
          const f = failure as EditorFailure;
          if (f.status === 403) { setLiveChecks(false); return; }
          if (f.fields?.length) { setFieldErrors(f.fields); setGeneralError(undefined); } else { setFieldErrors([]); setGeneralError(f.message); }
        });
    }, 500);
    return () => { clearTimeout(timer); controller.abort(); };
  }, [doc, touched, liveChecks, t]);

  const errors = useMemo(() => {
    const map = new Map<string, string>();
    for (const e of fieldErrors) if (!map.has(e.path)) map.set(e.path, e.message);
    return map;
  }, [fieldErrors]);
  const context = useMemo(() => ({ doc, update, errors, catalogue, checks, setChecks }), [doc, update, errors, catalogue, checks]);

  const showFieldErrors = (list: FieldError[]) => { setFieldErrors(list); setTimeout(() => summary.current?.focus(), 0); };

  const save = async () => {
    setSaveError(undefined); setStatus(undefined); setWarnings([]);
    const id = typeof doc.id === 'string' ? doc.id : '';
    if (!id) { showFieldErrors([{ path: 'id', message: t('editor.id.required') }]); return; }
    const yaml = yamlText !== undefined ? fromYaml(yamlText) : undefined;
    if (yaml && !yaml.ok) { setTab('yaml'); setSaveError(t('editor.save.yamlBroken')); return; }
    setBusy(true);
    try {
      if (!ruleId) {
        // A new rule must not overwrite a saved one that has the same id.
        // Asked of the list, not of GET /v1/rules/{id}: a 404 there would be logged by the browser as a failed load.
        const exists = (await call<{ items: Array<{ id: string }> }>('GET', '/v1/rules')).items.some((r) => r.id === id);
        if (exists) { showFieldErrors([{ path: 'id', message: t('editor.id.taken', { id }) }]); return; }
      }
      // YAML typed in the YAML tab is sent as typed (its comments are kept); a new rule starts switched off.
      const answer = ruleId && yamlText !== undefined
        ? await call<SaveAnswer>('PUT', `/v1/rules/${encodeURIComponent(id)}`, yamlText, { yaml: true })
        : await call<SaveAnswer>('PUT', `/v1/rules/${encodeURIComponent(id)}`, ruleId ? doc : { ...doc, enabled: false });
      setFieldErrors([]);
      sessionStorage.removeItem(draftKey);
      setKept(undefined);
      setWarnings((answer.warnings ?? []).map((w) => w.message));
      const message: Note = { key: answer.changed === false ? 'editor.save.unchanged' : 'editor.save.saved', values: { version: answer.version } };
      if (!ruleId) { flash = message; navigate(`/rules/${encodeURIComponent(id)}`); return; }
      setSaved(answer);
      setDoc(withoutEnabled(answer.document));
      // YAML sent as typed is now the saved source: the YAML tab keeps showing it, comments and all.
      setYamlText(yamlText !== undefined && yaml?.ok && !('enabled' in yaml.doc) ? yamlText : undefined);
      setVersionsKey((k) => k + 1);
      setStatus(message);
    } catch (failure) {
      const f = failure as EditorFailure;
      if (f.fields?.length) showFieldErrors(f.fields);
      else setSaveError(f.status === 403 ? t('editor.save.refused', { message: f.message.charAt(0).toUpperCase() + f.message.slice(1) }) : f.message);
    } finally { setBusy(false); }
  };

  // Ctrl+S (⌘S) saves, as in an editor; the browser's "save page" would only download the console.
  const saveRef = useRef(save);
  saveRef.current = save;
  useEffect(() => {
    const key = (event: KeyboardEvent) => {
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 's') { event.preventDefault(); void saveRef.current(); }
    };
    document.addEventListener('keydown', key);
    return () => document.removeEventListener('keydown', key);
  }, []);

  if (ruleId && loadError) {
    return (
      <section className="page" aria-labelledby="page-title">
        <h1 id="page-title">{t('editor.titleRule', { id: ruleId })}</h1>
        <div className={loadError.status === 404 ? 'empty' : 'error'} role="alert">
          <p>{loadError.status === 404 ? t('editor.notFound', { id: ruleId }) : t('common.error', { message: loadError.message })}</p>
          <button type="button" className="button" onClick={() => navigate('/rules/new')}>{t('editor.newRule')}</button>
          {loadError.status !== 404 && <button type="button" className="button" onClick={() => void load()}>{t('common.retry')}</button>}
        </div>
      </section>
    );
  }
  if (ruleId && !saved) return <section className="page editor" aria-busy="true"><h1>{t('editor.titleRule', { id: ruleId })}</h1><div className="skeleton block editor-skeleton" aria-label={t('common.loading')} /></section>;

  const tabs: Array<{ id: Tab; label: string }> = [
    { id: 'form', label: t('editor.tab.form') }, { id: 'yaml', label: t('editor.tab.yaml') }, { id: 'test', label: t('editor.tab.test') },
    { id: 'backtest', label: t('editor.tab.backtest') }, ...(saved ? [{ id: 'versions' as Tab, label: t('editor.tab.versions') }] : []),
  ];
  const yamlProblem = yamlText !== undefined && !fromYaml(yamlText).ok;

  return (
    <EditorContext.Provider value={context}>
      <section className="page editor" aria-labelledby="page-title">
        <div className="page-head editor-head">
          <div>
            <p className="crumbs"><a href="/rules" onClick={(e) => { e.preventDefault(); navigate('/rules'); }}>{t('editor.back')}</a></p>
            <h1 id="page-title">{saved ? t('editor.titleRule', { id: saved.id }) : t('editor.titleNew')}</h1>
            <p className="badges">
              {saved && <span className={`badge ${saved.enabled ? 'on' : 'off'}`} data-testid="state">{t(saved.enabled ? 'editor.state.on' : 'editor.state.off')}</span>}
              {saved && <span className="badge">{t('editor.versionOf', { version: saved.version, time: intl.formatDate(saved.updatedAt, { dateStyle: 'medium', timeStyle: 'short' }) })}</span>}
              {dirty && <span className="badge unsaved">{t('editor.unsaved')}</span>}
            </p>
          </div>
          <div className="head-actions">
            <button type="button" className="button primary" onClick={() => void save()} disabled={busy} aria-describedby={saveError ? 'save-error' : undefined}>{t(saved ? 'editor.save' : 'editor.saveNew')}</button>
            {saved && (
              <button type="button" className="button" onClick={() => setDialog(saved.enabled ? 'disable' : 'enable')}>{t(saved.enabled ? 'editor.disable' : 'editor.enable')}</button>
            )}
          </div>
        </div>
        {saveError && <p className="error" id="save-error" role="alert" data-testid="save-error">{saveError}</p>}
        {status && <p className="ok-note" role="status">{t(status.key, status.values)}</p>}
        {warnings.length > 0 && <ul className="warning" aria-label={t('editor.save.warnings')}>{warnings.map((w, i) => <li key={i}>{w}</li>)}</ul>}
        {offerKept && (
          <div className="warning kept" role="region" aria-label={t('editor.kept.label')}>
            <p>{t('editor.kept.text')}</p>
            <div className="row-actions">
              <button type="button" className="button" onClick={() => { replace(kept!); setKept(undefined); }}>{t('editor.kept.restore')}</button>
              <button type="button" className="button subtle" onClick={() => { sessionStorage.removeItem(draftKey); setKept(undefined); }}>{t('editor.kept.discard')}</button>
            </div>
          </div>
        )}
        {role === 'viewer' && <p className="muted small">{t('editor.viewerNote')}</p>}
        {!liveChecks && role !== 'viewer' && <p className="muted small">{t('editor.noLiveChecks')}</p>}
        {generalError && <p className="error" role="alert">{generalError}</p>}
        <ErrorSummary ref={summary} errors={fieldErrors} onShow={(path) => {
          setTab('form');
          setTimeout(() => focusField(path), 0);
        }} />

        <Tabs<Tab> label={t('editor.tabs')} tabs={tabs} current={tab} onChange={setTab} />
        <div role="tabpanel" id="panel-form" aria-labelledby="tab-form" hidden={tab !== 'form'}>
          {yamlProblem && <p className="warning">{t('editor.yaml.formStale')}</p>}
          <FormTab isNew={!saved} />
        </div>
        {tab === 'yaml' && <div role="tabpanel" id="panel-yaml" aria-labelledby="tab-yaml"><YamlTab text={yamlText} setText={setYamlText} replace={replace} /></div>}
        {tab === 'test' && <div role="tabpanel" id="panel-test" aria-labelledby="tab-test"><TestTab ruleId={typeof doc.id === 'string' ? doc.id : ''} onFieldErrors={showFieldErrors} /></div>}
        {tab === 'backtest' && <div role="tabpanel" id="panel-backtest" aria-labelledby="tab-backtest"><BacktestTab savedId={saved && !dirty ? saved.id : undefined} onFieldErrors={showFieldErrors} /></div>}
        {tab === 'versions' && saved && (
          <div role="tabpanel" id="panel-versions" aria-labelledby="tab-versions">
            <VersionsTab ruleId={saved.id} current={saved.version} reloadKey={versionsKey} draft={dirty ? doc : undefined} onRolledBack={(version) => { void load(); setVersionsKey((k) => k + 1); setStatus({ key: 'editor.versions.rolledBack', values: { version } }); }} />
          </div>
        )}
        {saved && dialog && (
          <EnableDialog open enable={dialog === 'enable'} ruleId={saved.id} saved={withoutEnabled(saved.document)} dirty={dirty} onClose={() => setDialog(undefined)}
            onDone={(enabled) => { setDialog(undefined); setSaved({ ...saved, enabled }); setStatus({ key: enabled ? 'editor.enabledNow' : 'editor.disabledNow' }); }} />
        )}
      </section>
    </EditorContext.Provider>
  );
}

/** Focus the field of an error path, or the nearest enclosing part that has one (`when.count` → its section). */
function focusField(path: string) {
  let at = path;
  for (;;) {
    const element = document.getElementById(fieldId(at));
    if (element) { element.focus(); element.scrollIntoView({ block: 'center' }); return; }
    const cut = Math.max(at.lastIndexOf('.'), at.lastIndexOf('['));
    if (cut <= 0) return;
    at = at.slice(0, cut);
  }
}
