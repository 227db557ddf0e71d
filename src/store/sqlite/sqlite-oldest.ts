// The oldest row still stored in each history table: one seek to the low end of its seq each (the tables
// are in arrival order), read by the API (GET /v1/retention, list pages) and by /metrics.
import type { HistoryTable, OldestRetained } from '../retention.ts';
import type { SqliteDatabase } from './sqlite-database.ts';

/** The column that says when a row was made: arrival, firing, creation, failure. */
const TIME_OF: Readonly<Record<HistoryTable, string>> = {
  events: 'received_at', firings: 'time', deliveries: 'created_at', event_failures: 'at', rule_errors: 'at', suppressions: 'at',
};

export function oldestRetainedReader(db: SqliteDatabase): () => OldestRetained {
  const statements = Object.entries(TIME_OF).map(([table, column]) =>
    [table, db.prepare(`SELECT ${column} FROM ${table} ORDER BY seq LIMIT 1`).pluck()] as const);
  return () => Object.fromEntries(statements.map(([table, s]) => [table, (s.get() as number | undefined) ?? null])) as OldestRetained;
}
