// The event log in SQLite: one partition; `seq` is the position (the cursor is its decimal text) and `id`
// is unique, so a repeated event id is a duplicate at any age.
import type { AppendStatus, Cursor, EncodedEvent, EventLog, PositionedEvent } from '../contracts.ts';
import { setDurability, writeTransaction, type Durability, type SqliteDatabase } from './sqlite-database.ts';

export interface EventRow {
  seq: number; id: string; type: string; subject: string; time: number; received_at: number;
  properties: string; causation_id: string | null; depth: number;
}

export function rowToEvent(row: EventRow): PositionedEvent {
  const event: { -readonly [K in keyof PositionedEvent]: PositionedEvent[K] } = {
    seq: row.seq, cursor: String(row.seq), id: row.id, type: row.type, subject: row.subject, time: row.time,
    receivedAt: row.received_at, properties: JSON.parse(row.properties), depth: row.depth,
  };
  if (row.causation_id) event.causationId = row.causation_id;
  return event;
}

/** The SQLite cursor: the seq of the last event read, as text. */
export function seqOf(cursor: Cursor | null): number {
  if (cursor === null) return 0;
  const seq = Number(cursor);
  if (!Number.isSafeInteger(seq) || seq < 0) throw new Error(`not a cursor of this log: "${cursor}"`);
  return seq;
}

export class SqliteEventLog implements EventLog {
  readonly partitions = 1;
  readonly #insert;
  readonly #exists;
  readonly #readAfter;
  readonly #readBetween;
  readonly #head;
  readonly #oldest;

  constructor(private readonly db: SqliteDatabase, private readonly defaultDurability: Durability = 'durable') {
    this.#insert = db.prepare(
      'INSERT OR IGNORE INTO events (id, type, subject, time, received_at, properties, causation_id, depth) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.#exists = db.prepare('SELECT 1 FROM events WHERE id = ?').pluck();
    this.#readAfter = db.prepare('SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?');
    this.#readBetween = db.prepare('SELECT * FROM events WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?');
    this.#head = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'events'").pluck();
    this.#oldest = db.prepare('SELECT received_at FROM events WHERE seq > ? ORDER BY seq LIMIT 1').pluck();
  }

  partitionOf(_subject: string): number {
    return 0;
  }

  /** Inserts without a transaction of its own: for callers that commit it together with other writes. */
  insertMany(events: readonly EncodedEvent[]): AppendStatus[] {
    // Looked up first: an INSERT that the unique id ignores still uses up a seq, and `lag` counts seqs.
    return events.map((e) =>
      !this.#exists.get(e.id) && this.#insert.run(e.id, e.type, e.subject, e.time, e.receivedAt, e.properties, e.causationId ?? null, e.depth).changes ? 'accepted' : 'duplicate',
    );
  }

  async append(events: readonly EncodedEvent[]): Promise<AppendStatus[]> {
    return this.appendSync(events);
  }

  /**
   * One transaction at the connection's durability, not fsync'd here: for a caller that makes it durable
   * itself before acknowledging (SqliteGroupCommitLog with WalSync).
   */
  insertCommitted(events: readonly EncodedEvent[]): { statuses: AppendStatus[]; head: number } {
    return writeTransaction(this.db, () => ({ statuses: this.insertMany(events), head: this.headSync() }));
  }

  /** The position of the newest event. */
  headSync(): number {
    return (this.#head.get() as number | undefined) ?? 0;
  }

  /** Events after `after` up to `upTo` (the durable end of the log), in order. */
  readUpTo(after: Cursor | null, upTo: number, limit: number): PositionedEvent[] {
    return (this.#readBetween.all(seqOf(after), upTo, limit) as EventRow[]).map(rowToEvent);
  }

  /** One transaction, one fsync, for every event given: the caller groups concurrent requests into one call. */
  appendSync(events: readonly EncodedEvent[]): AppendStatus[] {
    // An acknowledged event must survive power loss: this commit is fsync'd whatever the connection's default.
    setDurability(this.db, 'durable');
    try {
      return writeTransaction(this.db, () => this.insertMany(events));
    } finally {
      setDurability(this.db, this.defaultDurability);
    }
  }

  async read(_partition: number, after: Cursor | null, limit: number): Promise<PositionedEvent[]> {
    return this.readSync(after, limit);
  }

  readSync(after: Cursor | null, limit: number): PositionedEvent[] {
    return (this.#readAfter.all(seqOf(after), limit) as EventRow[]).map(rowToEvent);
  }

  async lag(_partition: number, after: Cursor | null): Promise<{ events: number; oldestUnprocessedAt: number | null }> {
    const seq = seqOf(after);
    const head = (this.#head.get() as number | undefined) ?? 0;
    const oldest = head > seq ? ((this.#oldest.get(seq) as number | undefined) ?? null) : null;
    return { events: Math.max(0, head - seq), oldestUnprocessedAt: oldest };
  }
}
