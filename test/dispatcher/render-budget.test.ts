import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, before, test } from 'node:test';
import { DEFAULT_RENDER_LIMITS } from '../../src/engine/render-limits.ts';
import { attemptRows, deliveryRow, insertFiring, openStore, startDispatcher, startReceiver, waitFor, type Receiver, type Store } from './support.ts';

const NESTED_LOOP = '{% for i in (1..100000000) %}{% for j in (1..100000000) %}x{% endfor %}{% endfor %}';

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

/** Runs the deliveries through a dispatcher with these render limits; returns each one's single attempt. */
async function deadAtOnce(actions: Parameters<typeof insertFiring>[1], properties: Record<string, unknown> = {}, render = DEFAULT_RENDER_LIMITS) {
  const dispatcher = startDispatcher(store, { render });
  try {
    const ids = insertFiring(store, actions, properties);
    dispatcher.wake();
    for (const id of ids) await waitFor(() => deliveryRow(store, id).status === 'dead', 5000, `${id} dead`);
    return ids.map((id) => {
      const attempts = attemptRows(store, id);
      assert.equal(attempts.length, 1, 'a render failure is final: no retry');
      assert.equal(deliveryRow(store, id).last_error, attempts[0].error);
      return attempts[0].error;
    });
  } finally {
    await dispatcher.stop(1000);
  }
}

test('a webhook, chat, email or log over its render budget is dead at once with the limit named, and nothing is sent', async () => {
  const started = performance.now();
  const errors = await deadAtOnce([
    { kind: 'webhook', spec: { url: `${receiver.url}/nested`, body: NESTED_LOOP } },
    { kind: 'webhook', spec: { url: `${receiver.url}/range`, body: { text: '{% for i in (1..event.properties.n) %}x{% endfor %}' } } },
    { kind: 'chat', spec: { url: `${receiver.url}/chat`, text: NESTED_LOOP } },
    { kind: 'email', spec: { to: 'a@example.com', subject: NESTED_LOOP } },
    { kind: 'log', spec: { message: NESTED_LOOP } },
  ], { n: 3_000_000 });
  assert.deepEqual(errors, [
    'body: render limit exceeded (memory: more than 1000000 elements or characters created)',
    'body: render limit exceeded (memory: more than 1000000 elements or characters created)',
    'text: render limit exceeded (memory: more than 1000000 elements or characters created)',
    'subject: render limit exceeded (memory: more than 1000000 elements or characters created)',
    'message: render limit exceeded (memory: more than 1000000 elements or characters created)',
  ]);
  assert.equal(receiver.requests.length, 0);
  assert.ok(performance.now() - started < 3000);
});

test('the fields of one attempt share its budget: headers and body each fit alone, not together', async () => {
  const loop = '{% for i in (1..40) %}x{% endfor %}'; // 81 steps
  const render = { ...DEFAULT_RENDER_LIMITS, steps: 200 };
  const dispatcher = startDispatcher(store, { render });
  try {
    const [fits] = insertFiring(store, [{ kind: 'webhook', spec: { url: `${receiver.url}/fits`, headers: { 'X-A': loop }, body: loop } }]);
    dispatcher.wake();
    await waitFor(() => deliveryRow(store, fits).status === 'delivered', 5000, 'delivered');
  } finally {
    await dispatcher.stop(1000);
  }
  const [error] = await deadAtOnce([{ kind: 'webhook', spec: { url: `${receiver.url}/over`, headers: { 'X-A': loop, 'X-B': loop }, body: loop } }], {}, render);
  assert.equal(error, 'body: render limit exceeded (steps: more than 200 template nodes rendered)');
  assert.equal(receiver.requests.filter((r) => r.url === '/over').length, 0);
});

test('the rendered size of an action is capped across its fields', async () => {
  const render = { ...DEFAULT_RENDER_LIMITS, actionBytes: 4000 };
  const [error] = await deadAtOnce([{ kind: 'webhook', spec: { url: `${receiver.url}/size`, headers: { 'X-A': '{{ event.properties.s }}' }, body: { a: '{{ event.properties.s }}' } } }], { s: 'x'.repeat(2500) }, render);
  assert.equal(error, 'body: render limit exceeded (size: the action rendered to more than 4000 bytes)');
});
