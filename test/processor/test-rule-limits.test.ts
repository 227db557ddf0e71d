import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { test } from 'node:test';
import { testRule } from '../../src/processor/test-rule.ts';
import { DEFAULT_RENDER_LIMITS } from '../../src/engine/render-limits.ts';
import type { RuleDocument } from '../../src/engine/rule/schema.ts';

const NESTED_LOOP = '{% for i in (1..100000000) %}{% for j in (1..100000000) %}x{% endfor %}{% endfor %}';
const LIMITS = { propertyDepth: 8, typeLength: 200, subjectAttributes: 100, subjectBytes: 65536 };

test('testing a rule whose templates run past their budget answers at once with each action failed and the limit named', () => {
  const document = {
    id: 'hostile', when: { event: 'x' },
    then: [{ set: { note: NESTED_LOOP } }, { webhook: { url: 'https://a.example/', body: NESTED_LOOP } }, { log: { message: '{% for i in (1..event.properties.n) %}x{% endfor %}' } }],
  } as unknown as RuleDocument;
  const started = performance.now();
  const result = testRule({
    document, version: 1, event: { type: 'x', subject: 'u1', properties: { n: 200_000 } }, attributes: {}, now: Date.parse('2025-01-01T00:00:00Z'),
    limits: LIMITS, secretNames: [], maxEmitDepth: 3, render: { ...DEFAULT_RENDER_LIMITS, steps: 1000 },
  }) as { trace: { actions: Array<{ outcome: string; detail?: string }> }; subjectAfter: Record<string, unknown> };
  assert.ok(performance.now() - started < 2000);
  assert.deepEqual(result.trace.actions.map((a) => a.outcome), ['failed', 'failed', 'failed']);
  assert.match(result.trace.actions[0].detail ?? '', /^render limit exceeded \(memory: /);
  assert.match(result.trace.actions[1].detail ?? '', /^template error: body: render limit exceeded \(memory: /);
  assert.match(result.trace.actions[2].detail ?? '', /^template error: message: render limit exceeded \(steps: more than 1000 /, 'the configured limits are used');
  assert.deepEqual(result.subjectAfter, {});
});
