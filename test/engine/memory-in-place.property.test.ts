// Property: a replay that changes the subjects' memory in place (EngineOptions.memoryInPlace, how the backtest
// runs) gives exactly what the copy-on-write step gives (the live processor's path, checked against a reference
// in memory.property.test.ts): the same firings, suppressions, errors, late events and final memories, for every
// trigger shape and limit, with bounds small enough that windows, pending instances and the memory bound trim.
// And a firing planned lazily (EngineOptions.planLazily, the backtest) reads the same as one planned at once.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { replay } from '../../src/engine/replay.ts';
import { RuleSet } from '../../src/engine/ruleset.ts';
import { DEFAULT_ENGINE_OPTIONS } from '../../src/engine/step.ts';
import { firingId, timerId } from '../../src/engine/ids.ts';
import { stableJson } from '../../src/engine/stable-json.ts';
import type { LoggedEvent } from '../../src/engine/event.ts';
import type { EngineOptions, Firing, MemoryLimits, SubjectState } from '../../src/engine/types.ts';
import { rule } from './helpers.ts';

const S = 1000;
const then = [{ log: { message: 'x {{ event.properties.n }}' } }];

const RULES = new RuleSet([
  rule({ id: 'count', when: { event: 'a', count: { at_least: 2, within: '2m' } }, limits: { per_subject: { max: 2, per: '5m' } }, then }),
  rule({ id: 'sum', when: { event: ['a', 'b'], sum: { of: 'event.properties.n', at_least: 6, within: '3m' } }, then }),
  rule({ id: 'distinct', when: { event: 'b', distinct: { of: 'event.properties.n', at_least: 3, within: '5m' }, wait: '1m' }, then }),
  rule({ id: 'seq', when: { event: 'c', after: [{ event: 'a', within: '2m' }, { event: 'b', within: '2m' }] }, limits: { dedupe: { key: 'event.properties.n', within: '2m' } }, then }),
  rule({ id: 'seq-unless', when: { event: 'b', after: { event: 'a', within: '3m' }, unless: { event: 'c', within: '2m' } }, then }),
  rule({ id: 'absence', when: { event: 'a', where: 'event.properties.n > 1', unless: { event: 'b', where: 'event.properties.n >= trigger.properties.n', within: '1m' } }, then }),
  rule({ id: 'wait', when: { event: 'c', wait: '90s' }, limits: { group: { name: 'g', max: 2, per: '10m' } }, then }),
  rule({ id: 'quiet', when: { event: 'a' }, limits: { quiet_hours: { from: '00:05', to: '00:08', then: 'delay' }, group: { name: 'g', max: 2, per: '10m' } }, then }),
  rule({ id: 'change', when: { change: { attribute: 'plan', from: 'pro' } }, then }),
  rule({ id: 'plain', when: { event: 'b', where: 'subject.plan == "pro"' }, then }),
]);

interface Spec { readonly type: string; readonly subject: string; readonly time: number; readonly delay: number; readonly n: number }

const specArb = fc.record({
  type: fc.constantFrom('a', 'b', 'c', 'identify'),
  subject: fc.constantFrom('u1', 'u2', 'u3'),
  time: fc.integer({ min: 0, max: 60 }).map((x) => x * 15 * S),
  delay: fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0, max: 60 }).map((x) => x * S) }, { weight: 1, arbitrary: fc.integer({ min: 61, max: 200 }).map((x) => x * S) }),
  n: fc.integer({ min: 0, max: 5 }),
});

function log(specs: readonly Spec[]): LoggedEvent[] {
  const events = specs.map((s, i) => ({
    seq: 0, id: `e${i}`, type: s.type, subject: s.subject, time: s.time, receivedAt: s.time + s.delay, depth: 0, i,
    properties: s.type === 'identify' ? { plan: ['pro', 'free', null][s.n % 3] } : { n: s.n, pad: 'x'.repeat(s.n * 40) },
  }));
  events.sort((a, b) => a.receivedAt - b.receivedAt || a.i - b.i);
  return events.map(({ i: _, ...e }, k) => ({ ...e, seq: k + 1 }));
}

function run(events: readonly LoggedEvent[], engine: EngineOptions) {
  const out: unknown[] = [];
  const subjects = new Map<string, SubjectState>();
  const summary = replay(RULES, events, {
    firing: (f) => out.push(['firing', f]),
    suppression: (s) => out.push(['suppression', s]),
    error: (e, input) => out.push(['error', e, input]),
    late: (e) => out.push(['late', e.id]),
  }, { engine, subjects, until: 10 ** 7 });
  // Memories as their JSON, keys sorted (an entry changed in place may list its fields in another order), and
  // their exact length (what the memory bound measures); attributes as plain data.
  const states = [...subjects.entries()].sort().map(([id, s]) => [id, { ...s.attributes }, stableJson(s.memory ?? null), JSON.stringify(s.memory ?? null).length]);
  return { summary, out, states };
}

describe('memory changed in place (the backtest) equals the copy-on-write step (live)', () => {
  it('same firings, suppressions, errors and final memories, with bounds that trim', () => {
    fc.assert(fc.property(fc.array(specArb, { maxLength: 60 }), fc.constantFrom(600, 1500, 65_536), fc.constantFrom(2, 3, 1000), (specs, maxMemoryBytes, small) => {
      const events = log(specs);
      const memory: MemoryLimits = { allowedLatenessMs: 60 * S, maxWindowEvents: small, maxPending: small, maxMemoryBytes };
      const copy = run(events, { ...DEFAULT_ENGINE_OPTIONS, memory });
      const inPlace = run(events, { ...DEFAULT_ENGINE_OPTIONS, memory, memoryInPlace: true });
      assert.deepEqual(inPlace.summary, copy.summary);
      assert.deepEqual(inPlace.out, copy.out);
      assert.deepEqual(inPlace.states, copy.states);
    }), { numRuns: 300 });
  });

  it('explain decisions are the same too', () => {
    fc.assert(fc.property(fc.array(specArb, { maxLength: 40 }), (specs) => {
      const events = log(specs);
      const decisions = (memoryInPlace: boolean) => {
        const seen: unknown[] = [];
        replay(RULES, events, { decision: (d, input) => seen.push([d, input.kind]) }, { engine: { ...DEFAULT_ENGINE_OPTIONS, explain: true, memoryInPlace }, until: 10 ** 7 });
        return seen;
      };
      assert.deepEqual(decisions(true), decisions(false));
    }), { numRuns: 100 });
  });

  it('a firing planned lazily (the backtest) reads the same as one planned at once', () => {
    const rules = new RuleSet([
      ...['count', 'seq', 'absence', 'quiet', 'plain'].map((id) => RULES.get(id)!),
      rule({ id: 'hook', when: { event: 'a', where: 'event.properties.n >= 2' }, then: [{ webhook: { url: 'https://{{ subject.plan }}.example.com/{{ event.properties.n }}' } }] }),
      rule({ id: 'setter', when: { event: 'b' }, then: [{ set: { plan: 'pro', last: '{{ event.properties.n }}' } }, { emit: { event: 'x' } }] }),
    ]);
    const plain = (f: Firing) => ({ id: f.id, ruleId: f.ruleId, ruleVersion: f.ruleVersion, subject: f.subject, eventIds: f.eventIds, group: f.group, time: f.time, firingTime: f.firingTime, trace: f.trace, deliveries: f.deliveries });
    fc.assert(fc.property(fc.array(specArb, { maxLength: 40 }), (specs) => {
      const events = log(specs);
      const firings = (planLazily: boolean) => {
        const seen: Firing[] = [];
        replay(rules, events, { firing: (f) => seen.push(f) }, { engine: { ...DEFAULT_ENGINE_OPTIONS, memoryInPlace: planLazily, planLazily }, until: 10 ** 7 });
        return seen.map(plain); // read after the whole replay: a lazy plan made late is the same
      };
      assert.deepEqual(firings(true), firings(false));
    }), { numRuns: 100 });
  });

  it('ids are the digests they always were (crypto.hash gives createHash\'s)', () => {
    assert.equal(firingId('rule', 'e_123'), 'f_hrSWdAY43D8BcpdkXxCv5p');
    assert.match(timerId('r', 'u1', 'unless', 'e1'), /^t_[A-Za-z0-9_-]{22}$/);
  });
});
