// The condition budget is configured from the environment, with documented defaults.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../src/config.ts';
import { DEFAULT_CONDITION_LIMITS } from '../src/engine/condition-limits.ts';

it('reads IFTHEN_CONDITION_STEPS, IFTHEN_CONDITION_MS and IFTHEN_CONDITION_STRING_LENGTH, defaulting to DEFAULT_CONDITION_LIMITS', () => {
  assert.deepEqual(loadConfig({}).condition, DEFAULT_CONDITION_LIMITS);
  assert.deepEqual(DEFAULT_CONDITION_LIMITS, { maxSteps: 100_000, maxStringLength: 1_048_576, maxMs: 100 });
  const config = loadConfig({ IFTHEN_CONDITION_STEPS: '500', IFTHEN_CONDITION_MS: '20', IFTHEN_CONDITION_STRING_LENGTH: '4096' });
  assert.deepEqual(config.condition, { maxSteps: 500, maxMs: 20, maxStringLength: 4096 });
  assert.throws(() => loadConfig({ IFTHEN_CONDITION_STEPS: 'many' }), /IFTHEN_CONDITION_STEPS: must be a non-negative number/);
});
