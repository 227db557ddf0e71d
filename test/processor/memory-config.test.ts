// The bounds of rules with memory and the suppressions' retention are configured from the environment, with
// the engine's documented defaults.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config.ts';

it('reads IFTHEN_ALLOWED_LATENESS_MS, IFTHEN_MAX_WINDOW_EVENTS, IFTHEN_MAX_PENDING, IFTHEN_MAX_SUBJECT_MEMORY_BYTES and IFTHEN_RETENTION_SUPPRESSIONS_MS', () => {
  const defaults = loadConfig({});
  assert.deepEqual(defaults.memory, { allowedLatenessMs: 60_000, maxWindowEvents: 1000, maxPending: 20, maxMemoryBytes: 65_536 });
  assert.equal(defaults.retention.suppressionsMs, defaults.retention.firingsMs, 'kept like firings by default');
  const config = loadConfig({
    IFTHEN_ALLOWED_LATENESS_MS: '500', IFTHEN_MAX_WINDOW_EVENTS: '50', IFTHEN_MAX_PENDING: '3', IFTHEN_MAX_SUBJECT_MEMORY_BYTES: '4096', IFTHEN_RETENTION_SUPPRESSIONS_MS: '0',
  });
  assert.deepEqual(config.memory, { allowedLatenessMs: 500, maxWindowEvents: 50, maxPending: 3, maxMemoryBytes: 4096 });
  assert.equal(config.retention.suppressionsMs, 0);
  assert.throws(() => loadConfig({ IFTHEN_MAX_PENDING: 'lots' }), /IFTHEN_MAX_PENDING: must be a non-negative number/);
});
