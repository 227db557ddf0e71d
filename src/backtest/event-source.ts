// What a backtest reads from the event log: a contract, so that another backend (PostgreSQL) can serve it.
// Every read is a short one (a chunk), never a transaction held over the whole backtest: a long read would
// keep the log's old pages (SQLite: the WAL) from being recycled while ingest goes on.
import type { LoggedEvent } from '../engine/event.ts';

/** An event as a backtest reads it: properties parsed only when some rule of the set can use them. */
export type ScannedEvent = LoggedEvent;

export interface BacktestEventSource {
  /** Arrival time of the oldest stored event, or null when the log is empty (retention may have deleted older ones). */
  oldestArrival(): number | null;
  /** The position of the newest event now: a backtest reads no further, whatever arrives meanwhile. */
  head(): number;
  /**
   * A position from which reading in log order meets every event that arrived at or after `time` (events are
   * logged in arrival order, up to the moments between stamping and committing; the source allows for them).
   */
  positionBefore(time: number): number;
  /**
   * The events at positions in `(after, upTo]`, in log order, of the types in `types` (null: all); only their
   * properties are parsed. The caller keeps each span small (a chunk).
   */
  span(after: number, upTo: number, types: readonly string[] | null): ScannedEvent[];
  /** The `identify` events at positions in `(after, upTo]`: the profiles a backtest starts from. */
  identifies(after: number, upTo: number, limit: number): ScannedEvent[];
  close(): void;
}
