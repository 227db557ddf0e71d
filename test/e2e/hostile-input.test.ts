// Bad and hostile input: each gets its documented status and message, and the server keeps serving.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type InProcessServer } from '../support/server.ts';

describe('hostile input', () => {
  let server: InProcessServer;
  let writeKey: string;
  before(async () => {
    server = await startTestServer({ IFTHEN_MAX_EVENTS_PER_REQUEST: '50', IFTHEN_MAX_PROPERTY_DEPTH: '8', IFTHEN_MAX_BODY_BYTES: String(64 * 1024) });
    writeKey = (await server.request('POST', '/v1/keys', { name: 'web' })).body.key;
  });
  after(() => server.stop());

  const post = (body: unknown, init?: Parameters<InProcessServer['request']>[3]) => server.request('POST', '/v1/events', body, init);

  it('answers malformed JSON with 400 IFTHEN_ERR_INVALID_JSON', async () => {
    const r = await post('{"type": "x", ', { contentType: 'application/json' });
    assert.equal(r.status, 400);
    assert.equal(r.body.error.code, 'IFTHEN_ERR_INVALID_JSON');
  });

  it('names the field of a wrong type', async () => {
    const r = await post({ type: 42, subject: 'u' });
    assert.equal(r.status, 400);
    assert.equal(r.body.error.code, 'IFTHEN_ERR_INVALID_EVENT');
    assert.match(r.body.error.message, /^type: must be a string/);
    const missing = await post({ type: 'x' });
    assert.match(missing.body.error.message, /^subject: is required/);
    const time = await post({ type: 'x', subject: 'u', time: 'yesterday' });
    assert.match(time.body.error.message, /^time: must be an ISO 8601 time/);
  });

  it('refuses a body over the size limit with 413 and the limit name', async () => {
    const r = await post({ type: 'x', subject: 'u', properties: { blob: 'a'.repeat(70 * 1024) } });
    assert.equal(r.status, 413);
    assert.equal(r.body.error.code, 'IFTHEN_ERR_BODY_TOO_LARGE');
    assert.match(r.body.error.message, /IFTHEN_MAX_BODY_BYTES/);
  });

  it('refuses too many events in one request with 413 and the limit name', async () => {
    const r = await post(Array.from({ length: 51 }, (_, i) => ({ type: 'x', subject: `u${i}` })));
    assert.equal(r.status, 413);
    assert.equal(r.body.error.code, 'IFTHEN_ERR_TOO_MANY_EVENTS');
    assert.match(r.body.error.message, /51 events; at most 50.*IFTHEN_MAX_EVENTS_PER_REQUEST/);
  });

  it('refuses properties nested too deep, and survives nesting far deeper than any limit', async () => {
    let deep: unknown = 1;
    for (let i = 0; i < 9; i++) deep = { d: deep };
    const r = await post({ type: 'x', subject: 'u', properties: deep as Record<string, unknown> });
    assert.equal(r.status, 400);
    assert.equal(r.body.error.code, 'IFTHEN_ERR_TOO_DEEP');
    assert.match(r.body.error.message, /^properties\.d\.d\.d\.d\.d\.d\.d\.d: nesting is deeper than 8 levels/);
    const bomb = await post(`{"type":"x","subject":"u","properties":${'['.repeat(20_000)}${']'.repeat(20_000)}}`, { contentType: 'application/json' });
    assert.equal(bomb.status, 400);
  });

  it('refuses an over-long type', async () => {
    const r = await post({ type: 't'.repeat(201), subject: 'u' });
    assert.equal(r.body.error.code, 'IFTHEN_ERR_TYPE_TOO_LONG');
  });

  it('stores __proto__ and constructor keys as data and never pollutes prototypes', async () => {
    const r = await post('{"id":"proto-1","type":"x","subject":"u","properties":{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}}', { contentType: 'application/json' });
    assert.equal(r.status, 200, r.text);
    const stored = await server.request('GET', '/v1/events/proto-1');
    assert.equal(stored.status, 200);
    assert.ok(stored.text.includes('"__proto__":{"polluted":true}'), stored.text);
    assert.ok(stored.text.includes('"constructor":{"prototype":{"polluted":true}}'));
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    const identify = await post('{"type":"identify","subject":"p","properties":{"__proto__":{"admin":true}}}', { contentType: 'application/json' });
    assert.equal(identify.status, 200);
  });

  it('stores the valid events of a mixed batch and reports each bad one with its path', async () => {
    const r = await post({ batch: [{ id: 'mix-1', type: 'x', subject: 'u' }, { type: 'x' }, 'nope', { id: 'mix-2', type: 'x', subject: 'u' }] });
    assert.equal(r.status, 207);
    assert.equal(r.body.accepted, 2);
    assert.equal(r.body.rejected, 2);
    assert.equal(r.body.results[1].error.path, 'batch[1].subject');
    assert.equal(r.body.results[2].error.path, 'batch[2]');
    assert.equal((await server.request('GET', '/v1/events/mix-1')).status, 200);
    assert.equal((await server.request('GET', '/v1/events/mix-2')).status, 200);
  });

  it('answers missing and wrong credentials with 401, and a write key outside ingest with 403', async () => {
    const none = await post({ type: 'x', subject: 'u' }, { token: null });
    assert.equal(none.status, 401);
    assert.match(none.body.error.message, /missing credentials/);
    const wrong = await post({ type: 'x', subject: 'u' }, { token: 'nope' });
    assert.equal(wrong.status, 401);
    assert.match(wrong.body.error.message, /not valid/);
    assert.equal((await post({ type: 'x', subject: 'u' }, { token: writeKey })).status, 200);
    const forbidden = await server.request('GET', '/v1/rules', undefined, { token: writeKey });
    assert.equal(forbidden.status, 403);
    assert.equal(forbidden.body.error.code, 'IFTHEN_ERR_FORBIDDEN');
    const basic = await server.request('POST', '/v1/track', { userId: 'u', event: 'x' }, { token: null, headers: { authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}` } });
    assert.equal(basic.status, 200);
  });

  it('rejects invalid rules and CEL typos at apply time with the path and position', async () => {
    const typo = await server.request('PUT', '/v1/rules/bad', 'when:\n  event: x\n  where: event.propertes.total > 3\nthen:\n  - log: { message: hi }\n');
    assert.equal(typo.status, 400);
    assert.equal(typo.body.error.code, 'IFTHEN_ERR_INVALID_RULE');
    assert.match(typo.body.error.message, /when\.where: No such key: propertes at line 1, column 7/);
    const yaml = await server.request('PUT', '/v1/rules/bad', 'when: [unclosed');
    assert.equal(yaml.body.error.code, 'IFTHEN_ERR_INVALID_YAML');
    const url = await server.request('PUT', '/v1/rules/bad', { when: { event: 'x' }, then: [{ webhook: { url: 'file:///etc/passwd' } }] });
    assert.deepEqual(url.body.error.details, [{ path: 'then[0].webhook.url', message: 'must be https or http URL' }]);
    const mismatch = await server.request('PUT', '/v1/rules/bad', { id: 'other', when: { event: 'x' }, then: [{ log: { message: 'x' } }] });
    assert.equal(mismatch.body.error.code, 'IFTHEN_ERR_RULE_ID_MISMATCH');
    assert.equal((await server.request('GET', '/v1/rules/bad')).status, 404);
  });

  it('keeps serving after all of that', async () => {
    const r = await post({ id: 'after-all', type: 'x', subject: 'u' });
    assert.equal(r.status, 200);
    assert.equal((await server.request('GET', '/healthz', undefined, { token: null })).status, 200);
  });
});

// Group commit is counted with real fsyncs and WAL commit frames in test/reliability/group-commit.test.ts.
