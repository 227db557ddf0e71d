// One worker thread seen from the HTTP thread: request/reply over postMessage, fatal-exit detection.
import { Worker, type TransferListItem } from 'node:worker_threads';
import type { FromWorker, ToWorker } from './worker-protocol.ts';

type Reply = Extract<FromWorker, { type: 'reply' }>;

export class WorkerHandle {
  readonly #worker: Worker;
  readonly #waiting = new Map<number, (reply: Reply) => void>();
  #nextId = 1;
  #stopping = false;
  readonly ready: Promise<void>;

  /** `name` is the module beside this one (`pipeline-worker`, `dispatcher-worker`). */
  constructor(name: string, data: object, transfer: readonly TransferListItem[], onFatal: (error: Error) => void) {
    const fromSource = import.meta.url.endsWith('.ts');
    const module = new URL(`./${name}${fromSource ? '.ts' : '.js'}`, import.meta.url).href;
    const entry = fromSource ? new URL('./worker-entry.mjs', import.meta.url) : new URL(module);
    this.#worker = new Worker(entry, { workerData: { ...data, module }, transferList: [...transfer] });
    this.ready = new Promise((resolve, reject) => {
      this.#worker.on('message', (message: FromWorker) => {
        if (message.type === 'ready') resolve();
        else if (message.type === 'fatal') reject(new Error(message.message));
        else this.#waiting.get(message.id)?.(message);
      });
      this.#worker.once('error', (error) => { reject(error); onFatal(error); });
      this.#worker.once('exit', (code) => {
        const error = new Error(`${name} thread exited with code ${code}`);
        for (const done of this.#waiting.values()) done({ type: 'reply', id: 0, error: error.message });
        this.#waiting.clear();
        if (!this.#stopping) onFatal(error);
      });
    });
  }

  post(message: ToWorker, transfer: readonly TransferListItem[] = []): void {
    this.#worker.postMessage(message, [...transfer]);
  }

  request(build: (id: number) => ToWorker): Promise<unknown> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, (reply) => {
        this.#waiting.delete(id);
        if (reply.error !== undefined) reject(new Error(reply.error));
        else resolve(reply.result);
      });
      this.#worker.postMessage(build(id));
    });
  }

  /** Asks the thread to stop gracefully, then ends it. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await this.request((id) => ({ type: 'stop', id })).catch(() => undefined);
    await this.#worker.terminate();
  }

  /** Ends the thread at once, even in the middle of a loop that never yields (the watchdog's way out). */
  async kill(): Promise<void> {
    this.#stopping = true;
    await this.#worker.terminate();
  }
}
