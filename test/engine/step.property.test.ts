// Property: the indexed engine fires exactly what a plain filter over (rule × event) says it should, and
// reports a rule error exactly where the condition reads a property the event lacks.
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

it('fires the same (rule, event) pairs as a reference filter, and errs on the same (rule, event) pairs', () => {
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
      const actualErrors = new Set<string>();
      const expectedErrors = new Set<string>();
      events.forEach((e, i) => {
        const logged: LoggedEvent = { seq: i + 1, id: `e${i}`, type: e.type, subject: 'u', time: 0, receivedAt: 0, properties: e.n === undefined ? {} : { n: e.n }, depth: 0 };
        const out = step(set, subject(), { kind: 'event', event: logged }, { now: 0 });
        for (const f of out.firings) actual.add(`${f.ruleId}/${f.eventIds[0]}`);
        for (const e of out.errors) actualErrors.add(`${e.ruleId}/e${i}`);
        specs.forEach((s, r) => {
          const typeOk = s.types === '*' || s.types.includes(e.type);
          const whereOk = s.threshold === undefined || (e.n !== undefined && e.n > s.threshold);
          if (typeOk && whereOk) expected.add(`r${r}/e${i}`);
          if (typeOk && s.threshold !== undefined && e.n === undefined) expectedErrors.add(`r${r}/e${i}`);
        });
      });
      assert.deepEqual([...actual].sort(), [...expected].sort());
      assert.deepEqual([...actualErrors].sort(), [...expectedErrors].sort());
    }),
    { numRuns: 200 },
  );
});
