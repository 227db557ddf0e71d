// The contract between the dispatcher and the action adapters.
import type { Logger } from 'pino';
import type { Delivery, SentRequest } from '../store/contracts.ts';
import type { HttpClient } from './http/http-client.ts';
import type { Mailer } from './email/mailer.ts';
import type { Redactor } from './redact/redactor.ts';
import type { RenderLimits } from '../engine/render-limits.ts';
import type { FieldSizeLimits } from './render.ts';

/** Long-lived pieces shared by every attempt (connection pools), created once per dispatcher. */
export interface ActionRuntime {
  readonly http: HttpClient;
  /** Null when no SMTP server is configured: email deliveries are dead with a clear error. */
  readonly mailer: Mailer | null;
  readonly logger: Logger;
  readonly userAgent: string;
  /** Every `whsec_` secret valid for this delivery's rule, newest first; empty: requests go unsigned. */
  readonly signingSecrets: (delivery: Delivery) => readonly string[];
  readonly fieldLimits: FieldSizeLimits;
  /** The budget of each attempt's rendering (steps, time, memory, bytes per action). */
  readonly renderLimits: RenderLimits;
  readonly defaultTimeoutMs: number;
  /** Upper bound of any action's own timeout (below the dispatcher's lease). */
  readonly maxTimeoutMs: number;
}

/** What one attempt knows besides the delivery. */
export interface AttemptScope {
  /** 1-based, counting every attempt ever made (sent as X-Ifthen-Delivery-Attempt). */
  readonly attempt: number;
  readonly secrets: Readonly<Record<string, string>>;
  /** Replaces secret values in text bound for a log or the store. */
  readonly redact: Redactor;
  /** Aborted when the dispatcher stops; the attempt's outcome is then not recorded. */
  readonly signal: AbortSignal;
  readonly now: () => number;
  /** When the attempt must be over (its lease, less a margin), as `now()` counts; absent: only the action's timeout. */
  readonly deadline?: number;
}

/** A successful attempt. Failures are thrown as `DeliveryError`s (see errors.ts). */
export interface ActionResult {
  readonly statusCode: number | null;
  readonly response: string | null;
  readonly responseTruncated?: boolean;
  /** What the attempt sent, before redaction (the dispatcher redacts it before storing); null for a log line. */
  readonly request?: SentRequest | null;
}
