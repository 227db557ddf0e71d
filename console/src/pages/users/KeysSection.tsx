// Write keys (admins): create one (its value shown once, with a copy button and a warning that it will not be
// shown again), list them (never their values), revoke with a confirmation that says what stops working.
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { useIntl } from 'react-intl';
import { useT } from '../../i18n/index.tsx';
import { api, ApiFailure } from '../../api.ts';
import { ConfirmDialog } from './ConfirmDialog.tsx';
import type { CreatedKey, KeyItem } from './types.ts';

const messageOf = (failure: unknown) => (failure instanceof ApiFailure ? failure.message : (failure as Error).message);

export function KeysSection() {
  const t = useT();
  const intl = useIntl();
  const [keys, setKeys] = useState<KeyItem[]>();
  const [loadError, setLoadError] = useState<string>();
  const [reloads, setReloads] = useState(0);
  const [name, setName] = useState('');
  const [created, setCreated] = useState<CreatedKey>();
  const [copied, setCopied] = useState<'yes' | 'no'>();
  const [message, setMessage] = useState<{ text: string; tone: 'ok' | 'error'; key?: string }>();
  const [revoking, setRevoking] = useState<KeyItem>();
  const [busy, setBusy] = useState(false);
  const reload = useCallback(() => setReloads((n) => n + 1), []);

  useEffect(() => {
    const controller = new AbortController();
    api<{ items: KeyItem[] }>('GET', '/v1/keys', undefined, controller.signal)
      .then((answer) => { setKeys(answer.items); setLoadError(undefined); })
      .catch((failure: unknown) => { if ((failure as Error).name !== 'AbortError') setLoadError(messageOf(failure)); });
    return () => controller.abort();
  }, [reloads]);

  const create = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    try {
      const key = await api<CreatedKey>('POST', '/v1/keys', name.trim() ? { name: name.trim() } : {});
      setCreated(key);
      setCopied(undefined);
      setMessage(undefined);
      setName('');
      reload();
    } catch (failure) {
      setMessage({ text: t('users.refused', { message: messageOf(failure) }), tone: 'error' });
    } finally {
      setBusy(false);
    }
  };

  const copy = async () => {
    if (!created) return;
    try {
      await navigator.clipboard.writeText(created.key);
      setCopied('yes');
    } catch {
      setCopied('no');
    }
  };

  const revoke = async () => {
    if (!revoking) return;
    setBusy(true);
    try {
      await api('DELETE', `/v1/keys/${encodeURIComponent(revoking.id)}`);
      setMessage({ text: t('users.keys.revoked', { name: revoking.name }), tone: 'ok', key: revoking.id });
      if (created?.id === revoking.id) setCreated(undefined);
      reload();
    } catch (failure) {
      setMessage({ text: t('users.refused', { message: messageOf(failure) }), tone: 'error', key: revoking.id });
    } finally {
      setBusy(false);
      setRevoking(undefined);
    }
  };

  const when = (iso: string) => intl.formatDate(iso, { dateStyle: 'medium', timeStyle: 'short' });

  return (
    <section aria-labelledby="keys-title" data-testid="keys">
      <h2 id="keys-title">{t('users.keys.title')}</h2>
      <p className="muted">{t('users.keys.what')}</p>
      <form className="inline-form" onSubmit={(e) => void create(e)}>
        <label className="field"><span>{t('users.keys.name')}</span><input value={name} onChange={(e) => setName(e.target.value)} maxLength={200} placeholder={t('users.keys.name.placeholder')} /></label>
        <button type="submit" className="button primary" disabled={busy}>{t('users.keys.create')}</button>
      </form>
      {created && (
        <div className="secret-once" role="status" data-testid="new-key">
          <p><strong>{t('users.keys.once', { name: created.name })}</strong></p>
          <div className="secret-value">
            <code data-testid="new-key-value">{created.key}</code>
            <button type="button" className="button" onClick={() => void copy()}>{t('users.keys.copy')}</button>
            {copied === 'yes' && <span className="ok small">{t('users.keys.copied')}</span>}
            {copied === 'no' && <span className="bad small">{t('users.keys.copyFailed')}</span>}
          </div>
          <p className="small">{t('users.keys.use')}</p>
          <button type="button" className="button subtle" onClick={() => setCreated(undefined)}>{t('users.keys.hide')}</button>
        </div>
      )}
      {message && !message.key && <p className={message.tone === 'error' ? 'error' : 'ok'} role={message.tone === 'error' ? 'alert' : 'status'}>{message.text}</p>}
      {loadError && <p className="error" role="alert">{t('users.loadFailed', { message: loadError })} <button type="button" className="button" onClick={reload}>{t('common.retry')}</button></p>}
      {keys && keys.length === 0 ? <p className="empty">{t('users.keys.empty')}</p> : (
        <div className="table-wrap" tabIndex={0} role="region" aria-label={t('users.keys.caption')}>
          <table className="table users-table" aria-busy={!keys && !loadError}>
            <caption className="visually-hidden">{t('users.keys.caption')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('users.keys.col.name')}</th>
                <th scope="col">{t('users.keys.col.id')}</th>
                <th scope="col">{t('users.keys.col.created')}</th>
                <th scope="col">{t('users.keys.col.state')}</th>
                <th scope="col">{t('users.col.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {!keys && !loadError && <tr><td colSpan={5}><div className="skeleton line" /></td></tr>}
              {keys?.map((k) => (
                <tr key={k.id} data-key={k.id}>
                  <th scope="row">{k.name}</th>
                  <td><code>{k.id}</code></td>
                  <td>{when(k.createdAt)}</td>
                  <td className={k.revokedAt ? 'status-off' : 'ok'}>{k.revokedAt ? t('users.keys.state.revoked', { time: when(k.revokedAt) }) : t('users.keys.state.active')}</td>
                  <td>
                    {!k.revokedAt && <button type="button" className="button" disabled={busy} onClick={() => setRevoking(k)} aria-label={t('users.keys.revokeNamed', { name: k.name })}>{t('users.keys.revoke')}</button>}
                    {message?.key === k.id && <p className={`row-message ${message.tone === 'error' ? 'error' : 'ok'}`} role={message.tone === 'error' ? 'alert' : 'status'}>{message.text}</p>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {revoking && (
        <ConfirmDialog busy={busy} onCancel={() => setRevoking(undefined)} onConfirm={() => void revoke()}
          title={t('users.keys.confirm.title', { name: revoking.name })} confirm={t('users.keys.confirm.button')}>
          <p>{t('users.keys.confirm.body', { name: revoking.name })}</p>
        </ConfirmDialog>
      )}
    </section>
  );
}
