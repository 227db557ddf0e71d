// The HTTP sender shared by webhook and chat: one keep-alive pool per origin, the SSRF guard on every
// connection, a per-attempt time limit and a 1 KiB response snippet. It sends the headers it is given
// (send-request.ts adds identity and signature). Redirects are not followed (undici's request does not).
import type { lookup as dnsLookup } from 'node:dns';
import { isIP } from 'node:net';
import { Agent, buildConnector, request, errors as undiciErrors } from 'undici';
import { DeliveryError, NonRetriableError, RetryableError, TimeoutError } from '../errors.ts';
import { checkTarget, guardedLookup, unbracket } from '../ssrf-guard.ts';
import type { ActionResult, AttemptScope } from '../types.ts';
import { readSnippet } from './response-snippet.ts';
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

  async send(outgoing: OutgoingRequest, scope: AttemptScope): Promise<ActionResult> {
    const url = targetUrl(outgoing.url);
    if (!this.options.allowPrivateTargets) {
      // The connector checks again at connect time; this gives the same refusal before any pooling.
      const host = unbracket(url.hostname);
      const refusal = isIP(host) ? checkTarget(host, host) : null;
      if (refusal) throw refusal;
    }
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), outgoing.timeoutMs);
    try {
      let answer;
      try {
        answer = await request(url, {
          dispatcher: this.#agent, method: outgoing.method as 'POST', body: outgoing.body,
          headers: outgoing.headers, signal: AbortSignal.any([scope.signal, timeout.signal]),
        });
      } catch (error) {
        if (timeout.signal.aborted && !scope.signal.aborted) throw new TimeoutError(`timed out after ${outgoing.timeoutMs} ms`, { cause: error });
        throw requestFailure(error);
      }
      // The status decides the outcome; a body that cannot be read only loses the snippet.
      const snippet = await readSnippet(answer.body).catch(() => ({ text: null, truncated: false }));
      if (scope.signal.aborted) throw scope.signal.reason;
      const failure = statusError(answer.statusCode, answer.headers, snippet, scope.now());
      if (failure) throw failure;
      return { statusCode: answer.statusCode, response: snippet.text, responseTruncated: snippet.truncated };
    } finally {
      clearTimeout(timer);
    }
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
