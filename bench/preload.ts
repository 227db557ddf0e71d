// Preloads events straight into a stopped server's SQLite file, through the same validation and
// encoding as HTTP ingest (ingest() + SqliteEventLog), so that the processing scenario measures the
// processor alone, starting from position 0 with the whole backlog in the log.
import { loadConfig } from '../src/config.ts';
import { openDatabase } from '../src/store/sqlite/sqlite-database.ts';
import { SqliteEventLog } from '../src/store/sqlite/sqlite-event-log.ts';
import { ingest } from '../src/ingest/ingest.ts';
import { fromEventsBody } from '../src/ingest/normalize.ts';
import { eventFactory, type BenchEvent } from './workload.ts';

/** Returns how many were accepted and how many satisfy `matches` (the firings the rules should make). */
export async function preloadEvents(
  dataDir: string, count: number, prefix: string, matches: (e: BenchEvent) => boolean, ids: 'sequential' | 'uuid' = 'sequential', chunk = 10_000,
  next: (now: number) => object = eventFactory({ prefix, seed: 777, ids }),
): Promise<{ accepted: number; matching: number; seconds: number }> {
  const config = loadConfig({ IFTHEN_DATA: dataDir });
  const db = openDatabase(config.dbFile);
  const log = new SqliteEventLog(db);
  const started = performance.now();
  let accepted = 0, matching = 0;
  try {
    for (let done = 0; done < count; done += chunk) {
      const now = Date.now();
      const batch = Array.from({ length: Math.min(chunk, count - done) }, () => next(now));
      for (const e of batch) if (matches(e as BenchEvent)) matching++;
      const items = fromEventsBody(JSON.parse(JSON.stringify(batch)));
      if (typeof items === 'string') throw new Error(items);
      const report = await ingest(items, config.limits, now, async (events) => log.appendSync(events));
      if (report.rejected || report.duplicate) throw new Error(`preload: ${report.rejected} rejected, ${report.duplicate} duplicate`);
      accepted += report.accepted;
    }
  } finally {
    db.close();
  }
  return { accepted, matching, seconds: (performance.now() - started) / 1000 };
}
