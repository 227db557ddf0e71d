// The processor feeds the engine in the timeline order of MEMORY.md ("Timeline"), across batch boundaries:
// before each event the timers due strictly before its arrival, earliest first, ties by id; after the last
// event, once caught up, the timers due by now - 1 s; a batch never runs past a stored timer it did not read.
// Observed through the watchdog's view of each input (the real processor, store and engine).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PROCESSOR_CONSUMER, parseStallLabel, type BatchSummary } from '../../src/processor/processor.ts';
import type { ProcessedBatch } from '../../src/store/contracts.ts';
import type { TimerRequest } from '../../src/engine/types.ts';
import { T0, withHarness, type Harness } from './harness.ts';

const COUNTER = { id: 'counter', when: { event: 'tick' }, then: [{ set: { count: '{{ subject.count | plus: 1 }}' } }] };

const timer = (id: string, dueAt: number): TimerRequest => ({ id, ruleId: 'counter', subject: 'u1', dueAt, payload: {} });

async function storeTimers(h: Harness, timers: readonly TimerRequest[]): Promise<void> {
  const batch: ProcessedBatch = {
    consumer: PROCESSOR_CONSUMER, partition: 0, from: null, to: null, subjects: [], firings: [], emits: [], firedTimers: [], failures: [], ruleErrors: [], timers,
  };
  await h.stores.pipeline.commit(batch);
}

/** A processor that records which input the engine saw, in order: event ids and timer ids. */
function observed(h: Harness, batchSize: number, now: () => number) {
  const seen: string[] = [];
  const summaries: BatchSummary[] = [];
  const processor = h.processor({
    batchSize, now,
    watch: { begin: (label) => seen.push(parseStallLabel(label)!.id), end: () => undefined },
    hooks: { onCommitted: (s) => summaries.push(s) },
  });
  return { processor, seen, summaries };
}

describe('Processor timeline', () => {
  it('interleaves due timers with a backlog of events: before each event those due strictly before its arrival, earliest first, ties by id', { timeout: 20_000 }, () => withHarness(async (h) => {
    await h.saveRule(COUNTER);
    await storeTimers(h, [timer('t-10', T0 + 10), timer('b-25', T0 + 25), timer('a-25', T0 + 25), timer('t-100', T0 + 100), timer('t-5000', T0 + 5000)]);
    const sent = await h.send([5, 20, 25, 30, 30].map((r, i) => ({ id: `e${i + 1}`, receivedAt: T0 + r })));
    assert.equal(sent.length, 5);
    const { processor, seen, summaries } = observed(h, 2, () => T0 + 3000);
    assert.deepEqual(await h.drain(processor), []);
    assert.deepEqual(seen, ['e1', 't-10', 'e2', 'e3', 'a-25', 'b-25', 'e4', 'e5', 't-100'],
      'a timer due at an arrival waits for the next arrival, even in the next batch; once caught up, what is due by now - 1 s fires');
    assert.deepEqual(JSON.stringify(summaries.map((s) => [s.events, s.timers])), JSON.stringify([[2, 1], [2, 2], [1, 1]]));
    assert.deepEqual((await h.stores.pipeline.dueTimers(0, T0 + 1e9, 10)).map((t) => t.id), ['t-5000'], 'fired timers are deleted; one not due stays');
    assert.deepEqual(await h.attributes('u1'), { count: 5 });
  }));

  it('fires the timers due by now - 1 s once caught up, and nothing later until it is due', { timeout: 20_000 }, () => withHarness(async (h) => {
    await storeTimers(h, [timer('due', T0 + 1000), timer('not-yet', T0 + 1001)]);
    let now = T0 + 1999;
    const { processor, seen } = observed(h, 10, () => now);
    assert.equal(await processor.processBatch(), 0, 'nothing due by now - 1 s');
    now = T0 + 2000;
    assert.equal(await processor.processBatch(), 1);
    assert.deepEqual(seen, ['due']);
    assert.equal(await processor.processBatch(), 0);
    now = T0 + 2001;
    assert.equal(await processor.processBatch(), 1);
    assert.deepEqual(seen, ['due', 'not-yet']);
  }));

  it('never runs an event past a stored timer it did not read: more due timers than a batch holds go first, in order', { timeout: 20_000 }, () => withHarness(async (h) => {
    await h.saveRule(COUNTER);
    await storeTimers(h, ['x5', 'x3', 'x1', 'x4', 'x2'].map((id) => timer(id, T0 + 1)));
    await h.send([{ id: 'e1', receivedAt: T0 + 2 }, { id: 'e2', receivedAt: T0 + 2 }, { id: 'e3', receivedAt: T0 + 3 }]);
    const { processor, seen } = observed(h, 2, () => T0 + 10_000);
    assert.deepEqual(await h.drain(processor), []);
    assert.deepEqual(seen, ['x1', 'x2', 'x3', 'x4', 'x5', 'e1', 'e2', 'e3']);
    assert.deepEqual(await h.stores.pipeline.dueTimers(0, T0 + 1e9, 10), []);
  }));
});
