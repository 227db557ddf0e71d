// Backtests of rules with memory over a real data directory with chosen arrival times: windows, caps, absence
// timers and a cap group, counted by reason; the warm-up builds the state the range starts with.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runTask } from '../../src/backtest/tasks.ts';
import type { BacktestResult } from '../../src/backtest/backtest.ts';
import type { NearMissResult } from '../../src/backtest/near-misses.ts';
import { DEFAULT_ENGINE_OPTIONS } from '../../src/engine/step.ts';
import type { RuleDocument } from '../../src/engine/rule/schema.ts';
import { dataDirWith, type StoredEvent } from './data-dir.ts';

const T = Date.parse('2026-11-02T00:00:00Z');
const MIN = 60_000;
const HOUR = 60 * MIN;
const log = [{ log: { message: 'x' } }];

const rules: RuleDocument[] = [
  { id: 'visits', when: { event: 'page_viewed', count: { at_least: 3, within: '10m' } }, limits: { per_subject: { max: 1, per: '1h' } }, then: log },
  { id: 'cart', when: { event: 'cart_updated', unless: { event: 'order_completed', within: '30m' } }, then: log },
  { id: 'promo-a', when: { event: 'promo_a' }, limits: { group: { name: 'marketing', max: 1, per: '24h' } }, then: log },
  { id: 'promo-b', when: { event: 'promo_b' }, limits: { group: { name: 'marketing', max: 1, per: '24h' } }, then: log },
];

let n = 0;
const ev = (type: string, subject: string, at: number): StoredEvent => ({ id: `e${n++}`, type, subject, at });

const events: StoredEvent[] = [
  // s5: two views before the range, one inside: fires only if the warm-up replays the first two.
  ev('page_viewed', 's5', T - 2 * MIN), ev('page_viewed', 's5', T - MIN), ev('page_viewed', 's5', T + MIN),
  // s1: an episode fires; the next one within the hour is capped; one two hours later fires.
  ...[0, 1, 2, 3].map((m) => ev('page_viewed', 's1', T + HOUR + m * MIN)),
  ...[30, 31, 32].map((m) => ev('page_viewed', 's1', T + HOUR + m * MIN)),
  ...[0, 1, 2].map((m) => ev('page_viewed', 's1', T + 3 * HOUR + m * MIN)),
  // Absence: s2 ordered within 30 minutes (cancelled), s3 did not (fires from its timer), s6's timer falls after the range.
  ev('cart_updated', 's2', T + 5 * HOUR), ev('order_completed', 's2', T + 5 * HOUR + 10 * MIN),
  ev('cart_updated', 's3', T + 5 * HOUR),
  ev('cart_updated', 's6', Date.parse('2026-11-03T23:50:00Z')),
  // Cap group: s4 got promo b, so promo a is capped; s7 gets promo a.
  ev('promo_b', 's4', T + 6 * HOUR), ev('promo_a', 's4', T + 7 * HOUR), ev('promo_a', 's7', T + 8 * HOUR),
].sort((a, b) => a.at - b.at);

const saved = rules.map((document) => ({ document, version: 1, enabled: true }));
const backtest = (dbFile: string, id: string, from = '2026-11-02', to = '2026-11-04') => runTask({
  kind: 'backtest', dbFile, target: { document: rules.find((r) => r.id === id)!, version: 1 }, saved, engine: DEFAULT_ENGINE_OPTIONS,
  now: Date.parse('2026-11-10T00:00:00Z'), budgetMs: 30_000, range: { from: Date.parse(from), to: Date.parse(to) }, sample: 10,
}) as BacktestResult;

test('stateful backtests: thresholds with a cap, absence timers and cancellations, a cap group, the warm-up', async () => {
  const data = await dataDirWith(events);
  try {
    const visits = backtest(data.dbFile, 'visits');
    assert.equal(visits.firings, 3);
    assert.equal(visits.subjects, 2);
    assert.deepEqual(visits.suppressions, { capped: 1 });
    assert.equal(visits.warmUp.from, T - 61 * MIN, 'the longest window (the cap\'s hour) and the allowed lateness');
    assert.equal(visits.warmUp.events, 2);
    assert.deepEqual(visits.perDay, [{ day: '2026-11-02', firings: 3 }, { day: '2026-11-03', firings: 0 }]);
    assert.ok(visits.sample.some((f) => f.subject === 's5' && f.time === T + MIN), 's5 fired on its third view, thanks to the warm-up');

    const cart = backtest(data.dbFile, 'cart');
    assert.equal(cart.firings, 1);
    assert.equal(cart.sample[0].subject, 's3');
    assert.equal(cart.sample[0].time, T + 5 * HOUR + 30 * MIN + MIN, 'from the timer at the deadline plus the allowed lateness');
    assert.deepEqual(cart.suppressions, { cancelled: 1 });
    const later = backtest(data.dbFile, 'cart', '2026-11-02', '2026-11-05');
    assert.equal(later.firings, 2, "s6's timer falls inside the longer range");

    const promo = backtest(data.dbFile, 'promo-a');
    assert.deepEqual(promo.alongside, ['promo-b']);
    assert.equal(promo.firings, 1);
    assert.deepEqual(promo.suppressions, { capped: 1 }, "promo b's firing counted toward the group's cap");
    assert.deepEqual(promo.sample.map((f) => f.subject), ['s7'], 'only the asked rule is reported');

    const misses = runTask({
      kind: 'near-misses', dbFile: data.dbFile, target: { document: rules[0], version: 1 }, saved, engine: DEFAULT_ENGINE_OPTIONS,
      now: Date.parse('2026-11-10T00:00:00Z'), budgetMs: 30_000, day: '2026-11-02',
    }) as NearMissResult;
    assert.deepEqual(misses.fired, { firings: 3, subjects: 2 });
    const byReason = Object.fromEntries(misses.reasons.map((r) => [r.reason, r]));
    assert.equal(byReason.capped.subjects, 1);
    assert.equal(byReason.window_not_reached.subjects, 1, 's1 below the bound on its first views of each episode');
    assert.deepEqual(byReason.window_not_reached.window, { median: 2, bound: 3 });
  } finally {
    data.remove();
  }
});
