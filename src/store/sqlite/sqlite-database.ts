// Opens the embedded SQLite file with durable settings and brings its schema up to date.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
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

/** `cacheMiB`: SQLite's page cache for this connection; the OS page cache holds the rest of the file. */
export function openDatabase(file: string, cacheMiB = 16): SqliteDatabase {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  // FULL: a commit is fsync'd before it returns. The driver's default (NORMAL in WAL) can lose the last commits on power loss.
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 10000');
  db.pragma(`cache_size = -${Math.round(cacheMiB * 1024)}`);
  db.pragma('temp_store = MEMORY');
  migrate(db);
  return db;
}

function migrate(db: SqliteDatabase): void {
  const current = db.pragma('user_version', { simple: true }) as number;
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
