// Group commit for the SQLite log: appends that arrive while the writer is busy share one transaction, and
// the transactions written while an fsync runs share the next one (WalSync, on the thread pool), so the
// writer thread never waits for the disk. better-sqlite3 is synchronous: the queue is flushed on the next
// turn of the event loop.
import type { AppendStatus, Cursor, EncodedEvent, EventLog, PositionedEvent } from '../contracts.ts';
import type { SqliteEventLog } from './sqlite-event-log.ts';
import type { WalSync } from './sqlite-wal-sync.ts';

interface Pending {
  readonly events: readonly EncodedEvent[];
  readonly resolve: (result: AppendStatus[]) => void;
  readonly reject: (error: Error) => void;
}

export class SqliteGroupCommitLog implements EventLog {
  readonly partitions: number;
  #queue: Pending[] = [];
  #scheduled = false;
  /** The newest event known to be on disk: the processor never reads past it (never acts on what a power cut could undo). */
  #durable: number;

  constructor(
    private readonly log: SqliteEventLog,
    private readonly wal: WalSync,
    private readonly afterCommit: (summary: { requests: number; events: number }) => void = () => undefined,
  ) {
    this.partitions = log.partitions;
    // What is in the file at start is treated as durable (a crash of the process loses nothing the OS holds).
    this.#durable = log.headSync();
  }

  partitionOf(subject: string): number {
    return this.log.partitionOf(subject);
  }

  append(events: readonly EncodedEvent[]): Promise<AppendStatus[]> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ events, resolve, reject });
      if (this.#scheduled) return;
      this.#scheduled = true;
      // setImmediate runs after the messages already waiting are delivered, so they join this commit.
      setImmediate(() => void this.flush());
    });
  }

  /** Commits everything queued now; resolves when it is durable and answered (stop waits for it). */
  flush(): Promise<void> {
    this.#scheduled = false;
    const batch = this.#queue;
    this.#queue = [];
    if (!batch.length) return this.wal.sync();
    let results: AppendStatus[];
    let head: number;
    try {
      // Written, not yet durable: nobody is told "stored", and the processor reads nothing of it, before the fsync.
      ({ statuses: results, head } = this.log.insertCommitted(batch.length === 1 ? batch[0].events : batch.flatMap((p) => p.events)));
    } catch (error) {
      for (const p of batch) p.reject(error as Error);
      return Promise.resolve();
    }
    return this.wal.sync().then(() => {
      this.#durable = Math.max(this.#durable, head);
      this.afterCommit({ requests: batch.length, events: results.length });
      let offset = 0;
      for (const p of batch) {
        p.resolve(results.slice(offset, offset + p.events.length));
        offset += p.events.length;
      }
    }, (error: Error) => {
      // The events are in the WAL but their durability is unknown: the client is told to send again (dedupe by id).
      for (const p of batch) p.reject(new Error(`the disk did not confirm the write: ${error.message}`));
    });
  }

  async read(_partition: number, after: Cursor | null, limit: number): Promise<PositionedEvent[]> {
    return this.log.readUpTo(after, this.#durable, limit);
  }

  /** Ids in the dedupe window and the bytes their tables take. */
  dedupeWindow(): { ids: number; bytes: number } {
    return this.log.dedupeWindow();
  }

  /** Only what is durable: an event is not "stored" before its fsync. */
  async find(id: string): Promise<PositionedEvent | undefined> {
    const event = this.log.findSync(id);
    return event && event.seq <= this.#durable ? event : undefined;
  }

  lag(partition: number, after: Cursor | null) {
    return this.log.lag(partition, after);
  }
}
