// Writes the subject timeline (an LSM-like index of the log by subject) on the pipeline thread, off the
// ingest path: it reads (seq, subject) of the events appended since it last looked, buffers them in memory
// by subject hash, and every `flushEvents` events (or `flushMs`, or at a change of UTC day) writes them as
// one sorted *run*: rows (run, subject hash) → packed seqs, inserted in key order, so each insert appends to
// the B-tree instead of dirtying a random page (the per-subject index did, for a third of ingest).
// In the background, runs are merged: `fanIn` runs of one level and day into one of the next level, and a
// finished day's runs into one daily run; a reader does one point read per run. Merges and drops go in
// small transactions, yielding to the event loop between them. Runs whose events retention deleted go.
// After a crash the buffer is rebuilt by reading the log from the last flushed seq (kept in `meta`); a
// merge that was building is dropped and made again.
import { openDatabase, setDurability, type SqliteDatabase } from './sqlite-database.ts';
import { packSeqs, subjectHash, unpackSeqs } from './subject-timeline-codec.ts';

export const INDEXED_SEQ_KEY = 'subject_timeline_seq';
/** The level of a whole day's run. */
export const DAY_LEVEL = 99;
const DAY_MS = 86_400_000;

export interface SubjectTimelineOptions {
  /** Events buffered before a run is written; also the most a reader scans of the log's unindexed tail. */
  readonly flushEvents: number;
  /** A non-empty buffer is written at least this often. */
  readonly flushMs: number;
  /** Runs of one level merged into one of the next. */
  readonly fanIn: number;
  /** Log rows read per step (the thread yields between steps). */
  readonly readRows: number;
  /** Rows a merge or a drop writes per transaction. */
  readonly stepRows: number;
}

export const DEFAULT_SUBJECT_TIMELINE: SubjectTimelineOptions = { flushEvents: 8192, flushMs: 30_000, fanIn: 8, readRows: 4096, stepRows: 4096 };

interface RunRow { run: number; level: number; day: number; from_seq: number; to_seq: number; state: string }

/** One source of a merge: its rows in hash order, read a batch at a time. */
class RunCursor {
  #rows: { subject_hash: number; seqs: Buffer }[] = [];
  #at = 0;
  #after = -1;
  #done = false;

  constructor(readonly run: number, private readonly read: (run: number, after: number) => { subject_hash: number; seqs: Buffer }[]) {}

  head(): { subject_hash: number; seqs: Buffer } | undefined {
    if (this.#at >= this.#rows.length && !this.#done) {
      this.#rows = this.read(this.run, this.#after);
      this.#at = 0;
      if (!this.#rows.length) this.#done = true;
    }
    return this.#rows[this.#at];
  }

  next(): void {
    this.#after = this.#rows[this.#at].subject_hash;
    this.#at++;
  }
}

/** A merge in progress: sources in seq order (oldest first), written into a run in state `building`. */
interface Merge {
  readonly run: number;
  readonly sources: readonly RunCursor[];
  readonly sourceRuns: readonly number[];
}

export class SubjectTimelineIndexer {
  readonly #s;
  readonly #buffer = new Map<number, number[]>();
  #buffered = 0;
  #bufferDay = -1;
  #bufferFrom = 0;
  #bufferSince = 0;
  /** The newest seq read from the log (buffered or written). */
  #read: number;
  #merge: Merge | undefined;
  #scheduled = false;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #lastRetentionCheck = 0;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly options: SubjectTimelineOptions = DEFAULT_SUBJECT_TIMELINE,
    private readonly now: () => number = Date.now,
    private readonly onError: (error: Error) => void = () => undefined,
  ) {
    const p = (sql: string) => db.prepare(sql);
    this.#s = {
      indexed: p(`SELECT CAST(value AS INTEGER) FROM meta WHERE key = '${INDEXED_SEQ_KEY}'`).pluck(),
      setIndexed: p(`INSERT INTO meta (key, value) VALUES ('${INDEXED_SEQ_KEY}', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`),
      newEvents: p('SELECT seq, subject, received_at FROM events WHERE seq > ? ORDER BY seq LIMIT ?').raw(),
      oldestEvent: p('SELECT seq FROM events ORDER BY seq LIMIT 1').pluck(),
      nextRun: p('SELECT COALESCE(MAX(run), 0) + 1 FROM subject_timeline_runs').pluck(),
      addRun: p('INSERT INTO subject_timeline_runs (run, level, day, from_seq, to_seq, state) VALUES (?, ?, ?, ?, ?, ?)'),
      setState: p('UPDATE subject_timeline_runs SET state = ? WHERE run = ?'),
      runs: p("SELECT * FROM subject_timeline_runs WHERE state = 'live' ORDER BY from_seq"),
      dropping: p("SELECT run FROM subject_timeline_runs WHERE state = 'dropping' LIMIT 1").pluck(),
      expired: p("SELECT run FROM subject_timeline_runs WHERE state = 'live' AND to_seq < ?").pluck(),
      building: p("UPDATE subject_timeline_runs SET state = 'dropping' WHERE state = 'building'"),
      deleteRun: p('DELETE FROM subject_timeline_runs WHERE run = ?'),
      addRow: p('INSERT INTO subject_timeline (run, subject_hash, seqs) VALUES (?, ?, ?)'),
      rowsAfter: p('SELECT subject_hash, seqs FROM subject_timeline WHERE run = ? AND subject_hash > ? ORDER BY subject_hash LIMIT ?'),
      lastRowKey: p('SELECT subject_hash FROM subject_timeline WHERE run = ? ORDER BY subject_hash LIMIT 1 OFFSET ?').pluck(),
      deleteRowsUpTo: p('DELETE FROM subject_timeline WHERE run = ? AND subject_hash <= ?'),
      deleteRows: p('DELETE FROM subject_timeline WHERE run = ?'),
    };
    // A merge that a crash interrupted: its rows are garbage, its sources still live.
    this.#s.building.run();
    this.#read = this.indexedSeq();
  }

  /** The newest seq written into a run: a reader scans the log after it. */
  indexedSeq(): number {
    return (this.#s.indexed.get() as number | undefined) ?? 0;
  }

  /** Runs live now, oldest first (for tests and the status of the layout). */
  liveRuns(): RunRow[] {
    return this.#s.runs.all() as RunRow[];
  }

  start(): void {
    this.wake();
  }

  /** New events were committed (or time passed): look at the log on the next turn of the event loop. */
  wake(): void {
    if (this.#scheduled || this.#stopped) return;
    this.#scheduled = true;
    setImmediate(() => this.#tick());
  }

  /** Writes what is buffered (a graceful stop: the next start reads nothing again). */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    try {
      this.#flush();
    } catch (error) {
      this.onError(error as Error);
    }
  }

  /** Reads the whole unindexed log, writes it (all of it, unless told to keep the last buffer) and finishes all merges: tests and the read benchmark. */
  drain(flushLast = true): void {
    while (this.#catchUp(this.options.readRows)) { /* reading */ }
    if (flushLast) this.#flush();
    while (this.#maintain()) { /* merging, dropping */ }
  }

  #tick(): void {
    this.#scheduled = false;
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    let more = false;
    try {
      more = this.#catchUp(this.options.readRows);
      if (this.#buffered && this.now() - this.#bufferSince >= this.options.flushMs) this.#flush();
      if (!more) more = this.#maintain();
    } catch (error) {
      this.onError(error as Error);
    }
    if (more) this.wake();
    else this.#timer = setTimeout(() => this.wake(), Math.min(this.options.flushMs, 60_000)).unref();
  }

  /** Reads up to `limit` new events into the buffer, writing runs as it fills; true when it stopped at the limit. */
  #catchUp(limit: number): boolean {
    const rows = this.#s.newEvents.all(this.#read, limit) as [number, string, number][];
    for (const [seq, subject, receivedAt] of rows) {
      const day = Math.floor(receivedAt / DAY_MS);
      if (this.#buffered && (day !== this.#bufferDay || this.#buffered >= this.options.flushEvents)) this.#flush();
      if (!this.#buffered) { this.#bufferDay = day; this.#bufferFrom = seq; this.#bufferSince = this.now(); }
      const hash = subjectHash(subject);
      const seqs = this.#buffer.get(hash);
      if (seqs) seqs.push(seq);
      else this.#buffer.set(hash, [seq]);
      this.#buffered++;
      this.#read = seq;
    }
    if (this.#buffered >= this.options.flushEvents) this.#flush();
    return rows.length === limit;
  }

  /** One transaction: the buffer as a level-0 run, in key order, and the new indexed position. */
  #flush(): void {
    if (!this.#buffered) return;
    const hashes = [...this.#buffer.keys()].sort((a, b) => a - b);
    this.db.transaction(() => {
      const run = this.#s.nextRun.get() as number;
      this.#s.addRun.run(run, 0, this.#bufferDay, this.#bufferFrom, this.#read, 'live');
      for (const hash of hashes) this.#s.addRow.run(run, hash, packSeqs(this.#buffer.get(hash)!));
      this.#s.setIndexed.run(String(this.#read));
    }).immediate();
    this.#buffer.clear();
    this.#buffered = 0;
  }

  /** One step of background work (a merge step, a drop step); false when there is none. */
  #maintain(): boolean {
    if (this.#merge) return this.#mergeStep(this.#merge), true;
    if (this.now() - this.#lastRetentionCheck > 60_000) {
      this.#lastRetentionCheck = this.now();
      this.#expire();
    }
    const dropping = this.#s.dropping.get() as number | undefined;
    if (dropping !== undefined) return this.#dropStep(dropping), true;
    const merge = this.#nextMerge();
    if (!merge) return false;
    this.#merge = merge;
    return true;
  }

  /** Runs wholly before the oldest event left (retention deleted them) are dropped. */
  #expire(): void {
    const oldest = this.#s.oldestEvent.get() as number | undefined;
    const before = oldest ?? this.#read + 1;
    const expired = this.#s.expired.all(before) as number[];
    if (expired.length) this.db.transaction(() => { for (const run of expired) this.#s.setState.run('dropping', run); }).immediate();
  }

  /** The next merge: `fanIn` runs of one level and day, else all the runs of a day that is over. */
  #nextMerge(): Merge | undefined {
    const runs = this.liveRuns();
    if (runs.length < 2) return undefined;
    const newestDay = runs[runs.length - 1].day;
    const byDay = new Map<number, RunRow[]>();
    for (const r of runs) {
      const list = byDay.get(r.day);
      if (list) list.push(r);
      else byDay.set(r.day, [r]);
    }
    for (const [day, list] of byDay) {
      if (day < newestDay && list.length > 1) return this.#startMerge(list, DAY_LEVEL, day);
      const byLevel = new Map<number, RunRow[]>();
      for (const r of list) {
        const same = byLevel.get(r.level);
        if (same) same.push(r);
        else byLevel.set(r.level, [r]);
      }
      for (const [level, same] of byLevel) {
        if (level < DAY_LEVEL && same.length >= this.options.fanIn) return this.#startMerge(same.slice(0, this.options.fanIn), level + 1, day);
      }
    }
    return undefined;
  }

  #startMerge(sources: readonly RunRow[], level: number, day: number): Merge {
    const run = this.#s.nextRun.get() as number;
    const from = Math.min(...sources.map((r) => r.from_seq));
    const to = Math.max(...sources.map((r) => r.to_seq));
    this.#s.addRun.run(run, level, day, from, to, 'building');
    const read = (source: number, after: number) => this.#s.rowsAfter.all(source, after, 512) as { subject_hash: number; seqs: Buffer }[];
    return { run, sources: sources.map((r) => new RunCursor(r.run, read)), sourceRuns: sources.map((r) => r.run) };
  }

  /**
   * Writes up to `stepRows` merged rows in one transaction; the last step makes the new run live and its
   * sources `dropping` at once, so a reader sees either the sources or the merged run, never both or neither.
   */
  #mergeStep(merge: Merge): void {
    const oldest = (this.#s.oldestEvent.get() as number | undefined) ?? 0;
    this.db.transaction(() => {
      for (let written = 0; written < this.options.stepRows;) {
        let min: number | undefined;
        for (const source of merge.sources) {
          const head = source.head();
          if (head && (min === undefined || head.subject_hash < min)) min = head.subject_hash;
        }
        if (min === undefined) {
          this.#s.setState.run('live', merge.run);
          for (const run of merge.sourceRuns) this.#s.setState.run('dropping', run);
          this.#merge = undefined;
          return;
        }
        // Sources are in seq order, so their lists concatenate in order; seqs retention deleted are left out.
        const seqs: number[] = [];
        for (const source of merge.sources) {
          const head = source.head();
          if (head?.subject_hash !== min) continue;
          unpackSeqs(head.seqs, seqs);
          source.next();
        }
        const kept = seqs[0] >= oldest ? seqs : seqs.filter((s) => s >= oldest);
        if (kept.length) { this.#s.addRow.run(merge.run, min, packSeqs(kept)); written++; }
      }
    }).immediate();
  }

  /** Deletes up to `stepRows` rows of a run being dropped; its last step removes the run. */
  #dropStep(run: number): void {
    this.db.transaction(() => {
      const last = this.#s.lastRowKey.get(run, this.options.stepRows - 1) as number | undefined;
      if (last === undefined) {
        this.#s.deleteRows.run(run);
        this.#s.deleteRun.run(run);
      } else {
        this.#s.deleteRowsUpTo.run(run, last);
      }
    }).immediate();
  }
}

/**
 * The indexer on a connection of its own in the pipeline thread (the thread's other connection belongs to
 * the stores; both are used from one thread, so their write transactions never wait on each other).
 */
export function openSubjectTimelineIndexer(dbFile: string, onError: (error: Error) => void): { indexer: SubjectTimelineIndexer; close(): void } {
  const db = openDatabase(dbFile, { cacheMiB: 4, autoCheckpoint: false });
  // Rebuilt from the log after a crash: a commit need not wait for the disk.
  setDurability(db, 'crash-safe');
  const indexer = new SubjectTimelineIndexer(db, DEFAULT_SUBJECT_TIMELINE, Date.now, onError);
  return { indexer, close: () => { indexer.stop(); db.close(); } };
}
