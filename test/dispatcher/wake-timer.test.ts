import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WakeTimer } from '../../src/dispatcher/wake-timer.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('runs once at the earliest time asked for, never twice at once, and keeps asks made during a run', async () => {
  const runs: number[] = [];
  let active = 0;
  let maxActive = 0;
  const timer = new WakeTimer(async () => {
    active++;
    maxActive = Math.max(maxActive, active);
    runs.push(Date.now());
    await sleep(30);
    active--;
    return Infinity; // the task itself asks for nothing
  }, Date.now);

  const start = Date.now();
  timer.at(start + 500);
  timer.at(start + 10); // earlier ask wins
  timer.at(start + 200); // later ask is covered by the earlier one
  await sleep(20);
  timer.at(Date.now()); // asked during the run: runs again right after it
  timer.at(Date.now());
  await sleep(120);
  assert.equal(runs.length, 2);
  assert.equal(maxActive, 1);
  assert.ok(runs[0] - start < 100);
  await timer.disable();
  timer.at(Date.now());
  await sleep(20);
  assert.equal(runs.length, 2, 'no run after disable');
});
