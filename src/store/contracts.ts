// The storage contracts the pipeline runs on. Embedded: one SQLite file (store/sqlite). Cluster: a
// NATS JetStream log and PostgreSQL (later), implementing the same interfaces.
import type { LoggedEvent, NewEvent } from '../engine/event.ts';
import type { Firing, SubjectState, TimerRequest, DeliveryRequest } from '../engine/types.ts';

export type AppendStatus = 'accepted' | 'duplicate';

/** A new event with its properties already serialised (done on the ingest thread, off the writer). */
export type EncodedEvent = Omit<NewEvent, 'properties'> & { readonly properties: string };

export function encodeEvent(event: NewEvent): EncodedEvent {
  return { ...event, properties: JSON.stringify(event.properties) };
}

/** The durable, ordered event log. `append` returns once the events are durable (fsync'd). */
export interface EventLog {
  append(events: readonly EncodedEvent[]): Promise<AppendStatus[]>;
  readAfter(position: number, limit: number): Promise<LoggedEvent[]>;
  /** Position of the newest event, and arrival time of the oldest one after `position` (for lag). */
  lag(position: number): Promise<{ head: number; oldestUnprocessedAt: number | null }>;
}

/** Everything one processed batch changes, committed atomically with the new log position. */
export interface ProcessedBatch {
  readonly consumer: string;
  readonly position: number;
  readonly subjects: readonly SubjectState[];
  readonly firings: readonly Firing[];
  readonly emits: readonly NewEvent[];
  readonly timers: readonly TimerRequest[];
}

export interface PipelineStore {
  position(consumer: string): Promise<number>;
  loadSubjects(ids: readonly string[]): Promise<Map<string, SubjectState>>;
  commit(batch: ProcessedBatch): Promise<void>;
}

export type DeliveryStatus = 'pending' | 'delivering' | 'delivered' | 'dead';

/** One outbox row as the dispatcher sees it: the engine's request plus its delivery state. */
export interface Delivery extends DeliveryRequest {
  /** Destination key for per-destination concurrency: the URL's host, `smtp`, or `log`. */
  readonly destination: string;
  readonly status: DeliveryStatus;
  /** Attempts made so far (all time) and since the last replay (what the attempt limit counts). */
  readonly attempts: number;
  readonly attemptsSinceReplay: number;
  /** When the current run of attempts started: creation, or the last replay (what the age limit counts). */
  readonly windowStartedAt: number;
  readonly nextAttemptAt: number;
  readonly lastError: string | null;
  readonly deliveredAt: number | null;
}

/** What one attempt sent, secret values redacted: an HTTP request, or an email (method "SMTP"). */
export interface SentRequest {
  /** HTTP method, or "SMTP". */
  readonly method: string;
  /** The URL, or the SMTP server as `smtp://host:port` (never its credentials). */
  readonly url: string;
  /** Every header sent, the first 1 KiB of each value (for email: From, To, Subject, Message-ID, idempotency key). */
  readonly headers: Readonly<Record<string, string>>;
  /** The first 1 KiB of the body (for email: the text part, else the HTML part). */
  readonly body: string | null;
  /** Size of the whole body in bytes. */
  readonly bodyBytes: number;
}

export interface AttemptRecord {
  readonly deliveryId: string;
  readonly attempt: number;
  readonly startedAt: number;
  readonly latencyMs: number;
  readonly statusCode: number | null;
  readonly error: string | null;
  /** First 1 KiB of the response body. */
  readonly response: string | null;
  /** What the attempt sent; null when it failed before sending (a template error, no SMTP server). */
  readonly request?: SentRequest | null;
  /** What happens next: delivered, retry at `nextAttemptAt`, or dead. */
  readonly outcome: 'delivered' | 'retry' | 'dead';
  readonly nextAttemptAt?: number;
}

export interface OutboxStore {
  /** Leases up to `limit` due deliveries whose destination is not in `busyDestinations`. */
  claim(now: number, limit: number, busyDestinations: readonly string[], leaseMs: number): Promise<Delivery[]>;
  /** Records attempts and their outcomes, in one transaction. */
  record(attempts: readonly AttemptRecord[]): Promise<void>;
  /** Puts leased deliveries back to pending (shutdown, or a restart after a crash). */
  releaseLeases(now: number): Promise<number>;
  /** When the next pending delivery becomes due, if any. */
  nextDueAt(): Promise<number | null>;
  counts(): Promise<{ pending: number; delivering: number; dead: number }>;
}

export interface ReplayFilter {
  readonly id?: string;
  readonly ruleId?: string;
  readonly from?: number;
  readonly to?: number;
}
