// The settings of rules with memory's tools are read with the others, from the environment given to loadConfig.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../src/config.ts';
import { DEFAULT_BACKTEST_CONFIG } from '../src/backtest/config.ts';

it('reads IFTHEN_BACKTEST_* and IFTHEN_SUBJECT_TIMELINE, with their documented defaults', () => {
  const defaults = loadConfig({});
  assert.deepEqual(defaults.backtest, DEFAULT_BACKTEST_CONFIG);
  assert.deepEqual(DEFAULT_BACKTEST_CONFIG, { timeoutMs: 25_000, memoryMb: 512, maxQueued: 4 });
  assert.equal(defaults.subjectTimeline, true);
  const set = loadConfig({ IFTHEN_BACKTEST_TIMEOUT_MS: '5000', IFTHEN_BACKTEST_MEMORY_MB: '256', IFTHEN_BACKTEST_QUEUE: '0', IFTHEN_SUBJECT_TIMELINE: 'off' });
  assert.deepEqual(set.backtest, { timeoutMs: 5000, memoryMb: 256, maxQueued: 0 });
  assert.equal(set.subjectTimeline, false);
  assert.throws(() => loadConfig({ IFTHEN_BACKTEST_MEMORY_MB: '8' }), /IFTHEN_BACKTEST_MEMORY_MB: must be an integer of at least 64/);
});
