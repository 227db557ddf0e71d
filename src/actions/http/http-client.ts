// The HTTP sender shared by webhook and chat: one keep-alive pool per origin, the SSRF guard on every
// connection, a per-attempt time limit and a 1 KiB response snippet. It sends the headers it is given
// (send-request.ts adds identity and signature). Redirects are not followed (undici's request does not).
import type { lookup as dnsLookup } from 'node:dns';
import { isIP } from 'node:net';
import { Agent, buildConnector, errors as undiciErrors, type Dispatcher } from 'undici';
import { DeliveryError, NonRetriableError, RetryableError, TimeoutError } from '../errors.ts';
import { checkTarget, guardedLookup, unbracket } from '../ssrf-guard.ts';
import type { ActionResult, AttemptScope } from '../types.ts';
import { SNIPPET_BYTES } from './response-snippet.ts';
import { statusError } from './http-status.ts';

export interface HttpClientOptions {
  /** Connections per origin; at least the dispatcher's per-destination concurrency. */
  readonly connections: number;
  readonly allowPrivateTargets: boolean;
  /** Resolves host names for the guarded connections; the system resolver by default (tests play DNS). */
  readonly resolve?: typeof dnsLookup;
}

export interface OutgoingRequest {
  readonly url: string;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly timeoutMs: number;
}

export class HttpClient {
  readonly #agent: Agent;

  constructor(private readonly options: HttpClientOptions) {
    this.#agent = new Agent({ connections: Math.max(1, options.connections), keepAliveTimeout: 10_000, connect: guardedConnector(options.allowPrivateTargets, options.resolve) });
  }

  /**
   * One attempt over undici's dispatch API: no stream, no promise per chunk, one timer. The first KiB of the
   * body is kept; a longer body is cut there and its connection closed (a 100 MB answer costs 1 KiB).
   */
  send(outgoing: OutgoingRequest, scope: AttemptScope): Promise<ActionResult> {
    let url: URL;
    try {
      url = targetUrl(outgoing.url);
      if (!this.options.allowPrivateTargets) {
        // The connector checks again at connect time; this gives the same refusal before any pooling.
        const host = unbracket(url.hostname);
        const refusal = isIP(host) ? checkTarget(host, host) : null;
        if (refusal) throw refusal;
      }
    } catch (error) {
      return Promise.reject(error);
    }
    if (scope.signal.aborted) return Promise.reject(scope.signal.reason);
    return new Promise<ActionResult>((resolve, reject) => {
      const attempt = new Attempt(scope, outgoing.timeoutMs, resolve, reject);
      try {
        this.#agent.dispatch({ origin: url.origin, path: `${url.pathname}${url.search}`, method: outgoing.method, headers: outgoing.headers, body: outgoing.body ?? null }, attempt);
      } catch (error) {
        attempt.onResponseError(null, error as Error);
      }
    });
  }

  /** Closes pooled connections, aborting any request still running. */
  async close(): Promise<void> {
    await this.#agent.destroy();
  }

}

function targetUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new NonRetriableError(`invalid URL "${text}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new NonRetriableError(`URL must be http or https, got ${url.protocol}`);
  return url;
}

/** Undici's connector, plus the SSRF check: host names through the guarded lookup, IP literals (which net never looks up) here. */
function guardedConnector(allowPrivateTargets: boolean, resolve?: typeof dnsLookup): buildConnector.connector {
  if (allowPrivateTargets) return buildConnector(resolve ? { lookup: resolve } : {});
  const connect = buildConnector({ lookup: guardedLookup(resolve) });
  return (options, callback) => {
    const host = unbracket(options.hostname);
    const refusal = isIP(host) ? checkTarget(host, host) : null;
    if (refusal) return callback(refusal, null);
    connect(options, callback);
  };
}

function requestFailure(error: unknown): DeliveryError {
  for (let e: unknown = error; e instanceof Error; e = e.cause) if (e instanceof DeliveryError) return e;
  const err = error as Error & { code?: string };
  if (err instanceof undiciErrors.InvalidArgumentError) return new NonRetriableError(`invalid request: ${err.message}`, { cause: error });
  const cause = err.cause as (Error & { code?: string }) | undefined;
  const code = cause?.code ?? err.code;
  const detail = cause?.message && cause.message !== err.message ? `${err.message} (${cause.message})` : err.message;
  return new RetryableError(`request failed${code ? ` (${code})` : ''}: ${detail}`, { cause: error });
}

/** One request's handler: collects the status, the headers and the first KiB of the body, and settles once. */
class Attempt implements Dispatcher.DispatchHandler {
  #controller: Dispatcher.DispatchController | null = null;
  #statusCode = 0;
  #headers: Record<string, string | string[] | undefined> = {};
  #chunks: Buffer[] = [];
  #size = 0;
  #settled = false;
  #timedOut = false;
  readonly #timer: NodeJS.Timeout;
  readonly #onStop: () => void;

  constructor(
    private readonly scope: AttemptScope,
    private readonly timeoutMs: number,
    private readonly resolve: (result: ActionResult) => void,
    private readonly reject: (error: unknown) => void,
  ) {
    this.#timer = setTimeout(() => {
      this.#timedOut = true;
      if (this.#statusCode < 200) return this.#fail(new TimeoutError(`timed out after ${timeoutMs} ms`));
      // The answer came in time and its body did not: the status decides, with what arrived of the body.
      this.#succeed(true);
      this.#controller?.abort(new Error('response body too slow'));
    }, timeoutMs);
    this.#onStop = () => this.#fail(scope.signal.reason);
    scope.signal.addEventListener('abort', this.#onStop, { once: true });
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    // Timed out or stopped while waiting for a connection: never sent.
    if (this.#settled) controller.abort(new Error('attempt over'));
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>): void {
    this.#statusCode = statusCode;
    this.#headers = headers;
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#settled) return;
    this.#chunks.push(chunk);
    this.#size += chunk.length;
    if (this.#size < SNIPPET_BYTES) return;
    // Enough: the status decides the outcome; the rest of the body is not read (the connection is closed).
    this.#succeed(true);
    controller.abort(new Error('response snippet complete'));
  }

  onResponseEnd(): void {
    this.#succeed(false);
  }

  onResponseError(_controller: Dispatcher.DispatchController | null, error: Error): void {
    if (this.#settled) return;
    // An answer whose body broke off after the status still counts by its status (the snippet is lost).
    if (this.#statusCode >= 200) return this.#succeed(false, null);
    this.#fail(this.#timedOut ? new TimeoutError(`timed out after ${this.timeoutMs} ms`, { cause: error }) : requestFailure(error));
  }

  #succeed(truncated: boolean, text: string | null = this.#size ? this.#text() : null): void {
    if (!this.#finish()) return;
    const snippet = { text, truncated: text === null ? false : truncated };
    const failure = statusError(this.#statusCode, this.#headers, snippet, this.scope.now());
    if (failure) this.reject(failure);
    else this.resolve({ statusCode: this.#statusCode, response: snippet.text, responseTruncated: snippet.truncated });
  }

  #fail(error: unknown): void {
    if (!this.#finish()) return;
    this.#controller?.abort(error instanceof Error ? error : new Error(String(error)));
    this.reject(error);
  }

  #finish(): boolean {
    if (this.#settled) return false;
    this.#settled = true;
    clearTimeout(this.#timer);
    this.scope.signal.removeEventListener('abort', this.#onStop);
    return true;
  }

  #text(): string {
    // A multi-byte character cut at the limit decodes to U+FFFD; the text stays valid.
    const body = this.#chunks.length === 1 ? this.#chunks[0] : Buffer.concat(this.#chunks);
    return body.subarray(0, SNIPPET_BYTES).toString('utf8');
  }
}
