import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { attemptRows, deliveryRow, insertFiring, openStore, SIGNING_SECRET, startDispatcher, startReceiver, waitFor, type Store } from './support.ts';

let store: Store;
before(() => { store = openStore(); });
after(() => store.close());

test('retries a 500 and delivers on attempt 2 with the same idempotency key and a valid signature', async () => {
  const receiver = await startReceiver((_req, res, index) => {
    res.writeHead(index === 0 ? 500 : 200, { 'content-type': 'text/plain' }).end(index === 0 ? 'upstream broke' : 'ok');
  });
  const dispatcher = startDispatcher(store);
  try {
    const [id] = insertFiring(store, [{ kind: 'webhook', spec: { url: `${receiver.url}/hook`, body: { user: '{{ subject.id }}' } } }]);
    dispatcher.wake();
    await waitFor(() => deliveryRow(store, id).status === 'delivered', 5000, 'delivered');

    const attempts = attemptRows(store, id);
    assert.deepEqual(attempts.map((a) => [a.attempt, a.status_code, a.error, a.response]), [[1, 500, 'HTTP 500', 'upstream broke'], [2, 200, null, 'ok']]);
    assert.equal(receiver.requests.length, 2);
    for (const [i, request] of receiver.requests.entries()) {
      assert.equal(request.headers['idempotency-key'], id);
      assert.equal(request.headers['x-ifthen-delivery-attempt'], String(i + 1));
      assert.match(String(request.headers['user-agent']), /^ifthen\//);
      assert.equal(request.headers['content-type'], 'application/json');
      assert.deepEqual(JSON.parse(request.body), { user: 'user-1' });
      assert.equal(request.headers['webhook-id'], id);
      assert.deepEqual(new Webhook(SIGNING_SECRET).verify(request.body, request.headers as Record<string, string>), { user: 'user-1' }, 'signature verifies');
    }
    assert.equal(deliveryRow(store, id).attempts, 2);
  } finally {
    await dispatcher.stop(1000);
    await receiver.close();
  }
});

test('an attempt that hangs times out at the action timeout, is retried, and is dead after maxAttempts', async () => {
  const receiver = await startReceiver(() => { /* never answers */ });
  const dispatcher = startDispatcher(store);
  try {
    const policy = { maxAttempts: 3, maxAgeMs: 60_000, backoffMs: 20, backoffMaxMs: 50 };
    const [id] = insertFiring(store, [{ kind: 'webhook', spec: { url: receiver.url, timeout: '200ms' }, policy }]);
    dispatcher.wake();
    await waitFor(() => deliveryRow(store, id).status === 'dead', 5000, 'dead');

    const attempts = attemptRows(store, id);
    assert.equal(attempts.length, 3);
    for (const a of attempts) {
      assert.match(String(a.error), /timed out after 200 ms/);
      assert.equal(a.status_code, null);
      assert.ok(a.latency_ms >= 190 && a.latency_ms < 1000, `latency ${a.latency_ms}`);
    }
    assert.match(String(deliveryRow(store, id).last_error), /timed out after 200 ms; gave up after 3 attempts/);
    assert.equal(receiver.requests.length, 3);
  } finally {
    await dispatcher.stop(100);
    await receiver.close();
  }
});

test('a 429 with Retry-After: 1 is not tried again before a second has passed', async () => {
  const receiver = await startReceiver((_req, res, index) => {
    if (index === 0) res.writeHead(429, { 'retry-after': '1' }).end('slow down');
    else res.writeHead(204).end();
  });
  const dispatcher = startDispatcher(store);
  try {
    const policy = { maxAttempts: 5, maxAgeMs: 60_000, backoffMs: 20, backoffMaxMs: 5000 };
    const [id] = insertFiring(store, [{ kind: 'webhook', spec: { url: receiver.url }, policy }]);
    dispatcher.wake();
    await waitFor(() => deliveryRow(store, id).status === 'delivered', 5000, 'delivered');

    const [first, second] = attemptRows(store, id);
    assert.equal(first.status_code, 429);
    assert.equal(second.status_code, 204);
    const firstEnded = first.started_at + first.latency_ms;
    assert.ok(second.started_at - firstEnded >= 990, `waited ${second.started_at - firstEnded} ms`);
    assert.ok(receiver.requests[1].at - receiver.requests[0].at >= 990);
  } finally {
    await dispatcher.stop(1000);
    await receiver.close();
  }
});

test('a 400 is dead after exactly one attempt, with at most 1 KiB of a 100 KiB answer stored', async () => {
  const big = 'x'.repeat(100 * 1024);
  const receiver = await startReceiver((_req, res) => res.writeHead(400, { 'content-type': 'text/plain' }).end(`bad request: ${big}`));
  const dispatcher = startDispatcher(store);
  try {
    const [id] = insertFiring(store, [{ kind: 'webhook', spec: { url: receiver.url, body: 'plain text' } }]);
    dispatcher.wake();
    await waitFor(() => deliveryRow(store, id).status === 'dead', 5000, 'dead');

    const attempts = attemptRows(store, id);
    assert.equal(attempts.length, 1);
    assert.equal(attempts[0].status_code, 400);
    assert.equal(attempts[0].error, 'HTTP 400');
    assert.ok(attempts[0].response!.startsWith('bad request: xxx'));
    assert.equal(Buffer.byteLength(attempts[0].response!), 1024);
    assert.equal(receiver.requests[0].headers['content-type'], 'text/plain; charset=utf-8');
    // Give a wrong retry the time to happen.
    await new Promise((resolve) => setTimeout(resolve, 150));
    assert.equal(receiver.requests.length, 1);
  } finally {
    await dispatcher.stop(1000);
    await receiver.close();
  }
});

test('a redirect is not followed and is dead at once', async () => {
  const receiver = await startReceiver((_req, res) => res.writeHead(302, { location: 'http://127.0.0.1:1/elsewhere' }).end());
  const dispatcher = startDispatcher(store);
  try {
    const [id] = insertFiring(store, [{ kind: 'webhook', spec: { url: receiver.url } }]);
    dispatcher.wake();
    await waitFor(() => deliveryRow(store, id).status === 'dead', 5000, 'dead');
    const [attempt] = attemptRows(store, id);
    assert.equal(attempt.status_code, 302);
    assert.match(String(attempt.error), /^HTTP 302: redirects are not followed \(Location: http:\/\/127\.0\.0\.1:1\/elsewhere\)$/);
    assert.equal(receiver.requests.length, 1);
  } finally {
    await dispatcher.stop(1000);
    await receiver.close();
  }
});
