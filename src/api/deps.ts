// What the API needs from the rest of the process; the composition root (app/server.ts) supplies it.
import type { Config } from '../config.ts';
import type { SqliteKeyStore } from '../store/sqlite/sqlite-key-store.ts';
import type { SqliteRuleStore } from '../store/sqlite/sqlite-rule-store.ts';
import type { SqliteHistory } from '../store/sqlite/sqlite-history.ts';
import type { SqliteSecretStore } from '../store/sqlite/sqlite-secret-store.ts';
import type { SqliteOutbox } from '../store/sqlite/sqlite-outbox.ts';
import type { PipelineClient } from '../app/pipeline-client.ts';
import type { Registry } from 'prom-client';

export interface ApiDeps {
  readonly config: Config;
  readonly keys: SqliteKeyStore;
  readonly rules: SqliteRuleStore;
  readonly history: SqliteHistory;
  readonly secrets: SqliteSecretStore;
  readonly outbox: SqliteOutbox;
  readonly pipeline: PipelineClient;
  readonly registry: Registry;
  readonly signingSecret: string;
  readonly metrics: { readonly ingested: import('prom-client').Counter<'source' | 'status'> };
  readonly now: () => number;
}
