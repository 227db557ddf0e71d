// Fresh hand-over and the rate limit: a delivery the rule's rate limit moved later is not leased for the
// in-memory hand-over before its notBefore; it stays pending and is claimed when due.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { FreshPicker, leasedDelivery } from '../../src/dispatcher/fresh-work.ts';
import { DEFAULT_DELIVERY_POLICY } from '../../src/engine/rule/compile.ts';
import type { DeliveryRequest } from '../../src/engine/types.ts';

const T0 = 1_700_000_000_000;

function request(id: string, notBefore?: number): DeliveryRequest {
  return {
    id, firingId: id.split('.')[0], ruleId: 'paced', subject: 'u1', actionIndex: 0, kind: 'webhook', spec: { url: 'https://a.example/hook' },
    context: { event: { id: 'e', type: 't', subject: 'u1', time: new Date(T0).toISOString(), properties: {} }, subject: {}, firing: { id: 'f', rule: 'paced', version: 1 }, now: new Date(T0).toISOString() },
    policy: DEFAULT_DELIVERY_POLICY, createdAt: T0, destination: 'a.example:443', ...(notBefore === undefined ? {} : { notBefore }),
  };
}

it('hands over only the deliveries whose notBefore has come; the others wait for a claim', () => {
  const picker = new FreshPicker();
  picker.update({ owner: 'd1', leaseMs: 30_000, free: 10, perDestination: 10, busy: {} });
  const picked = picker.pick([request('f1.0'), request('f2.0', T0 + 500), request('f3.0', T0)], T0);
  assert.deepEqual(picked?.ids, ['f1.0', 'f3.0']);
});

it('gives a handed-over delivery its notBefore as its first attempt time', () => {
  const lease = { owner: 'd1', token: 't', until: T0 + 30_000 };
  assert.equal(leasedDelivery(request('f1.0', T0 + 200), 'a.example:443', lease).nextAttemptAt, T0 + 200);
  assert.equal(leasedDelivery(request('f2.0'), 'a.example:443', lease).nextAttemptAt, T0);
});
