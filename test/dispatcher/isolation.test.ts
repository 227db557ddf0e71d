import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { test } from 'node:test';
import { deliveryRow, insertFiring, openStore, startDispatcher, startReceiver, waitFor } from './support.ts';

test('deliveries to a healthy host keep their latency while another host hangs with a deep queue', async () => {
  const store = openStore();
  const hanging = await startReceiver(() => { /* host A never answers */ });
  const healthy = await startReceiver((_req, res) => res.writeHead(200).end('ok'));
  // Host A is "127.0.0.1:X", host B is "localhost:Y": two destinations, each with its own slots.
  const hostB = `http://localhost:${healthy.port}`;
  const dispatcher = startDispatcher(store, { globalConcurrency: 16, perDestinationConcurrency: 4 });
  try {
    const policy = { maxAttempts: 3, maxAgeMs: 60_000, backoffMs: 20, backoffMaxMs: 50 };
    for (let i = 0; i < 60; i++) insertFiring(store, [{ kind: 'webhook', spec: { url: hanging.url, timeout: '10s' }, policy }]);
    dispatcher.wake();
    await waitFor(() => hanging.requests.length >= 4, 2000, 'host A to hold its slots');

    const latencies: number[] = [];
    for (let i = 0; i < 30; i++) {
      const started = performance.now();
      const [id] = insertFiring(store, [{ kind: 'webhook', spec: { url: hostB } }]);
      dispatcher.wake();
      await waitFor(() => deliveryRow(store, id).status === 'delivered', 2000, `delivery ${i} to host B`);
      latencies.push(performance.now() - started);
    }
    latencies.sort((a, b) => a - b);
    const p90 = latencies[26];
    const max = latencies[latencies.length - 1];
    const summary = `host B latencies (ms): ${latencies.map((l) => l.toFixed(0)).join(' ')}`;
    // Blocked behind host A, a delivery would wait for A's 10 s timeout. The max bound leaves room for
    // a loaded CI machine (fsyncs, parallel test files) while staying far below that.
    assert.ok(p90 < 200, summary);
    assert.ok(max < 1000, summary);
    // Host A got no more than its per-destination limit, and nothing of it was recorded yet.
    assert.equal(hanging.requests.length, 4);
    // A busy host is left out of claims: at most one claim's worth of its rows is leased, not all 60.
    const { delivering } = await store.outbox.counts();
    assert.ok(delivering <= 16, `${delivering} deliveries leased`);
    assert.equal(healthy.requests.length, 30);
  } finally {
    await dispatcher.stop(50);
    await Promise.all([hanging.close(), healthy.close()]);
    const counts = await store.outbox.counts();
    assert.deepEqual(counts, { pending: 60, delivering: 0, dead: 0 }, 'host A deliveries are back to pending after stop');
    store.close();
  }
});
