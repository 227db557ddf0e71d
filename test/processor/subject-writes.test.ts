// A changed subject is committed with the part it did not change named (StoredSubject.unchanged), and the store
// writes the other part only: an identify leaves the stored memory as it was, an event for a rule with memory
// leaves the stored attributes; what is stored is what the next processor (no cache) goes on from.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { StoredSubject } from '../../src/store/contracts.ts';
import { delegate } from '../store/conformance/fixtures.ts';
import { T0, withHarness } from './harness.ts';
import { memorySize } from '../../src/engine/memory/bounds.ts';

const BUSY = { id: 'busy', when: { event: 'view', count: { at_least: 3, within: '1h' } }, then: [{ log: { message: 'busy' } }] };

describe('Processor: subjects written in part', () => {
  for (const cache of [0, 1000]) {
    it(`names the unchanged part, and the stored subject is the one evaluated (subject cache of ${cache})`, { timeout: 20_000 }, () => withHarness(async (h) => {
      await h.saveRule(BUSY);
      const written: (StoredSubject['unchanged'] | 'new')[] = [];
      // The real store, watched: which part each commit names unchanged.
      const store = delegate(h.stores.pipeline, {
        commit: (batch) => {
          for (const s of batch.subjects) written.push(s.version === 0 ? 'new' : s.unchanged);
          return h.stores.pipeline.commit(batch);
        },
      });
      const processor = h.processor({ store, batchSize: 1, subjectCacheSize: cache });
      const at = (k: number) => ({ subject: 'ann', time: T0 + k, receivedAt: T0 + k });
      await h.send([
        { type: 'identify', properties: { plan: 'pro' }, ...at(0) },
        { type: 'view', ...at(1) },
        { type: 'identify', properties: { plan: 'free' }, ...at(2) },
        { type: 'view', ...at(3) },
      ]);
      assert.deepEqual(await h.drain(processor), []);
      assert.deepEqual(written, ['new', 'attributes', 'memory', 'attributes']);
      const ann = (await h.stores.pipeline.loadSubjects(0, ['ann'])).get('ann')!;
      assert.deepEqual([{ ...ann.state.attributes }, ann.version], [{ plan: 'free' }, 4]);
      assert.equal((ann.state.memory?.busy as { w?: unknown[] }).w?.length, 2, 'both views are in the stored window');
      // A new processor (nothing cached) goes on from the stored state: the third view fires.
      await h.send([{ type: 'view', ...at(4) }]);
      assert.deepEqual(await h.drain(h.processor({ batchSize: 1 })), []);
      assert.equal((await h.firedEvents('busy')).length, 1);
    }));
  }

  it('a loaded memory carries its exact JSON length from the stored text (no re-measuring), non-ASCII text included', { timeout: 20_000 }, () => withHarness(async (h) => {
    await h.saveRule({ id: 'seq', when: { event: 'paid', after: { event: 'view', within: '1h' } }, then: [{ log: { message: 'seq' } }] });
    await h.send([{ type: 'view', subject: 'bo', time: T0, receivedAt: T0, properties: { title: '주문 확인 🎉', n: 1.5e-7 } }]);
    assert.deepEqual(await h.drain(h.processor({ batchSize: 1, subjectCacheSize: 0 })), []);
    const bo = (await h.stores.pipeline.loadSubjects(0, ['bo'])).get('bo')!;
    assert.ok(bo.state.memory, 'the sequence remembers the view');
    assert.equal(memorySize(bo.state.memory), JSON.stringify(bo.state.memory).length);
  }));
});
