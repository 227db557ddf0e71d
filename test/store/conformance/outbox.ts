// OutboxStore: leases with an owner and a fresh token, per-destination limits and sharing, outcomes applied
// only under the current lease, expired and released leases taken back; DeliveryControl; StallRecorder.
import assert from 'node:assert/strict';
import { describe } from 'node:test';
import type { AttemptRecord, ClaimRequest, LeasedDelivery, OutboxStore } from '../../../src/store/contracts.ts';
import { T0, backendTest, commitDeliveries, firing, timer, batch, appendAndRead, encoded, type Backend, type OpenBackend } from './fixtures.ts';

function claim(outbox: OutboxStore, request: Partial<ClaimRequest> = {}): Promise<LeasedDelivery[]> {
  return outbox.claim({ owner: 'd1', now: T0, limit: 100, busyDestinations: [], leaseMs: 30_000, ...request });
}

function outcome(d: LeasedDelivery, fields: Partial<AttemptRecord> = {}): AttemptRecord {
  return {
    deliveryId: d.id, leaseToken: d.lease.token, attempt: d.attempts + 1, startedAt: T0, latencyMs: 12, statusCode: 200, error: null,
    response: 'ok', request: { method: 'POST', url: String(d.spec.url), headers: { 'idempotency-key': d.id }, body: '{}', bodyBytes: 2 }, outcome: 'delivered', ...fields,
  };
}

/** One delivery per host, committed at `at`; returns their ids in order. */
async function deliveries(b: Backend, hosts: readonly string[], spec: { at?: number; ruleId?: string } = {}): Promise<string[]> {
  return commitDeliveries(b.pipeline, [firing({ hosts, at: spec.at, ruleId: spec.ruleId })]);
}

const ids = (ds: readonly { id: string }[]) => ds.map((d) => d.id).sort();
const status = async (b: Backend, id: string) => (await b.history.delivery(id))?.status;

/** A delivery taken to `dead` by its one attempt. */
async function deadDelivery(b: Backend, spec: { at?: number; ruleId?: string } = {}): Promise<string> {
  const [id] = await deliveries(b, ['dead.example'], spec);
  const [d] = (await claim(b.outbox, { now: spec.at ?? T0, owner: 'killer' })).filter((x) => x.id === id);
  await b.outbox.record([outcome(d, { statusCode: 410, outcome: 'dead' })]);
  return id;
}

async function deliveredDelivery(b: Backend): Promise<string> {
  const [id] = await deliveries(b, ['done.example']);
  const [d] = (await claim(b.outbox, { owner: 'deliverer' })).filter((x) => x.id === id);
  await b.outbox.record([outcome(d)]);
  return id;
}

export function describeOutbox(open: OpenBackend): void {
  const test = backendTest(open);

  describe('OutboxStore', () => {
    test('leases due deliveries up to the limit, each claim under a fresh token for its owner', async (b) => {
      const created = await deliveries(b, ['a.example', 'a.example', 'a.example', 'a.example', 'a.example']);
      const first = await claim(b.outbox, { owner: 'd1', limit: 3, leaseMs: 1000 });
      assert.equal(first.length, 3);
      for (const d of first) {
        assert.equal(d.status, 'delivering');
        assert.equal(d.lease.owner, 'd1');
        assert.equal(d.lease.until, T0 + 1000);
        assert.equal(d.destination, 'a.example');
        assert.equal(d.attempts, 0);
        assert.equal(d.attemptsSinceReplay, 0);
        assert.equal(d.spec.url, 'https://a.example/hook');
        assert.equal(d.context.firing.id, d.firingId);
        assert.ok(d.policy.maxAttempts > 0);
      }
      const second = await claim(b.outbox, { owner: 'd2', limit: 3 });
      assert.deepEqual(ids([...first, ...second]), [...created].sort(), 'every delivery leased once');
      assert.ok(second.every((d) => d.lease.owner === 'd2'));
      const tokens = new Set(first.map((d) => d.lease.token));
      assert.ok(second.every((d) => !tokens.has(d.lease.token)), 'a new claim has a new token');
      assert.deepEqual(await claim(b.outbox), [], 'leased deliveries are not leased again');
    });

    test('does not lease a delivery before it is due', async (b) => {
      const [id] = await deliveries(b, ['later.example'], { at: T0 + 5000 });
      assert.deepEqual(await claim(b.outbox, { now: T0 + 4999 }), []);
      assert.deepEqual(ids(await claim(b.outbox, { now: T0 + 5000 })), [id]);
    });

    test('does not lease a delivery before its notBefore (the rate limit), and says when it becomes due', async (b) => {
      const [id] = await commitDeliveries(b.pipeline, [firing({ hosts: ['paced.example'], at: T0, notBefore: T0 + 3000 })]);
      assert.equal(await b.outbox.nextDueAt(), T0 + 3000);
      assert.deepEqual(await claim(b.outbox, { now: T0 + 2999 }), []);
      const [d] = await claim(b.outbox, { now: T0 + 3000 });
      assert.equal(d.id, id);
      assert.equal(d.createdAt, T0, 'created when it fired');
      assert.equal(d.nextAttemptAt, T0 + 3000);
    });

    test('leases nothing of a destination at its concurrency limit', async (b) => {
      const [, onB] = await deliveries(b, ['busy.example', 'free.example']);
      assert.deepEqual(ids(await claim(b.outbox, { busyDestinations: ['busy.example'] })), [onB]);
      assert.equal((await b.outbox.counts()).pending, 1, 'the busy destination keeps its delivery waiting');
    });

    test("shares a claim across destinations: one destination's backlog does not crowd out the others", async (b) => {
      await deliveries(b, Array.from({ length: 30 }, () => 'backlog.example'), { at: T0 });
      const quiet = await deliveries(b, ['quiet.example', 'quiet.example'], { at: T0 + 100 });
      const leased = await claim(b.outbox, { now: T0 + 1000, limit: 10 });
      assert.ok(leased.length <= 10);
      for (const id of quiet) assert.ok(leased.some((d) => d.id === id), `the quiet destination's ${id} is leased`);
      await deliveries(b, Array.from({ length: 10 }, () => 'x.example'));
      await deliveries(b, Array.from({ length: 10 }, () => 'y.example'));
      const shared = await claim(b.outbox, { owner: 'd3', now: T0 + 1000, limit: 6, busyDestinations: ['backlog.example'] });
      const per = (host: string) => shared.filter((d) => d.destination === host).length;
      assert.equal(shared.length, 6);
      assert.deepEqual([per('x.example'), per('y.example')], [3, 3]);
    });

    test('applies an outcome only under the current lease and reports the stale ones', async (b) => {
      const [id, other] = await deliveries(b, ['a.example', 'b.example']);
      const [old] = (await claim(b.outbox, { owner: 'd1', leaseMs: 1000 })).filter((d) => d.id === id);
      assert.equal(await b.outbox.reclaimExpired(T0 + 2000), 2);
      const current = await claim(b.outbox, { owner: 'd2', now: T0 + 2000 });
      const mine = current.find((d) => d.id === id)!;
      assert.notEqual(mine.lease.token, old.lease.token);
      const { stale } = await b.outbox.record([outcome(old), outcome(current.find((d) => d.id === other)!)]);
      assert.deepEqual(stale, [id], 'the outcome under the lost lease is reported stale; the other applies');
      assert.equal(await status(b, id), 'delivering', 'the stale outcome changed nothing');
      assert.equal(await status(b, other), 'delivered');
      assert.deepEqual(await b.outbox.leaseOwners(), ['d2']);
      assert.deepEqual((await b.outbox.record([outcome(mine, { statusCode: 503, outcome: 'retry', nextAttemptAt: T0 + 9000 })])).stale, []);
      assert.equal(await status(b, id), 'pending');
      assert.deepEqual((await b.outbox.record([outcome(mine)])).stale, [id], 'a lease is used up by its outcome');
    });

    test('shows the applied outcome in the attempt log when a stale outcome of the same attempt came first', async (b) => {
      const [id] = await deliveries(b, ['slow.example']);
      const [lost] = await claim(b.outbox, { owner: 'd1', leaseMs: 1000 });
      await b.outbox.reclaimExpired(T0 + 2000);
      const [current] = await claim(b.outbox, { owner: 'd2', now: T0 + 2000 });
      assert.equal(current.attempts + 1, lost.attempts + 1, 'both leases make the same attempt number');
      assert.deepEqual((await b.outbox.record([outcome(lost, { statusCode: null, error: 'timed out', response: null, outcome: 'retry', nextAttemptAt: T0 + 3000 })])).stale, [id]);
      assert.deepEqual((await b.outbox.record([outcome(current, { startedAt: T0 + 2000 })])).stale, []);
      const delivery = (await b.history.delivery(id))!;
      assert.equal(delivery.status, 'delivered');
      const applied = delivery.attemptLog.find((a) => a.attempt === current.attempts + 1);
      assert.deepEqual([applied?.statusCode, applied?.error], [200, null], 'the attempt that delivered it is on record');
    });

    test('records delivered, retry and dead outcomes with their attempts', async (b) => {
      const [ok, again, gone] = await deliveries(b, ['a.example', 'b.example', 'c.example']);
      const leased = await claim(b.outbox);
      const by = (id: string) => leased.find((d) => d.id === id)!;
      await b.outbox.record([
        outcome(by(ok), { latencyMs: 20 }),
        outcome(by(again), { statusCode: null, error: 'timed out', response: null, outcome: 'retry', nextAttemptAt: T0 + 60_000 }),
        outcome(by(gone), { statusCode: 410, response: 'gone', outcome: 'dead' }),
      ]);
      const delivered = (await b.history.delivery(ok))!;
      assert.equal(delivered.status, 'delivered');
      assert.equal(delivered.attempts, 1);
      assert.notEqual(delivered.deliveredAt, null);
      assert.deepEqual(delivered.attemptLog.map((a) => [a.attempt, a.statusCode, a.response]), [[1, 200, 'ok']]);
      assert.equal(delivered.attemptLog[0].request?.headers['idempotency-key'], ok);
      const waiting = (await b.history.delivery(again))!;
      assert.equal(waiting.status, 'pending');
      assert.equal(waiting.nextAttemptAt, T0 + 60_000);
      assert.equal(waiting.attempts, 1);
      assert.match(waiting.lastError ?? '', /timed out/);
      const dead = (await b.history.delivery(gone))!;
      assert.equal(dead.status, 'dead');
      assert.notEqual(dead.lastError, null);
      assert.deepEqual(await b.outbox.counts(), { pending: 1, delivering: 0, dead: 1 });
      assert.deepEqual(await b.outbox.leaseOwners(), []);
      assert.deepEqual(await claim(b.outbox, { now: T0 + 59_999 }), [], 'a retry waits for its back-off');
      assert.deepEqual(ids(await claim(b.outbox, { now: T0 + 60_000 })), [again]);
    });

    test('takes back only the leases that expired', async (b) => {
      const [short, long] = await deliveries(b, ['a.example', 'b.example']);
      await claim(b.outbox, { owner: 'd1', leaseMs: 1000, busyDestinations: ['b.example'] });
      await claim(b.outbox, { owner: 'd2', leaseMs: 10_000 });
      assert.equal(await b.outbox.reclaimExpired(T0 + 500), 0);
      assert.equal(await b.outbox.reclaimExpired(T0 + 5000), 1);
      assert.equal(await status(b, short), 'pending');
      assert.equal(await status(b, long), 'delivering');
      assert.deepEqual(ids(await claim(b.outbox, { owner: 'd3', now: T0 + 5000 })), [short]);
    });

    test("releases only the given owner's leases, and names the owners holding leases", async (b) => {
      assert.deepEqual(await b.outbox.leaseOwners(), []);
      const [a1, a2, c1] = await deliveries(b, ['a.example', 'b.example', 'c.example']);
      await claim(b.outbox, { owner: 'd1', busyDestinations: ['c.example'] });
      await claim(b.outbox, { owner: 'd2' });
      assert.deepEqual((await b.outbox.leaseOwners()).sort(), ['d1', 'd2']);
      assert.equal(await b.outbox.release('d1', T0 + 1), 2);
      assert.deepEqual(await b.outbox.leaseOwners(), ['d2']);
      assert.equal(await status(b, a1), 'pending');
      assert.equal(await status(b, a2), 'pending');
      assert.equal(await status(b, c1), 'delivering');
      assert.equal(await b.outbox.release('nobody', T0 + 1), 0);
    });

    test('tells when the next pending delivery becomes due', async (b) => {
      assert.equal(await b.outbox.nextDueAt(), null);
      await deliveries(b, ['late.example'], { at: T0 + 100 });
      const [early] = await deliveries(b, ['early.example'], { at: T0 + 50 });
      assert.equal(await b.outbox.nextDueAt(), T0 + 50);
      const [d] = await claim(b.outbox, { now: T0 + 60 });
      assert.equal(d.id, early);
      assert.equal(await b.outbox.nextDueAt(), T0 + 100, 'a leased delivery is not pending');
      await b.outbox.record([outcome(d, { outcome: 'retry', statusCode: 500, nextAttemptAt: T0 + 70 })]);
      assert.equal(await b.outbox.nextDueAt(), T0 + 70);
    });

    test('counts pending, delivering and dead deliveries', async (b) => {
      assert.deepEqual(await b.outbox.counts(), { pending: 0, delivering: 0, dead: 0 });
      await deadDelivery(b);
      await deliveredDelivery(b);
      await deliveries(b, ['a.example', 'b.example', 'c.example']);
      await claim(b.outbox, { busyDestinations: ['a.example', 'b.example'] });
      assert.deepEqual(await b.outbox.counts(), { pending: 2, delivering: 1, dead: 1 });
    });
  });

  describe('DeliveryControl', () => {
    test('replays dead deliveries only, with a fresh run of attempts and the same idempotency key', async (b) => {
      const dead = await deadDelivery(b, { ruleId: 'r1' });
      const delivered = await deliveredDelivery(b);
      const [pending] = await deliveries(b, ['p.example'], { ruleId: 'r1' });
      assert.equal(await b.deliveries.replay({ id: pending }, T0 + 1000), 0);
      assert.equal(await b.deliveries.replay({ id: delivered }, T0 + 1000), 0);
      assert.equal(await b.deliveries.replay({ ruleId: 'r1' }, T0 + 1000), 1);
      const replayed = (await b.history.delivery(dead))!;
      assert.equal(replayed.status, 'pending');
      assert.equal(replayed.attempts, 1, 'all-time attempts are kept');
      assert.equal(replayed.attemptsSinceReplay, 0, 'the attempt limit counts again');
      assert.equal(replayed.windowStartedAt, T0 + 1000, 'the age limit counts again');
      const leased = await claim(b.outbox, { now: T0 + 1000, busyDestinations: ['p.example'] });
      assert.deepEqual(ids(leased), [dead], 'due at once, under the same id (the idempotency key)');
      assert.equal(await b.deliveries.replay({}, T0 + 2000), 0, 'nothing else is dead');
    });

    test('replays the dead deliveries of a rule and a time range', async (b) => {
      const early = await deadDelivery(b, { ruleId: 'r1', at: T0 });
      const late = await deadDelivery(b, { ruleId: 'r1', at: T0 + 10_000 });
      const otherRule = await deadDelivery(b, { ruleId: 'r2', at: T0 + 10_000 });
      assert.equal(await b.deliveries.replay({ ruleId: 'r1', from: T0 + 5000 }, T0 + 20_000), 1);
      assert.equal(await status(b, late), 'pending');
      assert.equal(await b.deliveries.replay({ to: T0 + 5000 }, T0 + 20_000), 1);
      assert.equal(await status(b, early), 'pending');
      assert.equal(await status(b, otherRule), 'dead');
      assert.equal(await b.deliveries.replay({ id: otherRule }, T0 + 20_000), 1);
      assert.equal(await status(b, otherRule), 'pending');
    });

    test('previews a replay (how many, where to, which rules, over which time) without changing anything; chosen ids alone', async (b) => {
      const early = await deadDelivery(b, { ruleId: 'r1', at: T0 });
      const late = await deadDelivery(b, { ruleId: 'r1', at: T0 + 10_000 });
      const other = await deadDelivery(b, { ruleId: 'r2', at: T0 + 20_000 });
      await deliveredDelivery(b);
      const all = await b.deliveries.previewReplay({});
      assert.equal(all.count, 3);
      assert.deepEqual(all.destinations, [{ destination: 'dead.example', kind: 'webhook', count: 3 }]);
      assert.deepEqual(all.rules.map((r) => [r.ruleId, r.count]), [['r1', 2], ['r2', 1]]);
      assert.equal(all.answered2xx, 0);
      const chosen = await b.deliveries.previewReplay({ ids: [late, other, 'no-such-delivery'] });
      assert.deepEqual([chosen.count, chosen.oldest, chosen.newest], [2, (await b.history.delivery(late))!.createdAt, (await b.history.delivery(other))!.createdAt]);
      assert.deepEqual([(await b.deliveries.previewReplay({ ruleId: 'r9' })).count, (await b.deliveries.previewReplay({ ruleId: 'r9' })).oldest], [0, null]);
      assert.equal(await status(b, early), 'dead', 'a preview changes nothing');
      assert.equal(await b.deliveries.replay({ ids: [late, other] }, T0 + 30_000), 2);
      assert.deepEqual([await status(b, early), await status(b, late), await status(b, other)], ['dead', 'pending', 'pending']);
    });

    test('retries a pending delivery now, and nothing in another status', async (b) => {
      const [waiting] = await deliveries(b, ['w.example']);
      const [d] = await claim(b.outbox);
      await b.outbox.record([outcome(d, { outcome: 'retry', statusCode: 503, nextAttemptAt: T0 + 3_600_000 })]);
      assert.equal(await b.deliveries.retryNow(waiting, T0 + 10), true);
      assert.deepEqual(ids(await claim(b.outbox, { now: T0 + 10 })), [waiting]);
      assert.equal(await b.deliveries.retryNow(waiting, T0 + 20), false, 'not while it is being delivered');
      assert.equal(await b.deliveries.retryNow(await deadDelivery(b), T0 + 20), false);
      assert.equal(await b.deliveries.retryNow(await deliveredDelivery(b), T0 + 20), false);
      assert.equal(await b.deliveries.retryNow('no-such-delivery', T0 + 20), false);
    });

    test('sends a delivered delivery once more under the same idempotency key, and nothing else', async (b) => {
      const delivered = await deliveredDelivery(b);
      assert.equal(await b.deliveries.resend(delivered, T0 + 100), true);
      assert.equal(await status(b, delivered), 'pending');
      assert.deepEqual(ids(await claim(b.outbox, { now: T0 + 100 })), [delivered]);
      assert.equal(await b.deliveries.resend(delivered, T0 + 200), false, 'not while it is being delivered');
      assert.equal(await b.deliveries.resend(await deadDelivery(b), T0 + 200), false);
      const [pending] = await deliveries(b, ['p.example'], { at: T0 + 1e6 });
      assert.equal(await b.deliveries.resend(pending, T0 + 200), false);
    });
  });

  describe('StallRecorder', () => {
    test('records an event that stalled the processor, so that it is passed over', async (b) => {
      const [e0, e1] = await appendAndRead(b.log, [encoded({ id: 'calm' }), encoded({ id: 'stuck' })]);
      const partition = b.log.partitionOf(e1.subject);
      await b.stalls.inputStalled({ kind: 'event', partition, cursor: e1.cursor, id: 'stuck' }, 'stalled for 10 s', T0);
      assert.deepEqual([...await b.pipeline.failedAfter(partition, e0.cursor)], ['stuck']);
      const [recorded] = (await b.history.eventFailures({ limit: 10 })).items;
      assert.deepEqual([recorded.eventId, recorded.stage, recorded.error], ['stuck', 'stall', 'stalled for 10 s']);
    });

    test('deletes a timer that stalled the processor', async (b) => {
      const t = timer({ id: 'stuck-timer', dueAt: T0 });
      const keep = timer({ id: 'other-timer', dueAt: T0 });
      await b.pipeline.commit(batch(null, null, { timers: [t, keep] }));
      await b.stalls.inputStalled({ kind: 'timer', partition: 0, cursor: '', id: t.id }, 'stalled', T0);
      assert.deepEqual((await b.pipeline.dueTimers(0, T0, 10)).map((x) => x.id), ['other-timer']);
      assert.equal((await b.history.eventFailures({ limit: 10 })).items[0].eventId, 'stuck-timer');
    });

    test('makes a delivery that stalled the dispatcher dead, with the reason, unless it was delivered', async (b) => {
      const delivered = await deliveredDelivery(b);
      const [pending, leased] = await deliveries(b, ['a.example', 'b.example']);
      await claim(b.outbox, { busyDestinations: ['a.example'] });
      for (const id of [pending, leased, delivered]) await b.stalls.deliveryStalled(id, 'rendering stalled', T0 + 1);
      for (const id of [pending, leased]) {
        const d = (await b.history.delivery(id))!;
        assert.equal(d.status, 'dead');
        assert.equal(d.lastError, 'rendering stalled');
      }
      assert.equal(await status(b, delivered), 'delivered');
      assert.deepEqual(await b.outbox.leaseOwners(), [], 'its lease is gone');
    });
  });
}
