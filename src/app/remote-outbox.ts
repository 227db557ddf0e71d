// The outbox over a MessagePort: the dispatcher thread calls, and every outbox write runs on the pipeline
// thread's connection. One writer means no waits for SQLite's write lock, whose busy handler sleeps 1, 2,
// 5, 10 ms between tries. Either thread may be replaced (watchdog): the survivor gets a new port.
import type { MessagePort } from 'node:worker_threads';
import type { LeasedDelivery, OutboxStore } from '../store/contracts.ts';
import type { DispatchCredit } from '../dispatcher/fresh-work.ts';

type Method = 'claim' | 'record' | 'reclaimExpired' | 'release' | 'leaseOwners' | 'nextDueAt' | 'counts';
const METHODS: ReadonlySet<string> = new Set<Method>(['claim', 'record', 'reclaimExpired', 'release', 'leaseOwners', 'nextDueAt', 'counts']);

/**
 * A call from the dispatcher thread and its result; `announce`: new pending deliveries; `credit`: the
 * dispatcher's room for fresh work; `fresh`: deliveries leased to it in the processor's commit.
 */
export type OutboxMessage =
  | { readonly kind: 'call'; readonly id: number; readonly method: Method; readonly args: readonly unknown[] }
  | { readonly kind: 'result'; readonly id: number; readonly value?: unknown; readonly error?: string }
  | { readonly kind: 'announce' }
  | { readonly kind: 'credit'; readonly credit: DispatchCredit }
  | { readonly kind: 'fresh'; readonly deliveries: readonly LeasedDelivery[] };

/** A call not answered in this time fails (the pipeline thread is being replaced); the dispatcher retries. */
const CALL_TIMEOUT_MS = 30_000;

export class RemoteOutbox implements OutboxStore {
  readonly #waiting = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }>();
  #nextId = 1;
  #port: MessagePort;

  constructor(port: MessagePort, private readonly onAnnounce: () => void, private readonly onFresh: (deliveries: readonly LeasedDelivery[]) => void = () => undefined) {
    this.#port = port;
    this.#listen(port);
  }

  /** Tells the pipeline how much fresh work this dispatcher can start now. */
  offer(credit: DispatchCredit): void {
    this.#port.postMessage({ kind: 'credit', credit } satisfies OutboxMessage);
  }

  /** The pipeline thread was replaced: calls still waiting on the old one fail now, new ones go to `port`. */
  attach(port: MessagePort): void {
    this.#port.close();
    this.#failWaiting(new Error('the pipeline thread was restarted'));
    this.#port = port;
    this.#listen(port);
    this.onAnnounce();
  }

  close(): void {
    this.#failWaiting(new Error('the outbox connection is closed'));
    this.#port.close();
  }

  claim(...args: Parameters<OutboxStore['claim']>) { return this.#call('claim', args) as ReturnType<OutboxStore['claim']>; }
  record(...args: Parameters<OutboxStore['record']>) { return this.#call('record', args) as ReturnType<OutboxStore['record']>; }
  reclaimExpired(...args: Parameters<OutboxStore['reclaimExpired']>) { return this.#call('reclaimExpired', args) as ReturnType<OutboxStore['reclaimExpired']>; }
  release(...args: Parameters<OutboxStore['release']>) { return this.#call('release', args) as ReturnType<OutboxStore['release']>; }
  leaseOwners() { return this.#call('leaseOwners', []) as ReturnType<OutboxStore['leaseOwners']>; }
  nextDueAt() { return this.#call('nextDueAt', []) as ReturnType<OutboxStore['nextDueAt']>; }
  counts() { return this.#call('counts', []) as ReturnType<OutboxStore['counts']>; }

  #listen(port: MessagePort): void {
    port.on('message', (message: OutboxMessage) => {
      if (message.kind === 'announce') return this.onAnnounce();
      if (message.kind === 'fresh') return this.onFresh(message.deliveries);
      if (message.kind !== 'result') return;
      const waiting = this.#waiting.get(message.id);
      if (!waiting) return;
      this.#waiting.delete(message.id);
      clearTimeout(waiting.timer);
      if (message.error !== undefined) waiting.reject(new Error(message.error));
      else waiting.resolve(message.value);
    });
  }

  #failWaiting(error: Error): void {
    for (const waiting of this.#waiting.values()) { clearTimeout(waiting.timer); waiting.reject(error); }
    this.#waiting.clear();
  }

  #call(method: Method, args: readonly unknown[]): Promise<unknown> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(id);
        reject(new Error(`outbox ${method} was not answered within ${CALL_TIMEOUT_MS} ms`));
      }, CALL_TIMEOUT_MS);
      this.#waiting.set(id, { resolve, reject, timer });
      this.#port.postMessage({ kind: 'call', id, method, args } satisfies OutboxMessage);
    });
  }
}

/** The pipeline thread's side: runs each call on the real outbox and answers; announces new deliveries. */
export class OutboxServer {
  #port: MessagePort;

  constructor(port: MessagePort, private readonly outbox: OutboxStore, private readonly onCredit: (credit: DispatchCredit | undefined) => void = () => undefined) {
    this.#port = port;
    this.#serve(port);
  }

  /** The dispatcher thread was replaced: serve its new port (and hand nothing over until it offers room). */
  attach(port: MessagePort): void {
    this.#port.close();
    this.onCredit(undefined);
    this.#port = port;
    this.#serve(port);
  }

  announce(): void {
    this.#port.postMessage({ kind: 'announce' } satisfies OutboxMessage);
  }

  /** Deliveries just leased to the dispatcher in a commit. */
  handOver(deliveries: readonly LeasedDelivery[]): void {
    this.#port.postMessage({ kind: 'fresh', deliveries } satisfies OutboxMessage);
  }

  #serve(port: MessagePort): void {
    port.on('message', (message: OutboxMessage) => {
      if (message.kind === 'credit') return this.onCredit(message.credit);
      if (message.kind !== 'call' || !METHODS.has(message.method)) return;
      const target = this.outbox[message.method] as (...args: unknown[]) => Promise<unknown>;
      target.apply(this.outbox, [...message.args]).then(
        (value) => port.postMessage({ kind: 'result', id: message.id, value } satisfies OutboxMessage),
        (error: Error) => port.postMessage({ kind: 'result', id: message.id, error: error.message } satisfies OutboxMessage),
      );
    });
  }
}
