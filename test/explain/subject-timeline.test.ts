// The subject timeline on a real SQLite file: a subject's events read without scanning the log (point reads
// per run, a bounded tail), the same answer as a scan, runs merged by level and by day, rebuilt after a crash
// (buffer lost, merge interrupted), runs dropped once retention deleted their events.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openDatabase, type SqliteDatabase } from '../../src/store/sqlite/sqlite-database.ts';
import { SubjectTimelineIndexer, DAY_LEVEL, type SubjectTimelineOptions } from '../../src/store/sqlite/subject-timeline-indexer.ts';
import { SqliteSubjectTimeline } from '../../src/store/sqlite/sqlite-subject-timeline.ts';
import { BlockWriter, blockEntries, packSeqs, unpackSeqs, type Block } from '../../src/store/sqlite/subject-timeline-codec.ts';
import { tempDir } from '../support/server.ts';
import { indexedSeqs } from './timeline-support.ts';

const START = Date.UTC(2026, 10, 1, 12);
const SMALL: SubjectTimelineOptions = { flushEvents: 1000, flushMs: 60_000, fanIn: 4, readRows: 700, stepBlocks: 3 };

/** Appends `count` events: subject `u<i % subjects>`, except every `every`-th one, which is `target`'s. */
function fill(db: SqliteDatabase, count: number, opts: { subjects: number; target?: string; every?: number; from?: number; msEach?: number }): void {
  const insert = db.prepare("INSERT INTO events (id, type, subject, time, received_at, properties, depth) VALUES (?, ?, ?, ?, ?, '{}', 0)");
  const head = (db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'events'").pluck().get() as number | undefined) ?? 0;
  db.transaction(() => {
    for (let i = 0; i < count; i++) {
      const n = head + i;
      const subject = opts.target && opts.every && n % opts.every === 0 ? opts.target : `u${n % opts.subjects}`;
      const at = (opts.from ?? START) + i * (opts.msEach ?? 1);
      insert.run(`e${n}`, n % 3 === 0 ? 'viewed' : 'added', subject, at, at);
    }
  })();
}

const scan = (db: SqliteDatabase, subject: string) => db.prepare('SELECT seq FROM events WHERE subject = ? ORDER BY seq DESC').pluck().all(subject) as number[];
const pages = (reader: SqliteSubjectTimeline, subject: string, limit: number, type?: string) => {
  const seqs: number[] = [];
  let before: number | undefined;
  for (;;) {
    const page = reader.events({ subject, type, before, limit });
    seqs.push(...page.items.map((e) => e.seq));
    if (!page.next) return seqs;
    before = Number(page.next);
  }
};

function withDb<T>(fn: (db: SqliteDatabase, file: string) => T): T {
  const dir = tempDir('ifthen-timeline-');
  const file = join(dir.path, 'ifthen.db');
  const db = openDatabase(file);
  try {
    return fn(db, file);
  } finally {
    db.close();
    dir.remove();
  }
}

describe('subject timeline', () => {
  it('packs seqs as delta varints, and entries into blocks of 64 subjects, and back', () => {
    const seqs = [1, 2, 130, 20_000, 2 ** 40, 2 ** 52 + 7];
    assert.deepEqual(unpackSeqs(packSeqs(seqs)), seqs);
    assert.equal(packSeqs([5, 6, 7]).length, 3);
    const blocks: Block[] = [];
    const writer = new BlockWriter((b) => blocks.push(b));
    const hashes = Array.from({ length: 150 }, (_, i) => i * 1_000_003 + (i % 7));
    for (const h of hashes) writer.add(h, [h % 1000 + 1, h % 1000 + 5]);
    writer.finish();
    assert.deepEqual(blocks.map((b) => b.firstHash), [hashes[0], hashes[64], hashes[128]]);
    const back = blocks.flatMap((b) => [...blockEntries(b)].map((e) => [e.hash, unpackSeqs(e.seqs)]));
    assert.deepEqual(back, hashes.map((h) => [h, [h % 1000 + 1, h % 1000 + 5]]));
  });

  it('reads one subject of a 200k-event log with point reads, not a scan, and pages it like the log', () => {
    withDb((db) => {
      fill(db, 200_000, { subjects: 50_000, target: 'alice', every: 4000 });
      const indexer = new SubjectTimelineIndexer(db, { ...SMALL, flushEvents: 8192, fanIn: 8 });
      indexer.drain();
      fill(db, 300, { subjects: 100, target: 'alice', every: 100, from: START + 200_000 }); // an unindexed tail
      const reader = new SqliteSubjectTimeline(db);

      const expected = scan(db, 'alice');
      assert.equal(expected.length, 53);
      const first = reader.events({ subject: 'alice', limit: 50 });
      assert.deepEqual(first.items.map((e) => e.seq), expected.slice(0, 50));
      assert.ok(first.items.every((e) => e.subject === 'alice'));
      assert.ok(first.cost.tailRows <= 300, `tail ${first.cost.tailRows}`);
      assert.ok(first.cost.runs <= 30, `runs ${first.cost.runs}`);
      assert.deepEqual(pages(reader, 'alice', 7), expected);
      assert.deepEqual(pages(reader, 'alice', 5, 'viewed'), db.prepare("SELECT seq FROM events WHERE subject = 'alice' AND type = 'viewed' ORDER BY seq DESC").pluck().all());
      assert.deepEqual(pages(reader, 'u17', 10), scan(db, 'u17'));
      assert.deepEqual(reader.events({ subject: 'nobody', limit: 10 }).items, []);

      // Every statement of a read is a keyed search: none walks the events table.
      for (const sql of [
        'SELECT first_hash, block FROM subject_timeline WHERE run = 1 AND first_hash <= 2 ORDER BY first_hash DESC LIMIT 1',
        'SELECT * FROM events WHERE seq = 5',
        "SELECT * FROM events WHERE seq > 199000 AND seq < 9999999 AND subject = 'alice' ORDER BY seq DESC LIMIT 51",
      ]) {
        const plan = (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail).join('; ');
        assert.match(plan, /^SEARCH /, `${sql}: ${plan}`);
      }

      // And it is faster than the scan it replaces (the best of 7 each: the machine is shared).
      const time = (fn: () => unknown) => Math.min(...Array.from({ length: 7 }, () => { const t = performance.now(); fn(); return performance.now() - t; }));
      const indexedMs = time(() => reader.events({ subject: 'alice', limit: 50 }));
      const scanMs = time(() => db.prepare("SELECT * FROM events WHERE subject = 'alice' ORDER BY seq DESC LIMIT 51").all());
      assert.ok(indexedMs * 3 < scanMs, `timeline ${indexedMs.toFixed(2)} ms, scan ${scanMs.toFixed(2)} ms`);
    });
  });

  it("follows the processor's reads: a batch read again is skipped, a jump makes it read the gap from the log itself", () => {
    withDb((db) => {
      fill(db, 4000, { subjects: 40 });
      const follower = new SubjectTimelineIndexer(db, SMALL);
      follower.drain(); // at start: reads the log itself; caught up, it follows what the processor reads
      assert.equal(indexedSeqs(db).length, 4000);
      fill(db, 1000, { subjects: 40 });
      const more = db.prepare('SELECT seq, subject, received_at AS receivedAt FROM events WHERE seq > 4000 ORDER BY seq').all() as { seq: number; subject: string; receivedAt: number }[];
      follower.observe(more.slice(0, 500));
      follower.observe(more.slice(400, 600)); // a batch retried: 400–499 again
      follower.observe(more.slice(800, 900)); // a jump: 600–799 were never shown
      follower.observe(more.slice(900)); // ignored while behind
      follower.drain(); // the indexer reads the log itself from 4,600
      const all = indexedSeqs(db);
      assert.equal(all.length, 5000);
      assert.equal(new Set(all).size, 5000);
      assert.deepEqual(pages(new SqliteSubjectTimeline(db), 'u7', 50), scan(db, 'u7'));
    });
  });

  it('merges runs by level and a finished day into one daily run, and answers the same throughout', () => {
    withDb((db) => {
      // Three days, 10 s apart: 8,640 events a day.
      fill(db, 3 * 8640, { subjects: 500, target: 'bo', every: 97, msEach: 10_000, from: Date.UTC(2026, 10, 1) });
      const indexer = new SubjectTimelineIndexer(db, SMALL);
      const reader = new SqliteSubjectTimeline(db);
      const expected = scan(db, 'bo');
      indexer.drain();
      const runs = indexer.liveRuns();
      const days = [...new Set(runs.map((r) => r.day))];
      assert.equal(days.length, 3);
      for (const day of days.slice(0, -1)) assert.deepEqual(runs.filter((r) => r.day === day).map((r) => r.level), [DAY_LEVEL]);
      assert.ok(runs.filter((r) => r.day === days[2]).length < SMALL.fanIn * 2, JSON.stringify(runs));
      assert.deepEqual(pages(reader, 'bo', 9), expected);
      assert.equal(db.prepare("SELECT COUNT(*) FROM subject_timeline_runs WHERE state <> 'live'").pluck().get(), 0);
    });
  });

  it('after a crash: the lost buffer is read again from the last flushed seq, an interrupted merge is dropped', () => {
    withDb((db, file) => {
      fill(db, 5000, { subjects: 50, target: 'cy', every: 10 });
      const crashed = new SubjectTimelineIndexer(db, { ...SMALL, flushEvents: 2000 });
      crashed.drain(false);
      const indexed = crashed.indexedSeq();
      assert.ok(indexed > 0 && indexed < 5000, `indexed ${indexed}`); // 1,000 buffered, never written
      // A merge left half-built by the crash.
      db.prepare("INSERT INTO subject_timeline_runs (run, level, day, from_seq, to_seq, state) VALUES (999, 1, 0, 1, 4000, 'building')").run();
      db.prepare('INSERT INTO subject_timeline (run, first_hash, block) VALUES (999, 1, ?)').run(packSeqs([1, 2]));

      const other = openDatabase(file); // the restarted process
      try {
        const restarted = new SubjectTimelineIndexer(other, { ...SMALL, flushEvents: 2000 });
        restarted.drain();
        restarted.stop();
        assert.equal(restarted.indexedSeq(), 5000);
        assert.equal(other.prepare('SELECT COUNT(*) FROM subject_timeline WHERE run = 999').pluck().get(), 0);
        assert.deepEqual(pages(new SqliteSubjectTimeline(other), 'cy', 20), scan(other, 'cy'));
        // Every event is in exactly one live run.
        const all = indexedSeqs(other);
        assert.equal(all.length, 5000);
        assert.equal(new Set(all).size, 5000);
      } finally {
        other.close();
      }
    });
  });

  it('drops runs whose events retention deleted, and leaves deleted seqs out of merges', () => {
    withDb((db) => {
      fill(db, 6000, { subjects: 30, target: 'di', every: 7 });
      let now = 0;
      const indexer = new SubjectTimelineIndexer(db, { ...SMALL, fanIn: 100 }, () => now);
      indexer.drain();
      assert.equal(indexer.liveRuns().length, 6);
      db.prepare('DELETE FROM events WHERE seq <= 3500').run();
      now = 120_000; // the next retention check
      indexer.drain();
      assert.deepEqual(indexer.liveRuns().map((r) => r.from_seq), [3001, 4001, 5001]);
      assert.equal(db.prepare('SELECT COUNT(*) FROM subject_timeline_runs').pluck().get(), 3);
      assert.deepEqual(pages(new SqliteSubjectTimeline(db), 'di', 50), scan(db, 'di'));
    });
  });
});
