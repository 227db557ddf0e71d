import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DestinationSlots } from '../../src/dispatcher/destination-slots.ts';

const item = (destination: string, n: number) => ({ destination, n });

test('a destination at its limit is busy; rows beyond it wait locally without taking global slots', () => {
  const slots = new DestinationSlots<ReturnType<typeof item>>(2);
  assert.equal(slots.admit(item('a', 1)), true);
  assert.deepEqual(slots.busy(), []);
  assert.equal(slots.admit(item('a', 2)), true);
  assert.deepEqual(slots.busy(), ['a']);
  assert.equal(slots.admit(item('a', 3)), false);
  assert.equal(slots.admit(item('b', 4)), true);
  assert.equal(slots.running, 3);
  assert.equal(slots.queued, 1);

  assert.deepEqual(slots.release('a'), item('a', 3));
  assert.equal(slots.running, 3);
  assert.deepEqual(slots.busy(), ['a']);
  assert.equal(slots.release('a'), undefined);
  assert.deepEqual(slots.busy(), []);
  assert.equal(slots.running, 2);
});

test('drainQueued hands back the rows that never started', () => {
  const slots = new DestinationSlots<ReturnType<typeof item>>(1);
  slots.admit(item('a', 1));
  slots.admit(item('a', 2));
  slots.admit(item('a', 3));
  assert.deepEqual(slots.drainQueued().map((i) => i.n), [2, 3]);
  assert.equal(slots.queued, 0);
  assert.equal(slots.release('a'), undefined);
  assert.equal(slots.running, 0);
});
