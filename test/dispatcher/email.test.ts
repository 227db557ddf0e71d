import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { attemptRows, deliveryRow, insertFiring, openStore, startDispatcher, waitFor, type Store } from './support.ts';
import type { Dispatcher } from '../../src/dispatcher/index.ts';

interface Received { readonly from: string; readonly to: string[]; readonly raw: string }

let store: Store;
let server: SMTPServer;
let smtpUrl: string;
let dispatcher: Dispatcher;
const received: Received[] = [];
let deferrals = 0;

before(async () => {
  store = openStore();
  server = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'], authOptional: true, logger: false,
    onRcptTo(address, _session, callback) {
      if (address.address === 'later@example.com' && deferrals++ === 0) return callback(Object.assign(new Error('mailbox busy, try later'), { responseCode: 451 }));
      if (address.address === 'nobody@example.com') return callback(Object.assign(new Error('no such user'), { responseCode: 550 }));
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        received.push({ from: String(session.envelope.mailFrom && session.envelope.mailFrom.address), to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  smtpUrl = `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
  dispatcher = startDispatcher(store, { smtp: { url: smtpUrl, from: 'ifthen@example.com' } });
});

after(async () => {
  await dispatcher.stop(1000);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  store.close();
});

test('an email reaches the SMTP server with its subject, body, Message-ID and idempotency header', async () => {
  const [id] = insertFiring(store, [{
    kind: 'email',
    spec: { to: '{{ event.properties.email }}', subject: 'Welcome, {{ subject.id }}', text: 'Your plan: {{ subject.plan }}', html: '<p>Plan <b>{{ subject.plan }}</b></p>' },
  }], { email: 'ada@example.com' });
  dispatcher.wake();
  await waitFor(() => deliveryRow(store, id).status === 'delivered', 5000, 'delivered');

  const mail = received.find((m) => m.raw.includes(id));
  assert.ok(mail, 'message arrived');
  assert.equal(mail.from, 'ifthen@example.com');
  assert.deepEqual(mail.to, ['ada@example.com']);
  assert.match(mail.raw, /^Subject: Welcome, user-1\r$/m);
  assert.match(mail.raw, new RegExp(`^X-Ifthen-Idempotency-Key: ${id.replace(/\./g, '\\.')}\\r$`, 'm'));
  assert.match(mail.raw, new RegExp(`^Message-ID: <${id.replace(/\./g, '\\.')}@ifthen>\\r$`, 'mi'));
  assert.match(mail.raw, /Your plan: pro/);
  assert.match(mail.raw, /<p>Plan <b>pro<\/b><\/p>/);
  const [attempt] = attemptRows(store, id);
  assert.equal(attempt.status_code, 250);
});

test('an SMTP 4xx is retried and a 5xx is dead at once', async () => {
  const [later] = insertFiring(store, [{ kind: 'email', spec: { to: 'later@example.com', subject: 'again', text: 'x' } }]);
  const [nobody] = insertFiring(store, [{ kind: 'email', spec: { to: 'nobody@example.com', subject: 'never', text: 'x' } }]);
  dispatcher.wake();
  await waitFor(() => deliveryRow(store, later).status === 'delivered' && deliveryRow(store, nobody).status === 'dead', 5000, 'outcomes');

  const laterAttempts = attemptRows(store, later);
  assert.deepEqual(laterAttempts.map((a) => a.status_code), [451, 250]);
  assert.match(String(laterAttempts[0].error), /^SMTP 451: .*try later/);
  const nobodyAttempts = attemptRows(store, nobody);
  assert.equal(nobodyAttempts.length, 1);
  assert.equal(nobodyAttempts[0].status_code, 550);
  assert.match(String(nobodyAttempts[0].error), /^SMTP 550: .*no such user/);
});

test('without an SMTP server configured, an email is dead with a clear error', async () => {
  const local = openStore();
  const bare = startDispatcher(local);
  try {
    const [id] = insertFiring(local, [{ kind: 'email', spec: { to: 'ada@example.com', subject: 's', text: 't' } }]);
    bare.wake();
    await waitFor(() => deliveryRow(local, id).status === 'dead', 5000, 'dead');
    assert.match(String(attemptRows(local, id)[0].error), /^email is not configured: set IFTHEN_SMTP_URL/);
  } finally {
    await bare.stop(100);
    local.close();
  }
});
