import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { Webhook } from 'standardwebhooks';
import type { SentRequest } from '../../src/store/contracts.ts';
import { deliveryRow, insertFiring, openStore, recordingOutbox, SIGNING_SECRET, startDispatcher, startReceiver, waitFor, type Receiver, type Store } from './support.ts';

const TOKEN = 'tok_9f8e7d6c5b4a3f2e1d0c';
const PASSWORD = 'correct horse/battery+staple';
const SMTP_PASSWORD = 'smtp-pa55word-7c1e';
const secrets = () => ({ PUSH_TOKEN: TOKEN, PASSWORD });

let store: Store;
let receiver: Receiver;
before(async () => {
  store = openStore();
  receiver = await startReceiver((req, res) => res.writeHead(req.url === '/fail' ? 500 : 200).end('ok'));
});
after(async () => {
  await receiver.close();
  store.close();
});

/** Runs the given actions through a dispatcher and returns the attempt records handed to the store, per delivery. */
async function deliver(actions: Parameters<typeof insertFiring>[1], until: 'delivered' | 'dead', config = {}, properties = {}) {
  const { outbox, records } = recordingOutbox(store);
  const dispatcher = startDispatcher(store, config, { secrets, outbox });
  try {
    const ids = insertFiring(store, actions, properties);
    dispatcher.wake();
    for (const id of ids) await waitFor(() => deliveryRow(store, id).status === until, 5000, `${id} ${until}`);
    await waitFor(() => ids.every((id) => records.some((r) => r.deliveryId === id)), 1000, 'records');
    return ids.map((id) => records.filter((r) => r.deliveryId === id));
  } finally {
    await dispatcher.stop(1000);
  }
}

test('each attempt records the request sent: method, URL, every header with secrets redacted, the first KiB of the body', async () => {
  // The token starts at byte 1015 of the body: across the 1 KiB cut.
  const padding = 'p'.repeat(996);
  const [[record]] = await deliver([{
    kind: 'webhook',
    spec: {
      url: `${receiver.url}/ok?key={{ secrets.PUSH_TOKEN }}`, method: 'PUT',
      headers: { Authorization: 'Bearer {{ secrets.PUSH_TOKEN }}', 'X-Basic': 'Basic {{ "ada:" | append: secrets.PASSWORD | base64_encode }}' },
      body: `{"pad":"{{ event.properties.padding }}","token":"{{ secrets.PUSH_TOKEN }}","rest":"${'r'.repeat(4000)}"}`,
    },
  }], 'delivered', {}, { padding });
  const request = record.request!;
  const delivered = receiver.requests.find((r) => r.headers['idempotency-key'] === record.deliveryId)!;

  assert.equal(request.method, 'PUT');
  assert.equal(request.url, `${receiver.url}/ok?key=[secret:PUSH_TOKEN]`);
  assert.equal(request.headers.Authorization, 'Bearer [secret:PUSH_TOKEN]');
  assert.match(request.headers['X-Basic'], /^Basic [A-Za-z0-9+/]*\[secret:PASSWORD\]=*$/);
  // Signature headers stay as sent: the recorded request verifies like the delivered one.
  for (const name of ['idempotency-key', 'webhook-id', 'webhook-timestamp', 'webhook-signature', 'x-ifthen-delivery-attempt', 'user-agent', 'content-type']) {
    assert.equal(request.headers[name], delivered.headers[name], name);
  }
  assert.doesNotThrow(() => new Webhook(SIGNING_SECRET).verify(delivered.body, request.headers as Record<string, string>));
  assert.equal(request.bodyBytes, Buffer.byteLength(delivered.body));
  assert.equal(delivered.body.indexOf(TOKEN), 1015);
  assert.equal(request.body, `${delivered.body.slice(0, 1015)}[secret:P`, 'redacted first, then cut at 1 KiB');
  assert.ok(!JSON.stringify(record).includes(TOKEN.slice(0, 8)) && !JSON.stringify(record).includes(PASSWORD));
});

test('a failed request still records what was sent: a 500, and a target the SSRF guard refused', async () => {
  const [[first, second]] = await deliver([{ kind: 'webhook', spec: { url: `${receiver.url}/fail`, body: { t: '{{ secrets.PUSH_TOKEN }}' } }, policy: { maxAttempts: 2, maxAgeMs: 60_000, backoffMs: 10, backoffMaxMs: 20 } }], 'dead');
  for (const [n, attempt] of [first, second].entries()) {
    assert.equal(attempt.statusCode, 500);
    assert.equal(attempt.request?.body, '{"t":"[secret:PUSH_TOKEN]"}');
    assert.equal(attempt.request?.headers['x-ifthen-delivery-attempt'], String(n + 1));
  }
  const [[refused]] = await deliver([{ kind: 'webhook', spec: { url: 'http://169.254.169.254/latest/meta-data/' } }], 'dead', { allowPrivateTargets: false });
  assert.match(String(refused.error), /^target 169\.254\.169\.254 resolves to a private address/);
  assert.deepEqual([refused.request?.method, refused.request?.url], ['POST', 'http://169.254.169.254/latest/meta-data/']);
});

test('nothing is recorded as sent when the action failed before sending (a template error) or sends nothing (log)', async () => {
  const [[log]] = await deliver([{ kind: 'log', spec: { message: 'hello' } }], 'delivered');
  assert.equal(log.request, null);
  const [[template]] = await deliver([{ kind: 'webhook', spec: { url: `${receiver.url}/ok`, body: '{{ subject.id | no_such_filter }}' } }], 'dead');
  assert.equal(template.request, null);
});

test('an email records SMTP, the server without its credentials, From/To/Subject and the first KiB of the text', async () => {
  const mails: string[] = [];
  const smtp = new SMTPServer({
    disabledCommands: ['STARTTLS'], allowInsecureAuth: true, logger: false,
    onAuth(auth, _session, callback) {
      callback(auth.username === 'ada' && auth.password === SMTP_PASSWORD ? null : new Error('bad login'), { user: 'ada' });
    },
    onRcptTo(address, _session, callback) {
      callback(address.address === 'nobody@example.com' ? Object.assign(new Error('no such user'), { responseCode: 550 }) : undefined);
    },
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => { mails.push(Buffer.concat(chunks).toString('utf8')); callback(); });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const port = (smtp.server.address() as AddressInfo).port;
  try {
    const config = { smtp: { url: `smtp://ada:${SMTP_PASSWORD}@127.0.0.1:${port}`, from: 'ifthen@example.com' } };
    const text = `Hello {{ subject.id }}, your code is {{ secrets.PUSH_TOKEN }}. ${'x'.repeat(3000)}`;
    const [[sent]] = await deliver([{ kind: 'email', spec: { to: 'ada@example.com', subject: 'Code for {{ subject.id }}', text } }], 'delivered', config);
    const [[refused]] = await deliver([{ kind: 'email', spec: { to: 'nobody@example.com', subject: 'never', html: '<p>hi</p>' } }], 'dead', config);

    const expected = (record: typeof sent, to: string, subject: string): SentRequest => ({
      method: 'SMTP', url: `smtp://127.0.0.1:${port}`,
      headers: { From: 'ifthen@example.com', To: to, Subject: subject, 'Message-ID': `<${record.deliveryId}@ifthen>`, 'X-Ifthen-Idempotency-Key': record.deliveryId },
      body: record.request!.body, bodyBytes: record.request!.bodyBytes,
    });
    assert.deepEqual(sent.request, expected(sent, 'ada@example.com', 'Code for user-1'));
    assert.ok(sent.request!.body!.startsWith('Hello user-1, your code is [secret:PUSH_TOKEN]. xxx'));
    assert.equal(Buffer.byteLength(sent.request!.body!), 1024);
    assert.equal(sent.request!.bodyBytes, Buffer.byteLength(`Hello user-1, your code is ${TOKEN}. ${'x'.repeat(3000)}`));
    assert.equal(mails.length, 1, 'the authenticated send went through');
    // The rejected mail still records what was attempted, with its HTML part as the body.
    assert.equal(refused.statusCode, 550);
    assert.deepEqual(refused.request, { ...expected(refused, 'nobody@example.com', 'never'), body: '<p>hi</p>', bodyBytes: 9 });
    assert.ok(!JSON.stringify([sent, refused]).includes(SMTP_PASSWORD), 'no SMTP credentials in the record');
  } finally {
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
  }
});
