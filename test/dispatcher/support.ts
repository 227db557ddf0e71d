// Test fixtures for the dispatcher: a real SQLite outbox in a temp dir, deliveries inserted the way
// the processor inserts them, real HTTP receivers on loopback, and a polling wait.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { openDatabase, type SqliteDatabase } from '../../src/store/sqlite/sqlite-database.ts';
import { SqliteOutbox } from '../../src/store/sqlite/sqlite-outbox.ts';
import { SqlitePipelineStore } from '../../src/store/sqlite/sqlite-pipeline-store.ts';
import type { DeliveryPolicy } from '../../src/engine/rule/compile.ts';
import type { DeliveryContext, DeliveryKind, DeliveryRequest, Firing } from '../../src/engine/types.ts';
import { Dispatcher, type DispatcherConfig, type DispatcherDeps } from '../../src/dispatcher/index.ts';
import { newSigningSecret } from '../../src/actions/index.ts';
import type { AttemptRecord, OutboxStore } from '../../src/store/contracts.ts';

export const silent = pino({ level: 'silent' });
export const FAST_POLICY: DeliveryPolicy = { maxAttempts: 5, maxAgeMs: 60_000, backoffMs: 20, backoffMaxMs: 50 };
export const SIGNING_SECRET = newSigningSecret();

export interface Store {
  readonly db: SqliteDatabase;
  readonly outbox: SqliteOutbox;
  readonly pipeline: SqlitePipelineStore;
  close(): void;
}

export function openStore(): Store {
  const dir = mkdtempSync(join(tmpdir(), 'ifthen-dispatcher-'));
  const db = openDatabase(join(dir, 'ifthen.db'));
  return {
    db, outbox: new SqliteOutbox(db), pipeline: new SqlitePipelineStore(db),
    close() { db.close(); rmSync(dir, { recursive: true, force: true }); },
  };
}

export interface ActionInput {
  readonly kind: DeliveryKind;
  readonly spec: Record<string, unknown>;
  readonly policy?: DeliveryPolicy;
}

let firings = 0;

/** Commits one firing with the given actions, as the processor would; returns the delivery ids. */
export function insertFiring(store: Store, actions: readonly ActionInput[], properties: Record<string, unknown> = {}): string[] {
  const n = ++firings;
  const id = `f_test_${process.pid}_${n}`;
  const now = Date.now();
  const context: DeliveryContext = {
    event: { id: `e_${n}`, type: 'signed_up', subject: 'user-1', time: new Date(now).toISOString(), properties },
    subject: { id: 'user-1', plan: 'pro' },
    firing: { id, rule: 'welcome', version: 1 },
    now: new Date(now).toISOString(),
  };
  const deliveries: DeliveryRequest[] = actions.map((action, index) => ({
    id: `${id}.${index}`, firingId: id, ruleId: 'welcome', subject: 'user-1', actionIndex: index,
    kind: action.kind, spec: action.spec, context, policy: action.policy ?? FAST_POLICY, createdAt: now,
  }));
  const firing: Firing = {
    id, ruleId: 'welcome', ruleVersion: 1, subject: 'user-1', eventIds: [`e_${n}`], group: 'treatment', time: now,
    trace: { rule: 'welcome', version: 1, event: `e_${n}`, matched: true, steps: [] }, deliveries,
  };
  store.pipeline.commitSync({ consumer: `test-${n}`, partition: 0, from: null, to: String(n), subjects: [], firings: [firing], emits: [], timers: [], firedTimers: [], failures: [], ruleErrors: [] });
  return deliveries.map((d) => d.id);
}

export interface DeliveryRowView {
  status: string; attempts: number; next_attempt_at: number; last_error: string | null; delivered_at: number | null; created_at: number;
}

export interface AttemptRow {
  attempt: number; started_at: number; latency_ms: number; status_code: number | null; error: string | null; response: string | null;
}

export function deliveryRow(store: Store, id: string): DeliveryRowView {
  return store.db.prepare('SELECT * FROM deliveries WHERE id = ?').get(id) as DeliveryRowView;
}

export function attemptRows(store: Store, id: string): AttemptRow[] {
  return store.db.prepare('SELECT * FROM delivery_attempts WHERE delivery_id = ? ORDER BY attempt').all(id) as AttemptRow[];
}

export function startDispatcher(store: Store, config: Partial<DispatcherConfig> = {}, deps: Partial<DispatcherDeps> = {}): Dispatcher {
  const dispatcher = new Dispatcher({
    outbox: store.outbox, secrets: () => ({}), signingSecrets: () => [SIGNING_SECRET], logger: silent, ...deps,
    config: { owner: 'test-dispatcher', releaseOtherOwnersAtStart: true, allowPrivateTargets: true, pollMs: 50, leaseMs: 30_000, defaultTimeoutMs: 5000, ...config },
  });
  dispatcher.start();
  return dispatcher;
}

/** The store's real outbox, keeping a copy of every attempt record it is given: what the dispatcher hands the store. */
export function recordingOutbox(store: Store): { readonly outbox: OutboxStore; readonly records: AttemptRecord[] } {
  const records: AttemptRecord[] = [];
  const real = store.outbox;
  const outbox: OutboxStore = { ...delegate(real), record: (attempts) => { records.push(...attempts); return real.record(attempts); } };
  return { outbox, records };
}

/** An outbox that forwards every call to `real`; tests override one method to watch or break it. */
export function delegate(real: OutboxStore): OutboxStore {
  return {
    claim: (request) => real.claim(request),
    record: (records) => real.record(records),
    reclaimExpired: (now) => real.reclaimExpired(now),
    release: (owner, now) => real.release(owner, now),
    leaseOwners: () => real.leaseOwners(),
    nextDueAt: () => real.nextDueAt(),
    counts: () => real.counts(),
  };
}

/** Polls until `check` returns a truthy value (and returns it), or fails after `timeoutMs`. */
export async function waitFor<T>(check: () => T, timeoutMs = 5000, what = 'condition'): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export interface ReceivedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  readonly at: number;
}

export type Handler = (request: ReceivedRequest, response: ServerResponse, index: number) => void;

export interface Receiver {
  readonly port: number;
  readonly url: string;
  readonly requests: ReceivedRequest[];
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1 that records every request and answers with `handler`. */
export async function startReceiver(handler: Handler): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
      requests.push(request);
      handler(request, res, requests.length - 1);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port, url: `http://127.0.0.1:${port}`, requests,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
