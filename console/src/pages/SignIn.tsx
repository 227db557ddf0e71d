// Sign in with a user name and password (POST /v1/session), or with an API token kept in this tab.
import { useState, type FormEvent } from 'react';
import { useT } from '../i18n/index.tsx';
import { useSession } from '../session.tsx';
import { ApiFailure } from '../api.ts';

export function SignIn() {
  const t = useT();
  const { signIn, signInWithToken } = useSession();
  const [mode, setMode] = useState<'password' | 'token'>('password');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const explain = (failure: unknown, usingToken: boolean): string => {
    if (failure instanceof ApiFailure) {
      if (failure.status === 0) return t('signin.unreachable').replaceAll('`', '');
      if (usingToken && (failure.status === 401 || failure.status === 403)) return t('signin.badToken');
      if (!usingToken && failure.status === 404) return t('signin.noUsers');
      return t('signin.failed', { message: failure.message });
    }
    return t('signin.failed', { message: String(failure) });
  };

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError(undefined);
    try {
      if (mode === 'token') await signInWithToken(String(form.get('token') ?? '').trim());
      else await signIn(String(form.get('username') ?? ''), String(form.get('password') ?? ''));
    } catch (failure) {
      setError(explain(failure, mode === 'token'));
      if (!(mode === 'token') && failure instanceof ApiFailure && failure.status === 404) setMode('token');
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="signin" aria-labelledby="signin-title">
      <h1 id="signin-title">{t('signin.title')}</h1>
      <form onSubmit={submit} noValidate={false}>
        {mode === 'password' ? (
          <>
            <label className="field"><span>{t('signin.username')}</span><input name="username" autoComplete="username" required /></label>
            <label className="field"><span>{t('signin.password')}</span><input name="password" type="password" autoComplete="current-password" required /></label>
            <button className="button primary" type="submit" disabled={busy}>{t('signin.submit')}</button>
          </>
        ) : (
          <>
            <label className="field">
              <span>{t('signin.token')}</span>
              <input name="token" type="password" autoComplete="off" required aria-describedby="token-help" data-testid="token" />
            </label>
            <p id="token-help" className="help">{t('signin.tokenHelp')}</p>
            <button className="button primary" type="submit" disabled={busy}>{t('signin.submitToken')}</button>
          </>
        )}
        {error && <p className="error" role="alert">{error}</p>}
      </form>
      <button type="button" className="button link" onClick={() => { setMode(mode === 'token' ? 'password' : 'token'); setError(undefined); }}>
        {t(mode === 'token' ? 'signin.usePassword' : 'signin.useToken')}
      </button>
    </section>
  );
}
