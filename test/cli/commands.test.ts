import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, startFakeApi, type Answer, type FakeApi, type RecordedRequest } from './fake-api.ts';

function answer(request: RecordedRequest): Answer {
  const route = `${request.method} ${request.path}`;
  switch (route) {
    case 'PUT /v1/secrets/PUSH_TOKEN': return { status: 204 };
    case 'POST /v1/deliveries/replay': return { status: 200, body: { replayed: 3 } };
    case 'POST /v1/rules/big-cart/test': return { status: 200, body: { matched: true, firingId: 'f1', trace: { rule: 'big-cart', version: 0, steps: [{ check: 'event', expected: ['cart_updated'], actual: 'cart_updated', passed: true }], actions: [{ index: 0, kind: 'log', outcome: 'queued', preview: { message: 'big cart 42' } }] }, emits: [] } };
    case 'GET /v1/firings': return request.query.cursor === undefined
      ? { status: 200, body: { items: [{ id: 'f2', rule: 'r', version: 1, subject: 'u2', group: 'treatment', time: '2025-01-02T00:00:00.000Z' }], next: '7' } }
      : { status: 200, body: { items: [{ id: 'f1', rule: 'r', version: 1, subject: 'u1', group: 'holdout', time: '2025-01-01T00:00:00.000Z' }] } };
    case 'POST /v1/events': {
      const body = JSON.parse(request.body) as unknown;
      if (!Array.isArray(body)) return { status: 200, body: { accepted: 1, duplicate: 0, rejected: 0, results: [{ index: 0, id: 'e1', status: 'accepted' }] } };
      return { status: 207, body: { accepted: 1, duplicate: 0, rejected: 1, results: [{ index: 0, id: 'e1', status: 'accepted' }, { index: 1, status: 'rejected', error: { code: 'IFTHEN_ERR_INVALID_EVENT', path: '[1].type', message: 'is required' } }] } };
    }
    default: return { status: 404, body: { error: { code: 'IFTHEN_ERR_NOT_FOUND', message: `no route ${route}` } } };
  }
}

// Each test has its own fake API, so the tests (each a CLI start of about a second) run at the same time.
describe('ifthen client commands', { concurrency: true }, () => {
  let dir: string;
  const apis: FakeApi[] = [];
  before(async () => { dir = await mkdtemp(join(tmpdir(), 'ifthen-cli-')); });
  after(async () => {
    await Promise.all(apis.map((api) => api.close()));
    await rm(dir, { recursive: true, force: true });
  });
  const fakeApi = async () => {
    const api = await startFakeApi(answer);
    apis.push(api);
    return { api, last: () => api.requests[api.requests.length - 1] };
  };

  it('secrets set reads the value from stdin, without its trailing newline', async () => {
    const { api, last } = await fakeApi();
    const result = await runCli(['secrets', 'set', 'PUSH_TOKEN'], { url: api.url, stdin: 's3cret value\n' });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(`${last().method} ${last().path}`, 'PUT /v1/secrets/PUSH_TOKEN');
    assert.equal(last().contentType, 'application/json');
    assert.deepEqual(JSON.parse(last().body), { value: 's3cret value' });
    assert.doesNotMatch(result.stdout, /s3cret/);
  });

  it('send --prop builds one event, reading values as JSON when they are JSON', async () => {
    const { api, last } = await fakeApi();
    const result = await runCli(['send', '--type', 'cart_updated', '--subject', 'u1', '--prop', 'total=30', '--prop', 'country=KR',
      '--prop', 'tags=["a","b"]', '--prop', 'vip=true', '--prop', 'note=hello world', '--prop', 'code=007', '--prop', 'eq=a=b'], { url: api.url });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(last().path, '/v1/events');
    assert.deepEqual(JSON.parse(last().body), {
      type: 'cart_updated', subject: 'u1',
      properties: { total: 30, country: 'KR', tags: ['a', 'b'], vip: true, note: 'hello world', code: '007', eq: 'a=b' },
    });
    assert.match(result.stdout, /^accepted 1, duplicate 0, rejected 0/);
  });

  it('send reports each rejected event with its path and exits 1', async () => {
    const { api } = await fakeApi();
    const result = await runCli(['send', '--data', '[{"type":"a","subject":"u1"},{"subject":"u2"}]'], { url: api.url });
    assert.equal(result.code, 1);
    assert.match(result.stdout, /^accepted 1, duplicate 0, rejected 1/);
    assert.match(result.stdout, /^ {2}rejected \[1\]\.type: is required$/m);
  });

  it('dlq replay --all --rule sends the rule as the filter and prints how many were replayed', async () => {
    const { api, last } = await fakeApi();
    const result = await runCli(['dlq', 'replay', '--all', '--rule', 'r'], { url: api.url });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(`${last().method} ${last().path}`, 'POST /v1/deliveries/replay');
    assert.deepEqual(JSON.parse(last().body), { rule: 'r' });
    assert.equal(result.stdout, 'replayed 3 deliveries\n');
  });

  it('test -f sends the local rule with the event and explains the outcome', async () => {
    const { api, last } = await fakeApi();
    const file = join(dir, 'rule.yaml');
    await writeFile(file, 'id: other\nwhen: { event: x }\nthen: []\n---\nid: big-cart\nwhen: { event: cart_updated }\nthen: [ { log: { message: "big cart" } } ]\n');
    const event = { type: 'cart_updated', subject: 'u1', properties: { total: 42 } };
    const result = await runCli(['test', 'big-cart', '-f', file, '--event', JSON.stringify(event)], { url: api.url });
    assert.equal(result.code, 0, result.stderr);
    const body = JSON.parse(last().body) as { event: unknown; rule: { id: string } };
    assert.deepEqual(body.event, event);
    assert.equal(body.rule.id, 'big-cart');
    assert.match(result.stdout, /^MATCHED {2}big-cart \(local file\)/);
    assert.match(result.stdout, /✓ event type: expected cart_updated, got cart_updated/);
    assert.match(result.stdout, /1\. log: queued\n\s+message: big cart 42/);
  });

  it('firings --all follows next until the last page', async () => {
    const { api } = await fakeApi();
    const result = await runCli(['firings', '--rule', 'r', '--all', '--json'], { url: api.url });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout).items.map((f: { id: string }) => f.id), ['f2', 'f1']);
    assert.deepEqual(api.requests.map((r) => r.query), [{ rule: 'r', limit: '500' }, { rule: 'r', limit: '500', cursor: '7' }]);
  });
});
