// The CLI's API client: one fetch wrapper that sends the token, reads JSON, and turns `{error}` answers into ApiError.
import { ApiError, ConnectionError, SetupError } from './problems.ts';

export const DEFAULT_URL = 'http://127.0.0.1:8787';
const TIMEOUT_MS = 30_000;

export interface Connection {
  readonly url: string;
  /** Where the URL came from, to name the setting to change when the server cannot be reached. */
  readonly urlFrom: '--url' | 'IFTHEN_URL' | 'default';
  readonly token?: string;
  readonly tokenFrom?: '--token' | 'IFTHEN_TOKEN';
}

/** `--url`/`--token` win over IFTHEN_URL/IFTHEN_TOKEN. */
export function connectionFrom(values: { readonly url?: string; readonly token?: string }, env: NodeJS.ProcessEnv = process.env): Connection {
  const urlFrom = values.url !== undefined ? '--url' : env.IFTHEN_URL ? 'IFTHEN_URL' : 'default';
  const url = (values.url ?? (env.IFTHEN_URL || DEFAULT_URL)).replace(/\/+$/, '');
  const tokenFrom = values.token !== undefined ? '--token' : 'IFTHEN_TOKEN';
  const token = values.token ?? env.IFTHEN_TOKEN;
  return token ? { url, urlFrom, token, tokenFrom } : { url, urlFrom };
}

export type Query = Readonly<Record<string, string | number | boolean | undefined>>;

export interface RequestOptions {
  readonly query?: Query;
  /** Sent as JSON. */
  readonly json?: unknown;
  /** Sent as is, with `contentType`. */
  readonly text?: string;
  readonly contentType?: string;
}

export interface ApiResponse<T> {
  readonly status: number;
  readonly body: T;
}

/** Path segments are user input (rule ids, secret names): always encode them. */
export const segment = (value: string): string => encodeURIComponent(value);

export class Client {
  constructor(readonly connection: Connection) {}

  get<T>(path: string, query?: Query): Promise<T> { return this.request<T>('GET', path, { query }).then((r) => r.body); }
  post<T>(path: string, json?: unknown): Promise<T> { return this.request<T>('POST', path, { json }).then((r) => r.body); }
  put<T>(path: string, json: unknown): Promise<T> { return this.request<T>('PUT', path, { json }).then((r) => r.body); }
  delete(path: string): Promise<void> { return this.request<void>('DELETE', path).then(() => undefined); }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    const url = new URL(this.connection.url + path);
    for (const [key, value] of Object.entries(options.query ?? {})) if (value !== undefined) url.searchParams.set(key, String(value));
    // Every command needs a token: say which setting is missing before a round trip that can only fail.
    if (!this.connection.token) throw new SetupError(NO_TOKEN);
    const headers: Record<string, string> = { accept: 'application/json', authorization: `Bearer ${this.connection.token}` };
    let body: string | undefined;
    if (options.text !== undefined) { body = options.text; headers['content-type'] = options.contentType ?? 'text/plain'; }
    else if (options.json !== undefined) { body = JSON.stringify(options.json); headers['content-type'] = 'application/json'; }

    let response: Response;
    try {
      response = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(TIMEOUT_MS) });
    } catch (error) {
      throw new ConnectionError(this.connection.url, reasonOf(error), this.connection.urlFrom);
    }
    const text = await response.text();
    const parsed = parseBody(text, response.headers.get('content-type'));
    if (!response.ok) throw credentialProblem(response.status, this.connection) ?? toApiError(response.status, parsed, text);
    return { status: response.status, body: parsed as T };
  }
}

function parseBody(text: string, contentType: string | null): unknown {
  if (!text) return undefined;
  if (!contentType?.includes('json')) return text;
  try { return JSON.parse(text); } catch { return text; }
}

function toApiError(status: number, body: unknown, text: string): ApiError {
  const error = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)?.error;
  if (error && typeof error.code === 'string') return new ApiError(status, error.code, String(error.message ?? ''), error.details);
  return new ApiError(status, `HTTP_${status}`, text.slice(0, 200) || 'the server answered without a body');
}

const NO_TOKEN = 'no token: set IFTHEN_TOKEN (or --token) to the admin token, the one the server printed at its first start (or its IFTHEN_ADMIN_TOKEN)';
const ADMIN_TOKEN_HINT = 'set IFTHEN_TOKEN (or --token) to the admin token, the one the server printed at its first start (or its IFTHEN_ADMIN_TOKEN)';

/** 401 and 403 say which token was tried (by where it came from, never its value) and how to fix it. */
function credentialProblem(status: number, connection: Connection): SetupError | undefined {
  const from = `the token from ${connection.tokenFrom ?? 'IFTHEN_TOKEN'}`;
  if (status === 401) return new SetupError(`the server at ${connection.url} refused ${from} (unknown or revoked): ${ADMIN_TOKEN_HINT}`);
  if (status === 403) return new SetupError(`${from} is a write key, which may only send events: ${ADMIN_TOKEN_HINT}`);
  return undefined;
}

const REASONS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused', ENOTFOUND: 'no such host', EAI_AGAIN: 'the host name could not be resolved now',
  ECONNRESET: 'the connection was reset', EHOSTUNREACH: 'the host is unreachable', ETIMEDOUT: 'the connection timed out',
};

function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'TimeoutError') return `no answer within ${TIMEOUT_MS / 1000}s`;
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return (cause?.code && REASONS[cause.code]) ?? cause?.code ?? cause?.message ?? error.message;
}

export interface Page<T> {
  readonly items: T[];
  readonly next?: string;
}

/** One page, or with `all` every page by following `next` as `cursor`. */
export async function fetchList<T>(client: Client, path: string, query: Query, all: boolean): Promise<Page<T>> {
  const first = await client.get<Page<T>>(path, query);
  if (!all) return first;
  const items = [...first.items];
  let next = first.next;
  while (next !== undefined) {
    const page = await client.get<Page<T>>(path, { ...query, cursor: next });
    items.push(...page.items);
    next = page.next;
  }
  return { items };
}
