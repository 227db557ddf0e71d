// The storage contracts the pipeline runs on: the event log, the processor's state, the delivery outbox.
// Embedded: one SQLite file (store/sqlite). Cluster: a NATS JetStream log and PostgreSQL, implementing the
// same interfaces and passing the same conformance suite (test/store/conformance.ts). See ARCHITECTURE.md.
import type { LoggedEvent, NewEvent } from '../engine/event.ts';
import type { Firing, GoalHit, SubjectState, Suppression, SuppressionReason, TimerFire, TimerRequest, DeliveryRequest } from '../engine/types.ts';

export type AppendStatus = 'accepted' | 'duplicate';

/** A position in one partition of the log, opaque to everyone but the log. `null` is "before the first event". */
export type Cursor = string;

/** A new event with its properties already serialised (done on the ingest thread, off the writer). */
export type EncodedEvent = Omit<NewEvent, 'properties'> & { readonly properties: string };

export function encodeEvent(event: NewEvent): EncodedEvent {
  return { ...event, properties: JSON.stringify(event.properties) };
}

/** An event read back from the log, with the cursor that follows it. */
export type PositionedEvent = LoggedEvent & { readonly cursor: Cursor };

/**
 * The durable, ordered event log, split into partitions by subject: all events of one subject are in one
 * partition, in append order. `append` returns once the events are durable. An event id seen before, at
 * any age still in the log, is a duplicate (a durable unique key, not a time window).
 */
export interface EventLog {
  readonly partitions: number;
  partitionOf(subject: string): number;
  append(events: readonly EncodedEvent[]): Promise<AppendStatus[]>;
  read(partition: number, after: Cursor | null, limit: number): Promise<PositionedEvent[]>;
  /** Events after `after` and the arrival time of the oldest of them (for lag). */
  lag(partition: number, after: Cursor | null): Promise<{ events: number; oldestUnprocessedAt: number | null }>;
  /**
   * The stored event with this id, if it was accepted within the dedupe window (the ids `append` answers
   * `duplicate` for); older events are found by listing, not by id.
   */
  find(id: string): Promise<PositionedEvent | undefined>;
}

/**
 * A subject's state with the version it was read at; a commit writes `version + 1` or is fenced. The state's
 * `memory` (what rules with memory keep: JSON the engine alone reads) is stored with the subject, as it is,
 * in the same fenced write: a subject's attributes and memory never come from different commits.
 */
export interface StoredSubject {
  readonly state: SubjectState;
  /** 0 when the subject was never stored. */
  readonly version: number;
  /** The length of the stored text of its attributes and memory, when loaded: a size hint for caches. */
  readonly storedBytes?: number;
  /**
   * In a commit: this part of the state is the one stored at `version` (the same object the processor read): the
   * store keeps that part as stored (it does not read the state's) and writes the other part only.
   */
  readonly unchanged?: 'attributes' | 'memory';
}

/** An event the processor could not process: recorded with its error, and passed over. */
export interface EventFailure {
  readonly eventId: string;
  readonly partition: number;
  readonly cursor: Cursor;
  /**
   * `step`: the engine threw; `commit`: its changes could not be stored; `stall`: it blocked the thread;
   * `profile`: an identify that would take the subject's profile over its bound was not applied (rules still ran).
   */
  readonly stage: 'step' | 'commit' | 'stall' | 'profile';
  readonly error: string;
  readonly at: number;
}

/** A condition or action of a rule that failed at run time (missing property, wrong type, budget). */
export interface RuleError {
  readonly ruleId: string;
  readonly eventId: string;
  readonly message: string;
  readonly at: number;
}

/** Everything one processed batch changes, committed atomically with the partition's new cursor. */
export interface ProcessedBatch {
  readonly consumer: string;
  readonly partition: number;
  /** The cursor the batch started from; the commit is refused (FencedError) when the stored one differs. */
  readonly from: Cursor | null;
  readonly to: Cursor | null;
  readonly subjects: readonly StoredSubject[];
  /** Firings with their deliveries; a delivery is first due at its `notBefore` (the rate limit) if any, else at creation. */
  readonly firings: readonly Firing[];
  /** Events emitted by rules: stored in the emit outbox, appended to the log by the relay. */
  readonly emits: readonly NewEvent[];
  /** Timers to create or move (by id), with their payload, and timers that fired (deleted). */
  readonly timers: readonly TimerRequest[];
  readonly firedTimers: readonly string[];
  /** Timers whose instance was cancelled or dropped (deleted; an id not stored is no error). */
  readonly cancelledTimers?: readonly string[];
  /** Triggers stopped or delayed by a limit (MEMORY.md "Limits"), stored to be counted and explained. */
  readonly suppressions?: readonly Suppression[];
  /** Goal and guardrail events of rules with goals (issue 7): stored once each, counted into the outcomes of their exposures. */
  readonly goalHits?: readonly GoalHit[];
  readonly failures: readonly EventFailure[];
  readonly ruleErrors: readonly RuleError[];
  /**
   * Deliveries of this batch leased at once, in this commit, to a dispatcher that has room for them: they
   * are handed to it in memory after the commit (no claim round trip). The others wait for a claim.
   */
  readonly fresh?: { readonly lease: Lease; readonly ids: readonly string[] };
}

/** Thrown by `commit` when another processor moved the cursor or a subject since this one read them. */
export class FencedError extends Error {
  override readonly name = 'FencedError';
}

export interface PipelineStore {
  cursor(consumer: string, partition: number): Promise<Cursor | null>;
  loadSubjects(partition: number, ids: readonly string[]): Promise<Map<string, StoredSubject>>;
  /**
   * Timers of the partition due at or before `bound` (epoch ms, integers: "strictly before t" is `t - 1`),
   * earliest first, ties by id (the timeline's order, engine/timeline.ts), at most `limit`, each with its payload.
   */
  dueTimers(partition: number, bound: number, limit: number): Promise<TimerFire[]>;
  /** Event ids after `after` already recorded as failed (a stalled event found by the watchdog): skipped. */
  failedAfter(partition: number, after: Cursor | null): Promise<Set<string>>;
  commit(batch: ProcessedBatch): Promise<void>;
  /** Emitted events waiting for the relay, oldest first, and their removal once appended to the log. */
  pendingEmits(limit: number): Promise<EncodedEvent[]>;
  emitsRelayed(ids: readonly string[]): Promise<void>;
}

/** Suppressions of one rule for one reason. */
export interface SuppressionCount {
  readonly ruleId: string;
  readonly reason: SuppressionReason;
  readonly count: number;
}

/** The recorded suppressions, read for "why (not)?" (explain) and the per-rule counts. Written by `PipelineStore.commit`. */
export interface SuppressionStore {
  /** Per rule and reason, the suppressions decided (`at`, the firing time) in [from, to); one rule's when `ruleId` is given. */
  count(query: { readonly from: number; readonly to: number; readonly ruleId?: string }): Promise<SuppressionCount[]>;
  /** A subject's newest suppressions, newest `at` first (then newest recorded), at most `limit`; one rule's when `ruleId` is given. */
  ofSubject(subject: string, query: { readonly ruleId?: string; readonly limit: number }): Promise<Suppression[]>;
}

export type DeliveryStatus = 'pending' | 'delivering' | 'delivered' | 'dead';

/** Who holds a delivery: a dispatcher instance (`owner`), with a token that changes at every lease. */
export interface Lease {
  readonly owner: string;
  readonly token: string;
  readonly until: number;
}

/** One outbox row as the dispatcher sees it: the engine's request plus its delivery state. */
export interface Delivery extends DeliveryRequest {
  /** Destination key for per-destination concurrency: the rendered URL's host, `smtp`, or `log`. */
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

export interface LeasedDelivery extends Delivery {
  readonly lease: Lease;
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
  /** The lease the attempt ran under: an outcome whose lease was taken back is not applied. */
  readonly leaseToken: string;
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

export interface ClaimRequest {
  readonly owner: string;
  readonly now: number;
  readonly limit: number;
  /** Destinations at their concurrency limit: none of their rows is leased. */
  readonly busyDestinations: readonly string[];
  readonly leaseMs: number;
}

export interface OutboxStore {
  /** Leases up to `limit` due deliveries, each with a fresh token. */
  claim(request: ClaimRequest): Promise<LeasedDelivery[]>;
  /** Records attempts and their outcomes in one transaction; returns the ids whose lease was no longer held (not applied). */
  record(attempts: readonly AttemptRecord[]): Promise<{ stale: string[] }>;
  /** Takes back leases that expired before `now` (a dispatcher that died or lost its outcome write). */
  reclaimExpired(now: number): Promise<number>;
  /** Puts an owner's leases back to pending: its own stop, or a previous run known to be dead. */
  release(owner: string, now: number): Promise<number>;
  /** The owners holding leases now (the embedded server, holding the data-dir lock, knows all of them are dead at start). */
  leaseOwners(): Promise<string[]>;
  /** When the next pending delivery becomes due, if any. */
  nextDueAt(): Promise<number | null>;
  counts(): Promise<{ pending: number; delivering: number; dead: number }>;
}

export interface ReplayFilter {
  readonly id?: string;
  /** Rows a person selected: only those of them that are dead. */
  readonly ids?: readonly string[];
  readonly ruleId?: string;
  readonly from?: number;
  readonly to?: number;
}

/** What a replay would do, read before doing it: how many, where to, made by which rule versions, over which time. */
export interface ReplayPreview {
  readonly count: number;
  /** Per destination (a host, `smtp` or `log`) and action kind, most deliveries first. */
  readonly destinations: readonly { readonly destination: string; readonly kind: string; readonly count: number }[];
  /** Per rule, the rule versions whose firings made the deliveries (empty when retention deleted those firings). */
  readonly rules: readonly { readonly ruleId: string; readonly count: number; readonly versions: readonly number[] }[];
  /** Creation times of the oldest and the newest delivery, null when none. */
  readonly oldest: number | null;
  readonly newest: number | null;
  /** Deliveries whose receiver answered 2xx at some attempt before they died (a resend that failed later): they would arrive twice. */
  readonly answered2xx: number;
}

/** What a person may do to deliveries (API and CLI); the dispatcher is woken afterwards. */
export interface DeliveryControl {
  /** Dead deliveries back to pending with a fresh attempt and age budget. */
  replay(filter: ReplayFilter, now: number): Promise<number>;
  /** What `replay` with the same filter would do now; changes nothing. */
  previewReplay(filter: ReplayFilter): Promise<ReplayPreview>;
  /** A pending delivery waiting for its back-off: due now. */
  retryNow(id: string, now: number): Promise<boolean>;
  /** A delivered delivery sent once more, same idempotency key. */
  resend(id: string, now: number): Promise<boolean>;
}

/**
 * What the watchdog records after it replaced a thread that was stuck on one input (the engine's own limits
 * should make that impossible; this is the last line of defence): the input is recorded as failed and passed
 * over when the thread starts again, so it cannot block the pipeline twice.
 */
export interface StallRecorder {
  /** An event (or a due timer, which is deleted) that stalled the processor. */
  inputStalled(input: { readonly kind: 'event' | 'timer'; readonly partition: number; readonly cursor: Cursor; readonly id: string }, error: string, now: number): Promise<void>;
  /** A delivery whose rendering stalled the dispatcher: dead, with the reason. */
  deliveryStalled(id: string, error: string, now: number): Promise<void>;
}

/**
 * How long after its last exposure matured a report day is taken as final (src/report/daily-cache.ts). A commit that
 * writes an exposure or a goal event older than this raises the rule's report revision (`report_revisions`), and a
 * report reads its cached days again.
 */
export const REPORT_SETTLE_MS = 86_400_000;

/** A rule's holdout salts (issue 7): the current one, and a new one written only by the audited reshuffle. */
export interface HoldoutSaltStore {
  /** The newest salt recorded for the rule, if any. */
  current(ruleId: string): Promise<string | undefined>;
  /** Records a salt (`since` = now); a salt already recorded for the rule is kept as it was. */
  record(ruleId: string, salt: string, since: number, changedBy?: string, reason?: string): Promise<void>;
}
