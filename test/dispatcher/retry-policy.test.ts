import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NonRetriableError, RetryableError, RetryAfterError, TimeoutError } from '../../src/actions/errors.ts';
import { afterFailure, backoffDelay } from '../../src/dispatcher/retry-policy.ts';

const policy = { maxAttempts: 5, maxAgeMs: 3_600_000, backoffMs: 1000, backoffMaxMs: 60_000 };
const base = { policy, attempt: 1, windowStartedAt: 0, now: 10_000, random: () => 0.5 };

test('back-off is full jitter under an exponential ceiling capped at backoffMax', () => {
  assert.equal(backoffDelay(policy, 1, () => 0.999_999) < 1000, true);
  assert.equal(backoffDelay(policy, 1, () => 0.5), 500);
  assert.equal(backoffDelay(policy, 3, () => 0.5), 2000);
  assert.equal(backoffDelay(policy, 10, () => 0.5), 30_000);
  assert.equal(backoffDelay(policy, 100, () => 0.5), 30_000);
  assert.equal(backoffDelay(policy, 4, () => 0), 0);
});

test('a retryable failure, a timeout and an unknown error are retried after the back-off', () => {
  for (const error of [new RetryableError('HTTP 500'), new TimeoutError('timed out'), new Error('ECONNRESET')]) {
    assert.deepEqual(afterFailure({ ...base, attempt: 2, error }), { outcome: 'retry', nextAttemptAt: 11_000 });
  }
});

test('a non-retriable failure is dead at the first attempt', () => {
  assert.deepEqual(afterFailure({ ...base, error: new NonRetriableError('HTTP 400') }), { outcome: 'dead', reason: null });
});

test('a delivery is dead when its attempts since the last replay reach maxAttempts', () => {
  assert.equal(afterFailure({ ...base, attempt: 4, error: new RetryableError('x') }).outcome, 'retry');
  assert.deepEqual(afterFailure({ ...base, attempt: 5, error: new RetryableError('x') }), { outcome: 'dead', reason: 'gave up after 5 attempts' });
  assert.deepEqual(afterFailure({ ...base, policy: { ...policy, maxAttempts: 1 }, error: new RetryableError('x') }), { outcome: 'dead', reason: 'gave up after 1 attempt' });
});

test('a delivery is dead when its window is older than maxAge', () => {
  assert.equal(afterFailure({ ...base, now: 3_600_000, error: new RetryableError('x') }).outcome, 'retry');
  assert.deepEqual(afterFailure({ ...base, now: 3_600_001, error: new RetryableError('x') }), { outcome: 'dead', reason: 'gave up: older than the 3600000 ms age limit' });
});

test('Retry-After sets the next attempt instead of the jitter, capped by backoffMax', () => {
  assert.deepEqual(afterFailure({ ...base, error: new RetryAfterError('HTTP 429', 1000) }), { outcome: 'retry', nextAttemptAt: 11_000 });
  assert.deepEqual(afterFailure({ ...base, error: new RetryAfterError('HTTP 503', 86_400_000) }), { outcome: 'retry', nextAttemptAt: 70_000 });
  assert.equal(afterFailure({ ...base, attempt: 5, error: new RetryAfterError('HTTP 429', 1000) }).outcome, 'dead');
});
