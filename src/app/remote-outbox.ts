// The outbox over a MessagePort: the dispatcher thread sends and receives, while every outbox write runs
// on the pipeline thread's connection. One writer means no waits for SQLite's write lock, whose busy
// handler sleeps 1, 2, 5, 10 ms between tries.
import type { MessagePort } from 'node:worker_threads';
import type { OutboxStore } from '../store/contracts.ts';

type Method = 'claim' | 'record' | 'releaseLeases' | 'nextDueAt' | 'counts';

/** A call from the dispatcher thread; `announce` is the pipeline's "new deliveries" signal. */
export type OutboxMessage =
  | { readonly kind: 'call'; readonly id: number; readonly method: Method; readonly args: readonly unknown[] }
  | { readonly kind: 'result'; readonly id: number; readonly value?: unknown; readonly error?: string }
  | { readonly kind: 'announce' };

export class RemoteOutbox implements OutboxStore {
  readonly #waiting = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  #nextId = 1;

  constructor(private readonly port: MessagePort, onAnnounce: () => void) {
    port.on('message', (message: OutboxMessage) => {
      if (message.kind === 'announce') return onAnnounce();
      if (message.kind !== 'result') return;
      const waiting = this.#waiting.get(message.id);
      this.#waiting.delete(message.id);
      if (message.error !== undefined) waiting?.reject(new Error(message.error));
      else waiting?.resolve(message.value);
    });
  }

  claim(...args: Parameters<OutboxStore['claim']>) { return this.call('claim', args) as ReturnType<OutboxStore['claim']>; }
  record(...args: Parameters<OutboxStore['record']>) { return this.call('record', args) as ReturnType<OutboxStore['record']>; }
  releaseLeases(...args: Parameters<OutboxStore['releaseLeases']>) { return this.call('releaseLeases', args) as ReturnType<OutboxStore['releaseLeases']>; }
  nextDueAt() { return this.call('nextDueAt', []) as ReturnType<OutboxStore['nextDueAt']>; }
  counts() { return this.call('counts', []) as ReturnType<OutboxStore['counts']>; }

  private call(method: Method, args: readonly unknown[]): Promise<unknown> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      this.port.postMessage({ kind: 'call', id, method, args } satisfies OutboxMessage);
    });
  }
}

/** The pipeline thread's side: runs each call on the real outbox and answers. */
export function serveOutbox(port: MessagePort, outbox: OutboxStore): void {
  port.on('message', (message: OutboxMessage) => {
    if (message.kind !== 'call') return;
    const target = outbox[message.method] as (...args: unknown[]) => Promise<unknown>;
    target.apply(outbox, [...message.args]).then(
      (value) => port.postMessage({ kind: 'result', id: message.id, value } satisfies OutboxMessage),
      (error: Error) => port.postMessage({ kind: 'result', id: message.id, error: error.message } satisfies OutboxMessage),
    );
  });
}
