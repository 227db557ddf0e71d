// How fast a subject's timeline is read with 1,000,000 events in the log: fills a fresh SQLite file (events of
// 100,000 subjects over 3 days, one subject with 50 events spread over them), indexes it as the pipeline thread
// would (runs, merges, daily runs), then times reads of that subject (newest 50, and paging all of it) against
// the scan that GET /v1/events?subject= did before. Also: how long indexing took, per event.
//   node --import tsx scripts/subject-timeline-read.ts [--events 1000000]
import { join } from 'node:path';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { parseArgs } from 'node:util';
import { openDatabase } from '../src/store/sqlite/sqlite-database.ts';
import { SubjectTimelineIndexer, DEFAULT_SUBJECT_TIMELINE } from '../src/store/sqlite/subject-timeline-indexer.ts';
import { SqliteSubjectTimeline } from '../src/store/sqlite/sqlite-subject-timeline.ts';

const { values } = parseArgs({ options: { events: { type: 'string', default: '1000000' } } });
const TOTAL = Number(values.events);
const dir = mkdtempSync(join(tmpdir(), 'ifthen-timeline-read-'));
const db = openDatabase(join(dir, 'ifthen.db'), { cacheMiB: 8 });
// As the indexer's connection in the pipeline thread: crash-safe commits (rebuilt from the log after a crash).
db.pragma('synchronous = NORMAL');
try {
  const start = Date.UTC(2026, 10, 1);
  const span = 3 * 86_400_000;
  const every = Math.floor(TOTAL / 50);
  const insert = db.prepare("INSERT INTO events (id, type, subject, time, received_at, properties, depth) VALUES (?, 'page_viewed', ?, ?, ?, ?, 0)");
  const props = JSON.stringify({ path: '/products/123', referrer: 'https://example.com/some/where', total: 42 });
  const indexer = new SubjectTimelineIndexer(db, DEFAULT_SUBJECT_TIMELINE);
  indexer.drain(); // nothing to read yet: from now on it follows what it is shown
  let t = performance.now();
  // In transactions of 1,000 events, for a figure to compare the indexing cost with.
  for (let from = 0; from < TOTAL; from += 1000) {
    db.transaction(() => {
      for (let n = from; n < Math.min(TOTAL, from + 1000); n++) {
        const at = start + Math.floor((n / TOTAL) * span);
        insert.run(`e-${n}`, n % every === every - 1 ? 'target' : `u${(n * 7919) % 100_000}`, at, at, props);
      }
    })();
  }
  console.log(`filled ${TOTAL.toLocaleString('en')} events in ${((performance.now() - t) / 1000).toFixed(1)} s (${(((performance.now() - t) * 1000) / TOTAL).toFixed(2)} µs per event inserted) (${(statSync(join(dir, 'ifthen.db')).size / 2 ** 20).toFixed(0)} MiB + WAL)`);

  // As on the pipeline thread: the events the processor reads are shown to the indexer (observe), which
  // buffers them and writes a run every 8,192; merges run in between (here: after every flush).
  const read = db.prepare('SELECT seq, subject, received_at AS receivedAt FROM events WHERE seq > ? ORDER BY seq LIMIT 1000');
  let observeMs = 0;
  let mergeMs = 0;
  for (let seq = 0; seq < TOTAL;) {
    const batch = read.all(seq) as { seq: number; subject: string; receivedAt: number }[]; // the processor's read, not counted
    const s = performance.now();
    indexer.observe(batch);
    const m = performance.now();
    observeMs += m - s;
    seq = batch[batch.length - 1].seq;
    if (seq % 8192 < 1000) { const d = performance.now(); indexer.settle(); mergeMs += performance.now() - d; }
  }
  const d = performance.now();
  indexer.drain(); // the last buffer
  mergeMs += performance.now() - d;
  const runs = indexer.liveRuns();
  console.log(`indexing: observe + flush ${((observeMs * 1000) / TOTAL).toFixed(2)} µs per event; merges and drops ${((mergeMs * 1000) / TOTAL).toFixed(2)} µs per event; live runs: ${runs.length} (${runs.map((r) => `day ${r.day} level ${r.level}`).join(', ')})`);

  const reader = new SqliteSubjectTimeline(db);
  const time = (label: string, runsOf: number, fn: () => unknown) => {
    fn(); // warm
    const times: number[] = [];
    for (let i = 0; i < runsOf; i++) { const s = performance.now(); fn(); times.push(performance.now() - s); }
    times.sort((a, b) => a - b);
    console.log(`${label}: median ${times[Math.floor(times.length / 2)].toFixed(3)} ms, max ${times[times.length - 1].toFixed(3)} ms (${runsOf} reads)`);
  };
  const first = reader.events({ subject: 'target', limit: 50 });
  console.log(`target: ${first.items.length} events, ${first.cost.runs} runs looked up, ${first.cost.tailRows} tail rows`);
  time('timeline, newest 50 of the subject', 50, () => reader.events({ subject: 'target', limit: 50 }));
  time('timeline, newest 10', 50, () => reader.events({ subject: 'target', limit: 10 }));
  time('timeline, a subject with no events', 50, () => reader.events({ subject: 'nobody', limit: 50 }));
  time('before: scan of the log (SELECT … WHERE subject = ? ORDER BY seq DESC LIMIT 51)', 3, () => db.prepare("SELECT * FROM events WHERE subject = 'target' ORDER BY seq DESC LIMIT 51").all());
} finally {
  db.close();
  rmSync(dir, { recursive: true, force: true });
}
