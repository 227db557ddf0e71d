// POST /v1/deliveries/replay with dry_run: what a replay would do (how many, where to, from which rule versions,
// over which time, the same idempotency key), said before anything changes; then the replay of chosen rows.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestServer } from '../support/server.ts';
import { startReceiver } from '../support/receiver.ts';
import { until } from '../support/until.ts';

test('replay preview says what a replay would do and changes nothing; chosen ids are replayed alone', { timeout: 60_000 }, async () => {
  const server = await startTestServer();
  const receiver = await startReceiver();
  try {
    receiver.respond = (_req, res) => { res.writeHead(500, { 'content-type': 'text/plain' }).end('down'); };
    const rule = (id: string, path: string, note: string) => ({ id, name: note, when: { event: 'paid' }, delivery: { max_attempts: 1 }, then: [{ webhook: { url: `${receiver.url}${path}` } }] });
    assert.equal((await server.request('PUT', '/v1/rules/pv-a', rule('pv-a', '/a', 'first'))).status, 201);
    assert.equal((await server.request('PUT', '/v1/rules/pv-b', rule('pv-b', '/b', 'first'))).status, 201);
    const sent = await server.request('POST', '/v1/events', [1, 2, 3].map((n) => ({ id: `pv-${n}`, type: 'paid', subject: `s${n}` })));
    assert.equal(sent.status, 200, sent.text);
    const dead = await until(async () => {
      const page = (await server.request('GET', '/v1/deliveries?status=dead')).body;
      return page.items.length === 6 ? page.items as Array<{ id: string; rule: string; createdAt: string }> : undefined;
    });
    // A new version of pv-a after the firings: the preview names both, since a replay sends what v1 said.
    assert.equal((await server.request('PUT', '/v1/rules/pv-a', rule('pv-a', '/a', 'second'))).status, 200);

    const all = await server.request('POST', '/v1/deliveries/replay', { dry_run: true });
    assert.equal(all.status, 200, all.text);
    assert.equal(all.body.dryRun, true);
    assert.equal(all.body.count, 6);
    assert.deepEqual(all.body.destinations, [{ destination: new URL(receiver.url).host, kind: 'webhook', count: 6 }]);
    assert.deepEqual(all.body.rules, [{ id: 'pv-a', count: 3, versions: [1], currentVersion: 2 }, { id: 'pv-b', count: 3, versions: [1], currentVersion: 1 }]);
    const times = dead.map((d) => d.createdAt).sort();
    assert.deepEqual([all.body.oldest, all.body.newest], [times[0], times[times.length - 1]]);
    assert.equal(all.body.answered2xx, 0);
    assert.equal(all.body.sameIdempotencyKey, true);
    assert.equal(all.body.notDead, undefined);

    const ofRule = await server.request('POST', '/v1/deliveries/replay', { dry_run: true, rule: 'pv-b' });
    assert.deepEqual([ofRule.body.count, ofRule.body.rules.map((r: { id: string }) => r.id)], [3, ['pv-b']]);
    // Nothing changed: all six are still dead.
    assert.equal((await server.request('GET', '/v1/deliveries?status=dead')).body.items.length, 6);

    const chosen = dead.filter((d) => d.rule === 'pv-a').slice(0, 2).map((d) => d.id);
    const delivered = await server.request('POST', '/v1/deliveries/replay', { dry_run: true, ids: [...chosen, 'no-such.0'] });
    assert.deepEqual([delivered.body.count, delivered.body.notDead], [2, 1], 'an id that is not dead is counted apart');

    receiver.respond = (_req, res) => { res.writeHead(200).end('ok'); };
    const replayed = await server.request('POST', '/v1/deliveries/replay', { ids: chosen });
    assert.deepEqual(replayed.body, { replayed: 2 });
    await until(async () => {
      const statuses = await Promise.all(chosen.map(async (id) => (await server.request('GET', `/v1/deliveries/${id}`)).body.status));
      return statuses.every((s) => s === 'delivered') ? true : undefined;
    });
    assert.equal((await server.request('GET', '/v1/deliveries?status=dead')).body.items.length, 4);
    const keys = receiver.requests.filter((r) => r.url === '/a').map((r) => r.headers['idempotency-key']);
    assert.ok(chosen.every((id) => keys.filter((k) => k === id).length === 2), 'each chosen one was sent again under its own key');

    const empty = await server.request('POST', '/v1/deliveries/replay', { dry_run: true, rule: 'no-such-rule' });
    assert.deepEqual([empty.body.count, empty.body.destinations, empty.body.rules, empty.body.oldest, empty.body.newest], [0, [], [], null, null]);

    const tooMany = await server.request('POST', '/v1/deliveries/replay', { ids: Array.from({ length: 501 }, (_, i) => `d${i}`) });
    assert.equal(tooMany.status, 400);
    assert.match(tooMany.body.error.message, /ids/);
  } finally {
    await receiver.close();
    await server.stop();
  }
});

test('a viewer may not preview or replay: 403 with the reason', { timeout: 60_000 }, async () => {
  const server = await startTestServer();
  try {
    const made = await server.request('POST', '/v1/users', { username: 'vera', password: 'a-long-viewer-password', role: 'viewer' });
    assert.equal(made.status, 201, made.text);
    const signIn = await fetch(`${server.url}/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'vera', password: 'a-long-viewer-password' }) });
    const cookie = signIn.headers.get('set-cookie')!.split(';')[0];
    const { csrf_token: csrf } = await signIn.json() as { csrf_token: string };
    const refused = await fetch(`${server.url}/v1/deliveries/replay`, { method: 'POST', headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json' }, body: JSON.stringify({ dry_run: true }) });
    assert.equal(refused.status, 403);
    assert.match(((await refused.json()) as { error: { message: string } }).error.message, /replay deliveries/);
  } finally {
    await server.stop();
  }
});
