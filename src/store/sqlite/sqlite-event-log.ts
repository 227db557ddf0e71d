// The event log in SQLite: one partition; `seq` is the position (the cursor is its decimal text). Ingest
// dedupe is a bounded window of recent ids (recent-ids.ts), not a unique index over all history.
import type { AppendStatus, Cursor, EncodedEvent, EventLog, PositionedEvent } from '../contracts.ts';
import { setDurability, writeTransaction, type Durability, type SqliteDatabase } from './sqlite-database.ts';
import { DEFAULT_DEDUPE, RecentIds, type RecentIdsOptions } from './recent-ids.ts';

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
  readonly #rowAt;
  readonly #readAfter;
  readonly #readBetween;
  readonly #head;
  readonly #oldest;
  readonly #recent: RecentIds;
  readonly #after;
  /** The newest seq the window has seen: rows after it were appended by another connection to the file. */
  #known = 0;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly defaultDurability: Durability = 'durable',
    dedupe: RecentIdsOptions = DEFAULT_DEDUPE,
  ) {
    this.#insert = db.prepare('INSERT INTO events (id, type, subject, time, received_at, properties, causation_id, depth) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    this.#rowAt = db.prepare('SELECT id, received_at FROM events WHERE seq = ?').raw();
    this.#readAfter = db.prepare('SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?');
    this.#readBetween = db.prepare('SELECT * FROM events WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?');
    this.#head = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'events'").pluck();
    this.#oldest = db.prepare('SELECT received_at FROM events WHERE seq > ? ORDER BY seq LIMIT 1').pluck();
    this.#after = db.prepare('SELECT seq, id, received_at FROM events WHERE seq > ? AND received_at >= ? ORDER BY seq').raw();
    this.#recent = new RecentIds(dedupe, (seq) => this.#rowAt.get(seq) as [string, number] | undefined);
    this.#rebuild(dedupe);
  }

  /**
   * The window is derived from the log: the ids of the last `maxIds` events that arrived within `windowMs`
   * of the newest one. The log's own arrival times are the clock, so a server that was down for a day
   * still recognises what was sent just before it stopped.
   */
  #rebuild({ windowMs, maxIds }: RecentIdsOptions): void {
    const head = this.headSync();
    const newestAt = (this.db.prepare('SELECT received_at FROM events WHERE seq <= ? ORDER BY seq DESC LIMIT 1').pluck().get(head) as number | undefined) ?? 0;
    this.#catchUp(Math.max(0, head - maxIds), newestAt - windowMs);
  }

  /** Adds the rows after `from` (stored by this connection earlier, or by another one) to the window. */
  #catchUp(from = this.#known, arrivedSince = -Infinity): void {
    this.#known = Math.max(this.#known, from);
    for (const [seq, id, at] of this.#after.iterate(from, arrivedSince) as Iterable<[number, string, number]>) {
      this.#recent.add(id, seq, at);
      this.#known = seq;
    }
  }

  /** Ids in the dedupe window now, and the bytes their tables take. */
  dedupeWindow(): { ids: number; bytes: number } {
    return { ids: this.#recent.size, bytes: this.#recent.bytes };
  }

  /** The stored event with this id, if it was accepted within the dedupe window. */
  findSync(id: string): PositionedEvent | undefined {
    const seq = this.#recent.seqOf(id);
    if (seq === undefined) return undefined;
    const row = this.db.prepare('SELECT * FROM events WHERE seq = ?').get(seq) as EventRow | undefined;
    return row && rowToEvent(row);
  }

  async find(id: string): Promise<PositionedEvent | undefined> {
    return this.findSync(id);
  }

  partitionOf(_subject: string): number {
    return 0;
  }

  /**
   * Inserts inside the caller's transaction and returns what to remember once it commits: the window
   * learns an id only after its row is committed, so a rolled-back batch leaves nothing behind.
   */
  #insertMany(events: readonly EncodedEvent[]): { statuses: AppendStatus[]; added: [string, number, number][] } {
    const added: [string, number, number][] = [];
    // The same id twice in one batch: the second is a duplicate of the first.
    const inBatch = events.length > 1 ? new Set<string>() : undefined;
    // Inside the write transaction: nobody else can append until it ends.
    this.#catchUp();
    const statuses = events.map((e): AppendStatus => {
      if (inBatch?.has(e.id) || this.#recent.seqOf(e.id, e.receivedAt) !== undefined) return 'duplicate';
      inBatch?.add(e.id);
      const seq = Number(this.#insert.run(e.id, e.type, e.subject, e.time, e.receivedAt, e.properties, e.causationId ?? null, e.depth).lastInsertRowid);
      added.push([e.id, seq, e.receivedAt]);
      return 'accepted';
    });
    return { statuses, added };
  }

  #remember(added: readonly [string, number, number][]): void {
    for (const [id, seq, at] of added) this.#recent.add(id, seq, at);
    if (added.length) this.#known = Math.max(this.#known, added[added.length - 1][1]);
  }

  async append(events: readonly EncodedEvent[]): Promise<AppendStatus[]> {
    return this.appendSync(events);
  }

  /**
   * One transaction at the connection's durability, not fsync'd here: for a caller that makes it durable
   * itself before acknowledging (SqliteGroupCommitLog with WalSync).
   */
  insertCommitted(events: readonly EncodedEvent[]): { statuses: AppendStatus[]; head: number } {
    const { statuses, added, head } = writeTransaction(this.db, () => ({ ...this.#insertMany(events), head: this.headSync() }));
    this.#remember(added);
    return { statuses, head };
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
      const { statuses, added } = writeTransaction(this.db, () => this.#insertMany(events));
      this.#remember(added);
      return statuses;
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
