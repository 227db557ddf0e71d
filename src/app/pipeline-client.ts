// The HTTP thread's handle on the two worker threads: the pipeline (the SQLite writer: ingest, processor,
// and the outbox's writes) and the dispatcher (sending), wired to each other with a MessageChannel.
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

  /**
   * Stops the dispatcher first (its last outcomes and lease releases are written through the pipeline
   * thread), then the pipeline. Deliveries committed meanwhile stay pending for the next start.
   */
  async stop(): Promise<void> {
    await this.#dispatcher.stop();
    await this.#pipeline.stop();
  }
}
