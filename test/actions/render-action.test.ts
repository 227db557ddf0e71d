import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NonRetriableError } from '../../src/actions/errors.ts';
import { DEFAULT_FIELD_SIZE_LIMITS, renderAction } from '../../src/actions/index.ts';

const context = {
  event: { id: 'e1', type: 'cart_updated', subject: 'u1', time: '2025-01-01T00:00:00.000Z', properties: { total: 42, note: 'say "hi"' } },
  subject: { id: 'u1', plan: 'pro' },
  firing: { id: 'f_1', rule: 'cart', version: 3 },
  now: '2025-01-01T00:00:00.000Z',
  secrets: { PUSH_TOKEN: '[secret:PUSH_TOKEN]' },
};
const withBig = (bytes: number) => ({ ...context, event: { ...context.event, properties: { big: 'x'.repeat(bytes) } } });
const fails = (render: () => unknown, message: string) => assert.throws(render, (error: Error) => {
  assert.ok(error instanceof NonRetriableError, error.message);
  assert.equal(error.message, message);
  return true;
});

test('a webhook preview is the request as sent: header case as written, ifthen headers added, per-attempt values described', () => {
  const preview = renderAction('webhook', {
    url: 'https://push.example.com/{{ subject.id }}', method: 'PATCH',
    headers: { Authorization: 'Bearer {{ secrets.PUSH_TOKEN }}', 'Idempotency-Key': 'mine', 'User-Agent': 'shop/2' },
    body: { to: '{{ subject.id }}', total: '{{ event.properties.total }}' },
  }, context);
  assert.deepEqual(preview, {
    method: 'PATCH', url: 'https://push.example.com/u1',
    headers: {
      'User-Agent': 'shop/2', Authorization: 'Bearer [secret:PUSH_TOKEN]', 'content-type': 'application/json',
      'idempotency-key': '<delivery id>', 'webhook-id': '<delivery id>', 'webhook-timestamp': '<unix seconds when sent>',
      'webhook-signature': 'v1,<base64 HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{body}"> for each signing secret of the rule, space separated (none without a secret)',
      'x-ifthen-delivery-attempt': '<attempt number, from 1>',
    },
    body: '{"to":"u1","total":42}',
  });
});

test('a string body is JSON or text by its content, unless the rule names a content type (in any case)', () => {
  const contentType = (spec: object) => (renderAction('webhook', { url: 'https://x.example/', ...spec }, context).headers as Record<string, string>);
  assert.equal(contentType({ body: '{"a": {{ event.properties.total }}}' })['content-type'], 'application/json');
  assert.equal(contentType({ body: 'total {{ event.properties.total }}' })['content-type'], 'text/plain; charset=utf-8');
  const named = contentType({ body: 'a=1', headers: { 'CONTENT-TYPE': 'application/x-www-form-urlencoded' } });
  assert.equal(named['CONTENT-TYPE'], 'application/x-www-form-urlencoded');
  assert.equal(named['content-type'], undefined);
  assert.equal(contentType({})['content-type'], undefined);
});

test('chat, email and log previews show what is sent or written', () => {
  const chat = renderAction('chat', { url: 'https://hooks.slack.example/T1', text: 'Cart of {{ subject.id }}: {{ event.properties.note }}' }, context);
  assert.equal(chat.method, 'POST');
  assert.equal(chat.body, '{"text":"Cart of u1: say \\"hi\\""}');
  assert.equal((chat.headers as Record<string, string>)['content-type'], 'application/json');
  assert.equal((chat.headers as Record<string, string>)['webhook-id'], '<delivery id>');
  assert.deepEqual(renderAction('email', { to: ' {{ subject.id }}@example.com ', subject: 'Hi {{ subject.plan }}', html: '<b>{{ event.properties.total }}</b>' }, context), {
    from: '<IFTHEN_SMTP_FROM>', to: 'u1@example.com', subject: 'Hi pro', text: undefined, html: '<b>42</b>',
    headers: { 'Message-ID': '<<delivery id>@ifthen>', 'X-Ifthen-Idempotency-Key': '<delivery id>' },
  });
  assert.deepEqual(renderAction('log', { message: 'rule {{ firing.rule }} v{{ firing.version }}', level: 'warn' }, context), { level: 'warn', message: 'rule cart v3' });
});

test('a template error is final and names the field', () => {
  assert.throws(() => renderAction('webhook', { url: 'https://x.example/', headers: { 'X-Bad': '{{ subject.id | nope }}' } }, context), /^NonRetriableError: headers\.X-Bad: template could not be rendered: .*nope/);
  assert.throws(() => renderAction('webhook', { url: '{{ subject.id | nope }}' }, context), /^NonRetriableError: url: template could not be rendered/);
  assert.throws(() => renderAction('email', { to: 'a@x', subject: '{% if %}' }, context), /^NonRetriableError: subject: template could not be rendered/);
  fails(() => renderAction('email', { to: '{{ subject.missing }}', subject: 's' }, context), 'to: rendered to an empty address');
});

test('a rendered body over 256 KiB or a header over 8 KiB is final, with a message saying which and by how much', () => {
  assert.equal(DEFAULT_FIELD_SIZE_LIMITS.maxBodyBytes, 256 * 1024);
  assert.equal(DEFAULT_FIELD_SIZE_LIMITS.maxHeaderBytes, 8 * 1024);
  const big = '{{ event.properties.big }}';
  assert.doesNotThrow(() => renderAction('webhook', { url: 'https://x.example/', body: big }, withBig(256 * 1024)));
  fails(() => renderAction('webhook', { url: 'https://x.example/', body: big }, withBig(300 * 1024)), 'body: rendered to 300 KiB, more than the 256 KiB limit');
  fails(() => renderAction('webhook', { url: 'https://x.example/', body: { items: [big] } }, withBig(256 * 1024)), 'body: rendered to 256 KiB, more than the 256 KiB limit');
  assert.doesNotThrow(() => renderAction('webhook', { url: 'https://x.example/', headers: { 'X-Big': big } }, withBig(8 * 1024)));
  fails(() => renderAction('webhook', { url: 'https://x.example/', headers: { 'X-Big': big } }, withBig(9 * 1024)), 'headers.X-Big: rendered to 9 KiB, more than the 8 KiB limit');
  fails(() => renderAction('webhook', { url: `https://x.example/?q=${big}` }, withBig(9000)), 'url: rendered to 8.8 KiB, more than the 8 KiB limit');
  fails(() => renderAction('chat', { url: 'https://x.example/', text: big }, withBig(300 * 1024)), 'text: rendered to 300 KiB, more than the 256 KiB limit');
  fails(() => renderAction('email', { to: 'a@x.example', subject: 's', html: big }, withBig(300 * 1024)), 'html: rendered to 300 KiB, more than the 256 KiB limit');
  fails(() => renderAction('log', { message: big }, withBig(2000), { maxBodyBytes: 1024, maxHeaderBytes: 100 }), 'message: rendered to 2 KiB, more than the 1 KiB limit');
});
