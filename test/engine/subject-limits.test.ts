// A subject's profile stays within its bound (attribute count, JSON bytes): an identify or a `set` that
// would exceed it is not applied, and the step says so.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { step } from '../../src/engine/step.ts';
import { RuleSet } from '../../src/engine/ruleset.ts';
import type { EngineOptions } from '../../src/engine/types.ts';
import { rule, event, subject } from './helpers.ts';

const clock = { now: 1_700_000_100_000 };
const options: EngineOptions = { maxEmitDepth: 8, subject: { maxAttributes: 3, maxBytes: 200 } };
const onIdentify = rule({ id: 'seen', when: { event: 'identify', where: 'subject.plan == "free"' }, then: [{ log: { message: 'seen' } }] });

describe('the subject profile bound', () => {
  it('does not apply an identify that would give a subject more attributes than the limit, and reports it', () => {
    const before = subject({ plan: 'free', a: 1 });
    const out = step(new RuleSet([onIdentify]), before, { kind: 'event', event: event({ type: 'identify', properties: { b: 2, c: 3 } }) }, clock, options);
    assert.equal(out.subjectChanged, false);
    assert.deepEqual({ ...out.subject.attributes }, { plan: 'free', a: 1 });
    assert.equal(out.eventError, 'identify not applied: the profile would have 4 attributes; a subject may have at most 3 (limit IFTHEN_MAX_SUBJECT_ATTRIBUTES)');
    assert.equal(out.firings.length, 1, 'rules still run, on the profile as it was');
  });

  it('does not apply an identify that would make the profile larger than the byte limit', () => {
    const out = step(new RuleSet([]), subject({ plan: 'free' }), { kind: 'event', event: event({ type: 'identify', properties: { bio: 'x'.repeat(300) } }) }, clock, options);
    assert.equal(out.subjectChanged, false);
    assert.match(out.eventError ?? '', /^identify not applied: the profile would take \d+ bytes as JSON; a subject's attributes may take at most 200 \(limit IFTHEN_MAX_SUBJECT_BYTES\)$/);
  });

  it('applies an identify within the bound, and one that shrinks a profile already over it', () => {
    const within = step(new RuleSet([]), subject({ plan: 'free' }), { kind: 'event', event: event({ type: 'identify', properties: { a: 1 } }) }, clock, options);
    assert.equal(within.eventError, undefined);
    assert.deepEqual({ ...within.subject.attributes }, { plan: 'free', a: 1 });
    const over = subject({ a: 1, b: 2, c: 3, d: 4, e: 5 });
    const shrunk = step(new RuleSet([]), over, { kind: 'event', event: event({ type: 'identify', properties: { a: null } }) }, clock, options);
    assert.equal(shrunk.eventError, undefined);
    assert.deepEqual(Object.keys(shrunk.subject.attributes), ['b', 'c', 'd', 'e']);
  });

  it('fails a set action that would exceed the bound: outcome failed naming the limit, nothing changed, a rule error', () => {
    const rules = new RuleSet([
      rule({ id: 'a-small', when: { event: 'x' }, then: [{ set: { tier: 'gold' } }] }),
      rule({ id: 'b-big', when: { event: 'x' }, then: [{ log: { message: 'hi' } }, { set: { one: 1, two: 2 } }] }),
    ]);
    const out = step(rules, subject({ plan: 'free' }), { kind: 'event', event: event({ type: 'x' }) }, clock, options);
    assert.deepEqual({ ...out.subject.attributes }, { plan: 'free', tier: 'gold' });
    const [small, big] = out.firings;
    assert.equal(small.trace.actions?.[0].outcome, 'applied');
    assert.equal(big.trace.actions?.[0].outcome, 'queued');
    assert.equal(big.trace.actions?.[1].outcome, 'failed');
    assert.match(big.trace.actions?.[1].detail ?? '', /not applied: the profile would have 4 attributes; a subject may have at most 3 \(limit IFTHEN_MAX_SUBJECT_ATTRIBUTES\)/);
    assert.deepEqual(out.errors.map((e) => e.ruleId), ['b-big']);
    assert.match(out.errors[0].message, /^then: set not applied: /);
  });
});
