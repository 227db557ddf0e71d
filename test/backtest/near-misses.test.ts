// Near misses on a constructed day: a real data directory whose events arrived on chosen days, replayed by the
// same task the backtest thread runs; and through the API on a live server's events of today.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dataDirWith } from './data-dir.ts';
import { runTask } from '../../src/backtest/tasks.ts';
import type { NearMissResult } from '../../src/backtest/near-misses.ts';
import { DEFAULT_ENGINE_OPTIONS } from '../../src/engine/step.ts';
import type { RuleDocument } from '../../src/engine/rule/schema.ts';
import { startTestServer } from '../support/server.ts';

const at = (iso: string) => Date.parse(iso);

const rule: RuleDocument = {
  id: 'big', when: { event: 'order_completed', where: 'event.properties.total >= 30 && subject.plan == "pro"' }, then: [{ log: { message: 'big' } }],
};

test('near misses of a day: subjects stopped by each reason, and how far they were from `total >= 30`', async () => {
  const order = (id: string, subject: string, time: string, total: number) => ({ id, type: 'order_completed', subject, at: at(time), properties: { total } });
  const events = [
    // Profiles set two days before: the day's replay must rebuild them from the stored identify events.
    ...['a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6'].map((s, i) => ({ id: `i-${s}`, type: 'identify', subject: s, at: at(`2026-11-01T10:00:0${i}Z`), properties: { plan: 'pro' } })),
    { id: 'i-f1', type: 'identify', subject: 'f1', at: at('2026-11-01T11:00:00Z'), properties: { plan: 'free' } },
    order('o-prev', 'a5', '2026-11-02T23:59:59Z', 1),
    order('o1', 'a0', '2026-11-03T00:00:00Z', 10),
    order('o2', 'a0', '2026-11-03T01:00:00Z', 27),
    order('o3', 'a1', '2026-11-03T02:00:00Z', 25),
    order('o4', 'a2', '2026-11-03T03:00:00Z', 29),
    order('o5', 'a3', '2026-11-03T04:00:00Z', 31),
    order('o6', 'a4', '2026-11-03T05:00:00Z', 40),
    order('o7', 'a4', '2026-11-03T06:00:00Z', 5),
    order('o8', 'f1', '2026-11-03T07:00:00Z', 50),
    { id: 'v1', type: 'page_viewed', subject: 'a1', at: at('2026-11-03T08:00:00Z'), properties: { total: 1 } },
    order('o-next', 'a6', '2026-11-04T00:00:00Z', 2),
  ];
  const data = await dataDirWith(events);
  try {
    const result = runTask({
      kind: 'near-misses', dbFile: data.dbFile, target: { document: rule, version: 1 }, saved: [], engine: DEFAULT_ENGINE_OPTIONS,
      now: at('2026-11-10T00:00:00Z'), budgetMs: 30_000, day: '2026-11-03',
    }) as NearMissResult;
    assert.deepEqual(result.fired, { firings: 2, subjects: 2 });
    assert.deepEqual(result.reasons, [{ reason: 'condition_false', subjects: 5, times: 6 }]);
    assert.deepEqual(result.comparisons, [{
      comparison: 'event.properties.total >= 30', path: 'event.properties.total', bound: 30, subjects: 4, median: 26, closest: [29, 27, 25, 5],
    }]);
    assert.equal(result.events, 8 + 1 - 1, 'the orders of the day (not page_viewed, which no rule reads)');
    assert.deepEqual(result.covered, { from: at('2026-11-03T00:00:00Z'), to: at('2026-11-04T00:00:00Z') });
    assert.deepEqual(result.summary, [
      '2 subjects fired (2 firings)',
      '4 subjects stopped at `event.properties.total >= 30`; median total 26',
      '5 subjects stopped by condition false (6 times)',
    ]);
    assert.deepEqual(result.warnings, []);

    const before = runTask({
      kind: 'near-misses', dbFile: data.dbFile, target: { document: rule, version: 1 }, saved: [], engine: DEFAULT_ENGINE_OPTIONS,
      now: at('2026-11-10T00:00:00Z'), budgetMs: 30_000, day: '2026-10-30',
    }) as NearMissResult;
    assert.equal(before.covered, null, 'a day before anything stored');
    assert.match(before.warnings.join('\n'), /no longer stored/);
  } finally {
    data.remove();
  }
});

test('GET /v1/rules/{id}/near-misses answers for a day of the live server; a bad day is refused with the field named', { timeout: 60_000 }, async () => {
  const server = await startTestServer();
  try {
    assert.equal((await server.request('PUT', '/v1/rules/big', rule)).status, 201);
    const sent = await server.request('POST', '/v1/events', [
      { id: 'p', type: 'identify', subject: 'u', properties: { plan: 'pro' } },
      { id: 'o1', type: 'order_completed', subject: 'u', properties: { total: 12 } },
      { id: 'o2', type: 'order_completed', subject: 'u', properties: { total: 22 } },
    ]);
    assert.equal(sent.status, 200);
    const today = new Date().toISOString().slice(0, 10);
    const answer = await server.request('GET', `/v1/rules/big/near-misses?day=${today}`);
    assert.equal(answer.status, 200, answer.text);
    assert.equal(answer.body.comparisons[0].subjects, 1);
    assert.equal(answer.body.comparisons[0].median, 22, 'the value closest to passing');
    assert.equal(answer.body.cached, false);
    assert.deepEqual(answer.body.rule, { id: 'big', version: 1 });
    const yesterday = await server.request('GET', '/v1/rules/big/near-misses');
    assert.equal(yesterday.status, 200, yesterday.text);
    assert.equal(yesterday.body.day, new Date(Date.now() - 86_400_000).toISOString().slice(0, 10), 'default: yesterday (UTC)');
    const bad = await server.request('GET', '/v1/rules/big/near-misses?day=2026-13-45');
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /^day: must be a day like 2026-11-03/);
    assert.equal((await server.request('GET', '/v1/rules/nope/near-misses')).status, 404);
  } finally {
    await server.stop();
  }
});
