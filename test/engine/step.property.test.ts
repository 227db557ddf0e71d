// Property: the indexed engine fires exactly what a plain filter over (rule × event) says it should.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { step } from '../../src/engine/step.ts';
import { RuleSet } from '../../src/engine/ruleset.ts';
import { rule, subject } from './helpers.ts';
import type { LoggedEvent } from '../../src/engine/event.ts';

const TYPES = ['a', 'b', 'c', 'd'];
const ruleSpec = fc.record({
  types: fc.oneof(fc.constant('*' as const), fc.uniqueArray(fc.constantFrom(...TYPES), { minLength: 1, maxLength: 3 })),
  threshold: fc.option(fc.integer({ min: -5, max: 5 }), { nil: undefined }),
});
const eventSpec = fc.record({ type: fc.constantFrom(...TYPES, 'z'), n: fc.option(fc.integer({ min: -10, max: 10 }), { nil: undefined }) });

it('fires the same (rule, event) pairs as a reference filter', () => {
  fc.assert(
    fc.property(fc.array(ruleSpec, { minLength: 1, maxLength: 8 }), fc.array(eventSpec, { minLength: 1, maxLength: 30 }), (specs, events) => {
      const rules = specs.map((s, i) => rule({
        id: `r${i}`,
        when: { event: s.types, ...(s.threshold !== undefined ? { where: `event.properties.n > ${s.threshold}` } : {}) },
        then: [{ log: { message: 'x' } }],
      }));
      const set = new RuleSet(rules);
      const actual = new Set<string>();
      const expected = new Set<string>();
      events.forEach((e, i) => {
        const logged: LoggedEvent = { seq: i + 1, id: `e${i}`, type: e.type, subject: 'u', time: 0, receivedAt: 0, properties: e.n === undefined ? {} : { n: e.n }, depth: 0 };
        for (const f of step(set, subject(), { kind: 'event', event: logged }, { now: 0 }).firings) actual.add(`${f.ruleId}/${f.eventIds[0]}`);
        specs.forEach((s, r) => {
          const typeOk = s.types === '*' || s.types.includes(e.type);
          const whereOk = s.threshold === undefined || (e.n !== undefined && e.n > s.threshold);
          if (typeOk && whereOk) expected.add(`r${r}/e${i}`);
        });
      });
      assert.deepEqual([...actual].sort(), [...expected].sort());
    }),
    { numRuns: 200 },
  );
});
