// The rule's rate limit in the live processor (the engine's RateLimiter, on the firing time): a burst of one
// second's worth goes at once, the rest is spaced at the rate, nothing is dropped, a moved delivery is recorded
// as rate_limited, and the outbox (and so the dispatcher) does not attempt it before its notBefore.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { T0 as H0, withHarness } from './harness.ts';

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
