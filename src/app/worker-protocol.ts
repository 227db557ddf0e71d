// Messages between the HTTP thread and the two worker threads: the pipeline (the single SQLite writer:
// ingest, processor, outbox writes) and the dispatcher (rendering and sending).
import type { MessagePort } from 'node:worker_threads';
import type { Config } from '../config.ts';
import type { AppendStatus, EncodedEvent, PositionedEvent } from '../store/contracts.ts';

export interface WorkerData {
  readonly config: Config;
  /** The pipeline's end serves the outbox; the dispatcher's end calls it (remote-outbox.ts). */
  readonly outboxPort: MessagePort;
  /** Shared with the HTTP thread's watchdog (stall-watch.ts). */
  readonly watch: SharedArrayBuffer;
}

export interface DispatcherWorkerData extends WorkerData {
  /** This dispatcher's lease owner name. */
  readonly owner: string;
}

export type ToWorker =
  | { readonly type: 'append'; readonly id: number; readonly events: readonly EncodedEvent[] }
  | { readonly type: 'metrics'; readonly id: number }
  | { readonly type: 'status'; readonly id: number }
  /** The stored event with this id, within the dedupe window (the log's id index lives in the pipeline thread). */
  | { readonly type: 'find-event'; readonly id: number; readonly eventId: string }
  | { readonly type: 'rules-changed' }
  | { readonly type: 'deliveries-changed' }
  /** The other worker was replaced: here is the new end of the outbox channel. */
  | { readonly type: 'outbox-port'; readonly port: MessagePort }
  | { readonly type: 'stop'; readonly id: number };

export interface PipelineStatus {
  readonly cursor: string | null;
  readonly lagEvents: number;
  readonly lagSeconds: number;
}

export type FromWorker =
  | { readonly type: 'ready' }
  | { readonly type: 'fatal'; readonly message: string }
  | { readonly type: 'reply'; readonly id: number; readonly result?: AppendStatus[] | string | PipelineStatus | PositionedEvent | null; readonly error?: string };
