// The HTTP thread's handle on the pipeline thread: request/reply over postMessage.
import { Worker } from 'node:worker_threads';
import type { AppendStatus, EncodedEvent } from '../store/contracts.ts';
import type { FromWorker, PipelineStatus, PipelineWorkerData, ToWorker } from './worker-protocol.ts';

type Reply = Extract<FromWorker, { type: 'reply' }>;

export class PipelineClient {
  readonly #worker: Worker;
  readonly #waiting = new Map<number, (reply: Reply) => void>();
  #nextId = 1;
  #stopping = false;
  readonly ready: Promise<void>;

  constructor(data: PipelineWorkerData, onFatal: (error: Error) => void) {
    const fromSource = import.meta.url.endsWith('.ts');
    const url = new URL(fromSource ? './pipeline-worker-entry.mjs' : './pipeline-worker.js', import.meta.url);
    this.#worker = new Worker(url, { workerData: data });
    this.ready = new Promise((resolve, reject) => {
      this.#worker.on('message', (message: FromWorker) => {
        if (message.type === 'ready') resolve();
        else if (message.type === 'fatal') reject(new Error(message.message));
        else this.#waiting.get(message.id)?.(message);
      });
      this.#worker.once('error', (error) => { reject(error); onFatal(error); });
      this.#worker.once('exit', (code) => {
        const error = new Error(`pipeline thread exited with code ${code}`);
        for (const done of this.#waiting.values()) done({ type: 'reply', id: 0, error: error.message });
        this.#waiting.clear();
        if (!this.#stopping) onFatal(error);
      });
    });
  }

  append(events: readonly EncodedEvent[]): Promise<AppendStatus[]> {
    return this.request((id) => ({ type: 'append', id, events })) as Promise<AppendStatus[]>;
  }

  metrics(): Promise<string> {
    return this.request((id) => ({ type: 'metrics', id })) as Promise<string>;
  }

  status(): Promise<PipelineStatus> {
    return this.request((id) => ({ type: 'status', id })) as Promise<PipelineStatus>;
  }

  notify(type: 'rules-changed' | 'deliveries-replayed'): void {
    this.#worker.postMessage({ type } satisfies ToWorker);
  }

  /** Stops the pipeline gracefully (finish the batch, finish or release deliveries) and ends the thread. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await this.request((id) => ({ type: 'stop', id })).catch(() => undefined);
    await this.#worker.terminate();
  }

  private request(build: (id: number) => ToWorker): Promise<unknown> {
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
}
