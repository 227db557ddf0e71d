// The rule language's holdout, goal(s) and guardrails: errors name the path and the reason.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { validateRule } from '../../src/engine/rule/validate.ts';

const base = { id: 'r1', when: { event: 'signup' }, then: [{ log: { message: 'x' } }] };
const errorsOf = (doc: unknown) => {
  const result = validateRule(doc);
  return result.ok ? [] : result.errors.map((e) => `${e.path}: ${e.message}`);
};

describe('holdout and goals in the rule language', () => {
  it('accepts the design example and its variants', () => {
    assert.deepEqual(errorsOf({ ...base, holdout: { percent: 10 }, goal: { event: 'order_completed', within: '3d', value: 'event.properties.revenue' }, guardrails: [{ event: 'unsubscribed', within: '7d' }] }), []);
    assert.deepEqual(errorsOf({ ...base, holdout: { percent: 50, salt: 'x', global_control: true }, goals: [{ event: 'a', within: '1d' }, { event: 'a', within: '2d', name: 'a2', where: 'event.properties.n > now.getHours()' }] }), []);
    assert.deepEqual(errorsOf({ ...base, goal: { event: ['a', 'b'], within: '90d' } }), [], 'a goal without a holdout: exposures of treatment only');
  });

  it('still names a broken trigger and its condition beside the goals', () => {
    const errors = errorsOf({ ...base, when: { event: 'x', bogus: 1, where: 'event.propertes.total > 1' }, goal: { event: 'a', within: '91d' } });
    assert.equal(errors.length, 3, errors.join('; '));
    assert.ok(errors.includes('when.bogus: is not a known field'));
    assert.ok(errors.some((e) => e.startsWith('when.where: No such key: propertes')));
    assert.ok(errors.includes('goal.within: must be at most 90d (91d given)'));
  });

  it('bounds the holdout share', () => {
    assert.deepEqual(errorsOf({ ...base, holdout: { percent: 0 } }), ['holdout.percent: must be a number above 0 and at most 50']);
    assert.deepEqual(errorsOf({ ...base, holdout: { percent: 60 } }), ['holdout.percent: must be a number above 0 and at most 50']);
    assert.equal(errorsOf({ ...base, holdout: { percent: 5, extra: 1 } }).length, 1);
  });

  it('bounds goal windows and names the path', () => {
    assert.deepEqual(errorsOf({ ...base, goal: { event: 'a', within: '91d' } }), ['goal.within: must be at most 90d (91d given)']);
    assert.deepEqual(errorsOf({ ...base, guardrails: [{ event: 'a', within: '1d' }, { event: 'b', within: '0s' }] }), ['guardrails[1].within: must be longer than 0']);
    assert.match(errorsOf({ ...base, goal: { event: 'a' } })[0], /^goal\.within: /);
  });

  it('wants metric names unique, goal or goals, and no "*"', () => {
    assert.deepEqual(errorsOf({ ...base, goal: { event: 'a', within: '1d' }, guardrails: [{ event: 'a', within: '1d' }] }), ['guardrails[0].event: metric name "a" is taken by goal; give each metric a distinct name']);
    assert.deepEqual(errorsOf({ ...base, goals: [{ event: 'a', within: '1d' }, { event: 'b', within: '1d', name: 'a' }] }), ['goals[1].name: metric name "a" is taken by goals[0]; give each metric a distinct name']);
    assert.deepEqual(errorsOf({ ...base, goal: { event: 'a', within: '1d' }, goals: [{ event: 'b', within: '1d' }] }), ['goals: give goal or goals, not both (the first of goals is primary)']);
    assert.deepEqual(errorsOf({ ...base, goal: { event: '*', within: '1d' } }), ['goal.event: must name event types ("*" would count every event)']);
  });

  it('compiles where and value, which read event and now only', () => {
    assert.match(errorsOf({ ...base, goal: { event: 'a', within: '1d', value: 'evnt.x' } })[0], /^goal\.value: Unknown variable: evnt/);
    assert.match(errorsOf({ ...base, goal: { event: 'a', within: '1d', where: 'event.type' } })[0], /^goal\.where: .*true\/false/);
    assert.deepEqual(errorsOf({ ...base, goals: [{ event: 'a', within: '1d', where: 'subject.plan == "pro"' }] }), ['goals[0].where: may read event and now only (goal events are counted without loading the subject)']);
  });
});
