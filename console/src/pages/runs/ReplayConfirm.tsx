// What a replay will do, asked of the API (dry_run) and shown before anything is sent: how many, to which
// destinations, made by which rule versions, over which time, and that each keeps its idempotency key. The
// replay itself runs only from here, and its result is said in place.
import { useEffect, useRef, useState } from 'react';
import { useIntl } from 'react-intl';
import { api } from '../../api.ts';
import { useT } from '../../i18n/index.tsx';
import { useFailureText } from './shared.tsx';
import type { ReplayPreview } from './types.ts';

export type ReplayTarget = { ids: string[] } | { rule?: string; from?: string };

export function ReplayConfirm({ target, onDone, onCancel }: { target: ReplayTarget; onDone(replayed: number): void; onCancel(): void }) {
  const t = useT();
  const intl = useIntl();
  const failureText = useFailureText();
  const [preview, setPreview] = useState<ReplayPreview>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  const body = 'ids' in target ? { ids: target.ids } : { ...(target.rule ? { rule: target.rule } : {}), ...(target.from ? { from: target.from } : {}) };
  const bodyKey = JSON.stringify(body);

  useEffect(() => {
    const controller = new AbortController();
    api<ReplayPreview>('POST', '/v1/deliveries/replay', { ...JSON.parse(bodyKey) as object, dry_run: true }, controller.signal)
      .then(setPreview)
      .catch((failure: unknown) => { if ((failure as Error).name !== 'AbortError') setError(failureText(failure)); });
    heading.current?.focus();
    return () => controller.abort();
  }, [bodyKey, failureText]);

  const replay = async () => {
    setBusy(true);
    try {
      const answer = await api<{ replayed: number }>('POST', '/v1/deliveries/replay', body);
      onDone(answer.replayed);
    } catch (failure) {
      setError(failureText(failure));
    } finally {
      setBusy(false);
    }
  };

  const date = (iso: string) => intl.formatDate(iso, { dateStyle: 'medium', timeStyle: 'short' });
  return (
    <section className="runs-confirm" aria-labelledby="replay-title" data-testid="replay-preview">
      <h3 id="replay-title" ref={heading} tabIndex={-1}>{t('runs.replay.title')}</h3>
      {error && <p className="error" role="alert">{error}</p>}
      {!preview ? (!error && <div className="skeleton line" aria-busy="true" aria-label={t('common.loading')} />) : preview.count === 0 ? (
        <p role="status">{t('runs.replay.nothing')}</p>
      ) : (
        <div role="status">
          <p><strong>{t('runs.replay.summary', { count: preview.count, destinations: preview.destinations.length })}</strong></p>
          <ul>
            {preview.destinations.map((d) => <li key={`${d.destination} ${d.kind}`}>{t('runs.replay.destination', { destination: d.destination, kind: d.kind, count: d.count })}</li>)}
          </ul>
          <ul>
            {preview.rules.map((r) => {
              const versions = r.versions.map((v) => `v${v}`).join(', ') || t('common.none');
              const stale = r.currentVersion !== null && r.versions.some((v) => v !== r.currentVersion);
              return (
                <li key={r.id}>
                  {t('runs.replay.rule', { rule: r.id, count: r.count, versions })}
                  {r.currentVersion === null ? ` ${t('runs.replay.ruleDeleted')}` : stale ? ` ${t('runs.replay.ruleChanged', { current: `v${r.currentVersion}`, versions })}` : ''}
                </li>
              );
            })}
          </ul>
          {preview.oldest && preview.newest && <p>{t('runs.replay.range', { oldest: date(preview.oldest), newest: date(preview.newest) })}</p>}
          <p>{t('runs.replay.key')}</p>
          {preview.answered2xx > 0 && <p className="warning">{t('runs.replay.answered', { count: preview.answered2xx })}</p>}
          {preview.notDead ? <p className="muted">{t('runs.replay.notDead', { count: preview.notDead })}</p> : null}
        </div>
      )}
      <div className="runs-actions">
        {preview && preview.count > 0 && (
          <button type="button" className="button primary" onClick={() => void replay()} disabled={busy}>{t('runs.replay.confirm', { count: preview.count })}</button>
        )}
        <button type="button" className="button" onClick={onCancel}>{t(preview?.count === 0 || error ? 'runs.replay.close' : 'runs.replay.cancel')}</button>
      </div>
    </section>
  );
}
