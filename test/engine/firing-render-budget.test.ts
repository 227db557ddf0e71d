import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { step } from '../../src/engine/step.ts';
import { RuleSet } from '../../src/engine/ruleset.ts';
import { DEFAULT_RENDER_LIMITS } from '../../src/engine/render-limits.ts';
import { deliveryDestination } from '../../src/store/destination.ts';
import { rule, event, subject } from './helpers.ts';

const clock = { now: 1_700_000_100_000 };
const NESTED_LOOP = '{% for i in (1..100000000) %}{% for j in (1..100000000) %}x{% endfor %}{% endfor %}';
const options = { maxEmitDepth: 8, render: { ...DEFAULT_RENDER_LIMITS, steps: 200 } };

describe('a firing renders within one budget', () => {
  it('fails a set or emit over the budget with the limit named, keeps nothing of it, and other rules fire', () => {
    const rules = new RuleSet([
      rule({ id: 'hostile', when: { event: 'x' }, then: [{ set: { note: NESTED_LOOP, plan: 'gold' } }, { emit: { event: 'after', properties: { text: NESTED_LOOP } } }] }),
      rule({ id: 'kind', when: { event: 'x' }, then: [{ set: { seen: '{{ event.properties.n }}' } }, { emit: { event: 'thanks' } }] }),
    ]);
    const out = step(rules, subject({ plan: 'free' }), { kind: 'event', event: event({ type: 'x', properties: { n: 2 } }) }, clock, options);
    const hostile = out.firings.find((f) => f.ruleId === 'hostile')!;
    assert.deepEqual(hostile.trace.actions?.map((a) => [a.kind, a.outcome]), [['set', 'failed'], ['emit', 'failed']]);
    for (const a of hostile.trace.actions ?? []) assert.match(a.detail ?? '', /^render limit exceeded \(memory: /);
    assert.deepEqual({ ...out.subject.attributes }, { plan: 'free', seen: 2 }, 'nothing of the failed set, all of the other rule');
    assert.deepEqual(out.emits.map((e) => e.type), ['thanks']);
  });

  it('shares the budget between the actions of a firing, and gives each firing a budget of its own', () => {
    const loop = '{% for i in (1..40) %}x{% endfor %}'; // 81 steps
    const rules = new RuleSet([rule({ id: 'r', when: { event: 'x' }, then: [{ set: { a: loop } }, { set: { b: loop } }, { set: { c: loop } }] })]);
    const first = step(rules, subject(), { kind: 'event', event: event({ type: 'x' }) }, clock, options);
    assert.deepEqual(first.firings[0].trace.actions?.map((a) => a.outcome), ['applied', 'applied', 'failed']);
    assert.match(first.firings[0].trace.actions?.[2].detail ?? '', /steps/);
    const second = step(rules, first.subject, { kind: 'event', event: event({ type: 'x' }) }, clock, options);
    assert.deepEqual(second.firings[0].trace.actions?.map((a) => a.outcome), ['applied', 'applied', 'failed']);
  });

  it('caps the rendered size of each action', () => {
    const rules = new RuleSet([rule({ id: 'r', when: { event: 'x' }, then: [{ emit: { event: 'big', properties: { a: '{{ event.properties.s }}', b: '{{ event.properties.s }}' } } }, { set: { s: '{{ event.properties.s }}' } }] })]);
    const out = step(rules, subject(), { kind: 'event', event: event({ type: 'x', properties: { s: 'x'.repeat(600) } }) }, clock, { maxEmitDepth: 8, render: { ...DEFAULT_RENDER_LIMITS, actionBytes: 1000 } });
    const [emit, set] = out.firings[0].trace.actions ?? [];
    assert.equal(emit.outcome, 'failed');
    assert.match(emit.detail ?? '', /^render limit exceeded \(size: the action rendered to more than 1000 bytes\)/);
    assert.equal(set.outcome, 'applied', 'the size counts per action');
    assert.equal(out.emits.length, 0);
  });

  it('keys each delivery by the host its URL renders to, not by the template', () => {
    const rules = new RuleSet([rule({ id: 'r', when: { event: 'x' }, then: [
      { webhook: { url: 'https://hooks.{{ event.properties.host }}/hook' } },
      { chat: { url: 'https://chat.{{ event.properties.host }}:8443/T1', text: 'hi' } },
      { webhook: { url: 'https://Static.Example.com/{{ subject.id }}' } },
      { log: { message: 'hi' } },
    ] })]);
    const destinations = (host: string) => step(rules, subject(), { kind: 'event', event: event({ type: 'x', properties: { host } }) }, clock).firings[0].deliveries.map((d) => d.destination);
    assert.deepEqual(destinations('a.example'), ['hooks.a.example', 'chat.a.example:8443', 'static.example.com', undefined]);
    assert.deepEqual(destinations('B.example'), ['hooks.b.example', 'chat.b.example:8443', 'static.example.com', undefined]);
    // Without the rendered key, both hosts fell under one key taken from the template's static prefix.
    assert.equal(deliveryDestination('webhook', { url: 'https://hooks.{{ event.properties.host }}/hook' }), 'hooks.');
  });
});
