// The subject timeline across kill -9: a server with a run written and more events only in the indexer's
// memory is killed; after the restart a subject's events are all listed, and the lost buffer is rebuilt
// from the log (after a graceful stop every event is in exactly one run).
import { it } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { freePort, startChildServer, stopChild, tempDir, ADMIN_TOKEN, type ChildServer } from '../support/server.ts';
import { until } from '../support/until.ts';
import { indexedSeqs } from './timeline-support.ts';

const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
const TOTAL = 10_000; // more than one flush (8,192 events), the rest buffered when the kill comes

it('survives kill -9 with events only in the buffer: listed after restart, indexed again from the last flushed seq', { timeout: 180_000 }, async () => {
  const dir = tempDir('ifthen-timeline-crash-');
  const port = await freePort();
  let server: ChildServer | undefined;
  const file = join(dir.path, 'ifthen.db');
  const sql = <T>(fn: (db: Database.Database) => T): T => {
    const db = new Database(file, { readonly: true });
    try { return fn(db); } finally { db.close(); }
  };
  const subjectEvents = async (subject: string) => {
    const ids: string[] = [];
    let cursor = '';
    for (;;) {
      const r: Response = await fetch(`${server!.url}/v1/events?subject=${subject}&limit=500${cursor ? `&cursor=${cursor}` : ''}`, { headers: admin });
      const page = await r.json() as { items: { id: string }[]; next?: string };
      ids.push(...page.items.map((e) => e.id));
      if (!page.next) return ids;
      cursor = page.next;
    }
  };
  try {
    server = await startChildServer(dir.path, port);
    for (let n = 0; n < TOTAL; n += 500) {
      const batch = Array.from({ length: 500 }, (_, i) => ({ id: `c-${n + i}`, type: 'tick', subject: (n + i) % 100 === 0 ? 'target' : `s${(n + i) % 997}` }));
      const r: Response = await fetch(`${server.url}/v1/events`, { method: 'POST', headers: admin, body: JSON.stringify(batch) });
      assert.equal(r.status, 200);
    }
    // One run written (8,192 events); the rest only in memory.
    const indexed = await until(async () => {
      const seq = sql((db) => db.prepare("SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'subject_timeline_seq'").pluck().get() as number | undefined);
      return seq && seq >= 8192 ? seq : undefined;
    }, 30_000);
    assert.ok(indexed < TOTAL, `indexed ${indexed}`);
    await stopChild(server, 0); // kill -9

    server = await startChildServer(dir.path, port);
    const expected = Array.from({ length: TOTAL / 100 }, (_, i) => `c-${TOTAL - 100 - i * 100}`);
    assert.deepEqual(await subjectEvents('target'), expected);
    assert.equal(await stopChild(server, 10_000), 0); // graceful: the indexer writes its buffer

    const runs = sql(indexedSeqs);
    assert.equal(runs.length, TOTAL, 'every event in a run');
    assert.equal(new Set(runs).size, TOTAL, 'none twice');
    assert.equal(sql((db) => db.prepare("SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'subject_timeline_seq'").pluck().get()), TOTAL);

    server = await startChildServer(dir.path, port);
    assert.deepEqual(await subjectEvents('target'), expected, 'read from the runs alone');
  } finally {
    if (server) await stopChild(server, 0);
    dir.remove();
  }
});
