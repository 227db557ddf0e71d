import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { renderAction } from '../../src/actions/index.ts';
import { testRule } from '../../src/processor/test-rule.ts';
import { attemptRows, deliveryRow, insertFiring, openStore, startDispatcher, startReceiver, waitFor, type Receiver, type Store } from './support.ts';

const TOKEN = 'tok_4b1d9e0c7a';
const secrets = () => ({ PUSH_TOKEN: TOKEN });

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

// Values that differ per attempt or per delivery: the preview describes them instead.
const PER_ATTEMPT = new Set(['idempotency-key', 'webhook-id', 'webhook-timestamp', 'webhook-signature', 'x-ifthen-delivery-attempt']);
// Added by the HTTP layer itself, not by ifthen.
const TRANSPORT = new Set(['host', 'content-length', 'connection', 'transfer-encoding']);

test('what the rule test previews is exactly what the receiver gets: method, URL, every header, body', async () => {
  const specs = [
    { kind: 'webhook' as const, spec: { url: `${receiver.url}/a?u={{ subject.id }}`, method: 'PATCH', headers: { Authorization: 'Bearer {{ secrets.PUSH_TOKEN }}', 'X-Plan': '{{ subject.plan }}' }, body: { note: '{{ event.properties.note }}', n: '{{ event.properties.n }}' } } },
    { kind: 'webhook' as const, spec: { url: `${receiver.url}/b`, body: 'hello {{ subject.id }}', headers: { 'user-agent': 'shop/2' } } },
    { kind: 'webhook' as const, spec: { url: `${receiver.url}/c`, body: 'a={{ subject.id }}', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } } },
    { kind: 'webhook' as const, spec: { url: `${receiver.url}/d`, method: 'GET' } },
    { kind: 'chat' as const, spec: { url: `${receiver.url}/slack`, text: 'New: *{{ subject.id }}* said "{{ event.properties.note }}"' } },
  ];
  const dispatcher = startDispatcher(store, {}, { secrets });
  try {
    const ids = insertFiring(store, specs, { note: 'say "hi"\nbye', n: 3 });
    dispatcher.wake();
    for (const id of ids) await waitFor(() => deliveryRow(store, id).status === 'delivered', 5000, `${id} delivered`);

    specs.forEach(({ kind, spec }, i) => {
      const stored = store.db.prepare('SELECT context FROM deliveries WHERE id = ?').pluck().get(ids[i]) as string;
      const preview = renderAction(kind, spec, { ...JSON.parse(stored), secrets: secrets() }) as { method: string; url: string; headers: Record<string, string>; body?: string };
      const got = receiver.requests.find((r) => r.headers['idempotency-key'] === ids[i])!;
      assert.equal(got.method, preview.method, ids[i]);
      assert.equal(`${receiver.url}${got.url}`, preview.url);
      assert.equal(got.body, preview.body ?? '');
      const sentNames = Object.keys(got.headers).filter((name) => !TRANSPORT.has(name)).sort();
      assert.deepEqual(sentNames, Object.keys(preview.headers).map((name) => name.toLowerCase()).sort(), `${ids[i]}: header names`);
      for (const [name, value] of Object.entries(preview.headers)) {
        if (PER_ATTEMPT.has(name)) assert.ok(got.headers[name], `${ids[i]}: ${name} sent`);
        else assert.equal(got.headers[name.toLowerCase()], value, `${ids[i]}: ${name}`);
      }
    });
  } finally {
    await dispatcher.stop(1000);
  }
});

test('the rule test endpoint previews with that same renderer, secrets shown by name', () => {
  const result = testRule({
    document: { id: 'notify', when: { event: 'signed_up' }, then: [{ chat: { url: 'https://hooks.example/T1', text: 'Hi {{ subject.id }} {{ secrets.PUSH_TOKEN }}' } }] },
    version: 1, event: { type: 'signed_up', subject: 'ada', properties: {} }, attributes: {}, now: Date.parse('2025-01-01T00:00:00Z'),
    limits: { propertyDepth: 8, typeLength: 200, subjectAttributes: 100, subjectBytes: 65536 }, secretNames: ['PUSH_TOKEN'], maxEmitDepth: 3,
  }) as { matched: boolean; trace: { actions: Array<{ preview: Record<string, unknown> }> } };
  assert.equal(result.matched, true);
  const { preview } = result.trace.actions[0];
  assert.deepEqual(preview, renderAction('chat', { url: 'https://hooks.example/T1', text: 'Hi {{ subject.id }} {{ secrets.PUSH_TOKEN }}' }, { subject: { id: 'ada' }, secrets: { PUSH_TOKEN: '[secret:PUSH_TOKEN]' } }));
  assert.equal(preview.body, '{"text":"Hi ada [secret:PUSH_TOKEN]"}');
});

test('a body rendered past the cap is dead at once with the reason, and nothing is sent', async () => {
  const dispatcher = startDispatcher(store);
  try {
    const before = receiver.requests.length;
    const [id] = insertFiring(store, [{ kind: 'webhook', spec: { url: `${receiver.url}/big`, body: { items: '{{ event.properties.items }}' } } }], { items: Array.from({ length: 30_000 }, (_, i) => `item-${i}`) });
    dispatcher.wake();
    await waitFor(() => deliveryRow(store, id).status === 'dead', 5000, 'dead');
    const attempts = attemptRows(store, id);
    assert.equal(attempts.length, 1);
    assert.match(String(attempts[0].error), /^body: rendered to 3\d\d(\.\d)? KiB, more than the 256 KiB limit$/);
    assert.equal(receiver.requests.length, before);
  } finally {
    await dispatcher.stop(1000);
  }
});
