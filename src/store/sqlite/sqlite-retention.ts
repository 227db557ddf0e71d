// Retention in SQLite: each history table is walked by seq (arrival order) from its oldest row, one short
// transaction per range of seq, until the rows reach the cutoff. What is still needed is kept whatever the
// cutoff: events after the processor's cursor or still in the emit outbox, firings with a delivery left,
// pending and in-flight deliveries, failures the processor has yet to pass over. Timers are never swept.
import { closeSync, openSync, readSync } from 'node:fs';
import { endianness } from 'node:os';
import type Database from 'better-sqlite3';
import type { RetentionKind, RetentionStore, RetentionSweep } from '../retention.ts';
import { writeTransaction, type SqliteDatabase } from './sqlite-database.ts';
import { seqOf } from './sqlite-event-log.ts';
import { oldestRetainedReader } from './sqlite-oldest.ts';
import { diskUsageReader } from './sqlite-disk.ts';

type Statement = Database.Statement<unknown[]>;

/** The pipeline connection's journal_size_limit: the WAL file is cut back to it when it starts over. */
export const WAL_SIZE_LIMIT = 64 * 1024 * 1024;
/** Retention waits while the WAL holds more than this many frames (about 64 MiB) since it last started over. */
const WAL_WAIT_FRAMES = 16_384;

/** Free pages kept for reuse (a share of the file): the next writes take them instead of growing the file. */
const FREE_RESERVE = 0.1;

/**
 * One pass over one table: `first` finds the oldest row at or after a seq with the time that orders the table;
 * once that time reaches the cutoff the pass is done (later rows arrived later). Each step deletes what
 * `remove` allows in the next `rows` seqs, so a transaction never touches more than `rows` rows.
 */
class SeqSweep implements RetentionSweep {
  #from = 0;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly first: Statement,
    private readonly cutoff: number,
    private readonly remove: (from: number, to: number) => number,
    private readonly upTo = Number.MAX_SAFE_INTEGER,
  ) {}

  step(rows: number): { deleted: number; done: boolean } {
    const row = this.first.get(this.#from) as { seq: number; t: number } | undefined;
    if (!row || row.seq > this.upTo || row.t >= this.cutoff) return { deleted: 0, done: true };
    const to = Math.min(row.seq + Math.max(1, rows) - 1, this.upTo);
    const deleted = writeTransaction(this.db, () => this.remove(row.seq, to));
    this.#from = to + 1;
    return { deleted, done: false };
  }
}

/**
 * A pass over goal_events (no seq: its key leads with the rule): the oldest rows by event time through its time
 * index, `rows` at a time, until none is older than the cutoff.
 */
class TimeSweep implements RetentionSweep {
  constructor(private readonly db: SqliteDatabase, private readonly remove: Statement, private readonly cutoff: number) {}

  step(rows: number): { deleted: number; done: boolean } {
    const limit = Math.max(1, rows);
    const deleted = writeTransaction(this.db, () => this.remove.run(this.cutoff, limit).changes);
    return { deleted, done: deleted < limit };
  }
}

export class SqliteRetention implements RetentionStore {
  readonly #s: Record<string, Statement>;
  readonly oldest;
  readonly disk;

  readonly #shm: string;
  readonly #header = Buffer.alloc(20);

  constructor(private readonly db: SqliteDatabase, file: string) {
    this.#shm = `${file}-shm`;
    const p = (sql: string) => db.prepare(sql);
    this.#s = {
      cursor: p("SELECT cursor FROM cursors WHERE consumer = 'processor' AND partition = 0").pluck(),
      firstEvent: p('SELECT seq, received_at AS t FROM events WHERE seq >= ? ORDER BY seq LIMIT 1'),
      // An emitted event whose outbox row is still there may be appended again after a crash: its row must stay
      // to make that append a duplicate, else it would be processed twice.
      deleteEvents: p('DELETE FROM events WHERE seq >= ? AND seq <= ? AND received_at < ? AND (depth = 0 OR NOT EXISTS (SELECT 1 FROM emit_outbox o WHERE o.id = events.id))'),
      firstFiring: p('SELECT seq, time AS t FROM firings WHERE seq >= ? ORDER BY seq LIMIT 1'),
      oldFirings: p('SELECT seq, id FROM firings WHERE seq >= ? AND seq <= ? AND time < ?'),
      // Delivery ids are `<firing id>.<index>`: a range of the unique id index.
      hasDelivery: p('SELECT 1 FROM deliveries WHERE id > ? AND id < ? LIMIT 1').pluck(),
      deleteFiring: p('DELETE FROM firings WHERE seq = ?'),
      firstDelivery: p('SELECT seq, created_at AS t FROM deliveries WHERE seq >= ? ORDER BY seq LIMIT 1'),
      firstDead: p("SELECT seq, created_at AS t FROM deliveries WHERE status = 'dead' AND seq >= ? ORDER BY seq LIMIT 1"),
      // updated_at is when the status last changed: delivery for a delivered row, death for a dead one.
      deleteDelivered: p("DELETE FROM deliveries WHERE seq >= ? AND seq <= ? AND status = 'delivered' AND updated_at < ? RETURNING id").pluck(),
      deleteDead: p("DELETE FROM deliveries WHERE seq >= ? AND seq <= ? AND status = 'dead' AND updated_at < ? RETURNING id").pluck(),
      deleteAttempts: p('DELETE FROM delivery_attempts WHERE delivery_id = ?'),
      firstFailure: p('SELECT seq, at AS t FROM event_failures WHERE seq >= ? ORDER BY seq LIMIT 1'),
      // A failure after the cursor makes the processor pass over that event (failedAfter): kept until it has.
      deleteFailures: p("DELETE FROM event_failures WHERE seq >= ? AND seq <= ? AND at < ? AND (cursor = '' OR CAST(cursor AS INTEGER) <= ?)"),
      firstRuleError: p('SELECT seq, at AS t FROM rule_errors WHERE seq >= ? ORDER BY seq LIMIT 1'),
      deleteRuleErrors: p('DELETE FROM rule_errors WHERE seq >= ? AND seq <= ? AND at < ?'),
      // By record order, stopping at the first row decided at or after the cutoff (decided times follow arrival closely).
      firstSuppression: p('SELECT seq, at AS t FROM suppressions WHERE seq >= ? ORDER BY seq LIMIT 1'),
      deleteSuppressions: p('DELETE FROM suppressions WHERE seq >= ? AND seq <= ? AND at < ?'),
      deleteGoalEvents: p(`DELETE FROM goal_events WHERE (rule_id, metric, subject, time, event_id) IN
        (SELECT rule_id, metric, subject, time, event_id FROM goal_events WHERE time < ? ORDER BY time LIMIT ?)`),
    };
    this.oldest = oldestRetainedReader(db);
    this.disk = diskUsageReader(db, file);
  }

  sweep(kind: RetentionKind, cutoff: number): RetentionSweep {
    const s = this.#s;
    const processed = seqOf((s.cursor.get() as string | undefined) ?? null);
    const deliveries = (remove: Statement) => (from: number, to: number) => {
      const ids = remove.all(from, to, cutoff) as string[];
      for (const id of ids) s.deleteAttempts.run(id);
      return ids.length;
    };
    switch (kind) {
      case 'events':
        return new SeqSweep(this.db, s.firstEvent, cutoff, (from, to) => s.deleteEvents.run(from, to, cutoff).changes, processed);
      case 'firings':
        return new SeqSweep(this.db, s.firstFiring, cutoff, (from, to) => {
          let deleted = 0;
          for (const { seq, id } of s.oldFirings.all(from, to, cutoff) as { seq: number; id: string }[]) {
            if (!s.hasDelivery.get(`${id}.`, `${id}/`)) deleted += s.deleteFiring.run(seq).changes;
          }
          return deleted;
        });
      case 'delivered':
        return new SeqSweep(this.db, s.firstDelivery, cutoff, deliveries(s.deleteDelivered));
      case 'dead':
        // Walks the dead rows only (their partial index); a row made after the cutoff cannot have died before it.
        return new SeqSweep(this.db, s.firstDead, cutoff, deliveries(s.deleteDead));
      case 'failures':
        return new SeqSweep(this.db, s.firstFailure, cutoff, (from, to) => s.deleteFailures.run(from, to, cutoff, processed).changes);
      case 'ruleErrors':
        return new SeqSweep(this.db, s.firstRuleError, cutoff, (from, to) => s.deleteRuleErrors.run(from, to, cutoff).changes);
      case 'suppressions':
        return new SeqSweep(this.db, s.firstSuppression, cutoff, (from, to) => s.deleteSuppressions.run(from, to, cutoff).changes);
      case 'goalEvents':
        return new TimeSweep(this.db, s.deleteGoalEvents, cutoff);
    }
  }

  /**
   * The WAL starts over only when a checkpoint has copied all of it and no commit came in between: deletes in a
   * steady stream would prevent that, and the file would grow with every step. Past about 64 MiB retention waits,
   * leaving the pauses between ingest commits in which the checkpoint completes and the log starts over (the
   * checkpoint thread forces it at 128 MiB when writes never pause). The length is read from the WAL-index
   * header in the -shm file, whose layout SQLite documents (walformat.html): mxFrame, the last valid frame, at
   * byte 16 (native byte order).
   */
  backlogged(): boolean {
    let fd: number | undefined;
    try {
      fd = openSync(this.#shm, 'r');
      if (readSync(fd, this.#header, 0, 20, 0) < 20) return false;
    } catch {
      return false; // no WAL index yet: nothing written
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
    const frames = endianness() === 'LE' ? this.#header.readUInt32LE(16) : this.#header.readUInt32BE(16);
    return frames > WAL_WAIT_FRAMES;
  }

  excessFreePages(): number {
    if (this.db.pragma('auto_vacuum', { simple: true }) !== 2) return 0;
    const pages = this.db.pragma('page_count', { simple: true }) as number;
    const free = this.db.pragma('freelist_count', { simple: true }) as number;
    return Math.max(0, free - Math.ceil(pages * FREE_RESERVE));
  }

  reclaim(pages: number): number {
    if (pages <= 0) return 0;
    return writeTransaction(this.db, () => {
      const before = this.db.pragma('freelist_count', { simple: true }) as number;
      this.db.exec(`PRAGMA incremental_vacuum(${Math.floor(pages)})`);
      return before - (this.db.pragma('freelist_count', { simple: true }) as number);
    });
  }
}
