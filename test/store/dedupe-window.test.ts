// The ingest dedupe window: exact at its boundary (time and count), the same answers as a plain list of
// every stored event, memory that follows the window, and a window rebuilt from the log after a restart.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { RecentIds } from '../../src/store/sqlite/recent-ids.ts';
import { openDatabase } from '../../src/store/sqlite/sqlite-database.ts';
import { SqliteEventLog } from '../../src/store/sqlite/sqlite-event-log.ts';
import type { EncodedEvent } from '../../src/store/contracts.ts';

const T = 1_800_000_000_000;
const event = (id: string, receivedAt: number): EncodedEvent => ({ id, type: 'tick', subject: 's', time: receivedAt, receivedAt, properties: '{}', depth: 0 });

function withLog(dedupe: { windowMs: number; maxIds: number }, body: (open: () => SqliteEventLog) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'ifthen-dedupe-'));
  const dbs: { close(): void }[] = [];
  try {
    body(() => {
      const db = openDatabase(join(dir, 'ifthen.db'));
      dbs.push(db);
      return new SqliteEventLog(db, 'crash-safe', dedupe);
    });
  } finally {
    for (const db of dbs) db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('time boundary: an id that arrived exactly windowMs before is a duplicate; a millisecond later it is new', () => {
  withLog({ windowMs: 60_000, maxIds: 1_000_000 }, (open) => {
    const log = open();
    assert.deepEqual(log.appendSync([event('a', T), event('b', T)]), ['accepted', 'accepted']);
    assert.deepEqual(log.appendSync([event('filler-1', T + 30_000)]), ['accepted']);
    assert.deepEqual(log.appendSync([event('a', T + 60_000)]), ['duplicate'], 'inside: arrived 60 000 ms before');
    assert.deepEqual(log.appendSync([event('b', T + 60_001)]), ['accepted'], 'outside: arrived 60 001 ms before');
    assert.deepEqual(log.appendSync([event('b', T + 60_002)]), ['duplicate'], 'and the new one is remembered from now on');
    assert.equal(log.findSync('a'), undefined, 'out of the window, it is not found by id either');
    assert.equal(log.findSync('b')?.receivedAt, T + 60_001);
  });
});

test('count boundary: an id with maxIds - 1 events after it is a duplicate; with maxIds it is new', () => {
  withLog({ windowMs: 86_400_000, maxIds: 100 }, (open) => {
    const log = open();
    log.appendSync([event('first', T), event('second', T)]);
    log.appendSync(Array.from({ length: 98 }, (_, i) => event(`f-${i}`, T)));
    // 'first' has 99 events after it, 'second' 98.
    assert.deepEqual(log.appendSync([event('first', T)]), ['duplicate']);
    // The duplicate stored nothing; one more event puts 'first' 100 behind, 'second' 99.
    log.appendSync([event('f-98', T)]);
    assert.deepEqual(log.appendSync([event('second', T), event('first', T)]), ['duplicate', 'accepted']);
  });
});

test('after a restart the window is rebuilt from the log, by the arrival times stored, not the wall clock', () => {
  withLog({ windowMs: 60_000, maxIds: 1000 }, (open) => {
    const before = open();
    before.appendSync([event('old', T - 61_000), event('kept', T - 59_000), event('newest', T)]);
    const after = open(); // T is years away from the wall clock: it still counts from the newest arrival
    assert.deepEqual(after.appendSync([event('kept', T), event('newest', T), event('old', T)]), ['duplicate', 'duplicate', 'accepted']);
    assert.equal(after.findSync('kept')?.receivedAt, T - 59_000);
  });
});

test('two connections to one file see each other\'s ids (the window catches up inside the write transaction)', () => {
  withLog({ windowMs: 60_000, maxIds: 1000 }, (open) => {
    const one = open();
    const two = open();
    assert.deepEqual(one.appendSync([event('x', T)]), ['accepted']);
    assert.deepEqual(two.appendSync([event('x', T)]), ['duplicate']);
    assert.deepEqual(two.appendSync([event('y', T)]), ['accepted']);
    assert.deepEqual(one.appendSync([event('y', T)]), ['duplicate']);
  });
});

test('a batch that rolls back leaves no id behind: sent again, it is accepted', () => {
  withLog({ windowMs: 60_000, maxIds: 1000 }, (open) => {
    const log = open();
    const poisoned = { ...event('z', T), properties: null as unknown as string }; // NOT NULL fails inside the transaction
    assert.throws(() => log.appendSync([event('rolled-back', T), poisoned]));
    assert.deepEqual(log.appendSync([event('rolled-back', T)]), ['accepted']);
  });
});

test('property: answers exactly as a reference list of every stored event, with exact boundaries', () => {
  fc.assert(fc.property(
    fc.integer({ min: 1, max: 50 }),
    fc.integer({ min: 1, max: 5000 }),
    fc.array(fc.record({ id: fc.integer({ min: 0, max: 60 }), gap: fc.integer({ min: 0, max: 400 }) }), { minLength: 1, maxLength: 400 }),
    (maxIds, windowMs, sends) => {
      const rows: { id: string; at: number }[] = [{ id: '', at: 0 }]; // seq 0 unused
      const recent = new RecentIds({ windowMs, maxIds }, (seq) => (rows[seq] ? [rows[seq].id, rows[seq].at] : undefined));
      let now = T;
      for (const send of sends) {
        now += send.gap;
        const id = `id-${send.id}`;
        const head = rows.length - 1;
        // Reference: a duplicate iff an earlier row has this id, arrived within windowMs, fewer than maxIds after it.
        const expected = rows.some((r, seq) => seq > 0 && r.id === id && r.at >= now - windowMs && head - seq < maxIds);
        const found = recent.seqOf(id, now) !== undefined;
        assert.equal(found, expected, `${id} at ${now - T}`);
        if (!found) {
          rows.push({ id, at: now });
          recent.add(id, rows.length - 1, now);
        }
      }
    },
  ), { numRuns: 300 });
});

test('memory follows the window: generations are dropped as ids leave it', () => {
  const rows: string[] = [''];
  const recent = new RecentIds({ windowMs: 1000, maxIds: 50_000 }, (seq) => [rows[seq], 0]);
  for (let i = 1; i <= 400_000; i++) {
    rows.push(`e-${i}`);
    recent.add(`e-${i}`, i, T + i); // a millisecond apart: 1 000 ids per window by time
  }
  assert.ok(recent.size >= 1000 && recent.size < 20_000, `remembers ${recent.size} ids`);
  assert.ok(recent.bytes < 1_000_000, `${recent.bytes} bytes`);
});
