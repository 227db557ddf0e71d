// The event log in SQLite: one row per event, `seq` is the log position, `id` is unique (idempotent ingest).
import type { LoggedEvent } from '../../engine/event.ts';
import type { AppendStatus, EncodedEvent, EventLog } from '../contracts.ts';
import { setDurability, writeTransaction, type Durability, type SqliteDatabase } from './sqlite-database.ts';

interface EventRow {
  seq: number; id: string; type: string; subject: string; time: number; received_at: number;
  properties: string; causation_id: string | null; depth: number;
}

export function rowToEvent(row: EventRow): LoggedEvent {
  const event: { -readonly [K in keyof LoggedEvent]: LoggedEvent[K] } = {
    seq: row.seq, id: row.id, type: row.type, subject: row.subject, time: row.time,
    receivedAt: row.received_at, properties: JSON.parse(row.properties), depth: row.depth,
  };
  if (row.causation_id) event.causationId = row.causation_id;
  return event;
}

export class SqliteEventLog implements EventLog {
  readonly #insert;
  readonly #readAfter;
  readonly #head;
  readonly #oldest;

  constructor(private readonly db: SqliteDatabase, private readonly defaultDurability: Durability = 'durable') {
    this.#insert = db.prepare(
      'INSERT OR IGNORE INTO events (id, type, subject, time, received_at, properties, causation_id, depth) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.#readAfter = db.prepare('SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?');
    this.#head = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'events'").pluck();
    this.#oldest = db.prepare('SELECT received_at FROM events WHERE seq > ? ORDER BY seq LIMIT 1').pluck();
  }

  /** Inserts without a transaction of its own: for callers that commit it together with other writes. */
  insertMany(events: readonly EncodedEvent[]): AppendStatus[] {
    return events.map((e) =>
      this.#insert.run(e.id, e.type, e.subject, e.time, e.receivedAt, e.properties, e.causationId ?? null, e.depth).changes ? 'accepted' : 'duplicate',
    );
  }

  async append(events: readonly EncodedEvent[]): Promise<AppendStatus[]> {
    return this.appendSync(events);
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

  async readAfter(position: number, limit: number): Promise<LoggedEvent[]> {
    return this.readAfterSync(position, limit);
  }

  readAfterSync(position: number, limit: number): LoggedEvent[] {
    return (this.#readAfter.all(position, limit) as EventRow[]).map(rowToEvent);
  }

  async lag(position: number): Promise<{ head: number; oldestUnprocessedAt: number | null }> {
    const head = (this.#head.get() as number | undefined) ?? 0;
    const oldest = head > position ? ((this.#oldest.get(position) as number | undefined) ?? null) : null;
    return { head, oldestUnprocessedAt: oldest };
  }
}
