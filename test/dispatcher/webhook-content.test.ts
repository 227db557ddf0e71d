import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pino from 'pino';
import { Writable } from 'node:stream';
import { attemptRows, deliveryRow, insertFiring, openStore, recordingOutbox, startDispatcher, startReceiver, waitFor, type Receiver, type Store } from './support.ts';

const TOKEN = 'tok_9f8e7d6c5b4a';
const secrets = () => ({ PUSH_TOKEN: TOKEN, EMPTY: '' });

let store: Store;
let receiver: Receiver;
before(async () => {
  store = openStore();
  receiver = await startReceiver((req, res) => {
    if (req.url === '/echo-400') return res.writeHead(400).end(`rejected token ${req.headers.authorization}`);
    if (req.url === '/redirect') return res.writeHead(307, { location: `https://elsewhere.example/?t=${req.headers.authorization}` }).end();
    // A receiver that reflects what it got, the way error pages and debug endpoints do: the Basic
    // credentials decoded and re-encoded, the query string, the header HTML-escaped and upper-cased.
    if (req.url?.startsWith('/reflect')) {
      const basic = String(req.headers.authorization).replace(/^Basic /, '');
      const key = String(req.headers['x-key']);
      return res.writeHead(401, { 'content-type': 'text/html' }).end(
        `<h1>Denied</h1><p>credentials ${basic} (${Buffer.from(basic, 'base64').toString('base64url')})</p><p>query ${req.url}</p>` +
        `<p>key ${key.replace(/&/g, '&amp;').replace(/"/g, '&#34;')} / ${key.toUpperCase()}</p>`,
      );
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
});
after(async () => {
  await receiver.close();
  store.close();
});

test('an object body with quotes and newlines in a value arrives as valid JSON equal to the expected object', async () => {
  const dispatcher = startDispatcher(store, {}, { secrets });
  try {
    const note = 'He said "hi",\nthen left\\ {"x": 1}';
    const [id] = insertFiring(store, [{
      kind: 'webhook',
      spec: {
        url: `${receiver.url}/ok`, method: 'PUT',
        headers: { Authorization: 'Bearer {{ secrets.PUSH_TOKEN }}', 'X-Rule': '{{ firing.rule }}' },
        body: { note: '{{ event.properties.note }}', total: '{{ event.properties.total }}', items: ['{{ subject.id }}', 'static'], label: 'total={{ event.properties.total }}' },
      },
    }], { note, total: 42.5 });
    dispatcher.wake();
    await waitFor(() => deliveryRow(store, id).status === 'delivered', 5000, 'delivered');

    const [request] = receiver.requests.filter((r) => r.headers['idempotency-key'] === id);
    assert.equal(request.method, 'PUT');
    assert.equal(request.headers.authorization, `Bearer ${TOKEN}`);
    assert.equal(request.headers['x-rule'], 'welcome');
    assert.equal(request.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(request.body), { note, total: 42.5, items: ['user-1', 'static'], label: 'total=42.5' });
    assert.equal(attemptRows(store, id)[0].response, '{"ok":true}');
  } finally {
    await dispatcher.stop(1000);
  }
});

test('secrets rendered into headers never appear in recorded errors, response snippets or logs', async () => {
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, new Writable({ write(chunk, _encoding, done) { lines.push(String(chunk)); done(); } }));
  const { outbox, records } = recordingOutbox(store);
  const dispatcher = startDispatcher(store, {}, { secrets, logger, outbox });
  try {
    const headers = { Authorization: '{{ secrets.PUSH_TOKEN }}' };
    const [echoed] = insertFiring(store, [{ kind: 'webhook', spec: { url: `${receiver.url}/echo-400`, headers } }]);
    const [redirected] = insertFiring(store, [{ kind: 'webhook', spec: { url: `${receiver.url}/redirect`, headers } }]);
    const [logged] = insertFiring(store, [{ kind: 'log', spec: { message: 'token is {{ secrets.PUSH_TOKEN }} for {{ subject.id }}', level: 'warn' } }]);
    dispatcher.wake();
    for (const id of [echoed, redirected]) await waitFor(() => deliveryRow(store, id).status === 'dead', 5000, `${id} dead`);
    await waitFor(() => deliveryRow(store, logged).status === 'delivered', 5000, 'log delivered');

    // The receivers did get the secret: it was rendered.
    assert.ok(receiver.requests.some((r) => r.headers.authorization === TOKEN));
    const [echo] = attemptRows(store, echoed);
    assert.equal(echo.response, 'rejected token [secret:PUSH_TOKEN]');
    const [redirect] = attemptRows(store, redirected);
    assert.equal(redirect.error, 'HTTP 307: redirects are not followed (Location: https://elsewhere.example/?t=[secret:PUSH_TOKEN])');
    assert.ok(lines.some((line) => line.includes('token is [secret:PUSH_TOKEN] for user-1')), 'log action wrote its line');

    const stored = JSON.stringify(store.db.prepare('SELECT * FROM delivery_attempts').all()) + JSON.stringify(store.db.prepare('SELECT last_error FROM deliveries').all());
    assert.ok(!stored.includes(TOKEN), 'no secret in the store');
    assert.equal(records.find((r) => r.deliveryId === echoed)?.request?.headers.Authorization, '[secret:PUSH_TOKEN]');
    assert.ok(!JSON.stringify(records).includes(TOKEN), 'no secret in the recorded requests');
    assert.ok(!lines.join('').includes(TOKEN), 'no secret in the logs');
  } finally {
    await dispatcher.stop(1000);
  }
});

test('a secret the receiver reflects in base64, base64url, URL, HTML-escaped or upper-case form is redacted from the stored snippet and request', async () => {
  const password = 'p@ss "w0rd"&more/x';
  const { outbox, records } = recordingOutbox(store);
  const dispatcher = startDispatcher(store, {}, { secrets: () => ({ PASSWORD: password }), outbox });
  try {
    const [id] = insertFiring(store, [{
      kind: 'webhook',
      spec: {
        url: `${receiver.url}/reflect?p={{ secrets.PASSWORD | url_encode }}`,
        headers: { Authorization: 'Basic {{ "ada:" | append: secrets.PASSWORD | base64_encode }}', 'X-Key': '{{ secrets.PASSWORD }}' },
      },
    }]);
    dispatcher.wake();
    await waitFor(() => deliveryRow(store, id).status === 'dead', 5000, 'dead');
    const [attempt] = attemptRows(store, id);
    assert.equal(attempt.status_code, 401);
    assert.match(String(attempt.response), /^<h1>Denied<\/h1><p>credentials YWRhO\[secret:PASSWORD\] \(YWRhO\[secret:PASSWORD\]\)<\/p><p>query \/reflect\?p=\[secret:PASSWORD\]<\/p><p>key \[secret:PASSWORD\] \/ \[secret:PASSWORD\]<\/p>$/);
    const [record] = records.filter((r) => r.deliveryId === id);
    assert.equal(record.request?.url, `${receiver.url}/reflect?p=[secret:PASSWORD]`);
    assert.deepEqual([record.request?.headers.Authorization, record.request?.headers['X-Key']], ['Basic YWRhO[secret:PASSWORD]', '[secret:PASSWORD]']);
  } finally {
    await dispatcher.stop(1000);
  }
});

test('a chat action posts {"text": …} as JSON to a Slack-compatible webhook', async () => {
  const dispatcher = startDispatcher(store);
  try {
    const [id] = insertFiring(store, [{ kind: 'chat', spec: { url: `${receiver.url}/slack`, text: 'New signup: *{{ subject.id }}* said "{{ event.properties.msg }}"' } }], { msg: 'hello\nworld' });
    dispatcher.wake();
    await waitFor(() => deliveryRow(store, id).status === 'delivered', 5000, 'delivered');
    const [request] = receiver.requests.filter((r) => r.headers['idempotency-key'] === id);
    assert.equal(request.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(request.body), { text: 'New signup: *user-1* said "hello\nworld"' });
  } finally {
    await dispatcher.stop(1000);
  }
});

test('a string body that is JSON is sent as application/json, anything else as text, unless a header says otherwise', async () => {
  const dispatcher = startDispatcher(store);
  try {
    const ids = [
      insertFiring(store, [{ kind: 'webhook', spec: { url: `${receiver.url}/ok`, body: '{"to": "{{ subject.id }}"}' } }])[0],
      insertFiring(store, [{ kind: 'webhook', spec: { url: `${receiver.url}/ok`, body: 'hello {{ subject.id }}' } }])[0],
      insertFiring(store, [{ kind: 'webhook', spec: { url: `${receiver.url}/ok`, body: 'a=1', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } } }])[0],
    ];
    dispatcher.wake();
    for (const id of ids) await waitFor(() => deliveryRow(store, id).status === 'delivered', 5000, 'delivered');
    const byId = (id: string) => receiver.requests.find((r) => r.headers['idempotency-key'] === id)!;
    assert.deepEqual([byId(ids[0]).headers['content-type'], byId(ids[0]).body], ['application/json', '{"to": "user-1"}']);
    assert.deepEqual([byId(ids[1]).headers['content-type'], byId(ids[1]).body], ['text/plain; charset=utf-8', 'hello user-1']);
    assert.deepEqual([byId(ids[2]).headers['content-type'], byId(ids[2]).body], ['application/x-www-form-urlencoded', 'a=1']);
  } finally {
    await dispatcher.stop(1000);
  }
});

test('a template that cannot render is dead at once, naming the field', async () => {
  const dispatcher = startDispatcher(store);
  try {
    const [id] = insertFiring(store, [{ kind: 'webhook', spec: { url: `${receiver.url}/ok`, headers: { 'X-Bad': '{{ subject.id | no_such_filter }}' } } }]);
    dispatcher.wake();
    await waitFor(() => deliveryRow(store, id).status === 'dead', 5000, 'dead');
    assert.match(String(attemptRows(store, id)[0].error), /^headers\.X-Bad: template could not be rendered: /);
  } finally {
    await dispatcher.stop(1000);
  }
});
