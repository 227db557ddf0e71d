// HistoryStore: newest first, a page at a time with an opaque `next`, filtered; the newest 20 rule errors.
import assert from 'node:assert/strict';
import { describe } from 'node:test';
import type { HistoryQuery, Page } from '../../../src/store/history.ts';
import type { LeasedDelivery } from '../../../src/store/contracts.ts';
import { CONSUMER, T0, appendAndRead, backendTest, batch, commitDeliveries, encoded, failure, firing, subjectState, type OpenBackend } from './fixtures.ts';

/** Every page of a query, following `next`; returns the pages' item lists. */
async function pages<T>(query: (q: HistoryQuery) => Promise<Page<T>>, base: Omit<HistoryQuery, 'limit' | 'before'>, limit: number): Promise<T[][]> {
  const all: T[][] = [];
  let before: string | undefined;
  for (let i = 0; i < 50; i++) {
    const page = await query({ ...base, limit, before });
    all.push(page.items);
    if (page.next === undefined) return all;
    before = page.next;
  }
  throw new Error('paging did not end');
}

export function describeHistory(open: OpenBackend): void {
  const test = backendTest(open);

  describe('HistoryStore', () => {
    test('pages firings newest first and filters them by rule and subject', async ({ pipeline, history }) => {
      const made = [];
      for (let i = 0; i < 5; i++) {
        const f = firing({ ruleId: i % 2 ? 'odd' : 'even', subject: `s${i % 3}` });
        made.push(f.id);
        await commitDeliveries(pipeline, [f]);
      }
      const all = await pages((q) => history.firings(q), {}, 2);
      assert.deepEqual(all.map((p) => p.map((f) => f.id)), [[made[4], made[3]], [made[2], made[1]], [made[0]]]);
      assert.deepEqual((await history.firings({ rule: 'odd', limit: 10 })).items.map((f) => f.id), [made[3], made[1]]);
      assert.deepEqual((await history.firings({ subject: 's0', limit: 10 })).items.map((f) => f.id), [made[3], made[0]]);
      assert.equal((await history.firings({ limit: 5 })).next, undefined, 'no next page when everything fitted');
    });

    test('gives one firing with its deliveries, and one delivery with every attempt', async ({ pipeline, outbox, history }) => {
      const f = firing({ hosts: ['a.example', 'b.example'] });
      await commitDeliveries(pipeline, [f, firing({ hosts: ['a.example'] })]);
      const record = (await history.firing(f.id))!;
      assert.deepEqual(record.deliveries.map((d) => [d.id, d.actionIndex, d.destination]), [[f.deliveries[0].id, 0, 'a.example'], [f.deliveries[1].id, 1, 'b.example']]);
      assert.deepEqual(record.trace, f.trace);
      const leased = (await outbox.claim({ owner: 'd', now: T0, limit: 10, busyDestinations: [], leaseMs: 1000 })).find((d) => d.id === f.deliveries[0].id)!;
      await outbox.record([attempt(leased, 1, 'retry')]);
      const again = (await outbox.claim({ owner: 'd', now: T0 + 5000, limit: 10, busyDestinations: [], leaseMs: 1000 })).find((d) => d.id === f.deliveries[0].id)!;
      await outbox.record([attempt(again, 2, 'delivered')]);
      const delivery = (await history.delivery(f.deliveries[0].id))!;
      assert.equal(delivery.attempts, 2);
      assert.deepEqual(delivery.attemptLog.map((a) => [a.attempt, a.statusCode]), [[1, 503], [2, 200]]);
      assert.equal(await history.firing('f-none'), undefined);
      assert.equal(await history.delivery('f-none.0'), undefined);
    });

    test('pages deliveries newest first and filters them by status and rule', async ({ pipeline, outbox, history }) => {
      const ids = await commitDeliveries(pipeline, [firing({ ruleId: 'r1', hosts: ['a.example', 'b.example'] }), firing({ ruleId: 'r2', hosts: ['c.example'] })]);
      const [c] = await outbox.claim({ owner: 'd', now: T0, limit: 10, busyDestinations: ['a.example', 'b.example'], leaseMs: 1000 });
      await outbox.record([attempt(c, 1, 'dead')]);
      assert.deepEqual((await pages((q) => history.deliveries(q), {}, 2)).flat().map((d) => d.id), [...ids].reverse());
      assert.deepEqual((await history.deliveries({ status: 'dead', limit: 10 })).items.map((d) => d.id), [ids[2]]);
      assert.deepEqual((await history.deliveries({ status: 'pending', rule: 'r1', limit: 10 })).items.map((d) => d.id), [ids[1], ids[0]]);
      assert.deepEqual((await history.deliveries({ rule: 'r2', status: 'pending', limit: 10 })).items, []);
    });

    test('pages events newest first and filters them by type and subject', async ({ log, history }) => {
      const sent = Array.from({ length: 5 }, (_, i) => encoded({ id: `h-${i}`, type: i < 3 ? 'a' : 'b', subject: i % 2 ? 'odd' : 'even' }));
      const [first] = await appendAndRead(log, sent);
      assert.deepEqual((await pages((q) => history.events(q), {}, 2)).map((p) => p.map((e) => e.id)), [['h-4', 'h-3'], ['h-2', 'h-1'], ['h-0']]);
      assert.deepEqual((await history.events({ type: 'b', limit: 10 })).items.map((e) => e.id), ['h-4', 'h-3']);
      assert.deepEqual((await history.events({ subject: 'odd', limit: 10 })).items.map((e) => e.id), ['h-3', 'h-1']);
    });

    test("gives a subject's attributes, and nothing for one never stored", async ({ pipeline, history }) => {
      await pipeline.commit(batch(null, null, { subjects: [{ state: subjectState('u7', { plan: 'pro', n: 3 }), version: 0 }] }));
      const subject = (await history.subject('u7'))!;
      assert.deepEqual([subject.id, { ...subject.attributes }], ['u7', { plan: 'pro', n: 3 }]);
      assert.equal(typeof subject.updatedAt, 'number');
      assert.equal(await history.subject('u8'), undefined);
    });

    test('pages failed events newest first', async ({ log, pipeline, history }) => {
      const events = await appendAndRead(log, [0, 1, 2].map((i) => encoded({ id: `bad-${i}` })));
      const partition = log.partitionOf(events[0].subject);
      let from: string | null = await pipeline.cursor(CONSUMER, partition);
      for (const e of events) {
        await pipeline.commit({ ...batch(from, e.cursor, { failures: [failure(e.id, e.cursor, partition, 'commit')] }), partition });
        from = e.cursor;
      }
      const all = await pages((q) => history.eventFailures(q), {}, 2);
      assert.deepEqual(all.map((p) => p.map((f) => f.eventId)), [['bad-2', 'bad-1'], ['bad-0']]);
      assert.deepEqual(all[0].map((f) => f.stage), ['commit', 'commit']);
    });

    test("keeps a rule's newest 20 run-time errors, newest first", async ({ pipeline, history }) => {
      for (let b = 0; b < 5; b++) {
        const ruleErrors = Array.from({ length: 5 }, (_, i) => ({ ruleId: 'noisy', eventId: `e${b * 5 + i}`, message: `m${b * 5 + i}`, at: T0 + b * 5 + i }));
        await pipeline.commit(batch(null, null, { ruleErrors: [...ruleErrors, { ruleId: 'calm', eventId: `c${b}`, message: 'once', at: T0 }] }));
      }
      const kept = await history.ruleErrors('noisy');
      assert.deepEqual(kept.map((e) => e.message), Array.from({ length: 20 }, (_, i) => `m${24 - i}`));
      assert.deepEqual(kept[0], { ruleId: 'noisy', eventId: 'e24', message: 'm24', at: T0 + 24 });
      assert.equal((await history.ruleErrors('calm')).length, 5, "one rule's errors do not push out another's");
      assert.deepEqual(await history.ruleErrors('none'), []);
    });
  });
}

function attempt(d: LeasedDelivery, n: number, outcome: 'delivered' | 'retry' | 'dead') {
  return {
    deliveryId: d.id, leaseToken: d.lease.token, attempt: n, startedAt: T0, latencyMs: 3, statusCode: outcome === 'delivered' ? 200 : 503,
    error: null, response: null, outcome, nextAttemptAt: outcome === 'retry' ? T0 + 1000 : undefined,
  } as const;
}
