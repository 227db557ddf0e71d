// The SQLite backend's stores for each role of the process: one connection per thread, one file.
import { SecretBox } from '../../secrets/secret-box.ts';
import type { Config } from '../../config.ts';
import type { ApiStores, DispatcherStores, PipelineStores } from '../open.ts';
import { openDatabase, setDurability } from './sqlite-database.ts';
import { SqliteReportReader } from '../../report/report-reader.ts';
import { SqliteRuleStore } from './sqlite-rule-store.ts';
import { SqliteKeyStore } from './sqlite-key-store.ts';
import { SqliteSecretStore } from './sqlite-secret-store.ts';
import { SqliteSigningSecretStore } from './sqlite-signing-store.ts';
import { SqliteHistory } from './sqlite-history.ts';
import { SqliteDeliveryControl } from './sqlite-delivery-control.ts';
import { SqliteEventLog } from './sqlite-event-log.ts';
import { SqliteGroupCommitLog } from './sqlite-group-commit.ts';
import { WalSync } from './sqlite-wal-sync.ts';
import { SqlitePipelineStore, type CommitStage } from './sqlite-pipeline-store.ts';
import { SqliteOutbox } from './sqlite-outbox.ts';
import { SqliteStallRecorder } from './sqlite-stall-recorder.ts';
import { SqliteSuppressions } from './sqlite-suppressions.ts';
import { SqliteHoldoutSalts } from './sqlite-exposures.ts';
import { SqliteRetention, WAL_SIZE_LIMIT } from './sqlite-retention.ts';
import { ensureIncrementalVacuum } from './sqlite-auto-vacuum.ts';

/** The HTTP thread: API reads and the rare admin writes (rules, keys, secrets). */
export function openSqliteApiStores(config: Config): ApiStores {
  const db = openDatabase(config.dbFile, { cacheMiB: 8, autoCheckpoint: false });
  const box = SecretBox.fromConfig(config.dataDir, config.secretKey);
  const signing = new SqliteSigningSecretStore(db, box);
  signing.adoptLegacySecret(Date.now());
  return {
    rules: new SqliteRuleStore(db), keys: new SqliteKeyStore(db), secrets: new SqliteSecretStore(db, box), signing,
    history: new SqliteHistory(db), deliveries: new SqliteDeliveryControl(db), stalls: new SqliteStallRecorder(db),
    suppressions: new SqliteSuppressions(db), holdouts: new SqliteHoldoutSalts(db),
    close: () => db.close(),
    reports: new SqliteReportReader(db),
  };
}

export interface PipelineOptions {
  readonly afterAppend?: (summary: { requests: number; events: number }) => void;
  /** Fault injection for the atomicity tests (IFTHEN_TEST_COMMIT_PROBE); none in production. */
  readonly commitProbe?: (stage: CommitStage) => void;
  /** Something worth a log line at start (the file's free-space mode). */
  readonly onNotice?: (level: 'info' | 'warn', data: object, message: string) => void;
}

/** The pipeline thread: the single writer of the log, the processor's state and the outbox. */
export function openSqlitePipelineStores(config: Config, options: PipelineOptions = {}): PipelineStores {
  const db = openDatabase(config.dbFile, { cacheMiB: 16, autoCheckpoint: false });
  // The pipeline's own commits are crash-safe; ingest commits are fsync'd (see Durability).
  setDurability(db, 'crash-safe');
  // A burst of writes (retention deleting a backlog) can grow the WAL far past its usual size before a checkpoint
  // catches up; SQLite keeps the file at its largest unless told a limit, applied when this writer restarts the WAL.
  db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT}`);
  noteAutoVacuum(ensureIncrementalVacuum(db, config.dbFile, config.retention.vacuumAtStartMaxBytes), options.onNotice);
  const wal = new WalSync(`${config.dbFile}-wal`);
  const log = new SqliteGroupCommitLog(new SqliteEventLog(db, 'crash-safe', config.dedupe), wal, options.afterAppend);
  return {
    log, pipeline: new SqlitePipelineStore(db, options.commitProbe), outbox: new SqliteOutbox(db), rules: new SqliteRuleStore(db),
    retention: new SqliteRetention(db, config.dbFile),
    flush: () => log.flush(),
    dedupeWindow: () => log.dedupeWindow(),
    close: () => { wal.close(); db.close(); },
  };
}

function noteAutoVacuum(result: ReturnType<typeof ensureIncrementalVacuum>, notice: PipelineOptions['onNotice']): void {
  if (result.mode === 'converted') notice?.('info', result, 'the database had no auto_vacuum (made by an older ifthen): converted by a one-time VACUUM, so space freed by retention goes back to the file system');
  if (result.mode === 'none') {
    notice?.('warn', result, 'the database has no auto_vacuum (made by an older ifthen) and is larger than IFTHEN_VACUUM_AT_START_MAX_BYTES: space freed by retention is reused but the file never shrinks; to convert it, start once with IFTHEN_VACUUM_AT_START_MAX_BYTES above its size (a VACUUM rewrites the file: it takes a while and needs as much free disk again)');
  }
}

/** The dispatcher thread reads secrets only; its outbox calls go to the pipeline thread. */
export function openSqliteDispatcherStores(config: Config): DispatcherStores {
  const db = openDatabase(config.dbFile, { cacheMiB: 2, autoCheckpoint: false });
  const box = SecretBox.fromConfig(config.dataDir, config.secretKey);
  return { secrets: new SqliteSecretStore(db, box), signing: new SqliteSigningSecretStore(db, box), close: () => db.close() };
}
