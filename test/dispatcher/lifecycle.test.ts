import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import type { OutboxStore } from '../../src/store/contracts.ts';
import { attemptRows, delegate, deliveryRow, insertFiring, openStore, startDispatcher, startReceiver, waitFor } from './support.ts';

test('stop() lets an attempt in flight finish within the grace period and records it', async () => {
  const store = openStore();
  const receiver = await startReceiver((_req, res) => setTimeout(() => res.writeHead(200).end('late but fine'), 300));
  const dispatcher = startDispatcher(store);
  try {
    const [id] = insertFiring(store, [{ kind: 'webhook', spec: { url: receiver.url } }]);
    dispatcher.wake();
    await waitFor(() => receiver.requests.length === 1, 2000, 'request in flight');
    await dispatcher.stop(5000);
    assert.equal(deliveryRow(store, id).status, 'delivered');
    assert.equal(attemptRows(store, id).length, 1);
  } finally {
    await receiver.close();
    store.close();
  }
});

test('stop() abandons attempts still running after the grace period: nothing recorded, back to pending', async () => {
  const store = openStore();
  const receiver = await startReceiver(() => { /* hangs */ });
  const dispatcher = startDispatcher(store, { perDestinationConcurrency: 2 });
  try {
    const ids = [0, 1, 2, 3].map(() => insertFiring(store, [{ kind: 'webhook', spec: { url: receiver.url, timeout: '20s' } }])[0]);
    dispatcher.wake();
    await waitFor(() => receiver.requests.length === 2, 2000, 'two requests in flight');
    const started = Date.now();
    await dispatcher.stop(100);
    assert.ok(Date.now() - started < 700, `stop took ${Date.now() - started} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100)); // nothing may be written late either
    for (const id of ids) {
      assert.equal(deliveryRow(store, id).status, 'pending', id);
      assert.equal(deliveryRow(store, id).attempts, 0, id);
      assert.equal(attemptRows(store, id).length, 0, id);
    }
  } finally {
    await receiver.close();
    store.close();
  }
});

test('start() releases leases left by a crashed run, so those deliveries are sent', async () => {
  const store = openStore();
  const receiver = await startReceiver((_req, res) => res.writeHead(200).end());
  const [id] = insertFiring(store, [{ kind: 'webhook', spec: { url: receiver.url } }]);
  // A previous process leased the row and died.
  assert.equal((await store.outbox.claim({ owner: 'crashed-run', now: Date.now(), limit: 10, busyDestinations: [], leaseMs: 60_000 })).length, 1);
  const dispatcher = startDispatcher(store);
  try {
    await waitFor(() => deliveryRow(store, id).status === 'delivered', 3000, 'delivered');
  } finally {
    await dispatcher.stop(1000);
    await receiver.close();
    store.close();
  }
});

test('attempt outcomes are counted in the Prometheus registry', async () => {
  const store = openStore();
  const receiver = await startReceiver((_req, res, index) => res.writeHead(index === 0 ? 503 : 200).end());
  const registry = new Registry();
  const dispatcher = startDispatcher(store, {}, { registry });
  try {
    const [id] = insertFiring(store, [{ kind: 'webhook', spec: { url: receiver.url } }, { kind: 'log', spec: { message: 'hello' } }]);
    dispatcher.wake();
    await waitFor(() => deliveryRow(store, id).status === 'delivered', 3000, 'delivered');
    await waitFor(() => deliveryRow(store, id.replace(/\.0$/, '.1')).status === 'delivered', 3000, 'log delivered');
    const text = await registry.metrics();
    assert.match(text, /ifthen_deliveries_total\{kind="webhook",outcome="retry"\} 1/);
    assert.match(text, /ifthen_deliveries_total\{kind="webhook",outcome="delivered"\} 1/);
    assert.match(text, /ifthen_deliveries_total\{kind="log",outcome="delivered"\} 1/);
    assert.match(text, /ifthen_delivery_duration_seconds_count\{kind="webhook"\} 2/);
    assert.match(text, /ifthen_deliveries_in_flight 0/);
  } finally {
    await dispatcher.stop(1000);
    await receiver.close();
    store.close();
  }
});

test('outcomes that finish in the same turn are written with one outbox.record call', async () => {
  const store = openStore();
  const calls: number[] = [];
  const real = store.outbox;
  const outbox: OutboxStore = {
    ...delegate(real),
    record: (records) => { calls.push(records.length); return real.record(records); },
  };
  const actions = Array.from({ length: 20 }, (_, i) => ({ kind: 'log' as const, spec: { message: `line ${i}` } }));
  const ids = insertFiring(store, actions);
  const dispatcher = startDispatcher(store, { perDestinationConcurrency: 32 }, { outbox });
  try {
    await waitFor(() => ids.every((id) => deliveryRow(store, id).status === 'delivered'), 3000, 'all delivered');
    assert.deepEqual(calls, [20]);
  } finally {
    await dispatcher.stop(1000);
    store.close();
  }
});

test('a lease whose outcome could not be written comes back while running, and the delivery is sent again', async () => {
  const store = openStore();
  const receiver = await startReceiver((_req, res) => res.writeHead(200).end('ok'));
  const real = store.outbox;
  let failing = true; // as when another process holds the write lock for a long time
  let failedWrites = 0;
  const outbox: OutboxStore = {
    ...delegate(real),
    record: async (records) => {
      if (failing) { failedWrites++; throw new Error('database is locked'); }
      return real.record(records);
    },
  };
  const dispatcher = startDispatcher(store, { leaseMs: 1500, defaultTimeoutMs: 300, reclaimEveryMs: 100 }, { outbox });
  try {
    const [id] = insertFiring(store, [{ kind: 'webhook', spec: { url: receiver.url } }]);
    dispatcher.wake();
    await waitFor(() => receiver.requests.length === 1, 2000, 'first send');
    await waitFor(() => failedWrites > 0, 2000, 'the outcome write to fail');
    assert.equal(deliveryRow(store, id).status, 'delivering', 'the row stays leased while its outcome cannot be written');
    // No restart: the expired lease is taken back and the delivery sent again.
    await waitFor(() => receiver.requests.length === 2, 5000, 'sent again after the lease expired');
    failing = false;
    await waitFor(() => deliveryRow(store, id).status === 'delivered', 8000, 'delivered once writes work again');
    assert.equal(receiver.requests[0].headers['idempotency-key'], receiver.requests[1].headers['idempotency-key']);
  } finally {
    await dispatcher.stop(1000);
    await receiver.close();
    store.close();
  }
});

test('an outcome whose lease was taken back and given to another dispatcher is not applied', async () => {
  const store = openStore();
  const [id] = insertFiring(store, [{ kind: 'log', spec: { message: 'x' } }]);
  const now = Date.now();
  const [first] = await store.outbox.claim({ owner: 'a', now, limit: 1, busyDestinations: [], leaseMs: 10 });
  assert.equal(await store.outbox.reclaimExpired(now + 20), 1);
  const [second] = await store.outbox.claim({ owner: 'b', now: now + 20, limit: 1, busyDestinations: [], leaseMs: 60_000 });
  assert.notEqual(first.lease.token, second.lease.token);
  const late = await store.outbox.record([{ deliveryId: id, leaseToken: first.lease.token, attempt: 1, startedAt: now, latencyMs: 1, statusCode: 500, error: 'HTTP 500', response: null, outcome: 'dead' }]);
  assert.deepEqual(late.stale, [id]);
  assert.equal(deliveryRow(store, id).status, 'delivering', 'the current holder still holds it');
  const current = await store.outbox.record([{ deliveryId: id, leaseToken: second.lease.token, attempt: 1, startedAt: now, latencyMs: 1, statusCode: null, error: null, response: null, outcome: 'delivered' }]);
  assert.deepEqual(current.stale, []);
  assert.equal(deliveryRow(store, id).status, 'delivered');
  store.close();
});

test('fresh deliveries handed over by the pipeline render with a secret saved after the dispatcher last looked', async () => {
  const store = openStore();
  const receiver = await startReceiver((_req, res) => res.writeHead(200).end());
  // Like the secret store: the same object until a secret changes.
  let secrets: Readonly<Record<string, string>> = {};
  // A long poll: no look at the outbox runs between the secret's change and the hand-over.
  const dispatcher = startDispatcher(store, { pollMs: 60_000 }, { secrets: () => secrets, offer: () => {} });
  try {
    await new Promise((resolve) => setTimeout(resolve, 100)); // started, secrets read once (none)
    secrets = { API_TOKEN: 'tok-saved-just-now' };
    const [id] = insertFiring(store, [{ kind: 'webhook', spec: { url: receiver.url, headers: { authorization: 'Bearer {{ secrets.API_TOKEN }}' } } }]);
    const leased = await store.outbox.claim({ owner: 'test-dispatcher', now: Date.now(), limit: 10, busyDestinations: [], leaseMs: 30_000 });
    assert.equal(leased.length, 1);
    dispatcher.accept(leased);
    await waitFor(() => deliveryRow(store, id).status === 'delivered', 3000, 'delivered');
    assert.equal(receiver.requests[0]?.headers.authorization, 'Bearer tok-saved-just-now');
  } finally {
    await dispatcher.stop(1000);
    await receiver.close();
    store.close();
  }
});

test('fresh deliveries beyond a destination\'s slots wait in the local queue: never more than its concurrency at once, each sent once', async () => {
  const store = openStore();
  let open = 0;
  let most = 0;
  const receiver = await startReceiver((_req, res) => {
    most = Math.max(most, ++open);
    setTimeout(() => { open--; res.writeHead(200).end('ok'); }, 15);
  });
  const dispatcher = startDispatcher(store, { pollMs: 60_000, perDestinationConcurrency: 2 }, { offer: () => {} });
  try {
    const ids = Array.from({ length: 12 }, () => insertFiring(store, [{ kind: 'webhook', spec: { url: receiver.url } }])[0]);
    const leased = await store.outbox.claim({ owner: 'test-dispatcher', now: Date.now(), limit: 100, busyDestinations: [], leaseMs: 30_000 });
    assert.equal(leased.length, 12);
    dispatcher.accept(leased);
    await waitFor(() => ids.every((id) => deliveryRow(store, id).status === 'delivered'), 5000, 'all delivered');
    assert.equal(most, 2, 'two at a time, the destination\'s limit');
    assert.equal(receiver.requests.length, 12);
    assert.equal(new Set(receiver.requests.map((r) => r.headers['idempotency-key'])).size, 12);
  } finally {
    await dispatcher.stop(1000);
    await receiver.close();
    store.close();
  }
});

test('a queued delivery is not started with too little of its lease left, and an attempt never outlives its lease', async () => {
  const store = openStore();
  const receiver = await startReceiver(() => { /* never answers */ });
  const dispatcher = startDispatcher(store, { pollMs: 60_000, defaultTimeoutMs: 5000 }, { offer: () => {} });
  try {
    // 100 ms of lease beyond the 1 s margin: not started, left leased (it comes back when the lease expires).
    const [late] = insertFiring(store, [{ kind: 'webhook', spec: { url: receiver.url } }]);
    const [lateRow] = await store.outbox.claim({ owner: 'test-dispatcher', now: Date.now(), limit: 1, busyDestinations: [], leaseMs: 1100 });
    assert.equal(lateRow.id, late);
    dispatcher.accept([lateRow]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(receiver.requests.length, 0);
    assert.equal(deliveryRow(store, late).status, 'delivering');

    // 1.5 s beyond the margin: sent, and timed out after 1.5 s instead of the 5 s default.
    const [short] = insertFiring(store, [{ kind: 'webhook', spec: { url: receiver.url } }]);
    const started = Date.now();
    const rows = await store.outbox.claim({ owner: 'test-dispatcher', now: started, limit: 10, busyDestinations: [], leaseMs: 2500 });
    dispatcher.accept(rows.filter((r) => r.id === short));
    await waitFor(() => attemptRows(store, short).length === 1, 4000, 'the attempt to end');
    const [attempt] = attemptRows(store, short);
    assert.match(attempt.error ?? '', /timed out after 1[45]\d\d ms/);
    assert.ok(Date.now() - started < 3000);
  } finally {
    await dispatcher.stop(200);
    await receiver.close();
    store.close();
  }
});
