// The CLI's API client: one fetch wrapper that sends the token, reads JSON, and turns `{error}` answers into ApiError.
export const DEFAULT_URL = 'http://127.0.0.1:8787';
const TIMEOUT_MS = 30_000;

export interface Connection {
  readonly url: string;
  readonly token?: string;
}

/** `--url`/`--token` win over IFTHEN_URL/IFTHEN_TOKEN. */
export function connectionFrom(values: { readonly url?: string; readonly token?: string }, env: NodeJS.ProcessEnv = process.env): Connection {
  const url = (values.url ?? env.IFTHEN_URL ?? DEFAULT_URL).replace(/\/+$/, '');
  const token = values.token ?? env.IFTHEN_TOKEN;
  return token ? { url, token } : { url };
}

/** An answer of the API that is not 2xx: `{"error": {"code", "message", "details?"}}`. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly details?: unknown) {
    super(message);
  }
}

/** The server could not be reached at all (refused, DNS, timeout). */
export class ConnectionError extends Error {
  constructor(readonly url: string, readonly reason: string) {
    super(`cannot reach the server at ${url} (${reason}); is it running? Set --url or IFTHEN_URL`);
  }
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
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.connection.token) headers.authorization = `Bearer ${this.connection.token}`;
    let body: string | undefined;
    if (options.text !== undefined) { body = options.text; headers['content-type'] = options.contentType ?? 'text/plain'; }
    else if (options.json !== undefined) { body = JSON.stringify(options.json); headers['content-type'] = 'application/json'; }

    let response: Response;
    try {
      response = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(TIMEOUT_MS) });
    } catch (error) {
      throw new ConnectionError(this.connection.url, reasonOf(error));
    }
    const text = await response.text();
    const parsed = parseBody(text, response.headers.get('content-type'));
    if (!response.ok) throw toApiError(response.status, parsed, text);
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

function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'TimeoutError') return `no answer within ${TIMEOUT_MS / 1000}s`;
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? error.message;
}

/** Field problems of a 400: rule validation gives `{path, message}`, ingest gives per-event results with `error`. */
export function detailLines(details: unknown): string[] {
  if (!Array.isArray(details)) return [];
  const lines: string[] = [];
  for (const item of details as unknown[]) {
    const problem = fieldProblem(item) ?? fieldProblem((item as { error?: unknown } | null)?.error);
    if (problem) lines.push(problem);
  }
  return lines;
}

function fieldProblem(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const { path, message } = value as { path?: unknown; message?: unknown };
  if (typeof message !== 'string') return undefined;
  return typeof path === 'string' && path ? `${path}: ${message}` : message;
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
