// The run history as the API answers it (firings, deliveries, attempts), and a delivery's state in words.
import type { TraceStep } from './trace-words.ts';
import { plural, time } from './format.ts';

export interface ActionOutcome { readonly index: number; readonly kind: string; readonly outcome: string; readonly detail?: string }

export interface FiringView {
  readonly id: string; readonly rule: string; readonly version: number; readonly subject: string; readonly eventIds?: readonly string[];
  readonly group: string; readonly time: string;
  readonly trace?: { readonly steps?: readonly TraceStep[]; readonly actions?: readonly ActionOutcome[] };
}

export interface DeliveryView {
  readonly id: string; readonly firingId: string; readonly rule: string; readonly subject: string; readonly actionIndex: number; readonly kind: string;
  readonly destination?: string; readonly status: string; readonly attempts: number; readonly lastError: string | null; readonly createdAt: string;
  readonly nextAttemptAt: string | null; readonly deliveredAt: string | null;
}

/** What an attempt sent, secrets redacted; recorded by the dispatcher (absent on attempts made before it was). */
export interface SentRequest {
  readonly method: string; readonly url: string; readonly headers: Readonly<Record<string, string>>; readonly body: string | null; readonly bodyTruncated?: boolean;
}

export interface AttemptView {
  readonly attempt: number; readonly startedAt: string; readonly latencyMs: number; readonly statusCode: number | null;
  readonly error: string | null; readonly response: string | null; readonly request?: SentRequest | null;
}

export type DeliveryDetail = Omit<DeliveryView, 'attempts'> & { readonly attempts: readonly AttemptView[] };

/** The one-delivery answer lists its attempts; the list answer counts them. */
export const summary = (d: DeliveryDetail): DeliveryView => ({ ...d, attempts: d.attempts.length });

/** A firing as `GET /v1/firings/{id}` answers: with its deliveries' current state. */
export type FiringDetail = FiringView & { readonly deliveries: readonly DeliveryView[] };

/** "delivered at 08:46:54Z after 1 attempt", "dead after 3 attempts: …": where a delivery stands now. */
export function deliveryState(d: DeliveryView): string {
  const tries = plural(d.attempts, 'attempt');
  switch (d.status) {
    case 'delivered': return `delivered at ${time(d.deliveredAt)} after ${tries}`;
    // The dispatcher's error ends with "; gave up after N attempts", which the sentence already says.
    case 'dead': return `dead after ${tries}${d.lastError ? `: ${d.lastError.replace(/; gave up after \d+ attempts?$/, '')}` : ''}`;
    case 'delivering': return 'being sent now';
    default: return d.attempts === 0
      ? 'pending: waiting for its first attempt'
      : `pending: ${tries} failed${d.lastError ? ` (${d.lastError})` : ''}, next ${d.nextAttemptAt ? time(d.nextAttemptAt) : 'soon'}`;
  }
}

/** The command that moves a delivery on from where it stands, if any. */
export function nextStep(d: Pick<DeliveryView, 'id' | 'status'>): string | undefined {
  if (d.status === 'dead') return `replay it with: ifthen delivery retry ${d.id}`;
  if (d.status === 'pending') return `try it now with: ifthen delivery retry ${d.id}`;
  return undefined;
}
