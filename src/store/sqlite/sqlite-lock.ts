// One data directory, one process: an exclusive SQLite lock on `<data>/ifthen.lock`, held for the life of the
// process. SQLite locks with fcntl, which the kernel drops when the process dies (kill -9 included), so a
// crash never leaves a stale lock behind, and it also sees a second opener inside the same process.
import Database from 'better-sqlite3';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeDataDirPrivate, preparePrivateFile } from './sqlite-database.ts';

export class DataDirLockedError extends Error {
  constructor(readonly dataDir: string, holder: string) {
    super(`another ifthen process${holder} is using the data directory ${dataDir}; stop it, or set IFTHEN_DATA to another directory`);
  }
}

export interface DataDirLock {
  release(): void;
}

/** Held connections: a lock must never be dropped because its connection was garbage-collected. */
const held = new Set<Database.Database>();

export function lockDataDir(dataDir: string): DataDirLock {
  const file = join(dataDir, 'ifthen.lock');
  const pidFile = join(dataDir, 'ifthen.pid');
  preparePrivateFile(file);
  const db = new Database(file, { timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    // The first write takes the exclusive lock; EXCLUSIVE locking mode keeps it until the connection closes.
    db.exec('BEGIN EXCLUSIVE; CREATE TABLE IF NOT EXISTS holder (pid INTEGER); COMMIT;');
  } catch (error) {
    db.close();
    if ((error as { code?: string }).code !== 'SQLITE_BUSY') throw error;
    let holder = '';
    try { holder = ` (pid ${Number(readFileSync(pidFile, 'utf8'))})`; } catch { /* no pid file */ }
    throw new DataDirLockedError(dataDir, holder);
  }
  writeFileSync(pidFile, String(process.pid), { mode: 0o600 });
  // Under the lock: every file in the directory private (the pid file's mode is set only when it is created).
  makeDataDirPrivate(dataDir);
  held.add(db);
  return { release: () => { held.delete(db); db.close(); } };
}
