// EventLog: durable, idempotent by event id within its dedupe window, ordered per partition, read on from opaque cursors.
import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { T0, appendAndRead, backendTest, encoded, readAll, type OpenBackend } from './fixtures.ts';

export function describeEventLog(open: OpenBackend): void {
  const test = backendTest(open);

  describe('EventLog', () => {
    test('accepts new events and gives every field back as appended', async ({ log }) => {
      const event = encoded({ subject: 'u-fields', type: 'cart_updated', time: T0 - 5000, receivedAt: T0, properties: { total: 42, items: [{ sku: 'a' }], nested: { ok: true } }, causationId: 'ev-cause', depth: 2 });
      assert.deepEqual(await log.append([event]), ['accepted']);
      const [read] = await readAll(log, log.partitionOf('u-fields'));
      assert.equal(read.id, event.id);
      assert.equal(read.type, 'cart_updated');
      assert.equal(read.subject, 'u-fields');
      assert.equal(read.time, T0 - 5000);
      assert.equal(read.receivedAt, T0);
      assert.deepEqual(read.properties, { total: 42, items: [{ sku: 'a' }], nested: { ok: true } });
      assert.equal(read.causationId, 'ev-cause');
      assert.equal(read.depth, 2);
      assert.equal(typeof read.cursor, 'string');
    });

    test('treats a repeated event id within one call as a duplicate and keeps the first', async ({ log }) => {
      const first = encoded({ id: 'dup-1', properties: { n: 1 } });
      const again = { ...first, properties: JSON.stringify({ n: 2 }) };
      assert.deepEqual(await log.append([first, encoded({ id: 'other' }), again]), ['accepted', 'accepted', 'duplicate']);
      const events = await readAll(log, log.partitionOf(first.subject));
      assert.deepEqual(events.map((e) => e.id), ['dup-1', 'other']);
      assert.deepEqual(events[0].properties, { n: 1 });
    });

    test('treats a repeated event id in a later call within the dedupe window as a duplicate', async ({ log }) => {
      // Within every backend's window: an hour ago, 500 events ago.
      const hourAgo = T0 - 3_600_000;
      await log.append([encoded({ id: 'old-1', time: hourAgo, receivedAt: hourAgo })]);
      for (let i = 0; i < 5; i++) await log.append(Array.from({ length: 100 }, (_, j) => encoded({ id: `filler-${i}-${j}`, subject: `s${j}` })));
      assert.deepEqual(await log.append([encoded({ id: 'old-1', time: T0, receivedAt: T0 })]), ['duplicate']);
      const all = (await Promise.all(Array.from({ length: log.partitions }, (_, p) => readAll(log, p)))).flat();
      assert.equal(all.filter((e) => e.id === 'old-1').length, 1);
      assert.equal(all.length, 501);
    });

    test('finds a stored event by id, with its cursor, and nothing for an id never stored', async ({ log }) => {
      const [first] = await appendAndRead(log, [encoded({ id: 'f-0', type: 'a', subject: 'finder' }), encoded({ id: 'f-1', type: 'b', subject: 'finder' })]);
      const one = (await log.find('f-0'))!;
      assert.equal(one.cursor, first.cursor);
      assert.equal(one.type, 'a');
      assert.equal((await log.find('f-1'))?.type, 'b');
      assert.equal(await log.find('f-none'), undefined);
    });

    test('maps a subject to the same partition every time, within the partition count', async ({ log }) => {
      assert.ok(Number.isInteger(log.partitions) && log.partitions >= 1);
      for (let i = 0; i < 200; i++) {
        const p = log.partitionOf(`user-${i}`);
        assert.ok(Number.isInteger(p) && p >= 0 && p < log.partitions, `partition ${p} of user-${i}`);
        assert.equal(log.partitionOf(`user-${i}`), p);
      }
    });

    test("keeps each subject's events in its partition, in append order", async ({ log }) => {
      const sent = Array.from({ length: 120 }, (_, i) => encoded({ id: `o-${i}`, subject: `s${i % 7}` }));
      for (let i = 0; i < sent.length; i += 13) await log.append(sent.slice(i, i + 13));
      for (let p = 0; p < log.partitions; p++) {
        const read = await readAll(log, p, null, 11);
        for (const e of read) assert.equal(log.partitionOf(e.subject), p, `${e.id} is read from the partition of its subject`);
        const expected = sent.filter((e) => log.partitionOf(e.subject) === p).map((e) => e.id);
        assert.deepEqual(read.map((e) => e.id), expected, `partition ${p} gives its events in append order`);
      }
    });

    test('reads on from a cursor a page at a time, and resumes there after new appends', async ({ log }) => {
      const p = log.partitionOf('reader');
      assert.deepEqual(await log.read(p, null, 10), [], 'an empty partition reads nothing');
      await log.append(Array.from({ length: 5 }, (_, i) => encoded({ id: `r-${i}`, subject: 'reader' })));
      const first = await log.read(p, null, 2);
      assert.deepEqual(first.map((e) => e.id), ['r-0', 'r-1']);
      const second = await log.read(p, first[1].cursor, 2);
      assert.deepEqual(second.map((e) => e.id), ['r-2', 'r-3']);
      const rest = await log.read(p, second[1].cursor, 10);
      assert.deepEqual(rest.map((e) => e.id), ['r-4']);
      assert.deepEqual(await log.read(p, rest[0].cursor, 10), [], 'nothing after the last event');
      await log.append([encoded({ id: 'r-5', subject: 'reader' }), encoded({ id: 'r-4', subject: 'reader' })]);
      assert.deepEqual((await log.read(p, rest[0].cursor, 10)).map((e) => e.id), ['r-5'], 'the cursor of the last event resumes at the new one');
      assert.deepEqual((await log.read(p, first[0].cursor, 10)).map((e) => e.id), ['r-1', 'r-2', 'r-3', 'r-4', 'r-5'], 'an older cursor reads again from there');
    });

    test('reports lag: how many events follow a cursor and when the oldest of them arrived', async ({ log }) => {
      const p = log.partitionOf('lagging');
      assert.deepEqual(await log.lag(p, null), { events: 0, oldestUnprocessedAt: null });
      const events = await appendAndRead(log, [
        encoded({ id: 'l-0', subject: 'lagging', receivedAt: T0 }),
        encoded({ id: 'l-1', subject: 'lagging', receivedAt: T0 + 10 }),
        encoded({ id: 'l-2', subject: 'lagging', receivedAt: T0 + 20 }),
      ]);
      assert.deepEqual(await log.lag(p, null), { events: 3, oldestUnprocessedAt: T0 });
      assert.deepEqual(await log.lag(p, events[0].cursor), { events: 2, oldestUnprocessedAt: T0 + 10 });
      assert.deepEqual(await log.lag(p, events[2].cursor), { events: 0, oldestUnprocessedAt: null });
    });

    test('does not count duplicates as lag: a retried send leaves a caught-up reader caught up', async ({ log }) => {
      const p = log.partitionOf('retried');
      const sent = [encoded({ id: 'd-0', subject: 'retried' }), encoded({ id: 'd-1', subject: 'retried' })];
      const events = await appendAndRead(log, sent);
      assert.deepEqual(await log.append(sent), ['duplicate', 'duplicate']);
      assert.deepEqual(await log.append([sent[0], sent[0]]), ['duplicate', 'duplicate']);
      assert.deepEqual(await log.lag(p, events[1].cursor), { events: 0, oldestUnprocessedAt: null });
      assert.equal((await log.lag(p, events[0].cursor)).events, 1);
      assert.equal((await log.lag(p, null)).events, 2);
      const [next] = await appendAndRead(log, [encoded({ id: 'd-2', subject: 'retried', receivedAt: T0 + 1 })]);
      assert.deepEqual(await log.lag(p, events[1].cursor), { events: 1, oldestUnprocessedAt: T0 + 1 });
      assert.deepEqual(await log.lag(p, next.cursor), { events: 0, oldestUnprocessedAt: null });
    });

    test('makes appended events visible to another process once append has returned', async ({ log, connect }) => {
      await log.append([encoded({ id: 'durable-1', subject: 'd' })]);
      const other = await connect();
      const read = await readAll(other.log, other.log.partitionOf('d'));
      assert.deepEqual(read.map((e) => e.id), ['durable-1']);
      assert.deepEqual(await other.log.append([encoded({ id: 'durable-1', subject: 'd' })]), ['duplicate'], 'and another process sees its id as taken');
    });
  });
}
