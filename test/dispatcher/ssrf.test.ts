import assert from 'node:assert/strict';
import { test } from 'node:test';
import { attemptRows, deliveryRow, insertFiring, openStore, startDispatcher, startReceiver, waitFor } from './support.ts';

test('without IFTHEN_ALLOW_PRIVATE_TARGETS, webhooks to loopback literals and to names resolving to loopback are dead and never sent', async () => {
  const store = openStore();
  const receiver = await startReceiver((_req, res) => res.writeHead(200).end());
  const dispatcher = startDispatcher(store, { allowPrivateTargets: false });
  try {
    const targets = [
      [`http://127.0.0.1:${receiver.port}/hook`, /^target 127\.0\.0\.1 resolves to a private address 127\.0\.0\.1; set IFTHEN_ALLOW_PRIVATE_TARGETS=true to allow$/],
      [`http://localhost:${receiver.port}/hook`, /^target localhost resolves to a private address (127\.0\.0\.1|::1); set IFTHEN_ALLOW_PRIVATE_TARGETS=true to allow$/],
      [`http://[::1]:${receiver.port}/hook`, /^target ::1 resolves to a private address ::1;/],
      [`http://169.254.169.254/latest/meta-data/`, /^target 169\.254\.169\.254 resolves to a private address 169\.254\.169\.254;/],
      [`http://0x7f.1:${receiver.port}/hook`, /^target 127\.0\.0\.1 resolves to a private address 127\.0\.0\.1;/],
      [`http://[64:ff9b::127.0.0.1]:${receiver.port}/hook`, /^target 64:ff9b::7f00:1 resolves to a private address 64:ff9b::7f00:1 \(NAT64 of 127\.0\.0\.1\);/],
      [`http://[::ffff:127.0.0.1]:${receiver.port}/hook`, /^target ::ffff:7f00:1 resolves to a private address ::ffff:7f00:1;/],
      [`http://[2002:a00:1::]/hook`, /^target 2002:a00:1:: resolves to a private address 2002:a00:1:: \(6to4 of 10\.0\.0\.1\);/],
    ] as const;
    const ids = targets.map(([url]) => insertFiring(store, [{ kind: 'webhook', spec: { url } }])[0]);
    const [chatId] = insertFiring(store, [{ kind: 'chat', spec: { url: `http://localhost:${receiver.port}/slack`, text: 'hi' } }]);
    dispatcher.wake();
    for (const id of [...ids, chatId]) await waitFor(() => deliveryRow(store, id).status === 'dead', 5000, `${id} dead`);

    targets.forEach(([url, message], i) => {
      const attempts = attemptRows(store, ids[i]);
      assert.equal(attempts.length, 1, url);
      assert.match(String(attempts[0].error), message, url);
    });
    assert.match(String(attemptRows(store, chatId)[0].error), /^target localhost resolves to a private address/);
    assert.equal(receiver.requests.length, 0);
  } finally {
    await dispatcher.stop(1000);
    await receiver.close();
    store.close();
  }
});
