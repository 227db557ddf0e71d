// Durable timers through the live processor with the real engine (absence: `unless`): a timer made and fired in
// one batch leaves nothing stored; a timer cancelled in its own batch, or in a later one, never fires.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { BatchSummary } from '../../src/processor/processor.ts';
import { DEFAULT_ENGINE_OPTIONS } from '../../src/engine/step.ts';
import type { EngineOptions } from '../../src/engine/types.ts';
import { T0, withHarness } from './harness.ts';

const LATENESS_MS = 100;
const ENGINE: EngineOptions = { ...DEFAULT_ENGINE_OPTIONS, memory: { allowedLatenessMs: LATENESS_MS, maxWindowEvents: 1000, maxPending: 20, maxMemoryBytes: 65_536 } };
const ABANDONED = {
  id: 'abandoned', when: { event: 'cart', unless: { event: 'order', within: '1s' } },
  then: [{ webhook: { url: 'https://hooks.example.com/abandoned', body: { cart: '{{ event.id }}' } } }],
};
/** The timer of a cart at T0 is due at T0 + 1 s + the allowed lateness. */
const DUE = T0 + 1000 + LATENESS_MS;

describe('Processor with durable timers', () => {
  it('fires a timer made earlier in the same batch before a later event, and stores nothing of it', { timeout: 20_000 }, () => withHarness(async (h) => {
    await h.saveRule(ABANDONED);
    const summaries: BatchSummary[] = [];
    const processor = h.processor({ now: () => T0, engine: ENGINE, hooks: { onCommitted: (s) => summaries.push(s) } });
    const [cart] = await h.send([
      { type: 'cart', subject: 'ann', time: T0, receivedAt: T0 },
      { type: 'view', subject: 'bob', time: DUE, receivedAt: DUE + 1 },
    ]);
    assert.deepEqual(await h.drain(processor), []);
    assert.deepEqual(summaries.map((s) => [s.events, s.timers, s.firings.length]), [[2, 1, 1]], 'one batch: the cart, its timer, the view');
    assert.deepEqual(await h.firedEvents('abandoned'), [cart.id]);
    assert.deepEqual(await h.stores.pipeline.dueTimers(0, T0 + 1e9, 10), [], 'made and fired in one commit: nothing stored');
  }));

  it('waits for the timer while the next arrival is not after it, then fires it once caught up past it', { timeout: 20_000 }, () => withHarness(async (h) => {
    await h.saveRule(ABANDONED);
    let now = T0 + 500;
    const processor = h.processor({ now: () => now, engine: ENGINE });
    const [cart] = await h.send([{ type: 'cart', subject: 'ann', time: T0, receivedAt: T0 }, { type: 'view', subject: 'bob', time: DUE, receivedAt: DUE }]);
    assert.deepEqual(await h.drain(processor), []);
    assert.deepEqual(await h.firedEvents('abandoned'), [], 'an arrival at the due time does not fire it: strictly before');
    assert.deepEqual((await h.stores.pipeline.dueTimers(0, T0 + 1e9, 10)).map((t) => t.dueAt), [DUE], 'stored, with its due time');
    now = DUE + 999;
    assert.deepEqual(await h.drain(processor), []);
    assert.deepEqual(await h.firedEvents('abandoned'), [], 'caught up, it waits until now - 1 s reaches it');
    now = DUE + 1000;
    assert.deepEqual(await h.drain(processor), []);
    assert.deepEqual(await h.firedEvents('abandoned'), [cart.id]);
    assert.deepEqual(await h.stores.pipeline.dueTimers(0, T0 + 1e9, 10), [], 'fired: deleted');
    now = DUE + 60_000;
    assert.equal(await processor.processBatch(), 0, 'and never again');
    assert.deepEqual(await h.firedEvents('abandoned'), [cart.id]);
  }));

  it('never fires a timer cancelled in its own batch or in a later one', { timeout: 20_000 }, () => withHarness(async (h) => {
    await h.saveRule(ABANDONED);
    let now = T0;
    let timersFired = 0;
    const processor = h.processor({ now: () => now, engine: ENGINE, hooks: { onCommitted: (summary) => { timersFired += summary.timers; } } });
    // ann: cart and order in one batch. bob: the cart is committed (its timer stored), the order comes in a later batch.
    // carl's view, after ann's deadline in the same batch, would come after ann's timer had the order not removed it.
    await h.send([
      { type: 'cart', subject: 'ann', time: T0, receivedAt: T0 }, { type: 'order', subject: 'ann', time: T0 + 400, receivedAt: T0 + 400 },
      { type: 'view', subject: 'carl', time: T0 + 5000, receivedAt: T0 + 5000 },
    ]);
    const [bobCart] = await h.send([{ type: 'cart', subject: 'bob', time: T0 + 450, receivedAt: T0 + 500 }]);
    assert.deepEqual(await h.drain(processor), []);
    assert.deepEqual((await h.stores.pipeline.dueTimers(0, T0 + 1e9, 10)).map((t) => t.subject), ['bob'], "ann's timer was never stored; bob's is");
    await h.send([{ type: 'order', subject: 'bob', time: T0 + 900, receivedAt: T0 + 950 }]);
    assert.deepEqual(await h.drain(processor), []);
    assert.deepEqual(await h.stores.pipeline.dueTimers(0, T0 + 1e9, 10), [], "bob's timer deleted with the batch that cancelled it");
    now = T0 + 120_000;
    assert.deepEqual(await h.drain(processor), []);
    assert.deepEqual(await h.firedEvents('abandoned'), []);
    assert.equal(timersFired, 0, 'no cancelled timer even reached the engine');
    const cancelled = (await h.api.suppressions.ofSubject('bob', { limit: 10 })).filter((s) => s.reason === 'cancelled');
    assert.deepEqual(cancelled.map((s) => [s.ruleId, s.eventId]), [['abandoned', bobCart.id]], 'the cancel is recorded, naming the cart');
  }));
});
