// What an HTTP answer means for a delivery: 2xx delivered; 408, 429 and 5xx retried (429/503 at the
// time `Retry-After` names); any other status (3xx included: redirects are not followed) is final.
import type { Snippet } from './response-snippet.ts';
import { DeliveryError, NonRetriableError, RetryableError, RetryAfterError } from '../errors.ts';

/** Milliseconds to wait from `Retry-After` (delta-seconds or an HTTP date), or undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  if (Number.isNaN(date) || !/[a-z]/i.test(text)) return undefined;
  return Math.max(0, date - now);
}

/** The error for a status that is not a success, or null for 2xx. */
export function statusError(statusCode: number, headers: Readonly<Record<string, string | string[] | undefined>>, snippet: Snippet, now: number): DeliveryError | null {
  if (statusCode >= 200 && statusCode < 300) return null;
  const details = { statusCode, response: snippet.text, responseTruncated: snippet.truncated };
  if (statusCode >= 300 && statusCode < 400) {
    const location = first(headers.location);
    // A redirect could point anywhere (the SSRF guard would not see a second hop's intent): never followed.
    return new NonRetriableError(`HTTP ${statusCode}: redirects are not followed${location ? ` (Location: ${location})` : ''}`, details);
  }
  if (statusCode === 429 || statusCode === 503) {
    const wait = parseRetryAfter(first(headers['retry-after']), now);
    if (wait !== undefined) return new RetryAfterError(`HTTP ${statusCode} (Retry-After ${Math.ceil(wait / 1000)}s)`, wait, details);
    return new RetryableError(`HTTP ${statusCode}`, details);
  }
  if (statusCode === 408 || statusCode >= 500) return new RetryableError(`HTTP ${statusCode}`, details);
  return new NonRetriableError(`HTTP ${statusCode}`, details);
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
