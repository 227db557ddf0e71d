// The report thread: the report's aggregations (a scan of up to millions of outcome rows, ~1 s of CPU cold) run
// here on a read-only connection of its own, so the HTTP thread keeps answering ingest while a report computes.
// Long-lived: its prepared statements and SQLite page cache serve every refresh. Plain data both ways.
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { SqliteReportReader, type ReportReader } from './report-reader.ts';

export interface ReportCall {
  readonly id: number;
  readonly method: 'experiments' | 'daily' | 'firstExposure' | 'revision';
  readonly args: readonly unknown[];
}

export type ReportReply = { readonly id: number; readonly result: unknown } | { readonly id: number; readonly error: string };

const db = new Database((workerData as { task: { dbFile: string } }).task.dbFile, { readonly: true, fileMustExist: true });
db.pragma('busy_timeout = 10000');
db.pragma('cache_size = -32768');
const reader: ReportReader = new SqliteReportReader(db);
const port = parentPort!;

port.on('message', (call: ReportCall | 'close') => {
  if (call === 'close') {
    db.close();
    port.close();
    return;
  }
  const method = reader[call.method] as (...args: unknown[]) => Promise<unknown>;
  method.apply(reader, [...call.args]).then(
    (result) => port.postMessage({ id: call.id, result } satisfies ReportReply),
    (error: unknown) => port.postMessage({ id: call.id, error: error instanceof Error ? error.message : String(error) } satisfies ReportReply),
  );
});
