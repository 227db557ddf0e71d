// One attempt of one delivery: run the action, time it, decide what follows, and shape the record
// that is stored, with every secret value redacted from the error, the request and the response snippet.
import { performance } from 'node:perf_hooks';
import { cutToBytes, DeliveryError, executeDelivery, recordedRequest, redactTruncated, type ActionResult, type ActionRuntime, type AttemptScope } from '../actions/index.ts';
import { SNIPPET_BYTES } from '../actions/http/response-snippet.ts';
import type { AttemptRecord, Delivery } from '../store/contracts.ts';
import { afterFailure } from './retry-policy.ts';

/** The attempt's scope (its number comes from the delivery), plus what runs it. */
export interface AttemptDeps extends Omit<AttemptScope, 'attempt'> {
  readonly runtime: ActionRuntime;
  readonly random?: () => number;
}

/** What an attempt produced; the dispatcher adds the lease it ran under. */
export type AttemptOutcome = Omit<AttemptRecord, 'leaseToken'>;

/** The record to store, or null when the attempt was abandoned because the dispatcher is stopping. */
export async function runAttempt(delivery: Delivery, deps: AttemptDeps): Promise<AttemptOutcome | null> {
  const attempt = delivery.attempts + 1;
  const startedAt = deps.now();
  const started = performance.now();
  let result: ActionResult | null = null;
  let failure: unknown = null;
  try {
    result = await executeDelivery(delivery, deps.runtime, { attempt, secrets: deps.secrets, redact: deps.redact, signal: deps.signal, now: deps.now, deadline: deps.deadline });
  } catch (error) {
    failure = error ?? new Error('action failed without an error');
  }
  if (deps.signal.aborted) return null;
  const latencyMs = Math.round((performance.now() - started) * 10) / 10;
  const base = { deliveryId: delivery.id, attempt, startedAt, latencyMs };

  if (result) {
    return {
      ...base, statusCode: result.statusCode, error: null, response: snippet(result.response, result.responseTruncated, deps),
      request: result.request ? recordedRequest(result.request, deps.redact) : null, outcome: 'delivered',
    };
  }
  const decision = afterFailure({
    policy: delivery.policy, attempt: delivery.attemptsSinceReplay + 1, windowStartedAt: delivery.windowStartedAt,
    now: deps.now(), error: failure, random: deps.random,
  });
  const known = failure instanceof DeliveryError ? failure : null;
  const message = describe(failure);
  const error = decision.outcome === 'dead' && decision.reason ? `${message}; ${decision.reason}` : message;
  return {
    ...base,
    statusCode: known?.statusCode ?? null,
    error: deps.redact(error),
    response: snippet(known?.response ?? null, known?.responseTruncated ?? false, deps),
    request: known?.request ? recordedRequest(known.request, deps.redact) : null,
    outcome: decision.outcome,
    ...(decision.outcome === 'retry' ? { nextAttemptAt: decision.nextAttemptAt } : {}),
  };
}

function snippet(text: string | null, truncated: boolean | undefined, deps: AttemptDeps): string | null {
  if (text === null) return null;
  // A label can be longer than the value it replaces: cut again so the stored snippet stays within 1 KiB.
  return cutToBytes(truncated ? redactTruncated(text, deps.redact) : deps.redact(text), SNIPPET_BYTES);
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
