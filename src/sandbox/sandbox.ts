// The HTTP thread's side of the sandbox: one worker thread for trying rules out (test, later backtest), so a
// person's slow rule never blocks the API. A task that runs past its time ends the thread; a new one starts.
import { Worker } from 'node:worker_threads';
import type { SandboxReply, SandboxTask } from './sandbox-protocol.ts';

/** The task ran past its time; the thread running it was replaced. */
export class SandboxTimeoutError extends Error {}
/** Too many tasks waiting; try again shortly. */
export class SandboxBusyError extends Error {}
/** An error the task itself threw, by the name of its class (e.g. InvalidTestEventError). */
export class SandboxTaskError extends Error {
  constructor(readonly errorName: string, message: string) {
    super(message);
  }
}

interface Queued {
  readonly task: SandboxTask;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
}

export interface SandboxOptions {
  readonly timeoutMs: number;
  /** Tasks waiting behind the running one before new ones are refused. */
  readonly maxQueued?: number;
}

export class Sandbox {
  #worker: Worker | undefined;
  #ready: Promise<void> | undefined;
  readonly #queue: Queued[] = [];
  #running: (Queued & { id: number; timer: NodeJS.Timeout | undefined }) | undefined;
  #nextId = 1;
  #closed = false;

  constructor(private readonly options: SandboxOptions) {}

  run<T>(task: SandboxTask): Promise<T> {
    if (this.#closed) return Promise.reject(new Error('the sandbox is closed'));
    if (this.#queue.length >= (this.options.maxQueued ?? 32)) return Promise.reject(new SandboxBusyError(`${this.#queue.length} rule tests are waiting`));
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ task, resolve: resolve as (value: unknown) => void, reject });
      void this.#next();
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const queued of this.#queue.splice(0)) queued.reject(new Error('the sandbox is closed'));
    await this.#worker?.terminate();
    this.#worker = undefined;
  }

  async #next(): Promise<void> {
    if (this.#running || !this.#queue.length || this.#closed) return;
    const queued = this.#queue.shift()!;
    const id = this.#nextId++;
    this.#running = { ...queued, id, timer: undefined };
    try {
      await this.#start();
    } catch (error) {
      this.#finish(id, (q) => q.reject(error as Error));
      return;
    }
    // The time counts from when the task starts, not while it waits behind another or for the thread to boot.
    this.#running.timer = setTimeout(() => void this.#timedOut(), this.options.timeoutMs);
    this.#worker!.postMessage({ id, task: queued.task });
  }

  /** Starts the thread ahead of the first task, so that the first rule test does not wait for it. */
  warm(): void {
    void this.#start().catch(() => undefined);
  }

  #start(): Promise<void> {
    if (this.#ready) return this.#ready;
    const fromSource = import.meta.url.endsWith('.ts');
    const module = new URL(`./sandbox-worker${fromSource ? '.ts' : '.js'}`, import.meta.url).href;
    const entry = fromSource ? new URL('../app/worker-entry.mjs', import.meta.url) : new URL(module);
    const worker = new Worker(entry, { workerData: { module }, resourceLimits: { maxOldGenerationSizeMb: 256 } });
    worker.unref();
    this.#worker = worker;
    this.#ready = new Promise((resolve, reject) => {
      worker.on('message', (reply: SandboxReply) => {
        if (reply.id === 0) return resolve();
        if ('error' in reply) this.#finish(reply.id, (q) => q.reject(new SandboxTaskError(reply.error.name, reply.error.message)));
        else this.#finish(reply.id, (q) => q.resolve(reply.result));
      });
      worker.once('error', (error) => { reject(error); this.#lost(worker, error); });
      worker.once('exit', () => this.#lost(worker, new Error('the sandbox thread ended')));
    });
    return this.#ready;
  }

  #finish(id: number, settle: (queued: Queued) => void): void {
    if (this.#running?.id !== id) return;
    clearTimeout(this.#running.timer);
    const running = this.#running;
    this.#running = undefined;
    settle(running);
    void this.#next();
  }

  async #timedOut(): Promise<void> {
    const running = this.#running;
    if (!running) return;
    const worker = this.#worker;
    this.#worker = undefined;
    this.#ready = undefined;
    await worker?.terminate();
    this.#finish(running.id, (q) => q.reject(new SandboxTimeoutError(`trying the rule took longer than ${this.options.timeoutMs} ms (IFTHEN_SANDBOX_TIMEOUT_MS); it was stopped`)));
  }

  /** The thread died (out of memory, a bug): the task it ran fails, the next task starts a new thread. */
  #lost(worker: Worker, error: Error): void {
    if (this.#worker !== worker) return; // an old thread, already replaced
    this.#worker = undefined;
    this.#ready = undefined;
    if (this.#running) this.#finish(this.#running.id, (q) => q.reject(error.message.includes('memory') ? new SandboxTimeoutError(`trying the rule ran out of memory: ${error.message}`) : error));
  }
}
