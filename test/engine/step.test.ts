import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { step } from '../../src/engine/step.ts';
import { RuleSet } from '../../src/engine/ruleset.ts';
import { rule, event, subject } from './helpers.ts';

const clock = { now: 1_700_000_100_000 };
const webhook = { webhook: { url: 'https://hooks.example.com/x', body: { to: '{{ subject.id }}' } } };

describe('engine step', () => {
  it('fires a match rule for its event type and a where condition over event and subject', () => {
    const rules = new RuleSet([rule({ id: 'r', when: { event: 'cart_updated', where: 'event.properties.total >= 30 && subject.country == "KR"' }, then: [webhook] })]);
    const out = step(rules, subject({ country: 'KR' }), { kind: 'event', event: event({ type: 'cart_updated', properties: { total: 42 } }) }, clock);
    assert.equal(out.firings.length, 1);
    const [firing] = out.firings;
    assert.equal(firing.ruleId, 'r');
    assert.equal(firing.deliveries.length, 1);
    assert.equal(firing.deliveries[0].id, `${firing.id}.0`);
    const where = firing.trace.steps.find((s) => s.check === 'where');
    assert.deepEqual(where && 'values' in where ? where.values : undefined, { 'event.properties.total': 42, 'subject.country': 'KR' });
  });

  it('does not fire when the condition is false, or for another event type', () => {
    const rules = new RuleSet([rule({ id: 'r', when: { event: ['a', 'b'], where: 'event.properties.n > 1' }, then: [webhook] })]);
    assert.equal(step(rules, subject(), { kind: 'event', event: event({ type: 'a', properties: { n: 1 } }) }, clock).firings.length, 0);
    assert.equal(step(rules, subject(), { kind: 'event', event: event({ type: 'c', properties: { n: 5 } }) }, clock).firings.length, 0);
    assert.equal(step(rules, subject(), { kind: 'event', event: event({ type: 'b', properties: { n: 5 } }) }, clock).firings.length, 1);
  });

  it('treats a runtime error (a missing property) as false, without throwing', () => {
    const r = rule({ id: 'r', when: { event: '*', where: 'event.properties.missing > 1' }, then: [webhook] });
    const out = step(new RuleSet([r]), subject(), { kind: 'event', event: event({ type: 'x' }) }, clock);
    assert.equal(out.firings.length, 0);
  });

  it('gives the same firing id when the same event is processed again (crash replay)', () => {
    const rules = new RuleSet([rule({ id: 'r', when: { event: 'x' }, then: [webhook] })]);
    const e = event({ type: 'x' });
    assert.equal(step(rules, subject(), { kind: 'event', event: e }, clock).firings[0].id, step(rules, subject(), { kind: 'event', event: e }, { now: 5 }).firings[0].id);
  });

  it('merges identify properties into the subject before rules run; null removes; __proto__ is data', () => {
    const r = rule({ id: 'r', when: { event: 'identify', where: 'subject.plan == "pro"' }, then: [{ log: { message: 'hi' } }] });
    const traits = JSON.parse('{"plan": "pro", "old": null, "__proto__": {"polluted": true}}');
    const out = step(new RuleSet([r]), subject({ old: 1 }), { kind: 'event', event: event({ type: 'identify', properties: traits }) }, clock);
    assert.equal(out.subjectChanged, true);
    assert.equal(out.subject.attributes.plan, 'pro');
    assert.equal('old' in out.subject.attributes, false);
    assert.deepEqual(Object.getOwnPropertyDescriptor(out.subject.attributes, '__proto__')?.value, { polluted: true });
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(out.firings.length, 1);
  });

  it('applies set actions after all rules saw the subject as it was', () => {
    const rules = new RuleSet([
      rule({ id: 'a', when: { event: 'x' }, then: [{ set: { tier: 'gold', total: '{{ event.properties.total }}' } }] }),
      rule({ id: 'b', when: { event: 'x', where: '!has(subject.tier)' }, then: [{ log: { message: 'first time' } }] }),
    ]);
    const out = step(rules, subject(), { kind: 'event', event: event({ type: 'x', properties: { total: 7 } }) }, clock);
    assert.equal(out.firings.length, 2);
    assert.equal(out.subject.attributes.tier, 'gold');
    assert.equal(out.subject.attributes.total, 7);
  });

  it('emits a new event with the causing event id, and stops a chain at the depth limit', () => {
    const r = rule({ id: 'loop', when: { event: 'ping' }, then: [{ emit: { event: 'ping', properties: { n: '{{ event.properties.n }}' } } }] });
    const rules = new RuleSet([r]);
    const first = step(rules, subject(), { kind: 'event', event: event({ type: 'ping', id: 'root', properties: { n: 1 } }) }, clock, { maxEmitDepth: 2 });
    assert.equal(first.emits.length, 1);
    assert.equal(first.emits[0].causationId, 'root');
    assert.equal(first.emits[0].depth, 1);
    assert.deepEqual(first.emits[0].properties, { n: 1 });
    const deep = step(rules, subject(), { kind: 'event', event: event({ type: 'ping', depth: 2 }) }, clock, { maxEmitDepth: 2 });
    assert.equal(deep.emits.length, 0);
    assert.match(deep.firings[0].trace.actions?.[0].detail ?? '', /chain depth limit 2/);
  });
});
