// Free pages returned to the file system: new databases are made with auto_vacuum = INCREMENTAL (openDatabase
// sets it before the first table exists). A file made before that has none and can only get it by a VACUUM,
// which rewrites the whole file under the write lock: done once at start when the file is small enough.
import { statSync } from 'node:fs';
import type { SqliteDatabase } from './sqlite-database.ts';

export type AutoVacuum = { readonly mode: 'incremental' } | { readonly mode: 'converted'; readonly bytes: number; readonly ms: number } | { readonly mode: 'none'; readonly bytes: number };

const INCREMENTAL = 2;

/** Gives an existing database auto_vacuum = INCREMENTAL if it has none and is at most `maxBytes`. */
export function ensureIncrementalVacuum(db: SqliteDatabase, file: string, maxBytes: number): AutoVacuum {
  if (db.pragma('auto_vacuum', { simple: true }) === INCREMENTAL) return { mode: 'incremental' };
  const bytes = file === ':memory:' ? 0 : statSync(file).size;
  // FULL (1) would move pages on every commit; INCREMENTAL can be set over it without a VACUUM.
  db.pragma('auto_vacuum = INCREMENTAL');
  if (db.pragma('auto_vacuum', { simple: true }) === INCREMENTAL) return { mode: 'incremental' };
  if (bytes > maxBytes) return { mode: 'none', bytes };
  const started = performance.now();
  db.exec('VACUUM');
  return { mode: 'converted', bytes, ms: Math.round(performance.now() - started) };
}
