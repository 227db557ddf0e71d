import { it } from 'node:test';
import assert from 'node:assert/strict';
import { SubjectCache, approxBytes } from '../../src/processor/subject-cache.ts';

const state = (id: string) => ({ state: { id, attributes: {} }, version: 1 });

it('keeps the most recently set subjects and drops the oldest when full', () => {
  const cache = new SubjectCache({ entries: 100, bytes: 1e9 });
  for (let i = 0; i < 100; i++) cache.set(state(`s${i}`));
  cache.set(state('s0')); // refreshed: now the newest
  cache.set(state('s100')); // over capacity: the oldest go, down to 90 %
  assert.ok(cache.get('s0'), 'a refreshed entry survives');
  assert.ok(cache.get('s100'));
  assert.equal(cache.size, 90);
  assert.equal(cache.get('s1'), undefined);
  assert.equal(cache.get('s11'), undefined);
  assert.ok(cache.get('s12'));
});

it('is bounded by the memory its states take, not only by their count', () => {
  const big = (id: string) => ({ state: { id, attributes: { bio: 'x'.repeat(10_000), tags: ['a', 'b'] } }, version: 1 });
  const cache = new SubjectCache({ entries: 1_000_000, bytes: 1_000_000 });
  for (let i = 0; i < 1000; i++) cache.set(big(`b${i}`));
  assert.ok(cache.bytes <= 1_000_000, `${cache.bytes} bytes held`);
  assert.ok(cache.size >= 80 && cache.size <= 100, `${cache.size} profiles of ~10 kB in 1 MB`);
  assert.ok(cache.get('b999'), 'the newest stays');
  assert.equal(cache.get('b0'), undefined);
});

it('counts a subject\'s memory (rules with memory) in its bytes, beside its attributes', () => {
  const remembering = (id: string) => ({ state: { id, attributes: {}, memory: { r: { window: Array.from({ length: 200 }, (_, i) => [1_700_000_000_000 + i, 1]) } } }, version: 1 });
  const cache = new SubjectCache({ entries: 1_000_000, bytes: 1_000_000 });
  for (let i = 0; i < 1000; i++) cache.set(remembering(`m${i}`));
  assert.ok(cache.bytes <= 1_000_000, `${cache.bytes} bytes held`);
  assert.ok(cache.size < 200, `${cache.size} subjects with ~10 kB of memory each in 1 MB`);
});

it('does not cache one profile larger than a tenth of the budget', () => {
  const cache = new SubjectCache({ entries: 100, bytes: 50_000 });
  cache.set({ state: { id: 'huge', attributes: { blob: 'y'.repeat(10_000) } }, version: 3 });
  assert.equal(cache.get('huge'), undefined);
  assert.equal(cache.bytes, 0);
});

it('estimates the size of strings, numbers, nested objects and arrays', () => {
  assert.ok(approxBytes({ a: 'x'.repeat(1000) }) > 1000);
  assert.ok(approxBytes({ list: Array.from({ length: 100 }, (_, i) => ({ i })) }) > 100 * 40);
  assert.ok(approxBytes({ n: 1, b: true, z: null }) < 200);
});
