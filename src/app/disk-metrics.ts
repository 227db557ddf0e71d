// Disk gauges of the pipeline thread, read at scrape time from cheap sources: file sizes (stat), page counts
// (pragmas), row estimates from each table's rowid range (never a count over the table), and the oldest row kept.
import { Gauge, type Registry } from 'prom-client';
import type { RetentionStore } from '../store/retention.ts';

/** Returns what to call before each scrape: one read of the disk then serves every gauge of that scrape. */
export function diskMetrics(registry: Registry, retention: RetentionStore): () => void {
  const registers = [registry];
  let cached: ReturnType<RetentionStore['disk']> | undefined;
  const disk = () => (cached ??= retention.disk());
  new Gauge({ name: 'ifthen_db_file_bytes', help: 'Size of the SQLite database file', registers, collect() { this.set(disk().fileBytes); } });
  new Gauge({ name: 'ifthen_db_wal_bytes', help: 'Size of the SQLite write-ahead log (-wal file)', registers, collect() { this.set(disk().walBytes); } });
  new Gauge({ name: 'ifthen_db_pages', help: 'Pages in the database (page_count)', registers, collect() { this.set(disk().pages); } });
  new Gauge({ name: 'ifthen_db_free_pages', help: 'Free pages in the database (freelist_count): reused by new writes, the excess returned by retention', registers, collect() { this.set(disk().freePages); } });
  new Gauge({ name: 'ifthen_db_page_size_bytes', help: 'SQLite page size', registers, collect() { this.set(disk().pageSize); } });
  new Gauge({
    name: 'ifthen_table_rows_estimate', help: 'Rows per table, estimated from the ends of its rowid range (counts the gaps of deleted rows: an upper bound)', labelNames: ['table'], registers,
    collect() { for (const [table, rows] of Object.entries(disk().rowEstimates)) this.set({ table }, rows); },
  });
  new Gauge({
    name: 'ifthen_retention_oldest_timestamp_seconds', help: 'Time of the oldest row still stored, per table (arrival, firing, creation, failure); absent when the table is empty', labelNames: ['table'], registers,
    collect() {
      this.reset();
      for (const [table, at] of Object.entries(retention.oldest())) if (at !== null) this.set({ table }, at / 1000);
    },
  });
  return () => { cached = undefined; };
}
