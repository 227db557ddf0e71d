// The rule's rate limit in the live processor: a burst of one second's worth goes at once, the rest is spaced
// at the rate from the firing time, nothing is dropped, and a moved delivery is recorded as rate_limited.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { RuleRates } from '../../src/processor/rate-limits.ts';
import { DEFAULT_DELIVERY_POLICY } from '../../src/engine/rule/compile.ts';
import type { Firing } from '../../src/engine/types.ts';
import { T0 as H0, withHarness } from './harness.ts';

const T0 = 1_700_000_000_000;

it('lets a burst of one second\'s worth through, then spaces deliveries at the rate, on the firing time', () => {
  const rates = new RuleRates();
  const times = Array.from({ length: 7 }, () => rates.take('r', 4, T0) - T0);
  assert.deepEqual(times, [0, 0, 0, 0, 250, 500, 750]);
  assert.equal(rates.take('r', 4, T0 + 10_000), T0 + 10_000, 'a bucket refills with time');
  assert.equal(rates.take('other', 4, T0), T0, 'one bucket per rule');
  assert.deepEqual([rates.take('slow', 0.5, T0), rates.take('slow', 0.5, T0)], [T0, T0 + 2000], 'below 1/s the burst is one');
  assert.equal(rates.take('r', 2, T0 + 10_000), T0 + 10_000, 'a changed rate starts a new bucket');
});

it('moves deliveries later with notBefore and records the firing as rate_limited with the delay', () => {
  const firing = (n: number, actions: number): Firing => ({
    id: `f${n}`, ruleId: 'r', ruleVersion: 1, subject: 'u1', eventIds: [`e${n}`], group: 'treatment', time: T0,
    trace: { rule: 'r', version: 1, event: `e${n}`, matched: true, steps: [] },
    deliveries: Array.from({ length: actions }, (_, i) => ({
      id: `f${n}.${i}`, firingId: `f${n}`, ruleId: 'r', subject: 'u1', actionIndex: i, kind: 'log' as const, spec: {},
      context: { event: { id: `e${n}`, type: 't', subject: 'u1', time: '', properties: {} }, subject: {}, firing: { id: `f${n}`, rule: 'r', version: 1 }, now: '' },
      policy: DEFAULT_DELIVERY_POLICY, createdAt: T0,
    })),
  });
  const rates = new RuleRates();
  const first = rates.pace(firing(1, 1), 1, '1/s', T0);
  assert.equal(first.suppression, undefined);
  assert.equal(first.firing.deliveries[0].notBefore, undefined, 'within the burst: not moved');
  const second = rates.pace(firing(2, 2), 1, '1/s', T0 + 500);
  assert.deepEqual(second.firing.deliveries.map((d) => d.notBefore), [T0 + 1000, T0 + 2000]);
  assert.deepEqual(second.suppression, {
    ruleId: 'r', subject: 'u1', reason: 'rate_limited', eventId: 'e2', at: T0 + 500, detail: 'rate: 1/s: delayed 1500 ms', delayedUntil: T0 + 2000,
  });
});

it('paces a rule\'s deliveries in the live processor: the outbox holds the moved ones until their notBefore', { timeout: 20_000 }, () => withHarness(async (h) => {
  await h.saveRule({ id: 'paced', when: { event: 'tick' }, then: [{ webhook: { url: 'https://hooks.example.com/paced', body: {} } }], limits: { rate: '2/s' } });
  await h.send(Array.from({ length: 5 }, (_, n) => ({ id: `t${n}`, subject: `u${n}`, receivedAt: H0, time: H0 })));
  assert.deepEqual(await h.drain(h.processor({ now: () => H0 + 5 })), []);
  const claim = async (now: number) => (await h.stores.outbox.claim({ owner: 'd', now, limit: 10, busyDestinations: [], leaseMs: 60_000 })).map((d) => d.nextAttemptAt - H0);
  assert.deepEqual(await claim(H0 + 5), [5, 5], 'the burst (one second\'s worth) is due at once');
  assert.deepEqual(await claim(H0 + 999), [500], 'the rest one by one at 2/s, from the firing time');
  assert.deepEqual(await claim(H0 + 1500), [1000, 1500]);
  const limited = (await h.api.suppressions.count({ from: H0, to: H0 + 1, ruleId: 'paced' }));
  assert.deepEqual(limited, [{ ruleId: 'paced', reason: 'rate_limited', count: 3 }]);
}));
