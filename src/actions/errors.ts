// What a failed attempt means to the dispatcher. The retry policy reads these classes, never messages.
import type { SentRequest } from '../store/contracts.ts';

export interface FailureDetails {
  /** HTTP status (or SMTP reply code) the target answered with, when it answered. */
  readonly statusCode?: number | null;
  /** First 1 KiB of what the target answered. */
  readonly response?: string | null;
  /** Whether the answer went on past the snippet. */
  readonly responseTruncated?: boolean;
  /** What the attempt sent, before redaction (the dispatcher redacts it before storing). */
  readonly request?: SentRequest | null;
  readonly cause?: unknown;
}

/** A failed attempt. Anything thrown that is not a `DeliveryError` counts as retryable (network trouble). */
export class DeliveryError extends Error {
  readonly statusCode: number | null;
  readonly response: string | null;
  readonly responseTruncated: boolean;
  /**
   * What the attempt sent, so that a failed request still shows what it was. The sender fills it in when
   * the error comes from deeper down (the HTTP client, the SMTP transport), which does not know it.
   */
  request: SentRequest | null;

  constructor(message: string, details: FailureDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.statusCode = details.statusCode ?? null;
    this.response = details.response ?? null;
    this.responseTruncated = details.responseTruncated ?? false;
    this.request = details.request ?? null;
  }
}

/** Worth trying again after the back-off: 5xx, 408, 429, connection errors, SMTP 4xx. */
export class RetryableError extends DeliveryError {}

/** The attempt ran out of time; retried like any other transient failure. */
export class TimeoutError extends RetryableError {}

/** The target said when to come back (`Retry-After`); the wait is capped by the rule's `backoff_max`. */
export class RetryAfterError extends RetryableError {
  constructor(message: string, readonly retryAfterMs: number, details: FailureDetails = {}) {
    super(message, details);
  }
}

/** Will fail the same way every time (4xx, redirect, bad template, refused target): dead at once. */
export class NonRetriableError extends DeliveryError {}
