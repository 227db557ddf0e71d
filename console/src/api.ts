// The console's only door to the server: the public API, authenticated by the session cookie (with its CSRF
// header on writes) or by an API token kept in this tab's sessionStorage and sent as a Bearer token.
const TOKEN_KEY = 'ifthen.token';
let csrfToken: string | undefined;

export const auth = {
  token: () => sessionStorage.getItem(TOKEN_KEY) ?? undefined,
  useToken: (token: string) => sessionStorage.setItem(TOKEN_KEY, token),
  useSession: (csrf: string) => { csrfToken = csrf; sessionStorage.removeItem(TOKEN_KEY); },
  clear: () => { csrfToken = undefined; sessionStorage.removeItem(TOKEN_KEY); },
};

/** An API error as the server words it: {"error": {code, message}}, or the transport's failure. */
export class ApiFailure extends Error {
  constructor(readonly status: number, readonly code: string, message: string) { super(message); }
}

export function headers(extra: Record<string, string> = {}, method = 'GET'): Record<string, string> {
  const out: Record<string, string> = { ...extra };
  const token = auth.token();
  if (token) out.authorization = `Bearer ${token}`;
  else if (method !== 'GET' && csrfToken) out['x-csrf-token'] = csrfToken;
  return out;
}

export async function api<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method, signal, credentials: 'same-origin',
      headers: headers(body === undefined ? {} : { 'content-type': 'application/json' }, method),
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new ApiFailure(0, 'NETWORK', (error as Error).message);
  }
  const text = await response.text();
  let parsed: unknown;
  try { parsed = text ? JSON.parse(text) : undefined; } catch { parsed = undefined; }
  if (!response.ok && response.status !== 207) {
    const error = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
    throw new ApiFailure(response.status, error?.code ?? `HTTP_${response.status}`, error?.message ?? (text || response.statusText));
  }
  return parsed as T;
}
