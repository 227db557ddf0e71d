// Versions: every saved version, newest first; the difference between any of them and the current one (as YAML,
// line by line); and roll back, which saves that version's document as a new version after a confirmation.
import { useEffect, useState } from 'react';
import { useIntl } from 'react-intl';
import { diffLines } from 'diff';
import { useT } from '../../i18n/index.tsx';
import { call, isAbort } from './request.ts';
import { toYaml } from './yaml-text.ts';
import type { Doc } from './path.ts';
import { Dialog } from './Dialog.tsx';

interface Version { version: number; createdAt: string; document: Doc }

/** A version's document without `enabled`: rolling back restores the rule, not its on/off state. */
export const withoutEnabled = (doc: Doc): Doc => { const { enabled: _enabled, ...rest } = doc; return rest; };

export function VersionsTab({ ruleId, current, reloadKey, draft, onRolledBack }: { ruleId: string; current: number; reloadKey: number; draft?: Doc; onRolledBack(version: number): void }) {
  const t = useT();
  const intl = useIntl();
  const [versions, setVersions] = useState<Version[]>();
  const [error, setError] = useState<string>();
  const [compare, setCompare] = useState<number>();
  const [confirm, setConfirm] = useState<Version>();
  const [rollError, setRollError] = useState<string>();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const controller = new AbortController();
    call<{ items: Version[] }>('GET', `/v1/rules/${encodeURIComponent(ruleId)}/versions`, undefined, { signal: controller.signal })
      .then((answer) => { setVersions(answer.items); setError(undefined); })
      .catch((failure: Error) => { if (!isAbort(failure)) setError(failure.message); });
    return () => controller.abort();
  }, [ruleId, reloadKey]);

  const latest = versions?.find((v) => v.version === current) ?? versions?.[0];
  const other = versions?.find((v) => v.version === compare) ?? versions?.find((v) => v.version !== latest?.version);
  const rollBack = async (version: Version) => {
    setBusy(true); setRollError(undefined);
    try {
      const saved = await call<{ version: number }>('PUT', `/v1/rules/${encodeURIComponent(ruleId)}`, withoutEnabled(version.document));
      setConfirm(undefined);
      onRolledBack(saved.version);
    } catch (failure) { setRollError((failure as Error).message); } finally { setBusy(false); }
  };

  if (error) return <p className="error" role="alert">{t('common.error', { message: error })}</p>;
  if (!versions) return <div className="skeleton block" aria-busy="true" aria-label={t('common.loading')} />;
  return (
    <div className="versions-tab">
      <section className="panel" aria-labelledby="versions-title">
        <h2 id="versions-title">{t('editor.versions.title')}</h2>
        <div className="table-wrap">
          <table className="table versions-table" data-testid="versions">
            <thead><tr><th scope="col">{t('editor.versions.version')}</th><th scope="col">{t('editor.versions.saved')}</th><th scope="col">{t('editor.versions.actions')}</th></tr></thead>
            <tbody>
              {versions.map((v) => (
                <tr key={v.version}>
                  <th scope="row">{t('editor.versions.label', { n: v.version })}{v.version === latest?.version ? ` · ${t('editor.versions.current')}` : ''}</th>
                  <td className="nowrap">{intl.formatDate(v.createdAt, { dateStyle: 'medium', timeStyle: 'short' })}</td>
                  <td className="version-actions">
                    {v.version !== latest?.version && (
                      <>
                        <button type="button" className="button subtle" aria-pressed={other?.version === v.version} onClick={() => setCompare(v.version)}>{t('editor.versions.compare', { n: v.version })}</button>
                        <button type="button" className="button" onClick={() => { setRollError(undefined); setConfirm(v); }}>{t('editor.versions.rollBack', { n: v.version })}</button>
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      {draft && latest && <Diff before={latest.document} after={draft} title={t('editor.versions.draftTitle', { n: latest.version })} testId="draft-diff" />}
      {versions.length < 2 ? <p className="muted">{t('editor.versions.onlyOne')}</p>
        : latest && other && <Diff before={other.document} after={latest.document} title={t('editor.versions.diffTitle', { older: other.version, newer: latest.version })} testId="diff" />}
      <Dialog open={confirm !== undefined} title={t('editor.versions.confirmTitle', { n: confirm?.version ?? 0 })} onClose={() => setConfirm(undefined)} testId="rollback-dialog">
        <p>{t('editor.versions.confirmBody', { n: confirm?.version ?? 0, next: (versions[0]?.version ?? 0) + 1 })}</p>
        {rollError && <p className="error" role="alert">{rollError}</p>}
        <div className="row-actions">
          <button type="button" className="button primary" disabled={busy} onClick={() => confirm && void rollBack(confirm)}>{t('editor.versions.confirm', { n: confirm?.version ?? 0 })}</button>
          <button type="button" className="button" onClick={() => setConfirm(undefined)}>{t('editor.cancel')}</button>
        </div>
      </Dialog>
    </div>
  );
}

function Diff({ before, after, title, testId }: { before: Doc; after: Doc; title: string; testId: string }) {
  const t = useT();
  const parts = diffLines(toYaml(withoutEnabled(before)), toYaml(withoutEnabled(after)));
  const changed = parts.some((p) => p.added || p.removed);
  return (
    <section className="panel" aria-labelledby={`${testId}-title`}>
      <h3 id={`${testId}-title`}>{title}</h3>
      {!changed ? <p className="muted">{t('editor.versions.same')}</p> : (
        <pre className="diff" data-testid={testId} tabIndex={0} aria-labelledby={`${testId}-title`}>
          {parts.map((p, i) => {
            const lines = p.value.replace(/\n$/, '').split('\n');
            if (p.added) return <ins key={i}>{lines.map((l) => `+ ${l}\n`).join('')}</ins>;
            if (p.removed) return <del key={i}>{lines.map((l) => `- ${l}\n`).join('')}</del>;
            return <span key={i}>{lines.map((l) => `  ${l}\n`).join('')}</span>;
          })}
        </pre>
      )}
      <p className="hint">{t('editor.versions.diffHint')}</p>
    </section>
  );
}
