// Each condition evaluation runs under a budget (steps, built string length, wall time): what exceeds it is
// false for that rule, with a recorded reason, and never throws out of step() nor holds the thread.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { step } from '../../src/engine/step.ts';
import { RuleSet } from '../../src/engine/ruleset.ts';
import type { EngineOptions } from '../../src/engine/types.ts';
import { DEFAULT_CONDITION_LIMITS } from '../../src/engine/condition-limits.ts';
import { rule, event, subject } from './helpers.ts';

const clock = { now: 1_700_000_100_000 };
const log = { log: { message: 'matched' } };
const list = Array.from({ length: 100 }, (_, i) => i);
const cubic = 'event.properties.l.all(x, event.properties.l.all(y, event.properties.l.all(z, x + y + z >= 0.0)))';

function run(where: string, properties: Record<string, unknown>, options: Partial<EngineOptions> = {}) {
  const rules = new RuleSet([
    rule({ id: 'heavy', when: { event: 'x', where }, then: [log] }),
    rule({ id: 'light', when: { event: 'x', where: 'size(event.properties) > 0' }, then: [log] }),
  ]);
  return step(rules, subject(), { kind: 'event', event: event({ type: 'x', properties }) }, clock, { maxEmitDepth: 8, ...options });
}

describe('the condition budget', () => {
  it(`stops nested comprehensions over event data after ${DEFAULT_CONDITION_LIMITS.maxSteps} steps; the other rules still fire`, () => {
    const started = performance.now();
    const out = run(cubic, { l: list });
    assert.ok(performance.now() - started < 2000, `took ${performance.now() - started} ms`);
    assert.deepEqual(out.firings.map((f) => f.ruleId), ['light']);
    assert.deepEqual(out.errors, [{ ruleId: 'heavy', message: `when.where: condition exceeded its budget of ${DEFAULT_CONDITION_LIMITS.maxSteps} steps (limit IFTHEN_CONDITION_STEPS)` }]);
  });

  it('counts an overrun that cel-js would absorb (|| true, exists) as false, not true', () => {
    const out = run(`${cubic} || true`, { l: list }, { condition: { ...DEFAULT_CONDITION_LIMITS, maxSteps: 5000 } });
    assert.deepEqual(out.firings.map((f) => f.ruleId), ['light']);
    assert.match(out.errors[0].message, /budget of 5000 steps/);
  });

  it('refuses a string built past the length budget', () => {
    const doubling = 'cel.bind(a, event.properties.s + event.properties.s, cel.bind(b, a + a, cel.bind(c, b + b, cel.bind(d, c + c, size(d) > 0))))';
    const out = run(doubling, { s: 'x'.repeat(1000) }, { condition: { ...DEFAULT_CONDITION_LIMITS, maxStringLength: 10_000 } });
    assert.deepEqual(out.firings.map((f) => f.ruleId), ['light']);
    assert.match(out.errors[0].message, /budget of 10000 characters in a string it built/);
  });

  it('charges lists built by + one step per element', () => {
    const doubling = 'cel.bind(a, event.properties.l + event.properties.l, cel.bind(b, a + a, cel.bind(c, b + b, cel.bind(d, c + c, size(d) > 0))))';
    const out = run(doubling, { l: Array.from({ length: 1000 }, (_, i) => i) }, { condition: { ...DEFAULT_CONDITION_LIMITS, maxSteps: 10_000 } });
    assert.deepEqual(out.firings.map((f) => f.ruleId), ['light']);
    assert.match(out.errors[0].message, /budget of 10000 steps/);
  });

  it('charges a list scanned by in one step per element', () => {
    const l = Array.from({ length: 2000 }, (_, i) => i);
    const out = run('event.properties.l.all(x, x in event.properties.l)', { l });
    assert.deepEqual(out.firings.map((f) => f.ruleId), ['light']);
    assert.match(out.errors[0].message, /budget of 100000 steps/);
  });

  it('stops on the wall-time budget, read from the injected clock', () => {
    let now = 0;
    const wallClock = () => (now += 10); // every read: 10 ms later
    const out = run(cubic, { l: list }, { condition: { ...DEFAULT_CONDITION_LIMITS, maxMs: 50 }, wallClock });
    assert.deepEqual(out.firings.map((f) => f.ruleId), ['light']);
    assert.equal(out.errors[0].message, 'when.where: condition exceeded its budget of 50 ms (limit IFTHEN_CONDITION_MS)');
  });

  it('lets a condition within its budget fire', () => {
    const out = run('event.properties.l.exists(x, x == 99.0)', { l: list });
    assert.deepEqual(out.firings.map((f) => f.ruleId), ['heavy', 'light']);
    assert.deepEqual(out.errors, []);
  });
});

describe('rule errors', () => {
  it('reports a condition that reads a missing key or compares a number with a string, per rule', () => {
    const rules = new RuleSet([
      rule({ id: 'typo', when: { event: 'cart_updated', where: 'subject.contry == "KR"' }, then: [log] }),
      rule({ id: 'types', when: { event: 'cart_updated', where: 'event.properties.total >= "30"' }, then: [log] }),
      rule({ id: 'fine', when: { event: 'cart_updated', where: 'event.properties.total >= 30' }, then: [log] }),
    ]);
    const out = step(rules, subject({ country: 'KR' }), { kind: 'event', event: event({ type: 'cart_updated', properties: { total: 42 } }) }, clock);
    assert.deepEqual(out.firings.map((f) => f.ruleId), ['fine']);
    assert.deepEqual(out.errors.map((e) => e.ruleId), ['types', 'typo']);
    assert.match(out.errors[0].message, /^when\.where: no such overload: dyn<double> >= string/);
    assert.equal(out.errors[1].message, 'when.where: No such key: contry');
  });
});
