import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { newSigningSecret } from '../../src/actions/index.ts';
import { attemptRows, deliveryRow, insertFiring, openStore, startDispatcher, startReceiver, waitFor, type Receiver, type Store } from './support.ts';

let store: Store;
let receiver: Receiver;
before(async () => {
  store = openStore();
  receiver = await startReceiver((_req, res) => res.writeHead(200).end('ok'));
});
after(async () => {
  await receiver.close();
  store.close();
});

const received = (id: string) => receiver.requests.find((r) => r.headers['idempotency-key'] === id)!;
const headersOf = (id: string) => received(id).headers as Record<string, string>;

test('a delivered webhook verifies with the standardwebhooks library: webhook-id is the idempotency key', async () => {
  const secret = newSigningSecret();
  const dispatcher = startDispatcher(store, {}, { signingSecrets: () => [secret] });
  try {
    const [id] = insertFiring(store, [{ kind: 'webhook', spec: { url: `${receiver.url}/hook`, body: { user: '{{ subject.id }}', note: 'say "hi"\n' } } }]);
    dispatcher.wake();
    await waitFor(() => deliveryRow(store, id).status === 'delivered', 5000, 'delivered');

    const request = received(id);
    assert.deepEqual(new Webhook(secret).verify(request.body, headersOf(id)), { user: 'user-1', note: 'say "hi"\n' });
    assert.equal(request.headers['webhook-id'], id);
    assert.ok(Math.abs(Number(request.headers['webhook-timestamp']) - Date.now() / 1000) < 5, 'timestamp is the attempt time, in seconds');
    assert.equal(request.headers['x-ifthen-signature'], undefined, 'the 0.1 scheme is gone');
    assert.throws(() => new Webhook(newSigningSecret()).verify(request.body, headersOf(id)), /No matching signature/);
  } finally {
    await dispatcher.stop(1000);
  }
});

test("during a rotation the request carries one signature per secret of the delivery's rule, and each secret alone verifies it", async () => {
  const [newer, older] = [newSigningSecret(), newSigningSecret()];
  const askedFor: string[] = [];
  const dispatcher = startDispatcher(store, {}, {
    signingSecrets: (delivery) => { askedFor.push(`${delivery.ruleId}/${delivery.id}`); return [newer, older]; },
  });
  try {
    const [webhook, chat] = insertFiring(store, [
      { kind: 'webhook', spec: { url: `${receiver.url}/hook`, body: 'plain {{ subject.id }}' } },
      { kind: 'chat', spec: { url: `${receiver.url}/chat`, text: 'hi' } },
    ]);
    dispatcher.wake();
    for (const id of [webhook, chat]) await waitFor(() => deliveryRow(store, id).status === 'delivered', 5000, `${id} delivered`);

    for (const id of [webhook, chat]) {
      assert.equal(headersOf(id)['webhook-signature'].split(' ').length, 2);
      for (const secret of [newer, older]) assert.doesNotThrow(() => new Webhook(secret).verify(received(id).body, headersOf(id), { jsonParse: false }), id);
    }
    assert.deepEqual(askedFor.sort(), [`welcome/${webhook}`, `welcome/${chat}`].sort());
  } finally {
    await dispatcher.stop(1000);
  }
});

test('no signing secret: the request goes unsigned but keeps webhook-id and webhook-timestamp', async () => {
  const dispatcher = startDispatcher(store, {}, { signingSecrets: () => [] });
  try {
    const [id] = insertFiring(store, [{ kind: 'webhook', spec: { url: `${receiver.url}/hook`, headers: { 'Webhook-Signature': 'v1,forged' } } }]);
    dispatcher.wake();
    await waitFor(() => deliveryRow(store, id).status === 'delivered', 5000, 'delivered');
    assert.equal(headersOf(id)['webhook-signature'], undefined, 'neither ours nor one the rule wrote');
    assert.equal(headersOf(id)['webhook-id'], id);
    assert.match(headersOf(id)['webhook-timestamp'], /^\d{10}$/);
  } finally {
    await dispatcher.stop(1000);
  }
});

test('a malformed signing secret makes the delivery dead at once, without sending and without showing the secret', async () => {
  const dispatcher = startDispatcher(store, {}, { signingSecrets: () => ['whsec_short-and-url-safe'] });
  try {
    const before = receiver.requests.length;
    const [id] = insertFiring(store, [{ kind: 'webhook', spec: { url: `${receiver.url}/hook` } }]);
    dispatcher.wake();
    await waitFor(() => deliveryRow(store, id).status === 'dead', 5000, 'dead');
    const [attempt] = attemptRows(store, id);
    assert.equal(attempt.error, 'webhook signing: not a signing secret: expected "whsec_" and the base64 of at least 24 bytes');
    assert.equal(receiver.requests.length, before);
  } finally {
    await dispatcher.stop(1000);
  }
});
