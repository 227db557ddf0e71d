// The processor on real SQLite stores with the real engine: order and cursor, inputs that fail in the engine
// or in the commit, fencing, rule reloads, pinned subjects, timers, and events the watchdog passed over.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { COMMIT_TRIES, PROCESSOR_CONSUMER, parseStallLabel, type BatchSummary, type StalledInput } from '../../src/processor/processor.ts';
import { FencedError, type PipelineStore, type ProcessedBatch } from '../../src/store/contracts.ts';
import { T0, withHarness } from './harness.ts';

const COUNTER = { id: 'counter', when: { event: 'tick' }, then: [{ set: { count: '{{ subject.count | plus: 1 }}', last: '{{ event.properties.n }}' } }] };

/** The real store, with `commit` refusing every batch that would store a firing of `eventId` (a value the store cannot take). */
function refusing(store: PipelineStore, eventId: string) {
  const attempts: ProcessedBatch[] = [];
  const committed: ProcessedBatch[] = [];
  const wrapped: PipelineStore = {
    cursor: (consumer, partition) => store.cursor(consumer, partition),
    loadSubjects: (partition, ids) => store.loadSubjects(partition, ids),
    dueTimers: (partition, now, limit) => store.dueTimers(partition, now, limit),
    failedAfter: (partition, after) => store.failedAfter(partition, after),
    pendingEmits: (limit) => store.pendingEmits(limit),
    emitsRelayed: (ids) => store.emitsRelayed(ids),
    async commit(batch) {
      attempts.push(batch);
      if (batch.firings.some((f) => f.eventIds.includes(eventId))) throw new Error(`cannot store the firing of ${eventId}`);
      await store.commit(batch);
      committed.push(batch);
    },
  };
  const firedIn = (batches: readonly ProcessedBatch[]) => batches.flatMap((b) => b.firings.flatMap((f) => f.eventIds));
  return { store: wrapped, attempts, committed, firedIn };
}

describe('Processor', () => {
  it('processes events in log order and commits the cursor after them', { timeout: 20_000 }, () => withHarness(async (h) => {
    await h.saveRule(COUNTER);
    const sent = await h.send(Array.from({ length: 10 }, (_, n) => ({ subject: n % 3 === 2 ? 'u2' : 'u1', properties: { n } })));
    const processor = h.processor({ batchSize: 4 });
    assert.deepEqual(await h.drain(processor), []);
    assert.deepEqual(await h.attributes('u1'), { count: 7, last: 9 }, 'the last event of the subject wrote last');
    assert.deepEqual(await h.attributes('u2'), { count: 3, last: 8 });
    assert.deepEqual(await h.firedEvents('counter'), sent.map((e) => e.id), 'one firing per event, in log order');
    const partition = h.stores.log.partitionOf('u1');
    const cursor = await h.stores.pipeline.cursor(PROCESSOR_CONSUMER, partition);
    assert.deepEqual(await h.stores.log.read(partition, cursor, 10), [], 'the committed cursor is after the last event');
    assert.equal((await h.stores.log.lag(partition, cursor)).events, 0);
    assert.equal(await h.processor().processBatch(), 0, 'a restarted processor has nothing left to do');
  }));

  it('records an event the engine throws on as a failure and processes the others', { timeout: 20_000 }, () => withHarness(async (h) => {
    await h.saveRule(COUNTER);
    // Ingest refuses such a time; a producer writing to the log directly might not. The engine throws a RangeError on it.
    const [, bad] = await h.send([{ properties: { n: 1 } }, { properties: { n: 2 }, time: 9e15 }, { properties: { n: 3 } }]);
    const summaries: BatchSummary[] = [];
    assert.deepEqual(await h.drain(h.processor({ hooks: { onCommitted: (s) => summaries.push(s) } })), []);
    const failures = (await h.api.history.eventFailures({ limit: 10 })).items;
    assert.deepEqual(failures.map((f) => [f.eventId, f.stage, f.cursor]), [[bad.id, 'step', bad.cursor]]);
    assert.match(failures[0].error, /RangeError|Invalid time/);
    assert.equal((await h.firedEvents('counter')).length, 2);
    assert.deepEqual(await h.attributes('u1'), { count: 2, last: 3 });
    assert.deepEqual(summaries.map((s) => [s.events, s.failures.length]), [[3, 1]], 'one batch, the failure recorded with it');
  }));

  it(`records an event whose commit keeps failing as a commit failure after ${COMMIT_TRIES} tries, and commits every other event of its batch once`, { timeout: 20_000 }, () => withHarness(async (h) => {
    await h.saveRule(COUNTER);
    const sent = await h.send(Array.from({ length: 6 }, (_, n) => ({ subject: n % 2 ? 'u2' : 'u1', properties: { n } })));
    const poison = sent[3];
    const store = refusing(h.stores.pipeline, poison.id);
    const batchErrors: number[] = [];
    const errors = await h.drain(h.processor({ store: store.store, batchSize: 10, hooks: { onBatchError: (_e, inputs) => batchErrors.push(inputs) } }));
    assert.ok(errors.length >= COMMIT_TRIES && errors.every((e) => /cannot store/.test(e.message)));
    assert.deepEqual(batchErrors, [6, 1, 1, 1], 'the whole batch failed once, then the poison alone, three times');
    const failures = (await h.api.history.eventFailures({ limit: 10 })).items;
    assert.deepEqual(failures.map((f) => [f.eventId, f.stage]), [[poison.id, 'commit']]);
    assert.match(failures[0].error, /cannot store the firing/);
    const others = sent.filter((e) => e !== poison).map((e) => e.id);
    assert.deepEqual(store.firedIn(store.committed), others, 'every other event committed exactly once, in order');
    assert.deepEqual(await h.firedEvents('counter'), others);
    assert.deepEqual(await h.attributes('u1'), { count: 3, last: 4 });
    assert.deepEqual(await h.attributes('u2'), { count: 2, last: 5 }, "the poison's attribute change is not stored, nothing is counted twice");
    const cursor = await h.stores.pipeline.cursor(PROCESSOR_CONSUMER, 0);
    assert.deepEqual(await h.stores.log.read(0, cursor, 10), [], 'and the partition moved past it');
  }));

  it("reads its cursor again after a FencedError and goes on from where the other processor stopped", { timeout: 20_000 }, () => withHarness(async (h) => {
    await h.saveRule(COUNTER);
    const sent = await h.send(Array.from({ length: 5 }, (_, n) => ({ properties: { n } })));
    const fenced: Error[] = [];
    const first = h.processor({ batchSize: 2, hooks: { onBatchError: (e) => fenced.push(e) } });
    assert.equal(await first.processBatch(), 2);
    // Another process took the partition over (a failover) and processed one event.
    assert.equal(await h.processor({ batchSize: 1 }).processBatch(), 1);
    await assert.rejects(first.processBatch(), FencedError);
    assert.ok(fenced[0] instanceof FencedError);
    assert.deepEqual(await h.drain(first), []);
    assert.deepEqual(await h.firedEvents('counter'), sent.map((e) => e.id), 'each event fired once, by one of them');
    assert.deepEqual(await h.attributes('u1'), { count: 5, last: 4 }, 'the subject as the other processor left it was read again');
  }));

  it('picks up rules saved, changed and disabled while it runs', { timeout: 20_000 }, () => withHarness(async (h) => {
    const processor = h.processor();
    const [before] = await h.send([{ properties: { n: 0 } }]);
    await h.drain(processor);
    await h.saveRule(COUNTER);
    const [after] = await h.send([{ properties: { n: 1 } }]);
    await h.drain(processor);
    await h.saveRule({ ...COUNTER, then: [{ set: { edited: true } }] });
    const [edited] = await h.send([{ properties: { n: 2 } }]);
    await h.drain(processor);
    await h.api.rules.setEnabled('counter', false, T0);
    await h.send([{ properties: { n: 3 } }]);
    await h.drain(processor);
    const firings = (await h.api.history.firings({ rule: 'counter', limit: 10 })).items.reverse();
    assert.deepEqual(firings.map((f) => [f.eventIds[0], f.ruleVersion]), [[after.id, 1], [edited.id, 2]]);
    assert.ok(!firings.some((f) => f.eventIds.includes(before.id)));
    assert.deepEqual(await h.attributes('u1'), { count: 1, last: 1, edited: true });
  }));

  it('keeps every attribute of a subject when a batch holds more subjects than the subject cache', { timeout: 20_000 }, () => withHarness(async (h) => {
    await h.saveRule({ id: 'upgrade', when: { event: 'upgraded' }, then: [{ set: { plan: 'pro' } }] });
    const processor = h.processor({ subjectCacheSize: 2, batchSize: 1000 });
    const crowd = (tag: string) => Array.from({ length: 12 }, (_, i) => ({ type: 'identify', subject: `${tag}-${i}`, properties: { i } }));
    // One batch: the subject is identified, then many others, then a rule sets one more attribute.
    await h.send([{ type: 'identify', subject: 'ann', properties: { name: 'Ann', country: 'KR', age: 30 } }, ...crowd('a'), { type: 'upgraded', subject: 'ann' }]);
    assert.deepEqual(await h.drain(processor), []);
    assert.deepEqual(await h.attributes('ann'), { name: 'Ann', country: 'KR', age: 30, plan: 'pro' });
    // Across batches: the subject's cached copy is pushed out by a crowd, then it changes again.
    await h.send([...crowd('b'), { type: 'identify', subject: 'ann', properties: { city: 'Seoul' } }, ...crowd('c')]);
    await h.drain(processor);
    await h.send([{ type: 'identify', subject: 'ann', properties: { age: 31 } }]);
    assert.deepEqual(await h.drain(processor), []);
    assert.deepEqual(await h.attributes('ann'), { name: 'Ann', country: 'KR', age: 31, plan: 'pro', city: 'Seoul' });
    assert.deepEqual(await h.attributes('a-11'), { i: 11 });
  }));

  it('feeds due timers to the engine and deletes them; timers not yet due wait', { timeout: 20_000 }, () => withHarness(async (h) => {
    const { pipeline } = h.stores;
    const timer = (id: string, dueAt: number) => ({ id, ruleId: 'counter', subject: 'u1', dueAt, payload: {} });
    await pipeline.commit({
      consumer: PROCESSOR_CONSUMER, partition: 0, from: null, to: null, subjects: [], firings: [], emits: [], firedTimers: [], failures: [], ruleErrors: [],
      timers: [timer('soon', T0 + 1000), timer('later', T0 + 60_000)],
    });
    let now = T0;
    const seen: StalledInput[] = [];
    const summaries: BatchSummary[] = [];
    const processor = h.processor({ now: () => now, watch: { begin: (label) => seen.push(parseStallLabel(label)!), end: () => undefined }, hooks: { onCommitted: (s) => summaries.push(s) } });
    assert.equal(await processor.processBatch(), 0, 'nothing is due yet');
    now = T0 + 5000;
    const [event] = await h.send([{ properties: { n: 1 }, receivedAt: T0 + 4500 }]);
    assert.equal(await processor.processBatch(), 2);
    assert.deepEqual(seen.map((s) => [s.kind, s.id]), [['timer', 'soon'], ['event', event.id]], 'the due timer goes to the engine, before the event that arrived after it');
    assert.deepEqual(summaries.map((s) => [s.timers, s.events]), [[1, 1]]);
    assert.deepEqual((await pipeline.dueTimers(0, T0 + 1e9, 10)).map((t) => t.id), ['later'], 'a fired timer is deleted');
    assert.equal(await processor.processBatch(), 0, 'and does not fire again');
  }));

  it('passes over an event the watchdog recorded as failed after the cursor', { timeout: 20_000 }, () => withHarness(async (h) => {
    await h.saveRule(COUNTER);
    const [first, stuck, last] = await h.send([{ properties: { n: 1 } }, { properties: { n: 2 } }, { properties: { n: 3 } }]);
    await h.api.stalls.inputStalled({ kind: 'event', partition: 0, cursor: stuck.cursor, id: stuck.id }, 'stalled for 10 s', T0);
    assert.deepEqual(await h.drain(h.processor()), []);
    assert.deepEqual(await h.firedEvents('counter'), [first.id, last.id]);
    assert.deepEqual(await h.attributes('u1'), { count: 2, last: 3 });
    const failures = (await h.api.history.eventFailures({ limit: 10 })).items;
    assert.deepEqual(failures.map((f) => [f.eventId, f.stage]), [[stuck.id, 'stall']], 'recorded once, by the watchdog');
    const cursor = await h.stores.pipeline.cursor(PROCESSOR_CONSUMER, 0);
    assert.deepEqual(await h.stores.log.read(0, cursor, 10), []);
  }));
});
