// PipelineStore: fenced, atomic commits of a batch with the partition's cursor; subject versions and memory;
// the emit outbox and its relay; timers (created, moved, cancelled, fired); suppressions; failed events.
import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { FencedError, type PipelineStore } from '../../../src/store/contracts.ts';
import { EmitRelay } from '../../../src/processor/emit-relay.ts';
import {
  CONSUMER, T0, appendAndRead, backendTest, batch, delegate, encoded, failure, firing, newEvent, readAll, stored, subjectState, suppression, timer, versionOf,
  type Backend, type OpenBackend,
} from './fixtures.ts';

/** Three events of one subject in the log, and their partition. */
async function threeEvents(log: Backend['log'], subject = 'u1') {
  const events = await appendAndRead(log, [0, 1, 2].map((i) => encoded({ id: `${subject}-e${i}`, subject })));
  return { partition: log.partitionOf(subject), events };
}

/** Everything a batch can write, keyed so the test can look for each piece afterwards. */
function fullBatchParts(tag: string) {
  const f = firing({ ruleId: `rule-${tag}`, subject: `subj-${tag}`, hosts: ['a.example'] });
  return {
    subjects: [{ state: subjectState(`subj-${tag}`, { tag }), version: 0 }],
    firings: [f],
    emits: [newEvent({ id: `emit-${tag}`, subject: `subj-${tag}`, type: 'emitted' })],
    timers: [timer({ id: `timer-${tag}`, dueAt: T0 })],
    suppressions: [suppression({ ruleId: `rule-${tag}`, subject: `subj-${tag}`, eventId: `ev-${tag}` })],
    failures: [failure(`failed-${tag}`, '')],
    ruleErrors: [{ ruleId: `rule-${tag}`, eventId: `ev-${tag}`, message: `error ${tag}`, at: T0 }],
  };
}

/** Asserts that nothing of `fullBatchParts(tag)` is visible. */
async function assertNothingOf(b: Backend, tag: string, firingId: string) {
  assert.equal(await stored(b.pipeline, `subj-${tag}`), undefined, 'no subject');
  assert.equal(await b.history.firing(firingId), undefined, 'no firing');
  assert.equal((await b.history.deliveries({ rule: `rule-${tag}`, limit: 10 })).items.length, 0, 'no delivery');
  assert.equal((await b.outbox.counts()).pending, 0, 'nothing in the outbox');
  assert.ok(!(await b.pipeline.pendingEmits(100)).some((e) => e.id === `emit-${tag}`), 'no emitted event');
  assert.ok(!(await b.pipeline.dueTimers(0, T0 + 1e9, 100)).some((t) => t.id === `timer-${tag}`), 'no timer');
  assert.ok(!(await b.history.eventFailures({ limit: 100 })).items.some((f) => f.eventId === `failed-${tag}`), 'no failure');
  assert.deepEqual(await b.history.ruleErrors(`rule-${tag}`), [], 'no rule error');
  assert.deepEqual(await b.suppressions.ofSubject(`subj-${tag}`, { limit: 10 }), [], 'no suppression');
}

async function afterCursor(b: Pick<Backend, 'log' | 'pipeline'>, partition: number): Promise<string[]> {
  return (await readAll(b.log, partition, await b.pipeline.cursor(CONSUMER, partition))).map((e) => e.id);
}

export function describePipelineStore(open: OpenBackend): void {
  const test = backendTest(open);

  describe('PipelineStore: commits', () => {
    test('starts before the first event and commits the cursor with the batch', async (b) => {
      const { partition, events } = await threeEvents(b.log);
      assert.equal(await b.pipeline.cursor(CONSUMER, partition), null);
      await b.pipeline.commit({ ...batch(null, events[1].cursor), partition });
      assert.deepEqual(await afterCursor(b, partition), ['u1-e2'], 'reading on from the stored cursor gives what follows the batch');
      assert.equal(await b.pipeline.cursor('someone-else', partition), null, 'cursors are per consumer');
    });

    test('refuses a commit from a stale cursor with FencedError and stores nothing of it', async (b) => {
      const { partition, events } = await threeEvents(b.log);
      await b.pipeline.commit({ ...batch(null, events[0].cursor), partition });
      const parts = fullBatchParts('stale');
      await assert.rejects(b.pipeline.commit({ ...batch(null, events[2].cursor, parts), partition }), FencedError);
      await assertNothingOf(b, 'stale', parts.firings[0].id);
      assert.deepEqual(await afterCursor(b, partition), ['u1-e1', 'u1-e2'], 'the cursor did not move');
    });

    test('refuses a commit from a cursor the partition has not reached', async (b) => {
      const { partition, events } = await threeEvents(b.log);
      await assert.rejects(b.pipeline.commit({ ...batch(events[0].cursor, events[2].cursor), partition }), FencedError);
      assert.equal(await b.pipeline.cursor(CONSUMER, partition), null);
    });

    test('fences a processor of another process that read the cursor before this one moved it', async (b) => {
      const { partition, events } = await threeEvents(b.log);
      const other = await b.connect();
      const seen = await other.pipeline.cursor(CONSUMER, partition);
      await b.pipeline.commit({ ...batch(null, events[1].cursor), partition });
      const parts = fullBatchParts('late');
      await assert.rejects(other.pipeline.commit({ ...batch(seen, events[2].cursor, parts), partition }), FencedError);
      await assertNothingOf(b, 'late', parts.firings[0].id);
    });

    test('reports version 0 for a subject never stored, and one more at every write', async ({ pipeline }) => {
      assert.equal(await versionOf(pipeline, 'fresh'), 0);
      const attrs = JSON.parse('{"plan":"pro","n":1,"__proto__":"kept as data"}') as Record<string, unknown>;
      await pipeline.commit(batch(null, null, { subjects: [{ state: subjectState('fresh', attrs), version: 0 }] }));
      const first = await stored(pipeline, 'fresh');
      assert.equal(first?.version, 1);
      assert.equal(first?.state.id, 'fresh');
      assert.deepEqual({ ...first!.state.attributes }, { ...subjectState('x', attrs).attributes }, 'attributes round-trip, __proto__ included as a plain key');
      assert.equal(Object.getPrototypeOf(first!.state.attributes), null, 'attributes come back without a prototype');
      await pipeline.commit(batch(null, null, { subjects: [{ state: subjectState('fresh', { plan: 'free' }), version: 1 }] }));
      const second = await stored(pipeline, 'fresh');
      assert.equal(second?.version, 2);
      assert.deepEqual({ ...second!.state.attributes }, { plan: 'free' });
    });

    test('refuses to write a subject someone else wrote since it was read, and stores nothing of that batch', async (b) => {
      const { partition, events } = await threeEvents(b.log, 'shared');
      await b.pipeline.commit({ ...batch(null, null, { subjects: [{ state: subjectState('shared', { v: 'first' }), version: 0 }] }), partition });
      const readVersion = await versionOf(b.pipeline, 'shared', partition);
      await b.pipeline.commit({ ...batch(null, null, { subjects: [{ state: subjectState('shared', { v: 'someone else' }), version: readVersion }] }), partition });
      const parts = fullBatchParts('lost-update');
      const subjects = [...parts.subjects, { state: subjectState('shared', { v: 'mine' }), version: readVersion }];
      await assert.rejects(b.pipeline.commit({ ...batch(null, events[2].cursor, { ...parts, subjects }), partition }), FencedError);
      assert.deepEqual({ ...(await stored(b.pipeline, 'shared', partition))!.state.attributes }, { v: 'someone else' });
      await assertNothingOf(b, 'lost-update', parts.firings[0].id);
      assert.equal(await b.pipeline.cursor(CONSUMER, partition), null, 'the cursor did not move');
    });

    test('refuses to create a subject that someone else created meanwhile', async ({ pipeline }) => {
      await pipeline.commit(batch(null, null, { subjects: [{ state: subjectState('racy', { by: 'a' }), version: 0 }] }));
      await assert.rejects(pipeline.commit(batch(null, null, { subjects: [{ state: subjectState('racy', { by: 'b' }), version: 0 }] })), FencedError);
      assert.deepEqual({ ...(await stored(pipeline, 'racy'))!.state.attributes }, { by: 'a' });
    });

    test('stores firings, deliveries, emitted events, timers, failures and rule errors with the commit', async (b) => {
      const { partition, events } = await threeEvents(b.log);
      const parts = fullBatchParts('landed');
      const eventFailure = failure('u1-e1', events[1].cursor, partition);
      await b.pipeline.commit({ ...batch(null, events[2].cursor, { ...parts, failures: [eventFailure] }), partition });
      const f = parts.firings[0];
      const record = await b.history.firing(f.id);
      assert.equal(record?.ruleId, 'rule-landed');
      assert.deepEqual(record?.eventIds, f.eventIds);
      assert.deepEqual(record?.deliveries.map((d) => [d.id, d.status]), [[f.deliveries[0].id, 'pending']]);
      assert.deepEqual(await b.outbox.counts(), { pending: 1, delivering: 0, dead: 0 });
      assert.deepEqual((await b.pipeline.pendingEmits(10)).map((e) => e.id), ['emit-landed']);
      assert.deepEqual((await b.pipeline.dueTimers(partition, T0, 10)).map((t) => t.id), ['timer-landed']);
      assert.deepEqual((await b.history.eventFailures({ limit: 10 })).items.map((x) => [x.eventId, x.stage]), [['u1-e1', 'step']]);
      assert.deepEqual((await b.history.ruleErrors('rule-landed')).map((e) => e.message), ['error landed']);
      assert.deepEqual(await b.suppressions.ofSubject('subj-landed', { limit: 10 }), parts.suppressions);
      assert.deepEqual({ ...(await stored(b.pipeline, 'subj-landed', partition))!.state.attributes }, { tag: 'landed' });
      assert.deepEqual(await afterCursor(b, partition), []);
    });

    test("leases the deliveries a dispatcher has room for in the batch's own commit; the others wait for a claim", async (b) => {
      const f = firing({ hosts: ['a.example', 'b.example', 'c.example'] });
      const lease = { owner: 'dispatcher-1', token: 'token-1', until: T0 + 30_000 };
      await b.pipeline.commit(batch(null, null, { firings: [f], fresh: { lease, ids: [f.deliveries[0].id, f.deliveries[1].id] } }));
      assert.deepEqual(await b.outbox.counts(), { pending: 1, delivering: 2, dead: 0 });
      assert.deepEqual(await b.outbox.leaseOwners(), ['dispatcher-1']);
      const claimed = await b.outbox.claim({ owner: 'dispatcher-2', now: T0 + 1, limit: 10, busyDestinations: [], leaseMs: 1000 });
      assert.deepEqual(claimed.map((d) => d.id), [f.deliveries[2].id], 'no one else gets the leased ones');
      const { stale } = await b.outbox.record([{ deliveryId: f.deliveries[0].id, leaseToken: 'token-1', attempt: 1, startedAt: T0, latencyMs: 5, statusCode: 200, error: null, response: 'ok', outcome: 'delivered' }]);
      assert.deepEqual(stale, [], 'an outcome under that lease applies');
    });

    test('commits a batch of timers alone without moving the cursor', async (b) => {
      const { partition, events } = await threeEvents(b.log);
      await b.pipeline.commit({ ...batch(null, events[0].cursor), partition });
      const t = timer({ dueAt: T0 });
      await b.pipeline.commit({ ...batch(events[0].cursor, events[0].cursor, { timers: [t] }), partition });
      await b.pipeline.commit({ ...batch(events[0].cursor, events[0].cursor, { firedTimers: [t.id] }), partition });
      assert.deepEqual(await afterCursor(b, partition), ['u1-e1', 'u1-e2']);
    });
  });

  describe('PipelineStore: timers and failed events', () => {
    test('gives the due timers of a partition, earliest first, up to the limit', async ({ pipeline }) => {
      const later = timer({ id: 'later', dueAt: T0 + 3000 });
      const first = timer({ id: 'first', dueAt: T0 + 1000 });
      const second = timer({ id: 'second', dueAt: T0 + 2000, subject: 'u2', payload: { kind: 'absence', nested: { a: [1] } } });
      await pipeline.commit(batch(null, null, { timers: [later, second, first] }));
      await pipeline.commit({ ...batch(null, null, { timers: [timer({ id: 'elsewhere', dueAt: T0 })] }), partition: 1 });
      assert.deepEqual(await pipeline.dueTimers(0, T0 + 500, 10), [], 'nothing is due yet');
      const due = await pipeline.dueTimers(0, T0 + 2000, 10);
      assert.deepEqual(due.map((t) => t.id), ['first', 'second'], 'due at or before now, earliest first, only this partition');
      assert.deepEqual(due[1], second, 'a timer comes back as requested');
      assert.deepEqual((await pipeline.dueTimers(0, T0 + 9000, 2)).map((t) => t.id), ['first', 'second'], 'at most `limit`');
    });

    test('moves a timer requested again with the same id, and forgets a fired one', async ({ pipeline }) => {
      const t = timer({ id: 'moving', dueAt: T0 });
      await pipeline.commit(batch(null, null, { timers: [t] }));
      await pipeline.commit(batch(null, null, { timers: [{ ...t, dueAt: T0 + 5000 }] }));
      assert.deepEqual(await pipeline.dueTimers(0, T0 + 1000, 10), []);
      assert.deepEqual((await pipeline.dueTimers(0, T0 + 5000, 10)).map((x) => x.id), ['moving']);
      await pipeline.commit(batch(null, null, { firedTimers: ['moving'] }));
      assert.deepEqual(await pipeline.dueTimers(0, T0 + 1e9, 10), []);
    });

    test('lists the failed events recorded after a cursor', async (b) => {
      const { partition, events } = await threeEvents(b.log);
      await b.pipeline.commit({ ...batch(null, events[0].cursor, { failures: [failure('u1-e0', events[0].cursor, partition)] }), partition });
      // A failure recorded ahead of the cursor (the watchdog records the event that stalled the processor).
      await b.stalls.inputStalled({ kind: 'event', partition, cursor: events[2].cursor, id: 'u1-e2' }, 'stalled', T0);
      assert.deepEqual([...await b.pipeline.failedAfter(partition, null)].sort(), ['u1-e0', 'u1-e2']);
      assert.deepEqual([...await b.pipeline.failedAfter(partition, events[0].cursor)], ['u1-e2']);
      assert.deepEqual([...await b.pipeline.failedAfter(partition, events[2].cursor)], []);
    });
  });

  describe('PipelineStore: subject memory', () => {
    const memory = { 'cart-abandoned': { shape: 'h1', pending: [{ id: 'ev-1', deadline: T0 + 60_000 }] }, 'group:marketing': { fired: [T0] } };

    test('stores the memory with the subject and gives it back as it was; a state without memory has none', async ({ pipeline }) => {
      await pipeline.commit(batch(null, null, { subjects: [
        { state: { ...subjectState('remembers', { plan: 'pro' }), memory }, version: 0 },
        { state: subjectState('forgets', { plan: 'free' }), version: 0 },
      ] }));
      const first = await stored(pipeline, 'remembers');
      assert.deepEqual(first?.state.memory, memory);
      assert.deepEqual({ ...first!.state.attributes }, { plan: 'pro' });
      assert.equal((await stored(pipeline, 'forgets'))?.state.memory, undefined);
      const next = { 'cart-abandoned': { shape: 'h1', pending: [] } };
      await pipeline.commit(batch(null, null, { subjects: [{ state: { ...first!.state, memory: next }, version: 1 }] }));
      assert.deepEqual((await stored(pipeline, 'remembers'))?.state.memory, next, 'a new memory replaces the old one');
      await pipeline.commit(batch(null, null, { subjects: [{ state: subjectState('remembers', { plan: 'pro' }), version: 2 }] }));
      assert.equal((await stored(pipeline, 'remembers'))?.state.memory, undefined, 'a state without memory forgets it');
    });

    test('fences the memory with the attributes: a stale write changes neither, and nothing of its batch is stored', async (b) => {
      await b.pipeline.commit(batch(null, null, { subjects: [{ state: { ...subjectState('fenced', { v: 1 }), memory: { r: { n: 1 } } }, version: 0 }] }));
      await b.pipeline.commit(batch(null, null, { subjects: [{ state: { ...subjectState('fenced', { v: 2 }), memory: { r: { n: 2 } } }, version: 1 }] }));
      const parts = fullBatchParts('stale-memory');
      const subjects = [...parts.subjects, { state: { ...subjectState('fenced', { v: 3 }), memory: { r: { n: 3 } } }, version: 1 }];
      await assert.rejects(b.pipeline.commit(batch(null, null, { ...parts, subjects })), FencedError);
      const now = await stored(b.pipeline, 'fenced');
      assert.deepEqual([{ ...now!.state.attributes }, now!.state.memory, now!.version], [{ v: 2 }, { r: { n: 2 } }, 2]);
      await assertNothingOf(b, 'stale-memory', parts.firings[0].id);
    });

    test('fences the memory of another process that read the subject before this one wrote it', async (b) => {
      const other = await b.connect();
      await b.pipeline.commit(batch(null, null, { subjects: [{ state: { ...subjectState('racing', {}), memory: { r: { by: 'a' } } }, version: 0 }] }));
      const seen = await stored(other.pipeline, 'racing');
      await b.pipeline.commit(batch(null, null, { subjects: [{ state: { ...seen!.state, memory: { r: { by: 'b' } } }, version: seen!.version }] }));
      await assert.rejects(other.pipeline.commit(batch(null, null, { subjects: [{ state: { ...seen!.state, memory: { r: { by: 'c' } } }, version: seen!.version }] })), FencedError);
      assert.deepEqual((await stored(other.pipeline, 'racing'))?.state.memory, { r: { by: 'b' } });
    });
  });

  describe('PipelineStore: subjects written in part, loaded many at once', () => {
    test('keeps the part a commit names unchanged as stored, writes the other, and moves the version', async ({ pipeline }) => {
      await pipeline.commit(batch(null, null, { subjects: [{ state: { ...subjectState('partly', { plan: 'pro' }), memory: { r: { n: 1 } } }, version: 0 }] }));
      // The state's unchanged part is left as stored even when it differs (a processor only names a part it did not change).
      await pipeline.commit(batch(null, null, { subjects: [{ state: { ...subjectState('partly', { plan: 'ignored' }), memory: { r: { n: 2 } } }, version: 1, unchanged: 'attributes' }] }));
      let now = await stored(pipeline, 'partly');
      assert.deepEqual([{ ...now!.state.attributes }, now!.state.memory, now!.version], [{ plan: 'pro' }, { r: { n: 2 } }, 2]);
      await pipeline.commit(batch(null, null, { subjects: [{ state: { ...subjectState('partly', { plan: 'free' }), memory: { r: { n: 99 } } }, version: 2, unchanged: 'memory' }] }));
      now = await stored(pipeline, 'partly');
      assert.deepEqual([{ ...now!.state.attributes }, now!.state.memory, now!.version], [{ plan: 'free' }, { r: { n: 2 } }, 3]);
      await pipeline.commit(batch(null, null, { subjects: [{ state: subjectState('partly', { plan: 'free' }), version: 3, unchanged: 'attributes' }] }));
      assert.equal((await stored(pipeline, 'partly'))?.state.memory, undefined, 'a state without memory forgets it, whichever part is unchanged');
      await assert.rejects(pipeline.commit(batch(null, null, { subjects: [{ state: subjectState('partly', {}), version: 3, unchanged: 'memory' }] })), FencedError);
    });

    test('loads many subjects at once: each stored one once, with its version; absent ones left out', async ({ pipeline }) => {
      const ids = ['plain', 'with "quotes" and \\ backslash', '123', 'ünïcödé ✓', '[1]'];
      await pipeline.commit(batch(null, null, { subjects: ids.map((id, i) => ({ state: { ...subjectState(id, { i }), memory: { r: { i } } }, version: 0 })) }));
      const loaded = await pipeline.loadSubjects(0, [...ids, 'absent', ids[0], '12']);
      assert.deepEqual([...loaded.keys()].sort(), [...ids].sort());
      for (const [i, id] of ids.entries()) {
        const s = loaded.get(id)!;
        assert.deepEqual([s.state.id, { ...s.state.attributes }, s.state.memory, s.version], [id, { i }, { r: { i } }, 1]);
      }
      assert.equal((await pipeline.loadSubjects(0, [])).size, 0);
    });
  });

  describe('PipelineStore: timers in commits', () => {
    test('gives the timers due at or before a bound, ties by id: "strictly before t" is a bound of t - 1', async ({ pipeline }) => {
      const timers = [timer({ id: 'b', dueAt: T0 }), timer({ id: 'a', dueAt: T0 }), timer({ id: 'c', dueAt: T0 - 1 }), timer({ id: 'd', dueAt: T0 + 1 })];
      await pipeline.commit(batch(null, null, { timers }));
      assert.deepEqual((await pipeline.dueTimers(0, T0 - 1, 10)).map((t) => t.id), ['c'], 'strictly before T0');
      assert.deepEqual((await pipeline.dueTimers(0, T0, 10)).map((t) => t.id), ['c', 'a', 'b'], 'at or before T0, ties by id');
      assert.deepEqual((await pipeline.dueTimers(0, T0, 2)).map((t) => t.id), ['c', 'a'], 'the limit cuts in that order');
    });

    test('creates, moves, cancels and fires timers in commits, each with the rest of its batch', async (b) => {
      const { partition, events } = await threeEvents(b.log);
      const absence = timer({ id: 'absence', subject: 'u1', dueAt: T0 + 1000, payload: { kind: 'absence', trigger: 'u1-e0', deadline: T0 + 940 } });
      const delay = timer({ id: 'delay', subject: 'u1', dueAt: T0 + 2000 });
      const quiet = timer({ id: 'quiet', subject: 'u1', dueAt: T0 + 3000 });
      const due = async () => (await b.pipeline.dueTimers(partition, T0 + 1e9, 10)).map((t) => [t.id, t.dueAt]);
      await b.pipeline.commit({ ...batch(null, events[0].cursor, { timers: [absence, delay, quiet] }), partition });
      assert.deepEqual((await b.pipeline.dueTimers(partition, T0 + 1000, 10))[0], absence, 'a timer keeps its payload');
      // One batch moves one, cancels another and fires the third: all or nothing.
      const moved = { ...quiet, dueAt: T0 + 500 };
      const stale = { ...batch(null, events[1].cursor, { timers: [moved], cancelledTimers: ['delay'], firedTimers: ['absence'] }), partition };
      await assert.rejects(b.pipeline.commit(stale), FencedError);
      assert.deepEqual(await due(), [['absence', T0 + 1000], ['delay', T0 + 2000], ['quiet', T0 + 3000]], 'a fenced batch changes no timer');
      await b.pipeline.commit({ ...stale, from: events[0].cursor });
      assert.deepEqual(await due(), [['quiet', T0 + 500]]);
      // A timer made and fired (or cancelled) in one batch, and a cancel of one never stored, leave nothing.
      const brief = timer({ id: 'brief', subject: 'u1', dueAt: T0 });
      await b.pipeline.commit({ ...batch(events[1].cursor, events[2].cursor, { timers: [brief], firedTimers: ['brief'], cancelledTimers: ['never-stored', 'quiet'] }), partition });
      assert.deepEqual(await due(), []);
    });
  });

  describe('PipelineStore: suppressions', () => {
    test('stores suppressions with the commit, lists a subject\'s newest first and counts them per rule and reason over [from, to)', async (b) => {
      const hour = 3_600_000;
      const rows = [
        suppression({ ruleId: 'nudge', subject: 'ann', reason: 'capped', at: T0 - 1 }),
        suppression({ ruleId: 'nudge', subject: 'ann', reason: 'capped', at: T0 }),
        suppression({ ruleId: 'nudge', subject: 'bob', reason: 'capped', at: T0 + hour - 1 }),
        suppression({ ruleId: 'nudge', subject: 'ann', reason: 'quiet_hours', at: T0 + 10, detail: 'delayed until 08:00 Asia/Seoul', delayedUntil: T0 + 8 * hour }),
        suppression({ ruleId: 'nudge', subject: 'bob', reason: 'rate_limited', at: T0 + hour }),
        suppression({ ruleId: 'cart', subject: 'ann', reason: 'cancelled', at: T0 + 20, detail: 'cancelled by e_9 (order_completed)' }),
        suppression({ ruleId: 'cart', subject: 'ann', reason: 'deduped', at: T0 + 20 }),
      ];
      await b.pipeline.commit(batch(null, null, { suppressions: rows.slice(0, 4) }));
      await b.pipeline.commit(batch(null, null, { suppressions: rows.slice(4) }));
      const counts = await b.suppressions.count({ from: T0, to: T0 + hour });
      const byKey = (c: { ruleId: string; reason: string; count: number }) => `${c.ruleId}/${c.reason}=${c.count}`;
      assert.deepEqual(counts.map(byKey).sort(), ['cart/cancelled=1', 'cart/deduped=1', 'nudge/capped=2', 'nudge/quiet_hours=1']);
      assert.deepEqual((await b.suppressions.count({ from: T0, to: T0 + hour + 1, ruleId: 'nudge' })).map(byKey).sort(), ['nudge/capped=2', 'nudge/quiet_hours=1', 'nudge/rate_limited=1']);
      assert.deepEqual(await b.suppressions.count({ from: T0, to: T0 + hour, ruleId: 'nobody' }), []);
      const ann = await b.suppressions.ofSubject('ann', { limit: 10 });
      assert.deepEqual(ann, [rows[6], rows[5], rows[3], rows[1], rows[0]], 'newest first, then newest recorded');
      assert.deepEqual(ann.find((x) => x.reason === 'quiet_hours')?.delayedUntil, T0 + 8 * hour, 'a delay keeps when it goes out');
      assert.equal(ann.find((x) => x.reason === 'capped')?.delayedUntil, undefined);
      assert.deepEqual(await b.suppressions.ofSubject('ann', { limit: 2 }), ann.slice(0, 2));
      assert.deepEqual((await b.suppressions.ofSubject('ann', { ruleId: 'nudge', limit: 10 })).map((x) => x.at), [T0 + 10, T0, T0 - 1]);
      assert.deepEqual(await b.suppressions.ofSubject('nobody', { limit: 10 }), []);
    });
  });

  describe('PipelineStore: the emit outbox', () => {
    test('keeps emitted events, oldest first, until they are relayed', async ({ pipeline }) => {
      const emits = [0, 1, 2].map((i) => newEvent({ id: `em-${i}`, type: 'reminder_sent', properties: { i }, causationId: 'cause', depth: 1 }));
      await pipeline.commit(batch(null, null, { emits: emits.slice(0, 2) }));
      await pipeline.commit(batch(null, null, { emits: emits.slice(2) }));
      const pending = await pipeline.pendingEmits(2);
      assert.deepEqual(pending.map((e) => e.id), ['em-0', 'em-1']);
      assert.deepEqual(JSON.parse(pending[0].properties), { i: 0 }, 'properties are encoded, ready to append');
      assert.equal(pending[0].causationId, 'cause');
      assert.equal(pending[0].depth, 1);
      await pipeline.emitsRelayed(['em-0', 'em-1']);
      assert.deepEqual((await pipeline.pendingEmits(10)).map((e) => e.id), ['em-2']);
    });

    test('relays emitted events to the log exactly once, even when two relays run at once', async (b) => {
      const emits = Array.from({ length: 7 }, (_, i) => newEvent({ id: `twice-${i}`, subject: `s${i}`, type: 'emitted' }));
      await b.pipeline.commit(batch(null, null, { emits }));
      const errors: Error[] = [];
      const other = await b.connect();
      const relays = [new EmitRelay(b.pipeline, b.log, (e) => errors.push(e), 3), new EmitRelay(other.pipeline, other.log, (e) => errors.push(e), 3)];
      try {
        for (const r of relays) r.wake();
        await until(async () => (await b.pipeline.pendingEmits(1)).length === 0);
      } finally {
        await Promise.all(relays.map((r) => r.stop()));
      }
      assert.deepEqual(errors, []);
      await assertLoggedOnce(b, emits.map((e) => e.id));
    });

    test('relays exactly once when the relay dies between appending and removing', async (b) => {
      const emits = Array.from({ length: 4 }, (_, i) => newEvent({ id: `crash-${i}`, type: 'emitted' }));
      await b.pipeline.commit(batch(null, null, { emits }));
      const dying = delegate<PipelineStore>(b.pipeline, { emitsRelayed: async () => { throw new Error('killed before removing'); } });
      const errors: Error[] = [];
      const first = new EmitRelay(dying, b.log, (e) => errors.push(e));
      first.wake();
      await until(async () => errors.length > 0);
      await first.stop();
      assert.equal((await b.pipeline.pendingEmits(10)).length, 4, 'still waiting after the failed removal');
      const second = new EmitRelay(b.pipeline, b.log, (e) => errors.push(e));
      try {
        second.wake();
        await until(async () => (await b.pipeline.pendingEmits(1)).length === 0);
      } finally {
        await second.stop();
      }
      await assertLoggedOnce(b, emits.map((e) => e.id));
    });
  });
}

async function assertLoggedOnce(b: Backend, ids: readonly string[]) {
  const logged = (await Promise.all(Array.from({ length: b.log.partitions }, (_, p) => readAll(b.log, p)))).flat().map((e) => e.id);
  for (const id of ids) assert.equal(logged.filter((x) => x === id).length, 1, `${id} is in the log once`);
}

async function until(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}
