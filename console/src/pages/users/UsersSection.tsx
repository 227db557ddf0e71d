// People (admins): the list with role, state and last sign-in (from the audit log's sign-ins, when recent enough to
// be in it), a form to add one, and per person: change role, disable or enable, reset password, delete. Every
// refusal of the API (the last admin, a short password, a name taken) shows where the action was made.
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { useIntl } from 'react-intl';
import { useT } from '../../i18n/index.tsx';
import { api, ApiFailure } from '../../api.ts';
import { ConfirmDialog } from './ConfirmDialog.tsx';
import type { AuditPage, Role, UserItem } from './types.ts';

const ROLES: Role[] = ['viewer', 'editor', 'admin'];
type Pending = { kind: 'disable' | 'delete'; user: UserItem } | { kind: 'password'; user: UserItem; password: string } | { kind: 'role'; user: UserItem; role: Role };

const messageOf = (failure: unknown) => (failure instanceof ApiFailure ? failure.message : (failure as Error).message);

export function UsersSection({ self }: { self?: string }) {
  const t = useT();
  const intl = useIntl();
  const [users, setUsers] = useState<UserItem[]>();
  const [signIns, setSignIns] = useState<Map<string, string>>(new Map());
  const [loadError, setLoadError] = useState<string>();
  const [reloads, setReloads] = useState(0);
  const [rowMessage, setRowMessage] = useState<{ user: string; text: string; tone: 'ok' | 'error' }>();
  const [pending, setPending] = useState<Pending>();
  const [busy, setBusy] = useState(false);
  const [resetFor, setResetFor] = useState<string>();
  const [resetPassword, setResetPassword] = useState('');

  const reload = useCallback(() => setReloads((n) => n + 1), []);

  useEffect(() => {
    const controller = new AbortController();
    (async () => {
      try {
        const answer = await api<{ items: UserItem[] }>('GET', '/v1/users', undefined, controller.signal);
        setUsers(answer.items);
        setLoadError(undefined);
      } catch (failure) {
        if ((failure as Error).name !== 'AbortError') setLoadError(messageOf(failure));
        return;
      }
      // Last sign-in: the newest "session.signin" of each person among the recent entries about people.
      try {
        const audit = await api<AuditPage>('GET', '/v1/audit?target=user:&limit=500', undefined, controller.signal);
        const seen = new Map<string, string>();
        for (const e of audit.items) if (e.action === 'session.signin' && !seen.has(e.target.slice(5))) seen.set(e.target.slice(5), e.at);
        setSignIns(seen);
      } catch { /* the list stands without it */ }
    })();
    return () => controller.abort();
  }, [reloads]);

  const act = async (user: string, run: () => Promise<unknown>, done: string) => {
    setBusy(true);
    try {
      await run();
      setRowMessage({ user, text: done, tone: 'ok' });
      reload();
    } catch (failure) {
      setRowMessage({ user, text: t('users.refused', { message: messageOf(failure) }), tone: 'error' });
    } finally {
      setBusy(false);
      setPending(undefined);
    }
  };

  const confirmPending = () => {
    if (!pending) return;
    const u = pending.user.username;
    const path = `/v1/users/${encodeURIComponent(u)}`;
    if (pending.kind === 'delete') void act(u, () => api('DELETE', path), t('users.done.deleted', { name: u }));
    else if (pending.kind === 'disable') void act(u, () => api('PATCH', path, { disabled: true }), t('users.done.disabled', { name: u }));
    else if (pending.kind === 'role') {
      const role = pending.role;
      void act(u, () => api('PATCH', path, { role }), t('users.done.role', { name: u, role: t(`users.role.${role}`) }));
    } else if (pending.kind === 'password') {
      const password = pending.password;
      void act(u, () => api('PATCH', path, { password }), t('users.done.password', { name: u })).then(() => { setResetFor(undefined); setResetPassword(''); });
    }
  };

  const when = (iso: string) => intl.formatDate(iso, { dateStyle: 'medium', timeStyle: 'short' });

  return (
    <section aria-labelledby="people-title" data-testid="people">
      <h2 id="people-title">{t('users.people.title')}</h2>
      <AddUser onAdded={reload} />
      {loadError && <p className="error" role="alert">{t('users.loadFailed', { message: loadError })} <button type="button" className="button" onClick={reload}>{t('common.retry')}</button></p>}
      {users && users.length === 0 ? <p className="empty">{t('users.people.empty')}</p> : (
      <div className="table-wrap" tabIndex={0} role="region" aria-label={t('users.people.caption')}>
        <table className="table users-table" aria-busy={!users && !loadError}>
          <caption className="visually-hidden">{t('users.people.caption')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('users.col.name')}</th>
              <th scope="col">{t('users.col.role')}</th>
              <th scope="col">{t('users.col.state')}</th>
              <th scope="col">{t('users.col.lastSignIn')}</th>
              <th scope="col">{t('users.col.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {!users && !loadError && <tr><td colSpan={5}><div className="skeleton line" /></td></tr>}
            {users?.map((u) => (
              <tr key={u.username} data-user={u.username}>
                <th scope="row">{u.username}{u.username === self && <span className="muted small"> {t('users.you')}</span>}</th>
                <td>
                  <select aria-label={t('users.roleOf', { name: u.username })} value={u.role} disabled={busy}
                    onChange={(e) => {
                      const role = e.target.value as Role;
                      // Taking away one's own admin role ends one's own access to this page: asked first.
                      if (u.username === self && role !== 'admin') { setPending({ kind: 'role', user: u, role }); return; }
                      void act(u.username, () => api('PATCH', `/v1/users/${encodeURIComponent(u.username)}`, { role }), t('users.done.role', { name: u.username, role: t(`users.role.${role}`) }));
                    }}>
                    {ROLES.map((r) => <option key={r} value={r}>{t(`users.role.${r}`)}</option>)}
                  </select>
                </td>
                <td className={u.disabled ? 'status-off' : 'ok'}>{t(u.disabled ? 'users.state.disabled' : 'users.state.enabled')}</td>
                <td>{signIns.has(u.username) ? when(signIns.get(u.username)!) : <span className="muted">{t('users.lastSignIn.unknown')}</span>}</td>
                <td>
                  <div className="row-actions">
                    {u.disabled
                      ? <button type="button" className="button" disabled={busy} onClick={() => void act(u.username, () => api('PATCH', `/v1/users/${encodeURIComponent(u.username)}`, { disabled: false }), t('users.done.enabled', { name: u.username }))}>{t('users.enable')}</button>
                      : <button type="button" className="button" disabled={busy} onClick={() => setPending({ kind: 'disable', user: u })} aria-label={t('users.disableNamed', { name: u.username })}>{t('users.disable')}</button>}
                    <button type="button" className="button" aria-expanded={resetFor === u.username} onClick={() => { setResetFor(resetFor === u.username ? undefined : u.username); setResetPassword(''); }} aria-label={t('users.resetNamed', { name: u.username })}>{t('users.reset')}</button>
                    <button type="button" className="button" disabled={busy} onClick={() => setPending({ kind: 'delete', user: u })} aria-label={t('users.deleteNamed', { name: u.username })}>{t('users.delete')}</button>
                  </div>
                  {resetFor === u.username && (
                    <form className="inline-form" onSubmit={(e) => { e.preventDefault(); setPending({ kind: 'password', user: u, password: resetPassword }); }}>
                      <label className="field">
                        <span>{t('users.newPassword', { name: u.username })}</span>
                        <input type="password" autoComplete="new-password" value={resetPassword} onChange={(e) => setResetPassword(e.target.value)} required aria-describedby={`pw-help-${u.username}`} />
                      </label>
                      <button type="submit" className="button">{t('users.setPassword')}</button>
                      <span id={`pw-help-${u.username}`} className="small muted">{t('users.password.help')}</span>
                    </form>
                  )}
                  {rowMessage?.user === u.username && <p className={`row-message ${rowMessage.tone === 'error' ? 'error' : 'ok'}`} role={rowMessage.tone === 'error' ? 'alert' : 'status'}>{rowMessage.text}</p>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      )}
      {rowMessage && users && !users.some((u) => u.username === rowMessage.user) && <p className="ok" role="status">{rowMessage.text}</p>}
      {pending && (
        <ConfirmDialog busy={busy} onCancel={() => setPending(undefined)} onConfirm={confirmPending}
          title={t(`users.confirm.${pending.kind}.title`, { name: pending.user.username, role: pending.kind === 'role' ? t(`users.role.${pending.role}`) : '' })}
          confirm={t(`users.confirm.${pending.kind}.button`, { name: pending.user.username, role: pending.kind === 'role' ? t(`users.role.${pending.role}`) : '' })}>
          <p>{t(`users.confirm.${pending.kind}.body`, { name: pending.user.username, role: pending.kind === 'role' ? t(`users.role.${pending.role}`) : '' })}</p>
        </ConfirmDialog>
      )}
    </section>
  );
}

function AddUser({ onAdded }: { onAdded: () => void }) {
  const t = useT();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [result, setResult] = useState<{ text: string; tone: 'ok' | 'error' }>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    try {
      await api('POST', '/v1/users', { username: username.trim(), password, role });
      setResult({ text: t('users.done.added', { name: username.trim(), role: t(`users.role.${role}`) }), tone: 'ok' });
      setUsername('');
      setPassword('');
      onAdded();
    } catch (failure) {
      setResult({ text: t('users.refused', { message: messageOf(failure) }), tone: 'error' });
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="inline-form" onSubmit={(e) => void submit(e)} aria-labelledby="add-user-title" data-testid="add-user">
      <h3 id="add-user-title" className="visually-hidden">{t('users.add.title')}</h3>
      <label className="field"><span>{t('users.add.name')}</span><input value={username} onChange={(e) => setUsername(e.target.value)} required autoComplete="off" maxLength={64} /></label>
      <label className="field"><span>{t('users.add.password')}</span><input type="password" value={password} onChange={(e) => setPassword(e.target.value)} required autoComplete="new-password" aria-describedby="add-password-help" /></label>
      <label className="field"><span>{t('users.add.role')}</span>
        <select value={role} onChange={(e) => setRole(e.target.value as Role)}>
          {ROLES.map((r) => <option key={r} value={r}>{t(`users.role.${r}`)}</option>)}
        </select>
      </label>
      <button type="submit" className="button primary" disabled={busy}>{t('users.add.submit')}</button>
      <p id="add-password-help" className="small muted" style={{ flexBasis: '100%', margin: 0 }}>{t('users.password.help')}</p>
      {result && <p className={result.tone === 'error' ? 'error' : 'ok'} role={result.tone === 'error' ? 'alert' : 'status'} data-testid="add-user-result" style={{ flexBasis: '100%', margin: 0 }}>{result.text}</p>}
    </form>
  );
}
