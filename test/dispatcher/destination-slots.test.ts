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

test('a destination holds only its slots until its latency is known, then up to 16x for a fast one', () => {
  const slots = new DestinationSlots<ReturnType<typeof item>>(4, { waitBudgetMs: 1000 });
  assert.equal(slots.capacity('a'), 4);
  slots.observe('a', 2);
  assert.equal(slots.capacity('a'), 64, 'a 2 ms host: 16 x its slots (the cap)');
  assert.deepEqual(slots.limits(), { a: 64 });
  slots.observe('b', 300);
  assert.equal(slots.capacity('b'), 16, '300 ms: 1 + 3 latencies fit in the 1 s wait budget');
  slots.observe('c', 5000);
  assert.equal(slots.capacity('c'), 4, 'slower than the wait budget: no queue beyond its slots');
});

test('concurrency per destination holds however many rows are queued; busy counts running plus queued against the capacity', () => {
  const slots = new DestinationSlots<ReturnType<typeof item>>(2, { waitBudgetMs: 100 });
  slots.observe('a', 50); // capacity 2 x (1 + 2) = 6
  const started = Array.from({ length: 6 }, (_, n) => slots.admit(item('a', n)));
  assert.deepEqual(started, [true, true, false, false, false, false]);
  assert.equal(slots.running, 2);
  assert.deepEqual(slots.busy(), ['a']);
  assert.deepEqual(slots.load(), { a: 6 });
  const order: number[] = [];
  for (let next = slots.release('a'); next; next = slots.release('a')) {
    assert.ok(slots.running <= 2);
    order.push(next.n);
  }
  assert.deepEqual(order, [2, 3, 4, 5], 'queued rows start in the order they came');
  assert.equal(slots.release('a'), undefined);
  assert.equal(slots.running, 0);
  assert.deepEqual(slots.busy(), []);
});
