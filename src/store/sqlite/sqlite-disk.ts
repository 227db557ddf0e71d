// What the SQLite file takes on disk: file and WAL sizes, pages and free pages, and each table's rows estimated
// from the ends of its rowid range (two index seeks, not a count over millions of rows on the writer thread).
// Estimates count the gaps left by deleted rows: deliveries kept (pending, dead) among deleted ones make it high.
import { statSync } from 'node:fs';
import type { DiskUsage } from '../retention.ts';
import type { SqliteDatabase } from './sqlite-database.ts';

const TABLES = ['events', 'firings', 'deliveries', 'delivery_attempts', 'event_failures', 'rule_errors', 'emit_outbox', 'subjects', 'timers', 'suppressions'] as const;

function size(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

export function diskUsageReader(db: SqliteDatabase, file: string): () => DiskUsage {
  const estimates = TABLES.map((table) => [table, db.prepare(`SELECT COALESCE((SELECT MAX(rowid) FROM ${table}) - (SELECT MIN(rowid) FROM ${table}) + 1, 0)`).pluck()] as const);
  return () => ({
    fileBytes: size(file),
    walBytes: size(`${file}-wal`),
    pageSize: db.pragma('page_size', { simple: true }) as number,
    pages: db.pragma('page_count', { simple: true }) as number,
    freePages: db.pragma('freelist_count', { simple: true }) as number,
    rowEstimates: Object.fromEntries(estimates.map(([table, s]) => [table, s.get() as number])),
  });
}
