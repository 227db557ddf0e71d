// The editor's calls to the public API: like api.ts, but a refusal keeps the server's field details
// (`[{path, message}]`), so each message can sit at its field; and a rule can be sent as YAML text.
import { ApiFailure, headers } from '../../api.ts';

export interface FieldError { path: string; message: string }

/** An API refusal with the field errors the server listed (validation), if any. */
export class EditorFailure extends ApiFailure {
  constructor(status: number, code: string, message: string, readonly fields: FieldError[]) { super(status, code, message); }
}

export async function call<T>(method: string, path: string, body?: unknown, options: { yaml?: boolean; signal?: AbortSignal } = {}): Promise<T> {
  let response: Response;
  const type: Record<string, string> = body === undefined ? {} : { 'content-type': options.yaml ? 'application/yaml' : 'application/json' };
  try {
    response = await fetch(path, {
      method, signal: options.signal, credentials: 'same-origin', headers: headers(type, method),
      body: body === undefined ? undefined : options.yaml ? String(body) : JSON.stringify(body),
    });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new EditorFailure(0, 'NETWORK', (error as Error).message, []);
  }
  const text = await response.text();
  let parsed: unknown;
  try { parsed = text ? JSON.parse(text) : undefined; } catch { parsed = undefined; }
  if (!response.ok) {
    const error = (parsed as { error?: { code?: string; message?: string; details?: unknown } } | undefined)?.error;
    const details = Array.isArray(error?.details) ? (error.details as FieldError[]).filter((d) => typeof d?.path === 'string') : [];
    throw new EditorFailure(response.status, error?.code ?? `HTTP_${response.status}`, error?.message ?? (text || response.statusText), details);
  }
  return parsed as T;
}

export const isAbort = (error: unknown) => (error as Error)?.name === 'AbortError';
