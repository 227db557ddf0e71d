// Messages between the HTTP thread and the pipeline thread (the single SQLite writer).
import type { AppendStatus, EncodedEvent } from '../store/contracts.ts';

export interface PipelineWorkerData {
  readonly dbFile: string;
  readonly dataDir: string;
  readonly config: import('../config.ts').Config;
  readonly signingSecret: string;
}

export type ToWorker =
  | { readonly type: 'append'; readonly id: number; readonly events: readonly EncodedEvent[] }
  | { readonly type: 'metrics'; readonly id: number }
  | { readonly type: 'status'; readonly id: number }
  | { readonly type: 'rules-changed' }
  | { readonly type: 'deliveries-replayed' }
  | { readonly type: 'stop'; readonly id: number };

export interface PipelineStatus {
  readonly position: number;
  readonly head: number;
  readonly lagEvents: number;
  readonly lagSeconds: number;
}

export type FromWorker =
  | { readonly type: 'ready' }
  | { readonly type: 'fatal'; readonly message: string }
  | { readonly type: 'reply'; readonly id: number; readonly result?: AppendStatus[] | string | PipelineStatus | null; readonly error?: string };
