// What happens after a failed attempt: retry with full-jitter back-off (or at the time the target
// asked for), or dead. Pure: the clock and the random source are inputs.
import type { DeliveryPolicy } from '../engine/rule/compile.ts';
import { NonRetriableError, RetryAfterError } from '../actions/errors.ts';

export interface FailedAttempt {
  readonly policy: DeliveryPolicy;
  /** Attempts since the last replay, this one included (1 after the first failure). */
  readonly attempt: number;
  /** Start of the current run of attempts (creation or last replay): what `maxAgeMs` counts from. */
  readonly windowStartedAt: number;
  readonly now: number;
  /** What the attempt threw. Anything that is not a NonRetriableError is worth another try. */
  readonly error: unknown;
  /** In [0, 1); Math.random by default. */
  readonly random?: () => number;
}

export type RetryDecision =
  | { readonly outcome: 'retry'; readonly nextAttemptAt: number }
  | { readonly outcome: 'dead'; readonly reason: string | null };

export function afterFailure(failed: FailedAttempt): RetryDecision {
  const { policy, attempt, now } = failed;
  if (failed.error instanceof NonRetriableError) return { outcome: 'dead', reason: null };
  if (attempt >= policy.maxAttempts) return { outcome: 'dead', reason: `gave up after ${attempt} attempt${attempt === 1 ? '' : 's'}` };
  if (now - failed.windowStartedAt > policy.maxAgeMs) return { outcome: 'dead', reason: `gave up: older than the ${policy.maxAgeMs} ms age limit` };
  const wait = failed.error instanceof RetryAfterError
    ? Math.min(failed.error.retryAfterMs, policy.backoffMaxMs)
    : backoffDelay(policy, attempt, failed.random ?? Math.random);
  return { outcome: 'retry', nextAttemptAt: now + Math.ceil(wait) };
}

/** Full jitter (AWS architecture blog): uniform in [0, min(cap, base · 2^(attempt-1))). */
export function backoffDelay(policy: Pick<DeliveryPolicy, 'backoffMs' | 'backoffMaxMs'>, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.backoffMaxMs, policy.backoffMs * 2 ** Math.max(0, attempt - 1));
  return random() * ceiling;
}
