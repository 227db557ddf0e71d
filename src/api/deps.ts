// What the API needs from the rest of the process; the composition root (app/server.ts) supplies it.
// Stores are the contracts of src/store, never a backend's classes.
import type { Counter, Registry } from 'prom-client';
import type { Config } from '../config.ts';
import type { ApiStores } from '../store/open.ts';
import type { AppendStatus, EncodedEvent, PositionedEvent } from '../store/contracts.ts';
import type { PipelineStatus } from '../app/worker-protocol.ts';
import type { SandboxTask } from '../sandbox/sandbox-protocol.ts';

/** The pipeline as the API sees it: append events, ask for status and metrics, signal changes. */
export interface PipelineHandle {
  append(events: readonly EncodedEvent[]): Promise<AppendStatus[]>;
  status(): Promise<PipelineStatus>;
  /** A stored event by id, within the dedupe window. */
  findEvent(id: string): Promise<PositionedEvent | undefined>;
  metrics(): Promise<string>;
  notify(type: 'rules-changed' | 'deliveries-changed'): void;
}

export interface ApiDeps {
  readonly config: Config;
  readonly stores: Omit<ApiStores, 'close' | 'stalls'>;
  readonly pipeline: PipelineHandle;
  /** Where people's rules are tried out (test, backtest), off the HTTP thread and under a time limit. */
  readonly sandbox: { run<T>(task: SandboxTask): Promise<T> };
  readonly registry: Registry;
  readonly metrics: { readonly ingested: Counter<'source' | 'status'> };
  readonly now: () => number;
}
