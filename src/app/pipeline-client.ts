// The HTTP thread's handle on the two worker threads: the pipeline (the SQLite writer: ingest, processor)
// and the dispatcher (deliveries), wired to each other with a MessageChannel for "new deliveries".
import { MessageChannel } from 'node:worker_threads';
import type { AppendStatus, EncodedEvent } from '../store/contracts.ts';
import type { PipelineStatus, PipelineWorkerData } from './worker-protocol.ts';
import { WorkerHandle } from './worker-handle.ts';

export class PipelineClient {
  readonly #pipeline: WorkerHandle;
  readonly #dispatcher: WorkerHandle;
  readonly ready: Promise<void>;

  constructor(data: PipelineWorkerData, onFatal: (error: Error) => void) {
    const channel = new MessageChannel();
    this.#pipeline = new WorkerHandle('pipeline-worker', { ...data, deliveriesPort: channel.port1 }, [channel.port1], onFatal);
    this.#dispatcher = new WorkerHandle('dispatcher-worker', { ...data, deliveriesPort: channel.port2 }, [channel.port2], onFatal);
    this.ready = Promise.all([this.#pipeline.ready, this.#dispatcher.ready]).then(() => undefined);
  }

  append(events: readonly EncodedEvent[]): Promise<AppendStatus[]> {
    return this.#pipeline.request((id) => ({ type: 'append', id, events })) as Promise<AppendStatus[]>;
  }

  async metrics(): Promise<string> {
    const [pipeline, dispatcher] = await Promise.all([
      this.#pipeline.request((id) => ({ type: 'metrics', id })),
      this.#dispatcher.request((id) => ({ type: 'metrics', id })),
    ]);
    return `${pipeline}\n${dispatcher}`;
  }

  status(): Promise<PipelineStatus> {
    return this.#pipeline.request((id) => ({ type: 'status', id })) as Promise<PipelineStatus>;
  }

  notify(type: 'rules-changed' | 'deliveries-replayed'): void {
    (type === 'rules-changed' ? this.#pipeline : this.#dispatcher).post({ type });
  }

  /** Stops the processor first (its last batch may add deliveries), then the dispatcher. */
  async stop(): Promise<void> {
    await this.#pipeline.stop();
    await this.#dispatcher.stop();
  }
}
