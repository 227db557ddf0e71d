// Idempotency keys survive a rule change: a batch replayed after a power loss under a newer rule version
// must produce the same firing, delivery and emitted-event ids as the first run.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { step } from '../../src/engine/step.ts';
import { RuleSet } from '../../src/engine/ruleset.ts';
import { rule, event, subject } from './helpers.ts';

const clock = { now: 1_700_000_100_000 };
const document = {
  id: 'welcome',
  when: { event: 'signed_up' },
  then: [{ webhook: { url: 'https://hooks.example.com/x', body: { to: '{{ subject.id }}' } } }, { emit: { event: 'welcomed' } }],
};

it('gives the same firing, delivery and emitted-event ids to the same event under version 1 and version 2 of a rule', () => {
  const e = event({ type: 'signed_up' });
  const first = step(new RuleSet([rule(document, 1)]), subject(), { kind: 'event', event: e }, clock);
  const changed = { ...document, then: [...document.then, { log: { message: 'changed' } }] };
  const replay = step(new RuleSet([rule(changed, 2)]), subject(), { kind: 'event', event: e }, clock);
  const [v1] = first.firings;
  const [v2] = replay.firings;
  assert.equal(v1.ruleVersion, 1);
  assert.equal(v2.ruleVersion, 2);
  assert.equal(v2.id, v1.id);
  assert.equal(v2.deliveries[0].id, v1.deliveries[0].id);
  assert.equal(v2.deliveries[0].context.firing.version, 2, 'the version stays on the firing as data');
  assert.equal(replay.emits[0].id, first.emits[0].id);
});
