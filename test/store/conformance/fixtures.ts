// Builders for the conformance suite: events, firings with deliveries, and batches, shaped as the processor
// shapes them, plus small helpers that go only through the contracts (no backend's own methods).
import { it } from 'node:test';
import { DEFAULT_DELIVERY_POLICY } from '../../../src/engine/rule/compile.ts';
import { deliveryId } from '../../../src/engine/ids.ts';
import type { NewEvent } from '../../../src/engine/event.ts';
import type { DeliveryRequest, Firing, SubjectState, Suppression, TimerRequest } from '../../../src/engine/types.ts';
import type {
  Cursor, DeliveryControl, EncodedEvent, EventFailure, EventLog, OutboxStore, PipelineStore, PositionedEvent, ProcessedBatch,
  StallRecorder, StoredSubject, SuppressionStore,
} from '../../../src/store/contracts.ts';
import type { KeyStore, RuleStore, SecretStore, SigningSecretStore } from '../../../src/store/catalog.ts';
import type { HistoryStore } from '../../../src/store/history.ts';

/** Fresh, empty instances of every storage contract, on one storage. */
export interface Backend {
  readonly log: EventLog;
  readonly pipeline: PipelineStore;
  readonly outbox: OutboxStore;
  readonly deliveries: DeliveryControl;
  readonly stalls: StallRecorder;
  readonly suppressions: SuppressionStore;
  readonly rules: RuleStore;
  readonly keys: KeyStore;
  readonly secrets: SecretStore;
  readonly signing: SigningSecretStore;
  readonly history: HistoryStore;
  /** A second, independent handle on the same storage, as another process would open it (closed by `close`). */
  connect(): Promise<Omit<Backend, 'connect' | 'close'>>;
  close(): Promise<void>;
}

export type OpenBackend = () => Promise<Backend>;

/** One test on a fresh backend, closed whatever happens. */
export function backendTest(open: OpenBackend) {
  return (name: string, fn: (backend: Backend) => Promise<void>) =>
    it(name, { timeout: 20_000 }, async () => {
      const backend = await open();
      try {
        await fn(backend);
      } finally {
        await backend.close();
      }
    });
}

/** A fixed clock: the contracts take `now` from the caller, so nothing here depends on the wall clock. */
export const T0 = 1_700_000_000_000;
export const CONSUMER = 'processor';

let counter = 0;
const unique = (prefix: string) => `${prefix}-${process.pid}-${++counter}`;

export function newEvent(fields: Partial<NewEvent> = {}): NewEvent {
  return { id: unique('ev'), type: 'tick', subject: 'u1', time: T0, receivedAt: T0, properties: {}, depth: 0, ...fields };
}

export function encoded(fields: Partial<NewEvent> = {}): EncodedEvent {
  const event = newEvent(fields);
  return { ...event, properties: JSON.stringify(event.properties) };
}

/** Appends and returns the events as the log gives them back (with their cursors), in append order. */
export async function appendAndRead(log: EventLog, events: readonly EncodedEvent[]): Promise<PositionedEvent[]> {
  await log.append(events);
  const ids = new Set(events.map((e) => e.id));
  const found = new Map<string, PositionedEvent>();
  for (let p = 0; p < log.partitions; p++) for (const e of await readAll(log, p)) if (ids.has(e.id)) found.set(e.id, e);
  return events.map((e) => found.get(e.id)!).filter(Boolean);
}

/** Every event of a partition, a page at a time. */
export async function readAll(log: EventLog, partition: number, after: Cursor | null = null, page = 100): Promise<PositionedEvent[]> {
  const all: PositionedEvent[] = [];
  let cursor = after;
  for (;;) {
    const events = await log.read(partition, cursor, page);
    all.push(...events);
    if (events.length < page) return all;
    cursor = events[events.length - 1].cursor;
  }
}

export interface FiringSpec {
  readonly ruleId?: string;
  readonly subject?: string;
  readonly eventId?: string;
  /** One webhook delivery per host. */
  readonly hosts?: readonly string[];
  /** When the deliveries were created (they are due from then). */
  readonly at?: number;
  /** The rule's rate limit moved their first attempt to this time. */
  readonly notBefore?: number;
}

export function firing(spec: FiringSpec = {}): Firing {
  const id = unique('f');
  const ruleId = spec.ruleId ?? 'welcome';
  const subject = spec.subject ?? 'u1';
  const eventId = spec.eventId ?? unique('ev');
  const at = spec.at ?? T0;
  const deliveries: DeliveryRequest[] = (spec.hosts ?? []).map((host, index) => ({
    id: deliveryId(id, index), firingId: id, ruleId, subject, actionIndex: index, kind: 'webhook',
    spec: { url: `https://${host}/hook`, body: { event: '{{ event.id }}' } },
    context: {
      event: { id: eventId, type: 'tick', subject, time: new Date(at).toISOString(), properties: {} },
      subject: { id: subject }, firing: { id, rule: ruleId, version: 1 }, now: new Date(at).toISOString(),
    },
    policy: DEFAULT_DELIVERY_POLICY, createdAt: at, ...(spec.notBefore === undefined ? {} : { notBefore: spec.notBefore }),
  }));
  return {
    id, ruleId, ruleVersion: 1, subject, eventIds: [eventId], group: 'treatment', time: at,
    trace: { rule: ruleId, version: 1, event: eventId, matched: true, steps: [] }, deliveries,
  };
}

export function subjectState(id: string, attributes: Record<string, unknown>): SubjectState {
  const attrs: Record<string, unknown> = Object.create(null);
  for (const key of Object.keys(attributes)) attrs[key] = attributes[key];
  return { id, attributes: attrs };
}

export function timer(fields: Partial<TimerRequest> & { dueAt: number }): TimerRequest {
  return { id: unique('t'), ruleId: 'welcome', subject: 'u1', payload: { n: 1 }, ...fields };
}

export function suppression(fields: Partial<Suppression> = {}): Suppression {
  return { ruleId: 'welcome', subject: 'u1', reason: 'capped', eventId: unique('ev'), at: T0, detail: 'per_subject: 1 in 24h reached', ...fields };
}

export function failure(eventId: string, cursor: Cursor, partition = 0, stage: EventFailure['stage'] = 'step'): EventFailure {
  return { eventId, partition, cursor, stage, error: `boom at ${eventId}`, at: T0 };
}

type BatchParts = Partial<Omit<ProcessedBatch, 'from' | 'to'>>;

export function batch(from: Cursor | null, to: Cursor | null, parts: BatchParts = {}): ProcessedBatch {
  return {
    consumer: CONSUMER, partition: 0, from, to, subjects: [], firings: [], emits: [], timers: [], firedTimers: [], failures: [], ruleErrors: [],
    ...parts,
  };
}

/** The version a commit must name for this subject (0 when it was never stored: absent from the map, or 0). */
export async function versionOf(pipeline: PipelineStore, id: string, partition = 0): Promise<number> {
  return (await pipeline.loadSubjects(partition, [id])).get(id)?.version ?? 0;
}

export async function stored(pipeline: PipelineStore, id: string, partition = 0): Promise<StoredSubject | undefined> {
  return (await pipeline.loadSubjects(partition, [id])).get(id);
}

/** Commits firings with deliveries after the current cursor (no event moves it); returns the delivery ids. */
export async function commitDeliveries(pipeline: PipelineStore, firings: readonly Firing[], partition = 0): Promise<string[]> {
  const cursor = await pipeline.cursor(CONSUMER, partition);
  await pipeline.commit({ ...batch(cursor, cursor, { firings }), partition });
  return firings.flatMap((f) => f.deliveries.map((d) => d.id));
}

/** `target` with some methods replaced (a wrapper around a real store, for fault injection); the rest call through. */
export function delegate<T extends object>(target: T, overrides: Partial<T>): T {
  return new Proxy(target, {
    get(object, key) {
      if (Object.prototype.hasOwnProperty.call(overrides, key)) return overrides[key as keyof T];
      const value = Reflect.get(object, key, object);
      return typeof value === 'function' ? value.bind(object) : value;
    },
  });
}
