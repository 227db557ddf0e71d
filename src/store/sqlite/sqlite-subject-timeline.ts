// Reads a subject's events, newest first, without scanning the log: one seek per run of the subject
// timeline (to the block that would hold the subject) (subject-timeline-indexer.ts writes them) and a scan of only the log's unindexed tail (at most
// about one flush of events), then each event by its seq. All in one read transaction, so a merge that
// commits meanwhile is seen entirely or not at all.
import type { SqliteDatabase } from './sqlite-database.ts';
import { rowToEvent, type EventRow } from './sqlite-event-log.ts';
import type { PositionedEvent } from '../contracts.ts';
import type { Page } from '../history.ts';
import { INDEXED_SEQ_KEY } from './subject-timeline-indexer.ts';
import { findInBlock, subjectHash, unpackSeqs } from './subject-timeline-codec.ts';

export interface SubjectTimelineQuery {
  readonly subject: string;
  readonly type?: string;
  /** Only events before this seq (the `next` of the previous page). */
  readonly before?: number;
  readonly limit: number;
}

/** What a read cost: runs looked up and log rows after the indexed position it had to scan. */
export interface SubjectTimelineCost {
  readonly runs: number;
  readonly tailRows: number;
}

export class SqliteSubjectTimeline {
  readonly #s;

  constructor(private readonly db: SqliteDatabase) {
    const p = (sql: string) => db.prepare(sql);
    this.#s = {
      indexed: p(`SELECT CAST(value AS INTEGER) FROM meta WHERE key = '${INDEXED_SEQ_KEY}'`).pluck(),
      head: p("SELECT seq FROM sqlite_sequence WHERE name = 'events'").pluck(),
      runs: p("SELECT run, from_seq FROM subject_timeline_runs WHERE state = 'live' ORDER BY to_seq DESC"),
      block: p('SELECT first_hash, block FROM subject_timeline WHERE run = ? AND first_hash <= ? ORDER BY first_hash DESC LIMIT 1').raw(),
      tail: p('SELECT * FROM events WHERE seq > ? AND seq < ? AND subject = ? ORDER BY seq DESC LIMIT ?'),
      tailOfType: p('SELECT * FROM events WHERE seq > ? AND seq < ? AND subject = ? AND type = ? ORDER BY seq DESC LIMIT ?'),
      event: p('SELECT * FROM events WHERE seq = ?'),
    };
  }

  /** One page of the subject's events, newest first. */
  events(query: SubjectTimelineQuery): Page<PositionedEvent> & { cost: SubjectTimelineCost } {
    return this.db.transaction(() => this.#read(query))();
  }

  #read(query: SubjectTimelineQuery): Page<PositionedEvent> & { cost: SubjectTimelineCost } {
    const s = this.#s;
    const want = query.limit + 1;
    const before = query.before ?? Number.MAX_SAFE_INTEGER;
    const indexed = (s.indexed.get() as number | undefined) ?? 0;
    const head = (s.head.get() as number | undefined) ?? 0;
    const found: EventRow[] = [];
    if (before > indexed + 1) {
      const tail = query.type === undefined ? s.tail.all(indexed, before, query.subject, want) : s.tailOfType.all(indexed, before, query.subject, query.type, want);
      found.push(...(tail as EventRow[]));
    }
    const hash = subjectHash(query.subject);
    let runs = 0;
    for (const run of s.runs.all() as { run: number; from_seq: number }[]) {
      if (found.length >= want) break;
      if (run.from_seq >= before) continue;
      runs++;
      const block = s.block.get(run.run, hash) as [number, Buffer] | undefined;
      const packed = block && findInBlock({ firstHash: block[0], bytes: block[1] }, hash);
      if (!packed) continue;
      const seqs = unpackSeqs(packed);
      for (let i = seqs.length - 1; i >= 0 && found.length < want; i--) {
        if (seqs[i] >= before || seqs[i] > indexed) continue;
        const row = s.event.get(seqs[i]) as EventRow | undefined;
        // Gone (retention), another subject with the same hash, or another type.
        if (!row || row.subject !== query.subject || (query.type !== undefined && row.type !== query.type)) continue;
        found.push(row);
      }
    }
    const items = found.slice(0, query.limit).map(rowToEvent);
    const cost = { runs, tailRows: Math.max(0, Math.min(head, before - 1) - indexed) };
    return found.length > query.limit ? { items, next: String(items[items.length - 1].seq), cost } : { items, cost };
  }
}
