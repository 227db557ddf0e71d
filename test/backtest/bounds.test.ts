// A backtest is bounded: at its time budget it stops between spans and answers for the part it covered.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runBacktest } from '../../src/backtest/backtest.ts';
import { ruleSetOf } from '../../src/backtest/rule-set.ts';
import { SPAN_POSITIONS } from '../../src/backtest/simulate.ts';
import { SqliteBacktestSource } from '../../src/backtest/sqlite-event-source.ts';
import { DEFAULT_ENGINE_OPTIONS } from '../../src/engine/step.ts';
import { dataDirWith } from './data-dir.ts';

test('at the time budget a backtest stops between spans and says until when it covered', async () => {
  const start = Date.parse('2026-11-02T00:00:00Z');
  const count = 2 * SPAN_POSITIONS + 5_000;
  const data = await dataDirWith(Array.from({ length: count }, (_, i) => ({ id: `e${i}`, type: 'tick', subject: `s${i % 100}`, at: start + i * 1000 })));
  const source = new SqliteBacktestSource(data.dbFile);
  try {
    const rules = ruleSetOf([{ document: { id: 'every', when: { event: 'tick' }, then: [{ log: { message: 'x' } }] }, version: 1 }], 60_000);
    // The wall clock, read at the start, before rebuilding profiles and before each span: 10 ms per reading, so the
    // budget of 35 ms lets two spans run and stops before the third.
    let readings = 0;
    const wallClock = () => 10 * readings++;
    const range = { from: start, to: start + count * 1000 };
    const result = runBacktest({ source, rules, range, sample: 0, engine: DEFAULT_ENGINE_OPTIONS, now: Date.parse('2026-12-01T00:00:00Z'), deadline: 35, wallClock });
    assert.equal(result.events, 2 * SPAN_POSITIONS);
    assert.equal(result.firings, 2 * SPAN_POSITIONS);
    assert.deepEqual(result.covered, { from: start, to: start + (2 * SPAN_POSITIONS - 1) * 1000 }, 'covered until the last event replayed');
    assert.match(result.warnings.join('\n'), /^stopped at the time limit \(IFTHEN_BACKTEST_TIMEOUT_MS\) after 40000 events: the backtest covers until 2026-11-02T11:06:39\.000Z/m);

    // Timers: an absence fires 2 minutes after each tick (1m and the allowed lateness); stopped after two spans, only
    // the timers due by the last event replayed fire, not those due later in the range.
    const absence = ruleSetOf([{ document: { id: 'quiet', when: { event: 'tick', unless: { event: 'never', within: '1m' } }, then: [{ log: { message: 'x' } }] }, version: 1 }], 60_000);
    readings = 0;
    const stopped = runBacktest({ source, rules: absence, range, sample: 0, engine: DEFAULT_ENGINE_OPTIONS, now: Date.parse('2026-12-01T00:00:00Z'), deadline: 35, wallClock });
    assert.equal(stopped.events, 2 * SPAN_POSITIONS);
    assert.equal(stopped.firings, 2 * SPAN_POSITIONS - 120);

    const whole = runBacktest({ source, rules, range, sample: 0, engine: DEFAULT_ENGINE_OPTIONS, now: Date.parse('2026-12-01T00:00:00Z') });
    assert.equal(whole.events, count, 'without a budget, every event');
    assert.deepEqual(whole.warnings, []);
  } finally {
    source.close();
    data.remove();
  }
});
