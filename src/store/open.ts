// The one place that picks the storage backend from the configuration (IFTHEN_STORE) for each role.
import type { Config } from '../config.ts';
import type { DeliveryControl, EventLog, HoldoutSaltStore, OutboxStore, PipelineStore, StallRecorder, SuppressionStore } from './contracts.ts';
import type { KeyStore, RuleSource, RuleStore, SecretStore, SigningSecretStore } from './catalog.ts';
import type { HistoryStore } from './history.ts';
import type { RetentionStore } from './retention.ts';
import type { ReportReader } from '../report/report-reader.ts';
import { openSqliteApiStores, openSqliteDispatcherStores, openSqlitePipelineStores, type PipelineOptions } from './sqlite/sqlite-stores.ts';

export interface ApiStores {
  readonly rules: RuleStore;
  readonly keys: KeyStore;
  readonly secrets: SecretStore;
  readonly signing: SigningSecretStore;
  readonly history: HistoryStore;
  readonly deliveries: DeliveryControl;
  readonly stalls: StallRecorder;
  /** Recorded suppressions: counts per rule and reason, a subject's newest (explain). */
  readonly suppressions: SuppressionStore;
  /** Holdout salts of rules (issue 7): recorded on a rule's first save with a holdout, changed by the audited reshuffle. */
  readonly holdouts: HoldoutSaltStore;
  close(): void;
  /** Holdout reports (issue 7): per exposure day and group, the sums of exposure_outcomes. */
  readonly reports: ReportReader;
}

export interface PipelineStores {
  readonly log: EventLog;
  readonly pipeline: PipelineStore;
  readonly outbox: OutboxStore;
  readonly rules: RuleSource;
  /** Deletes history past its retention period (used only by the pipeline thread, the single writer). */
  readonly retention: RetentionStore;
  /** Commits what is queued now and waits until it is durable (stop). */
  flush(): Promise<void>;
  /** The ingest dedupe window held in memory: ids and bytes (for /metrics). */
  dedupeWindow(): { ids: number; bytes: number };
  close(): void;
}

export interface DispatcherStores {
  readonly secrets: Pick<SecretStore, 'values'>;
  readonly signing: Pick<SigningSecretStore, 'active'>;
  close(): void;
}

export type { PipelineOptions };

function backend(config: Config): 'sqlite' {
  if (config.store === 'sqlite') return 'sqlite';
  throw new Error(`IFTHEN_STORE=${config.store}: only "sqlite" is built so far (the cluster backend, NATS JetStream + PostgreSQL, comes next)`);
}

export function openApiStores(config: Config): ApiStores {
  backend(config);
  return openSqliteApiStores(config);
}

export function openPipelineStores(config: Config, options: PipelineOptions = {}): PipelineStores {
  backend(config);
  return openSqlitePipelineStores(config, options);
}

export function openDispatcherStores(config: Config): DispatcherStores {
  backend(config);
  return openSqliteDispatcherStores(config);
}
