// Live equals backtest (issue 6): the same random stream (out of order within the allowed lateness, some late
// events, ties of arrival, many subjects) through the live Processor on a real SQLite store, in batches that
// cut the stream anywhere and with its durable timers, and through replay() with a simulated clock, gives the
// same firings (ids, so the same trigger events) and the same suppressions.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { RuleSet } from '../../src/engine/ruleset.ts';
import { compileRule } from '../../src/engine/rule/compile.ts';
import { validateRule } from '../../src/engine/rule/validate.ts';
import { replay } from '../../src/engine/replay.ts';
import { DEFAULT_ENGINE_OPTIONS } from '../../src/engine/step.ts';
import type { EngineOptions, Suppression } from '../../src/engine/types.ts';
import type { NewEvent } from '../../src/engine/event.ts';
import type { PositionedEvent } from '../../src/store/contracts.ts';
import { T0, withHarness } from './harness.ts';
import { mulberry32 } from '../support/random.ts';

const LATENESS_MS = 1000;
const ENGINE: EngineOptions = {
  ...DEFAULT_ENGINE_OPTIONS,
  memory: { allowedLatenessMs: LATENESS_MS, maxWindowEvents: 50, maxPending: 3, maxMemoryBytes: 65_536 },
};

const hook = (id: string) => [{ webhook: { url: `https://hooks.example.com/${id}`, body: { event: '{{ event.id }}' } } }];
const RULES: Record<string, unknown>[] = [
  { id: 'match', when: { event: 'view', where: 'event.properties.sku == "sku0"' }, then: hook('match') },
  { id: 'paced', when: { event: ['view', 'order'] }, then: hook('paced'), limits: { rate: '1/s' } },
  { id: 'abandoned', when: { event: 'cart', unless: { event: 'order', within: '3s' } }, then: hook('abandoned') },
  { id: 'busy', when: { event: 'view', count: { at_least: 3, within: '4s' } }, then: hook('busy') },
  { id: 'converted', when: { event: 'order', after: { event: 'cart', within: '5s' } }, then: hook('converted') },
  { id: 'later', when: { event: 'cart', wait: '2s', unless: { event: 'order' } }, then: hook('later'), limits: { per_subject: { max: 2, per: '10s' } } },
  { id: 'once', when: { event: 'view' }, then: hook('once'), limits: { dedupe: { key: 'event.properties.sku', within: '6s' } } },
];


/**
 * Chunks of events as ingest would append them: arrivals non-decreasing (ties within a chunk), event times jittered.
 * Times are whole tenths of a second, so that timers often fall due exactly at an arrival (the edge of "strictly before").
 */
function stream(seed: number, count: number): Partial<NewEvent>[][] {
  const next = mulberry32(seed);
  const types = ['cart', 'order', 'view', 'view'];
  const chunks: Partial<NewEvent>[][] = [];
  let receivedAt = T0;
  let n = 0;
  while (n < count) {
    const chunk: Partial<NewEvent>[] = [];
    const size = 1 + Math.floor(next() * 12);
    receivedAt += 100 * (1 + Math.floor(next() * 15)); // a chunk arrives strictly after the previous one
    for (let i = 0; i < size && n < count; i++, n++) {
      if (i > 0 && next() < 0.7) receivedAt += 100 * Math.floor(next() * 3);
      const roll = next();
      // Mostly a little behind arrival; some late (beyond the allowed lateness); some ahead (a client clock running fast).
      const time = roll < 0.1 ? receivedAt - LATENESS_MS - 100 * (1 + Math.floor(next() * 30)) : roll < 0.15 ? receivedAt + 5000 : receivedAt - 100 * Math.floor(next() * 10);
      chunk.push({
        id: `e${seed}-${n}`, type: types[Math.floor(next() * types.length)], subject: `u${Math.floor(next() * 6)}`, time, receivedAt,
        properties: { n, sku: `sku${Math.floor(next() * 3)}` },
      });
    }
    chunks.push(chunk);
  }
  return chunks;
}

const suppressionKey = (s: Suppression) => [s.ruleId, s.subject, s.reason, s.eventId, s.at].join('|');

for (const seed of [1, 2, 3]) {
  it(`gives the same firings and suppressions live and in a backtest (seed ${seed})`, { timeout: 60_000 }, () => withHarness(async (h) => {
    for (const document of RULES) await h.saveRule(document);
    let now = T0;
    const processor = h.processor({ batchSize: 4, now: () => now, engine: ENGINE });
    const logged: PositionedEvent[] = [];
    for (const chunk of stream(seed, 300)) {
      logged.push(...await h.send(chunk));
      // Processing catches up after each chunk: its bound is now - 1 s, the chunk's last arrival.
      now = chunk[chunk.length - 1].receivedAt! + 1000;
      assert.deepEqual(await h.drain(processor, 1000), []);
    }
    const end = now + 60_000;
    now = end + 1000;
    assert.deepEqual(await h.drain(processor, 1000), []);
    assert.deepEqual(await h.stores.pipeline.dueTimers(0, end, 10), [], 'every timer due by the end fired');

    const rules = new RuleSet(RULES.map((document) => {
      const checked = validateRule(document);
      if (!checked.ok) throw new Error(JSON.stringify(checked.errors));
      return compileRule(checked.rule, 1);
    }));
    const backtest: string[] = [];
    const backtestSuppressions: string[] = [];
    replay(rules, logged, { firing: (f) => backtest.push(f.id), suppression: (s) => backtestSuppressions.push(suppressionKey(s)) }, { engine: ENGINE, until: end });

    const live = (await h.api.history.firings({ limit: 100_000 })).items.map((f) => f.id);
    assert.ok(backtest.length > 30, `${backtest.length} firings: the stream exercises the rules`);
    assert.deepEqual([...live].sort(), [...backtest].sort());
    const liveSuppressions: string[] = [];
    for (let u = 0; u < 6; u++) liveSuppressions.push(...(await h.api.suppressions.ofSubject(`u${u}`, { limit: 100_000 })).map(suppressionKey));
    assert.deepEqual(liveSuppressions.sort(), backtestSuppressions.sort());
  }));
}
