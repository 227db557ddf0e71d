import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { runCli, startFakeApi, type Answer, type FakeApi, type RecordedRequest } from './fake-api.ts';

const SAVED: Record<string, Answer> = {
  'r-one': { status: 201, body: { id: 'r-one', version: 1, changed: true } },
  'r-two': { status: 200, body: { id: 'r-two', version: 3, changed: true } },
  'r-three': { status: 200, body: { id: 'r-three', version: 2, changed: false } },
};

const INVALID = {
  status: 400,
  body: {
    error: {
      code: 'IFTHEN_ERR_INVALID_RULE', message: 'when.bogus: is not a known field; then[0].webhook.url: must be a string',
      details: [{ path: 'when.bogus', message: 'is not a known field' }, { path: 'then[0].webhook.url', message: 'must be a string' }],
    },
  },
};

function answer(request: RecordedRequest): Answer {
  const id = decodeURIComponent(request.path.replace('/v1/rules/', ''));
  if (request.method !== 'PUT') return { status: 404, body: { error: { code: 'IFTHEN_ERR_NOT_FOUND', message: 'no route' } } };
  if (id === 'broken') return INVALID;
  if (request.query.dry_run === 'true') return { status: 200, body: { valid: true, document: { id } } };
  return SAVED[id] ?? { status: 201, body: { id, version: 1, changed: true } };
}

// Each test has its own fake API, so the tests (each a CLI start of about a second) run at the same time.
describe('ifthen apply', { concurrency: true }, () => {
  let dir: string;
  const apis: FakeApi[] = [];
  before(async () => { dir = await mkdtemp(join(tmpdir(), 'ifthen-apply-')); });
  after(async () => {
    await Promise.all(apis.map((api) => api.close()));
    await rm(dir, { recursive: true, force: true });
  });
  const fakeApi = async () => {
    const api = await startFakeApi(answer);
    apis.push(api);
    return api;
  };

  it('saves every document of every YAML file in a folder, one PUT each, and says what changed', async () => {
    const api = await fakeApi();
    const rules = join(dir, 'rules');
    await mkdir(join(rules, 'nested'), { recursive: true });
    await writeFile(join(rules, 'a.yaml'), '# first\nid: r-one\nwhen: { event: signed_up }\nthen: [ { log: { message: hi } } ]\n---\nid: r-two\nwhen: { event: cart_updated }\nthen: []\n');
    await writeFile(join(rules, 'nested', 'b.yml'), 'id: r-three\nwhen: { event: order_completed }\nthen: []\n');
    await writeFile(join(rules, 'README.txt'), 'not a rule');

    const result = await runCli(['apply', '-f', rules], { url: api.url });

    assert.equal(result.stderr, '');
    assert.equal(result.code, 0);
    assert.equal(result.stdout, 'created r-one v1\nupdated r-two v3\nunchanged r-three v2\n');
    assert.deepEqual(api.requests.map((r) => `${r.method} ${r.path}`), ['PUT /v1/rules/r-one', 'PUT /v1/rules/r-two', 'PUT /v1/rules/r-three']);
    for (const request of api.requests) {
      assert.equal(request.contentType, 'application/yaml');
      assert.equal(request.authorization, 'Bearer test-token');
      assert.equal(request.query.dry_run, undefined);
    }
    // Each document of a multi-document file travels alone.
    assert.deepEqual(api.requests.map((r) => parse(r.body).id), ['r-one', 'r-two', 'r-three']);
    assert.doesNotMatch(api.requests[0].body, /r-two/);
  });

  it('prints each problem of an invalid rule on its own line, goes on with the others, and exits 1', async () => {
    const api = await fakeApi();
    const yamlFile = join(dir, 'mixed.yaml');
    const jsonFile = join(dir, 'rule.json');
    await writeFile(yamlFile, 'id: broken\nwhen: { event: x, bogus: 1 }\nthen: [ { webhook: { url: 5 } } ]\n---\nid: r-after\nwhen: { event: y }\nthen: []\n---\nname: no id here\n');
    await writeFile(jsonFile, JSON.stringify({ id: 'r-json', when: { event: 'x' }, then: [] }));

    const result = await runCli(['apply', '-f', yamlFile, '-f', jsonFile, '--dry-run'], { url: api.url });

    assert.equal(result.code, 1);
    assert.deepEqual(api.requests.map((r) => `${r.path} ${r.contentType} dry_run=${r.query.dry_run}`), [
      '/v1/rules/broken application/yaml dry_run=true', '/v1/rules/r-after application/yaml dry_run=true', '/v1/rules/r-json application/json dry_run=true',
    ]);
    assert.equal(JSON.parse(api.requests[2].body).id, 'r-json');
    const errors = result.stderr.split('\n');
    assert.ok(errors.includes('ifthen: IFTHEN_ERR_INVALID_RULE: when.bogus: is not a known field; then[0].webhook.url: must be a string'), result.stderr);
    assert.ok(errors.includes('  when.bogus: is not a known field'), result.stderr);
    assert.ok(errors.includes('  then[0].webhook.url: must be a string'), result.stderr);
    assert.match(result.stderr, /document 3\): the rule has no "id"/);
    assert.match(result.stdout, /^failed broken /m);
    assert.match(result.stdout, /^valid r-after \(dry run, not saved\)$/m);
    assert.match(result.stdout, /^valid r-json \(dry run, not saved\)$/m);
  });
});
