// Through the whole server: an email to a real SMTP server, a chat message, and a dead delivery that
// a person replays once the receiver is fixed.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { startTestServer, type InProcessServer } from '../support/server.ts';
import { startReceiver, type Receiver } from '../support/receiver.ts';
import { until } from '../support/until.ts';


describe('delivery outcomes through the server', () => {
  let server: InProcessServer;
  let smtp: SMTPServer;
  let hook: Receiver;
  const mails: { to: string[]; raw: string }[] = [];

  before(async () => {
    smtp = new SMTPServer({
      disabledCommands: ['STARTTLS', 'AUTH'], authOptional: true, logger: false,
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => { mails.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') }); callback(); });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    const smtpPort = (smtp.server.address() as AddressInfo).port;
    hook = await startReceiver();
    server = await startTestServer({ IFTHEN_SMTP_URL: `smtp://127.0.0.1:${smtpPort}`, IFTHEN_SMTP_FROM: 'rules@example.com' });
  });
  after(async () => {
    await server.stop();
    await hook.close();
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
  });

  it('an email rule delivers a message to a real SMTP server on loopback', async () => {
    const rule = `
id: welcome-mail
when: { event: signed_up }
then:
  - email:
      to: "{{ event.properties.email }}"
      subject: "Welcome, {{ event.properties.name }}"
      text: "Hello {{ event.properties.name }}, your plan is {{ event.properties.plan }}."
`;
    assert.equal((await server.request('PUT', '/v1/rules/welcome-mail', rule)).status, 201);
    await server.request('POST', '/v1/events', { id: 'signup-1', type: 'signed_up', subject: 'ada', properties: { email: 'ada@example.com', name: 'Ada', plan: 'pro' } });
    const mail = await until(async () => mails[0]);
    assert.deepEqual(mail.to, ['ada@example.com']);
    assert.match(mail.raw, /^Subject: Welcome, Ada\r$/m);
    assert.match(mail.raw, /Hello Ada, your plan is pro\./);
    const firing = (await server.request('GET', '/v1/firings?rule=welcome-mail')).body.items[0];
    assert.match(mail.raw, new RegExp(`^X-Ifthen-Idempotency-Key: ${firing.id}\\.0\\r$`, 'm'));
  });

  it('a chat rule posts a Slack-compatible {"text"} message', async () => {
    const rule = { id: 'chat-alert', when: { event: 'payment_failed' }, then: [{ chat: { url: `${hook.url}/slack`, text: 'Payment failed for {{ subject.id }}: {{ event.properties.reason }}' } }] };
    assert.equal((await server.request('PUT', '/v1/rules/chat-alert', rule)).status, 201);
    await server.request('POST', '/v1/events', { type: 'payment_failed', subject: 'u7', properties: { reason: 'card "declined"' } });
    await hook.waitFor(1);
    const request = hook.requests.find((r) => r.url === '/slack')!;
    assert.deepEqual(JSON.parse(request.body), { text: 'Payment failed for u7: card "declined"' });
  });

  it('a 400 is dead at once; after the receiver is fixed, replaying it from the API delivers it with the same key', async () => {
    let healthy = false;
    hook.respond = (req, res) => {
      if (req.url !== '/strict') return void res.writeHead(200).end('ok');
      if (healthy) return void res.writeHead(200).end('thanks');
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'missing field', pad: 'x'.repeat(5000) }));
    };
    const rule = { id: 'strict', when: { event: 'order' }, then: [{ webhook: { url: `${hook.url}/strict`, body: { order: '{{ event.id }}' } } }] };
    assert.equal((await server.request('PUT', '/v1/rules/strict', rule)).status, 201);
    await server.request('POST', '/v1/events', [{ id: 'order-a', type: 'order', subject: 'u1' }, { id: 'order-b', type: 'order', subject: 'u2' }]);

    const dead = await until(async () => {
      const items = (await server.request('GET', '/v1/deliveries?status=dead&rule=strict')).body.items;
      return items.length === 2 ? items : undefined;
    });
    const one = (await server.request('GET', `/v1/deliveries/${dead[0].id}`)).body;
    assert.equal(one.attempts.length, 1, 'a 400 is not retried');
    assert.equal(one.attempts[0].statusCode, 400);
    assert.ok(one.attempts[0].response.length <= 1024, 'only the first 1 KiB of the response is kept');
    assert.match(one.attempts[0].response, /missing field/);

    healthy = true;
    const single = await server.request('POST', `/v1/deliveries/${dead[0].id}/replay`);
    assert.deepEqual(single.body, { replayed: 1 });
    const all = await server.request('POST', '/v1/deliveries/replay', { rule: 'strict' });
    assert.deepEqual(all.body, { replayed: 1 });
    await until(async () => {
      const items = (await server.request('GET', '/v1/deliveries?rule=strict')).body.items;
      return items.every((d: { status: string }) => d.status === 'delivered') ? items : undefined;
    });
    const strictRequests = hook.requests.filter((r) => r.url === '/strict');
    const keys = strictRequests.map((r) => String(r.headers['idempotency-key']));
    assert.equal(strictRequests.length, 4);
    assert.equal(new Set(keys).size, 2, 'a replay sends the same idempotency key again');
    const replayed = (await server.request('GET', `/v1/deliveries/${dead[0].id}`)).body;
    assert.deepEqual(replayed.attempts.map((a: { statusCode: number }) => a.statusCode), [400, 200]);
    assert.equal((await server.request('POST', `/v1/deliveries/${dead[0].id}/replay`)).status, 409, 'only dead deliveries are replayed');
  });
});
