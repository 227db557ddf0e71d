// Who is signed in: a user of the session cookie (GET /v1/session) or the holder of an API token.
import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import { api, ApiFailure, auth } from './api.ts';
import type { SessionAnswer, SessionUser } from './types.ts';

export type Session = { kind: 'user'; user: SessionUser } | { kind: 'token' };
type State = { status: 'checking' } | { status: 'signed-out' } | { status: 'signed-in'; session: Session };

interface SessionApi {
  state: State;
  signIn(username: string, password: string): Promise<void>;
  signInWithToken(token: string): Promise<void>;
  signOut(): Promise<void>;
}

const SessionContext = createContext<SessionApi | undefined>(undefined);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<State>({ status: 'checking' });

  useEffect(() => {
    (async () => {
      if (auth.token()) {
        try { await api('GET', '/v1/overview'); setState({ status: 'signed-in', session: { kind: 'token' } }); return; } catch { auth.clear(); }
      }
      try {
        const answer = await api<SessionAnswer>('GET', '/v1/session');
        auth.useSession(answer.csrf_token);
        setState({ status: 'signed-in', session: { kind: 'user', user: answer.user } });
      } catch {
        setState({ status: 'signed-out' });
      }
    })();
  }, []);

  const signIn = useCallback(async (username: string, password: string) => {
    const answer = await api<SessionAnswer>('POST', '/v1/session', { username, password });
    auth.useSession(answer.csrf_token);
    setState({ status: 'signed-in', session: { kind: 'user', user: answer.user } });
  }, []);

  const signInWithToken = useCallback(async (token: string) => {
    auth.useToken(token);
    try {
      await api('GET', '/v1/overview');
    } catch (error) {
      auth.clear();
      throw error;
    }
    setState({ status: 'signed-in', session: { kind: 'token' } });
  }, []);

  const signOut = useCallback(async () => {
    if (!auth.token()) await api('DELETE', '/v1/session').catch((error: unknown) => { if (!(error instanceof ApiFailure)) throw error; });
    auth.clear();
    setState({ status: 'signed-out' });
  }, []);

  return <SessionContext.Provider value={{ state, signIn, signInWithToken, signOut }}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionApi {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside SessionProvider');
  return value;
}
