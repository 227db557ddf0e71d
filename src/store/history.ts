// The read side of the run history: firings, deliveries with their attempts, events, subjects, failed events
// and rule errors, newest first, one page at a time. Times are epoch milliseconds; the API shapes the views.
import type { Trace } from '../engine/types.ts';
import type { Delivery, DeliveryStatus, EventFailure, PositionedEvent, RuleError, SentRequest } from './contracts.ts';
import type { OldestRetained } from './retention.ts';

export interface Page<T> {
  readonly items: T[];
  /** Opaque: pass as `before` for the next (older) page; absent on the last page. */
  readonly next?: string;
}

export interface HistoryQuery {
  readonly rule?: string;
  readonly subject?: string;
  readonly status?: DeliveryStatus;
  readonly type?: string;
  readonly before?: string;
  readonly limit: number;
}

export interface FiringRecord {
  readonly id: string;
  readonly ruleId: string;
  readonly ruleVersion: number;
  readonly subject: string;
  readonly eventIds: readonly string[];
  readonly group: string;
  readonly time: number;
  readonly trace: Trace;
}

export type DeliveryRecord = Omit<Delivery, 'spec' | 'context' | 'policy'>;

export interface AttemptView {
  readonly attempt: number;
  readonly startedAt: number;
  readonly latencyMs: number;
  readonly statusCode: number | null;
  readonly error: string | null;
  readonly response: string | null;
  readonly request: SentRequest | null;
}

export interface SubjectRecord {
  readonly id: string;
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly updatedAt: number;
}

export interface HistoryStore {
  firings(query: HistoryQuery): Promise<Page<FiringRecord>>;
  firing(id: string): Promise<(FiringRecord & { deliveries: DeliveryRecord[] }) | undefined>;
  deliveries(query: HistoryQuery): Promise<Page<DeliveryRecord>>;
  /** One delivery and every attempt made (`attemptLog`; `attempts` is their count). */
  delivery(id: string): Promise<(DeliveryRecord & { attemptLog: AttemptView[] }) | undefined>;
  events(query: HistoryQuery): Promise<Page<PositionedEvent>>;
  subject(id: string): Promise<SubjectRecord | undefined>;
  eventFailures(query: HistoryQuery): Promise<Page<EventFailure>>;
  /** The newest run-time errors of a rule (at most 20 are kept). */
  ruleErrors(ruleId: string): Promise<RuleError[]>;
  /** The time of the oldest row still stored per history table: older history was deleted by retention (or never existed). */
  oldest(): Promise<OldestRetained>;
}
