// Shapes of the run-history answers this page reads (GET /v1/firings, /v1/deliveries…; see /docs for all fields).
export type TraceStep =
  | { check: 'event'; expected: string[] | '*'; actual: string; passed: boolean }
  | { check: 'where'; expression: string; values: Record<string, unknown>; passed: boolean; error?: string };

export interface Trace {
  rule: string; version: number; event: string; matched: boolean; steps: TraceStep[];
  actions?: Array<{ index: number; kind: string; outcome: string; detail?: string }>;
}

export interface Firing { id: string; rule: string; version: number; subject: string; eventIds: string[]; group: string; time: string; trace: Trace }

export type DeliveryStatus = 'pending' | 'delivering' | 'delivered' | 'dead';

export interface Delivery {
  id: string; firingId: string; rule: string; subject: string; actionIndex: number; kind: string; destination: string;
  status: DeliveryStatus; attempts: number; lastError: string | null; createdAt: string; nextAttemptAt: string | null; deliveredAt: string | null;
}

export interface Attempt {
  attempt: number; startedAt: string; latencyMs: number; statusCode: number | null; error: string | null; response: string | null;
  request?: { method: string; url: string; headers: Record<string, string>; body: string | null; bodyTruncated?: boolean } | null;
}

export interface HistoryPage<T> { items: T[]; next?: string; oldestStored?: string | null }

export interface ReplayPreview {
  dryRun: true; count: number; notDead?: number;
  destinations: Array<{ destination: string; kind: string; count: number }>;
  rules: Array<{ id: string; count: number; versions: number[]; currentVersion: number | null }>;
  oldest: string | null; newest: string | null; answered2xx: number; sameIdempotencyKey: true;
}

export interface Suppression { reason: string; event: string; at: string; detail: string; delayedUntil?: string }

/** One decision of GET /v1/subjects/{id}/explain: what became of the rule on one input. */
export interface Decision {
  input: { kind: 'event' | 'timer'; id: string; type?: string; time?: string; receivedAt?: string; dueAt?: string };
  outcome: string; because: string; conditions?: string[]; window?: { value: number; bound: number }; until?: string;
  firingId?: string; suppressions?: Suppression[];
}
