import { it } from 'node:test';
import assert from 'node:assert/strict';
import { SubjectCache } from '../../src/processor/subject-cache.ts';

const state = (id: string) => ({ state: { id, attributes: {} }, version: 1 });

it('keeps the most recently set subjects and drops the oldest when full', () => {
  const cache = new SubjectCache(100);
  for (let i = 0; i < 100; i++) cache.set(state(`s${i}`));
  cache.set(state('s0')); // refreshed: now the newest
  cache.set(state('s100')); // over capacity: the oldest tenth goes
  assert.ok(cache.get('s0'), 'a refreshed entry survives');
  assert.ok(cache.get('s100'));
  assert.equal(cache.get('s1'), undefined);
  assert.equal(cache.get('s10'), undefined);
  assert.ok(cache.get('s11'));
});
