// Regular expressions in conditions run on RE2 (linear time), and what RE2 cannot run is refused at save time.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { step } from '../../src/engine/step.ts';
import { RuleSet } from '../../src/engine/ruleset.ts';
import { validateRule } from '../../src/engine/rule/validate.ts';
import { rule, event, subject } from './helpers.ts';

const clock = { now: 1_700_000_100_000 };
const log = { log: { message: 'matched' } };
const run = (where: string, properties: Record<string, unknown>) =>
  step(new RuleSet([rule({ id: 'r', when: { event: 'x', where }, then: [log] })]), subject(), { kind: 'event', event: event({ type: 'x', properties }) }, clock);

describe('matches in conditions', () => {
  it('answers a catastrophic-backtracking pattern at once (31 letters and "!" took 10 s on RegExp)', () => {
    const started = performance.now();
    const out = run("event.properties.name.matches('^(\\\\w+\\\\s?)*$')", { name: `${'a'.repeat(31)}!` });
    assert.ok(performance.now() - started < 1000, `took ${performance.now() - started} ms`);
    assert.equal(out.firings.length, 0);
    assert.deepEqual(out.errors, []);
    assert.equal(run("event.properties.name.matches('^(\\\\w+\\\\s?)*$')", { name: 'hello big world' }).firings.length, 1);
  });

  it('runs the function form matches(text, pattern) on RE2 too', () => {
    assert.equal(run("matches(event.properties.email, '^[a-z]+@example\\\\.com$')", { email: 'kim@example.com' }).firings.length, 1);
    assert.equal(run("matches(event.properties.email, '^[a-z]+@example\\\\.com$')", { email: 'kim@example.org' }).firings.length, 0);
  });

  it('refuses at save a pattern literal RE2 does not accept, naming when.where and the reason', () => {
    for (const [where, reason] of [
      ["event.properties.name.matches('(a)\\\\1')", /backreference|invalid escape sequence/],
      ["matches(event.properties.name, 'a(?=b)')", /unsupported Perl syntax|lookahead/],
      ["event.properties.name.matches('(?<!x)y')", /invalid named capture|lookbehind/],
    ] as const) {
      const checked = validateRule({ id: 'r', when: { event: 'x', where }, then: [log] });
      assert.equal(checked.ok, false, where);
      if (checked.ok) continue;
      assert.equal(checked.errors[0].path, 'when.where');
      assert.match(checked.errors[0].message, /invalid regular expression/);
      assert.match(checked.errors[0].message, reason);
      assert.match(checked.errors[0].message, /RE2 syntax/);
    }
  });

  it('makes a condition false with a rule error when a pattern from event data is not RE2', () => {
    const out = run('event.properties.name.matches(event.properties.pattern)', { name: 'aa', pattern: '(a)\\1' });
    assert.equal(out.firings.length, 0);
    assert.equal(out.errors.length, 1);
    assert.match(out.errors[0].message, /^when\.where: matches: invalid regular expression '\(a\)\\1'/);
  });
});
