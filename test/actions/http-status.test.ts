import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NonRetriableError, RetryableError, RetryAfterError } from '../../src/actions/errors.ts';
import { parseRetryAfter, statusError } from '../../src/actions/http/http-status.ts';

const NOW = Date.parse('2025-01-01T00:00:00Z');
const snippet = { text: 'body', truncated: false };
const classify = (status: number, headers: Record<string, string> = {}) => statusError(status, headers, snippet, NOW);

test('2xx is a success', () => {
  for (const status of [200, 201, 202, 204, 299]) assert.equal(classify(status), null);
});

test('408, 429 and 5xx are retryable and keep the status and the snippet', () => {
  for (const status of [408, 429, 500, 502, 503, 504]) {
    const error = classify(status);
    assert.ok(error instanceof RetryableError, String(status));
    assert.equal(error.statusCode, status);
    assert.equal(error.response, 'body');
  }
});

test('other 4xx and 3xx are final; a redirect names its Location', () => {
  for (const status of [400, 401, 403, 404, 410, 422]) assert.ok(classify(status) instanceof NonRetriableError, String(status));
  const redirect = classify(301, { location: 'https://x.example/' });
  assert.ok(redirect instanceof NonRetriableError);
  assert.equal(redirect.message, 'HTTP 301: redirects are not followed (Location: https://x.example/)');
});

test('429 and 503 honour Retry-After in seconds or as an HTTP date; other statuses ignore it', () => {
  const seconds = classify(429, { 'retry-after': '7' });
  assert.ok(seconds instanceof RetryAfterError);
  assert.equal(seconds.retryAfterMs, 7000);
  const date = classify(503, { 'retry-after': new Date(NOW + 30_000).toUTCString() });
  assert.ok(date instanceof RetryAfterError);
  assert.equal(date.retryAfterMs, 30_000);
  assert.ok(!(classify(500, { 'retry-after': '7' }) instanceof RetryAfterError));
  assert.ok(!(classify(429, { 'retry-after': 'soon' }) instanceof RetryAfterError));
});

test('parseRetryAfter reads delta-seconds and dates, never negative', () => {
  assert.equal(parseRetryAfter(undefined, NOW), undefined);
  assert.equal(parseRetryAfter(' 120 ', NOW), 120_000);
  assert.equal(parseRetryAfter('Wed, 01 Jan 2025 00:01:00 GMT', NOW), 60_000);
  assert.equal(parseRetryAfter('Tue, 31 Dec 2024 23:00:00 GMT', NOW), 0);
  assert.equal(parseRetryAfter('-5', NOW), undefined);
  assert.equal(parseRetryAfter('1.5', NOW), undefined);
});
