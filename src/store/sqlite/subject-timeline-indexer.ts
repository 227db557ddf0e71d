// Writes the subject timeline (an LSM-like index of the log by subject) on the pipeline thread, off the
// ingest path. It sees the events the processor reads anyway (`observe`, through `tap`), so the log is not
// read a second time; it reads the log itself only to fill a gap (at start: from the last flushed seq, which
// is how the buffer lost in a crash is rebuilt). Events are buffered in memory by subject hash, and every
// `flushEvents` events (or `flushMs`, or at a change of UTC day) written as one sorted *run*: blocks of 64
// subjects, rows (run, first hash) → block, inserted in key order, so a run of 8,192 events is ~130 appended
// rows instead of 8,192 random index entries (the per-subject index cost a third of ingest).
// In the background, runs are merged: `fanIn` runs of one level and day into one of the next level, and a
// finished day's runs into one daily run, in small transactions with the thread yielding between them; a
// reader does one seek per run. Runs whose events retention deleted are dropped.
import type { Cursor, EventLog, PositionedEvent } from '../contracts.ts';
import { openDatabase, setDurability, type SqliteDatabase } from './sqlite-database.ts';
import { BlockReader, BlockWriter, unpackSeqs, type Block } from './subject-timeline-codec.ts';
import { subjectHash } from './subject-timeline-codec.ts';

export const INDEXED_SEQ_KEY = 'subject_timeline_seq';
/** The level of a whole day's run. */
export const DAY_LEVEL = 99;
const DAY_MS = 86_400_000;
/** A buffer spans fewer seqs than this (2^23): its keys, hash * SEQ_SPAN + offset, stay exact below 2^53. */
const SEQ_SPAN = 8_388_608;

export interface SubjectTimelineOptions {
  /** Events buffered before a run is written; also the most a reader scans of the log's unindexed tail. */
  readonly flushEvents: number;
  /** A non-empty buffer is written at least this often. */
  readonly flushMs: number;
  /** Runs of one level merged into one of the next. */
  readonly fanIn: number;
  /** Log rows read per step when filling a gap (the thread yields between steps). */
  readonly readRows: number;
  /** Blocks a merge or a drop writes per transaction. */
  readonly stepBlocks: number;
}

export const DEFAULT_SUBJECT_TIMELINE: SubjectTimelineOptions = { flushEvents: 8192, flushMs: 30_000, fanIn: 16, readRows: 4096, stepBlocks: 64 };

/** Background work rests this many times as long as its last step took, so ingest commits and batches come first. */
const REST_FACTOR = 2;

export interface RunRow { run: number; level: number; day: number; from_seq: number; to_seq: number; state: string }

/** One source of a merge: its entries in hash order, read a few blocks at a time. */
class RunCursor {
  #blocks: Block[] = [];
  #reader: BlockReader | undefined;
  #after = -1;
  #done = false;
  /** The current entry; undefined when the run is exhausted. */
  current: BlockReader | undefined;

  constructor(private readonly run: number, private readonly read: (run: number, after: number) => Block[]) {
    this.next();
  }

  next(): void {
    for (;;) {
      if (this.#reader?.next()) { this.current = this.#reader; return; }
      if (!this.#blocks.length && !this.#done) {
        this.#blocks = this.read(this.run, this.#after);
        if (!this.#blocks.length) this.#done = true;
      }
      const block = this.#blocks.shift();
      if (!block) { this.current = undefined; return; }
      this.#after = block.firstHash;
      this.#reader = new BlockReader(block.bytes, block.firstHash);
    }
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
  /**
   * The buffer: one number per event, `hash * 2^23 + (seq - bufferFrom)`, so that a native sort orders it by
   * subject then seq, with no object per subject (nothing for the garbage collector).
   */
  #buffer: Float64Array;
  #buffered = 0;
  #bufferDay = -1;
  #bufferFrom = 0;
  #bufferSince = 0;
  /** The newest seq seen (buffered or written): the next one observed must follow it. */
  #read: number;
  /** Events were missed (at start, or the processor's reads jumped): the indexer reads the log itself until caught up. */
  #behind = true;
  #merge: Merge | undefined;
  #scheduled = false;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #lastRetentionCheck = -Infinity;

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
      addBlock: p('INSERT INTO subject_timeline (run, first_hash, block) VALUES (?, ?, ?)'),
      blocksAfter: p('SELECT first_hash, block FROM subject_timeline WHERE run = ? AND first_hash > ? ORDER BY first_hash LIMIT 8').raw(),
      nthKey: p('SELECT first_hash FROM subject_timeline WHERE run = ? ORDER BY first_hash LIMIT 1 OFFSET ?').pluck(),
      deleteBlocksUpTo: p('DELETE FROM subject_timeline WHERE run = ? AND first_hash <= ?'),
      deleteBlocks: p('DELETE FROM subject_timeline WHERE run = ?'),
    };
    this.#buffer = new Float64Array(options.flushEvents);
    // A merge that a crash interrupted: its blocks are garbage, its sources still live.
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

  /** The log as the processor reads it, with every batch read shown to the indexer on the way. */
  tap<L extends Pick<EventLog, 'read'>>(log: L): L {
    const read = async (partition: number, after: Cursor | null, limit: number): Promise<PositionedEvent[]> => {
      const events = await log.read(partition, after, limit);
      this.observe(events);
      return events;
    };
    // Everything else is the log's own, called on the log itself (its private fields).
    return new Proxy(log, {
      get(target, property) {
        if (property === 'read') return read;
        const value = Reflect.get(target, property, target) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  }

  /** Events read from the log, in order: buffered when they follow what was seen; a jump makes the indexer read the log itself. */
  observe(events: readonly { readonly seq: number; readonly subject: string; readonly receivedAt: number }[]): void {
    if (this.#behind || this.#stopped) return;
    for (const e of events) {
      if (e.seq <= this.#read) continue; // read again (a batch retried) or read by the indexer already
      if (e.seq !== this.#read + 1) { this.#behind = true; this.wake(); return; }
      this.#add(e.seq, e.subject, e.receivedAt);
    }
    if (this.#buffered >= this.options.flushEvents) this.wake();
  }

  start(): void {
    this.wake();
  }

  /** Something to do (a flush, a gap to fill, background work): on the next turn of the event loop. */
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

  /** Reads the whole unindexed log, writes it (all of it, unless told to keep the last buffer) and finishes all merges: tests and benchmarks. */
  drain(flushLast = true): void {
    this.#behind = true;
    while (this.#catchUp()) { /* reading */ }
    if (flushLast) this.#flush();
    this.settle();
  }

  /** Finishes the background work (merges, drops) now: tests and benchmarks. */
  settle(): void {
    while (this.#maintain()) { /* merging, dropping */ }
  }

  #tick(): void {
    this.#scheduled = false;
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    const started = performance.now();
    let more = false;
    try {
      if (this.#behind) more = this.#catchUp();
      if (this.#buffered >= this.options.flushEvents || (this.#buffered && this.now() - this.#bufferSince >= this.options.flushMs)) this.#flush();
      if (!more) more = this.#maintain();
    } catch (error) {
      this.onError(error as Error);
    }
    const rest = (performance.now() - started) * REST_FACTOR;
    if (more) this.#timer = setTimeout(() => this.wake(), rest >= 1 ? rest : 0);
    else this.#timer = setTimeout(() => this.wake(), Math.min(this.options.flushMs, 60_000)).unref();
  }

  /** Reads up to `readRows` events after the newest seen into the buffer; true when there may be more. */
  #catchUp(): boolean {
    const rows = this.#s.newEvents.all(this.#read, this.options.readRows) as [number, string, number][];
    for (const [seq, subject, receivedAt] of rows) this.#add(seq, subject, receivedAt);
    if (this.#buffered >= this.options.flushEvents) this.#flush();
    if (rows.length < this.options.readRows) this.#behind = false; // caught up: the processor's reads take over
    return this.#behind;
  }

  #add(seq: number, subject: string, receivedAt: number): void {
    const day = Math.floor(receivedAt / DAY_MS);
    if (this.#buffered && (day !== this.#bufferDay || this.#buffered >= this.#buffer.length || seq - this.#bufferFrom >= SEQ_SPAN)) this.#flush();
    if (!this.#buffered) { this.#bufferDay = day; this.#bufferFrom = seq; this.#bufferSince = this.now(); }
    this.#buffer[this.#buffered++] = subjectHash(subject) * SEQ_SPAN + (seq - this.#bufferFrom);
    this.#read = seq;
  }

  /** One transaction: the buffer as a level-0 run, its blocks in key order, and the new indexed position. */
  #flush(): void {
    if (!this.#buffered) return;
    const keys = this.#buffer.subarray(0, this.#buffered).sort();
    const from = this.#bufferFrom;
    this.db.transaction(() => {
      const run = this.#s.nextRun.get() as number;
      this.#s.addRun.run(run, 0, this.#bufferDay, from, this.#read, 'live');
      const writer = new BlockWriter((block) => this.#s.addBlock.run(run, block.firstHash, block.bytes));
      const seqs: number[] = [];
      let hash = Math.floor(keys[0] / SEQ_SPAN);
      for (const key of keys) {
        const h = Math.floor(key / SEQ_SPAN);
        if (h !== hash) { writer.add(hash, seqs); seqs.length = 0; hash = h; }
        seqs.push(from + (key - h * SEQ_SPAN));
      }
      writer.add(hash, seqs);
      writer.finish();
      this.#s.setIndexed.run(String(this.#read));
    }).immediate();
    this.#buffered = 0;
  }

  /** One step of background work (a merge step, a drop step); false when there is none. */
  #maintain(): boolean {
    if (this.#merge) return this.#mergeStep(this.#merge), true;
    if (this.now() - this.#lastRetentionCheck >= 60_000) {
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
    const expired = this.#s.expired.all(oldest ?? this.#read + 1) as number[];
    if (expired.length) this.db.transaction(() => { for (const run of expired) this.#s.setState.run('dropping', run); }).immediate();
  }

  /** The next merge: all the runs of a day that is over, else `fanIn` runs of one level and day. */
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
    const read = (source: number, after: number) => (this.#s.blocksAfter.all(source, after) as [number, Buffer][]).map(([firstHash, bytes]) => ({ firstHash, bytes }));
    return { run, sources: sources.map((r) => new RunCursor(r.run, read)), sourceRuns: sources.map((r) => r.run) };
  }

  /**
   * Writes up to `stepBlocks` merged blocks in one transaction; the last step makes the new run live and its
   * sources `dropping` at once, so a reader sees either the sources or the merged run, never both or neither.
   */
  #mergeStep(merge: Merge): void {
    const oldest = (this.#s.oldestEvent.get() as number | undefined) ?? 0;
    this.db.transaction(() => {
      let blocks = 0;
      const writer = new BlockWriter((block) => { this.#s.addBlock.run(merge.run, block.firstHash, block.bytes); blocks++; });
      while (blocks < this.options.stepBlocks) {
        let min: number | undefined;
        for (const source of merge.sources) {
          const entry = source.current;
          if (entry && (min === undefined || entry.hash < min)) min = entry.hash;
        }
        if (min === undefined) {
          writer.finish();
          this.#s.setState.run('live', merge.run);
          for (const run of merge.sourceRuns) this.#s.setState.run('dropping', run);
          this.#merge = undefined;
          return;
        }
        // Sources are in seq order, so their lists concatenate in order: copied as bytes, unless retention took some.
        const lists: Uint8Array[] = [];
        let first: BlockReader | undefined;
        for (const source of merge.sources) {
          if (source.current?.hash !== min) continue;
          first ??= source.current;
          if (first === source.current && first.firstSeq() < oldest) {
            // Some of these are gone: decode what is left of every list.
            const seqs: number[] = [];
            for (const s of merge.sources) {
              if (s.current?.hash !== min) continue;
              unpackSeqs(s.current.seqs(), seqs);
              s.next();
            }
            const kept = seqs.filter((seq) => seq >= oldest);
            if (kept.length) writer.add(min, kept);
            lists.length = 0;
            break;
          }
          lists.push(source.current.seqs());
          source.next();
        }
        if (lists.length) writer.addConcatenated(min, lists);
      }
      // A block ends exactly at the step's end (64 entries each), so nothing is pending here.
      writer.finish();
    }).immediate();
  }

  /** Deletes up to `stepBlocks` blocks of a run being dropped; its last step removes the run. */
  #dropStep(run: number): void {
    this.db.transaction(() => {
      const last = this.#s.nthKey.get(run, this.options.stepBlocks - 1) as number | undefined;
      if (last === undefined) {
        this.#s.deleteBlocks.run(run);
        this.#s.deleteRun.run(run);
      } else {
        this.#s.deleteBlocksUpTo.run(run, last);
      }
    }).immediate();
  }
}

export interface SubjectTimelineHandle {
  /** The log as the processor should read it: each batch read is shown to the indexer. */
  tap<L extends Pick<EventLog, 'read'>>(log: L): L;
  start(): void;
  /** Writes the buffer and closes the connection. */
  close(): void;
}

/**
 * The indexer on a connection of its own in the pipeline thread (the thread's other connection belongs to
 * the stores; both are used from one thread, so their write transactions never wait on each other).
 * IFTHEN_SUBJECT_TIMELINE=off turns it off: nothing is indexed, and reading a subject's events scans the log
 * (as before the timeline existed); the runs written so far are ignored past the last indexed seq.
 */
export function openSubjectTimelineIndexer(dbFile: string, enabled: boolean, onError: (error: Error) => void): SubjectTimelineHandle {
  if (!enabled) return { tap: (log) => log, start: () => undefined, close: () => undefined };
  const db = openDatabase(dbFile, { cacheMiB: 4, autoCheckpoint: false });
  // Rebuilt from the log after a crash: a commit need not wait for the disk.
  setDurability(db, 'crash-safe');
  const indexer = new SubjectTimelineIndexer(db, DEFAULT_SUBJECT_TIMELINE, Date.now, onError);
  return { tap: (log) => indexer.tap(log), start: () => indexer.start(), close: () => { indexer.stop(); db.close(); } };
}
