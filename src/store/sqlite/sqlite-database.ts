// Opens the embedded SQLite file with durable settings, private file modes, and brings its schema up to date.
import Database from 'better-sqlite3';
import { chmodSync, closeSync, existsSync, lstatSync, mkdirSync, openSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { MIGRATIONS } from './sqlite-migrations.ts';

export type SqliteDatabase = Database.Database;

/**
 * How hard a commit waits for the disk. `durable` (FULL) fsyncs the WAL before the commit returns:
 * for what we acknowledge to a client (events, rules, keys). `crash-safe` (NORMAL) survives a crash of
 * the process but may lose the newest commits on power loss: for the pipeline's own bookkeeping
 * (processor batches, leases, attempt records), which is replayed idempotently from the log if lost.
 * WAL frames are written in order, so a later durable commit makes every earlier one durable too.
 */
export type Durability = 'durable' | 'crash-safe';

export function setDurability(db: SqliteDatabase, durability: Durability): void {
  db.pragma(durability === 'durable' ? 'synchronous = FULL' : 'synchronous = NORMAL');
}

export interface OpenOptions {
  /** SQLite's page cache for this connection; the OS page cache holds the rest of the file. */
  readonly cacheMiB?: number;
  /**
   * Whether this connection checkpoints the WAL itself when a commit makes it grow past 1000 pages
   * (SQLite's default). The server turns it off on every connection and a checkpoint thread does it
   * (app/checkpoint-worker.ts), so no commit ever waits for a checkpoint.
   */
  readonly autoCheckpoint?: boolean;
}

/** The data directory and database hold secrets (keys, tokens' hashes, events): only the owner may read them. */
export function preparePrivateFile(file: string): void {
  if (file === ':memory:') return;
  const dir = dirname(file);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  // SQLite gives its -wal and -shm files the mode of the database file, so creating it 0600 is enough.
  if (!existsSync(file)) closeSync(openSync(file, 'a', 0o600));
  for (const path of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(path)) chmodSync(path, 0o600);
}

/**
 * The whole data directory private: the directory 0700 and every file in it 0600, whatever created it (an
 * older version, a copy, a file written before the umask was considered). Called at start, under the lock.
 */
export function makeDataDirPrivate(dataDir: string): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  chmodSync(dataDir, 0o700);
  for (const name of readdirSync(dataDir)) {
    const path = join(dataDir, name);
    try {
      if (lstatSync(path).isFile()) chmodSync(path, 0o600);
    } catch { /* removed meanwhile (a -journal file of a finished transaction) */ }
  }
}

export function openDatabase(file: string, options: OpenOptions = {}): SqliteDatabase {
  preparePrivateFile(file);
  const db = new Database(file);
  // Only takes effect before the first table exists (a new file): retention's free pages can then be returned
  // to the file system (sqlite-auto-vacuum.ts converts an older file).
  db.pragma('auto_vacuum = INCREMENTAL');
  db.pragma('journal_mode = WAL');
  // FULL: a commit is fsync'd before it returns. The driver's default (NORMAL in WAL) can lose the last commits on power loss.
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 10000');
  db.pragma(`cache_size = -${Math.round((options.cacheMiB ?? 16) * 1024)}`);
  db.pragma('temp_store = MEMORY');
  if (options.autoCheckpoint === false) db.pragma('wal_autocheckpoint = 0');
  migrate(db);
  // The -wal and -shm files exist now; SQLite gives them the database's mode, but an existing pair keeps its own.
  for (const path of [`${file}-wal`, `${file}-shm`]) if (existsSync(path)) chmodSync(path, 0o600);
  return db;
}

function migrate(db: SqliteDatabase): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) throw new Error(`the database was written by a newer ifthen (schema ${current}, this one knows ${MIGRATIONS.length}); upgrade ifthen`);
  for (let version = current; version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version]);
      db.pragma(`user_version = ${version + 1}`);
    }).immediate();
  }
}

/** Runs `fn` in an IMMEDIATE transaction (takes the write lock up front, so it never fails half way on a lock). */
export function writeTransaction<T>(db: SqliteDatabase, fn: () => T): T {
  return db.transaction(fn).immediate();
}
