// The backtest's reads of the SQLite event log, on a read-only connection of its own (in the backtest thread).
// Each span is one statement, hence one short read transaction: a backtest never pins the WAL while ingest
// and retention go on. Rows come back as arrays (no per-row objects) and only the rows of the types the
// rules can match, by the (type, seq) index when the planner finds it cheaper; properties are parsed per row.
import Database from 'better-sqlite3';
import type { LoggedEvent } from '../engine/event.ts';
import type { BacktestEventSource } from './event-source.ts';

/** How far an event's arrival stamp may precede the arrival of an event logged before it (stamped, then committed). */
const ARRIVAL_SLACK_MS = 60_000;

type Row = [seq: number, id: string, type: string, subject: string, time: number, receivedAt: number, properties: string, causationId: string | null, depth: number];

const COLUMNS = 'seq, id, type, subject, time, received_at, properties, causation_id, depth';

export class SqliteBacktestSource implements BacktestEventSource {
  readonly #db: Database.Database;
  readonly #oldest;
  readonly #head;
  readonly #atOrAfter;
  readonly #all;
  readonly #typed;
  readonly #identifies;

  constructor(dbFile: string) {
    this.#db = new Database(dbFile, { readonly: true, fileMustExist: true });
    this.#db.pragma('busy_timeout = 10000');
    this.#db.pragma('cache_size = -32768');
    this.#oldest = this.#db.prepare('SELECT received_at FROM events ORDER BY seq LIMIT 1').pluck();
    this.#head = this.#db.prepare('SELECT MAX(seq) FROM events').pluck();
    this.#atOrAfter = this.#db.prepare('SELECT seq, received_at FROM events WHERE seq >= ? ORDER BY seq LIMIT 1').raw();
    this.#all = this.#db.prepare(`SELECT ${COLUMNS} FROM events WHERE seq > ? AND seq <= ? ORDER BY seq`).raw();
    this.#typed = this.#db.prepare(`SELECT ${COLUMNS} FROM events WHERE seq > ? AND seq <= ? AND type IN (SELECT value FROM json_each(?)) ORDER BY seq`).raw();
    this.#identifies = this.#db.prepare(`SELECT ${COLUMNS} FROM events WHERE type = 'identify' AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?`).raw();
  }

  oldestArrival(): number | null {
    return (this.#oldest.get() as number | undefined) ?? null;
  }

  head(): number {
    return (this.#head.get() as number | null) ?? 0;
  }

  positionBefore(time: number): number {
    // Binary search over positions for the first event that arrived at or after `time - slack`: O(log n) seeks.
    const target = time - ARRIVAL_SLACK_MS;
    let low = 0;
    let high = this.head();
    while (low < high) {
      const middle = Math.floor((low + high) / 2);
      const row = this.#atOrAfter.get(middle + 1) as [number, number] | undefined;
      if (!row) { high = middle; continue; }
      if (row[1] >= target) high = middle;
      else low = Math.max(middle + 1, row[0]);
    }
    return low;
  }

  span(after: number, upTo: number, types: readonly string[] | null): LoggedEvent[] {
    const rows = (types === null ? this.#all.all(after, upTo) : this.#typed.all(after, upTo, JSON.stringify(types))) as Row[];
    return rows.map(toEvent);
  }

  identifies(after: number, upTo: number, limit: number): LoggedEvent[] {
    return (this.#identifies.all(after, upTo, limit) as Row[]).map(toEvent);
  }

  close(): void {
    this.#db.close();
  }
}

function toEvent(row: Row): LoggedEvent {
  const event: { -readonly [K in keyof LoggedEvent]: LoggedEvent[K] } = {
    seq: row[0], id: row[1], type: row[2], subject: row[3], time: row[4], receivedAt: row[5], properties: JSON.parse(row[6]), depth: row[8],
  };
  if (row[7]) event.causationId = row[7];
  return event;
}
