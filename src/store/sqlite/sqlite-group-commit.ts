// Group commit for the SQLite log: appends that arrive while the writer is busy share one transaction and
// one fsync. better-sqlite3 is synchronous, so the queue is flushed on the next turn of the event loop.
import type { AppendStatus, Cursor, EncodedEvent, EventLog, PositionedEvent } from '../contracts.ts';
import type { SqliteEventLog } from './sqlite-event-log.ts';

interface Pending {
  readonly events: readonly EncodedEvent[];
  readonly resolve: (result: AppendStatus[]) => void;
  readonly reject: (error: Error) => void;
}

export class SqliteGroupCommitLog implements EventLog {
  readonly partitions: number;
  #queue: Pending[] = [];
  #scheduled = false;

  constructor(
    private readonly log: SqliteEventLog,
    private readonly afterCommit: (summary: { requests: number; events: number }) => void = () => undefined,
  ) {
    this.partitions = log.partitions;
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
      setImmediate(() => this.flush());
    });
  }

  /** Commits everything queued now (also on stop, so that no acknowledged request is left behind). */
  flush(): void {
    this.#scheduled = false;
    const batch = this.#queue;
    this.#queue = [];
    if (!batch.length) return;
    let results: AppendStatus[];
    try {
      results = this.log.appendSync(batch.length === 1 ? batch[0].events : batch.flatMap((p) => p.events));
    } catch (error) {
      for (const p of batch) p.reject(error as Error);
      return;
    }
    let offset = 0;
    for (const p of batch) {
      p.resolve(results.slice(offset, offset + p.events.length));
      offset += p.events.length;
    }
    this.afterCommit({ requests: batch.length, events: offset });
  }

  read(partition: number, after: Cursor | null, limit: number): Promise<PositionedEvent[]> {
    return this.log.read(partition, after, limit);
  }

  lag(partition: number, after: Cursor | null) {
    return this.log.lag(partition, after);
  }
}
