// The CLI's other commands against the real server: rules, send, test, tail, keys, secrets and signing secrets.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { until } from '../support/until.ts';
import { runCli, startCli } from './cli.ts';
import type { WorldRef } from './world.ts';

const rule = (id: string, event: string, extra = '') => `id: ${id}\nwhen:\n  event: ${event}\n  where: event.properties.total >= 30\nthen:\n  - log: { message: "big cart {{ event.properties.total }}" }\n${extra}`;

export const commandCases = (world: WorldRef) => describe('ifthen rules, send, test, tail, keys, secrets, signing-secret', { concurrency: true }, () => {
  const cli = (args: string[], stdin?: string) => runCli(args, { url: world().server.url, stdin });
  const save = async (id: string, event: string) => assert.equal((await world().server.request('PUT', `/v1/rules/${id}`, rule(id, event))).status, 201);

  it('rules ls, get, versions, disable, enable and rm manage saved rules', async () => {
    const { server } = world();
    await save('r-manage', 'r_manage');
    assert.equal((await server.request('PUT', '/v1/rules/r-manage', rule('r-manage', 'r_manage', 'name: second\n'))).status, 200);

    const listed = await cli(['rules', 'ls']);
    assert.match(listed.stdout, /^ID +VERSION +ENABLED +EVENTS +NAME$/m);
    assert.match(listed.stdout, /^r-manage +2 +yes +r_manage +second$/m);
    const got = await cli(['rules', 'get', 'r-manage', '-o', 'json']);
    assert.equal(JSON.parse(got.stdout).document.name, 'second');
    assert.deepEqual(JSON.parse(got.stdout).errors, []);
    const versions = await cli(['rules', 'versions', 'r-manage']);
    assert.match(versions.stdout, /^VERSION +SAVED +EVENTS +NAME\n2 +.+ r_manage +second\n1 +.+ r_manage +-\n$/);

    assert.equal((await cli(['rules', 'disable', 'r-manage'])).stdout, 'disabled r-manage v2\n');
    assert.match((await cli(['rules', 'ls'])).stdout, /^r-manage +2 +no /m);
    assert.equal((await cli(['rules', 'enable', 'r-manage'])).stdout, 'enabled r-manage v2\n');
    assert.equal((await cli(['rules', 'rm', 'r-manage'])).stdout, 'deleted r-manage\n');
    const gone = await cli(['rules', 'get', 'r-manage']);
    assert.equal(gone.code, 1);
    assert.equal(gone.stderr, 'ifthen: no rule "r-manage" (IFTHEN_ERR_NOT_FOUND)\n');
  });

  it('send --prop builds one event, reading values as JSON when they are JSON, and the server stores it', async () => {
    const { server } = world();
    const result = await cli(['send', '--id', 'prop-1', '--type', 'prop_test', '--subject', 'u-prop', '--prop', 'total=30', '--prop', 'country=KR',
      '--prop', 'tags=["a","b"]', '--prop', 'vip=true', '--prop', 'note=hello world', '--prop', 'code=007', '--prop', 'eq=a=b']);
    assert.equal(result.stdout, 'accepted 1, duplicate 0, rejected 0 (id prop-1)\n', result.stderr);
    const stored = (await server.request('GET', '/v1/events/prop-1')).body;
    assert.deepEqual(stored.properties, { total: 30, country: 'KR', tags: ['a', 'b'], vip: true, note: 'hello world', code: '007', eq: 'a=b' });
    assert.equal((await cli(['send', '--id', 'prop-1', '--type', 'prop_test', '--subject', 'u-prop'])).stdout, 'accepted 0, duplicate 1, rejected 0 (id prop-1)\n');
  });

  it('send reports each rejected event with its path and exits 1; -f - reads the events from stdin', async () => {
    const result = await cli(['send', '-f', '-'], '[{"type":"a","subject":"u1"},{"subject":"u2"}]');
    assert.equal(result.code, 1);
    assert.match(result.stdout, /^accepted 1, duplicate 0, rejected 1 \(id \S+\)\n {2}rejected \[1\]\.type: is required\n$/);
  });

  it('test runs a saved rule on one event and explains why it did not match', async () => {
    await save('r-test', 'r_test');
    const result = await cli(['test', 'r-test', '--event', '{"type":"r_test","subject":"u1","properties":{"total":5}}']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'NOT MATCHED  r-test v1\ndid not match because event.properties.total = 5, not ≥ 30\n\nchecks\n  ✓ event type is r_test\n  ✗ event.properties.total = 5, not ≥ 30\n');
  });

  it('test -f sends the local rule with the event and says what each action would do', async () => {
    const { server, dir } = world();
    const file = join(dir, 'local.yaml');
    await writeFile(file, `id: other\nwhen: { event: x }\nthen: [ { log: { message: x } } ]\n---\n${rule('local-only', 'cart_updated')}`);
    const result = await cli(['test', 'local-only', '-f', file, '--event', '{"type":"cart_updated","subject":"u1","properties":{"total":42}}']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^MATCHED {2}local-only \(local file\)\nmatched because event\.properties\.total = 42 ≥ 30\n/);
    assert.match(result.stdout, /\nactions \(nothing was sent\)\n {2}1\. log: would be sent\n {7}message: big cart 42\n {7}level: info\n$/);
    assert.equal((await server.request('GET', '/v1/rules/local-only')).status, 404, 'a test saves nothing');
  });

  it('tail shows the latest events, then each new one as it arrives, until Ctrl-C', async () => {
    const { server } = world();
    await server.request('POST', '/v1/events', { id: 'tail-old', type: 'tail_seen', subject: 'u-tail', properties: { n: 1 } });
    const tail = await startCli(['tail', '--type', 'tail_seen', '--interval', '200ms'], { url: server.url });
    try {
      // Generous: the CLI starts slowly when every case runs at once on a busy machine.
      await until(async () => (tail.output().stdout.includes('tail-old') ? true : undefined), 30_000);
      await server.request('POST', '/v1/events', { id: 'tail-new', type: 'tail_seen', subject: 'u-tail', properties: { n: 2 } });
      await until(async () => (tail.output().stdout.includes('tail-new') ? true : undefined), 30_000);
    } finally {
      tail.kill('SIGINT');
    }
    const code = await new Promise((resolve) => tail.on('close', resolve));
    assert.equal(code, 0, tail.output().stderr);
    assert.match(tail.output().stdout, /^.+ {2}tail_seen {2}u-tail {2}tail-old {2}\{"n":1\}\n.+ {2}tail_seen {2}u-tail {2}tail-new {2}\{"n":2\}\n$/);
  });

  it('keys create prints a write key once; it may send events but not read rules; keys ls and rm', async () => {
    const { server } = world();
    const created = await cli(['keys', 'create', '--name', 'web']);
    const key = created.stdout.trim();
    assert.match(key, /^ifw_/);
    assert.match(created.stderr, /created write key "web" \(id (\S+)\)\.\nCopy it now/);
    const id = /\(id (\S+)\)/.exec(created.stderr)![1];
    const sent = await runCli(['send', '--type', 'a', '--subject', 'u'], { url: server.url, token: key });
    assert.equal(sent.code, 0, sent.stderr);
    const listed = await cli(['keys', 'ls']);
    assert.match(listed.stdout, new RegExp(`^${id} +web +write +`, 'm'));
    assert.doesNotMatch(listed.stdout, new RegExp(key));
    assert.equal((await cli(['keys', 'rm', id])).stdout, `revoked ${id}\n`);
  });

  it('secrets set reads the value from stdin without its newline; ls shows names only; rm deletes', async () => {
    const set = await cli(['secrets', 'set', 'PUSH_TOKEN'], 's3cret value\n');
    assert.equal(set.stdout, 'set secret PUSH_TOKEN\n', set.stderr);
    const listed = await cli(['secrets', 'ls']);
    assert.match(listed.stdout, /^PUSH_TOKEN /m);
    assert.doesNotMatch(listed.stdout + set.stdout, /s3cret/);
    assert.equal((await cli(['secrets', 'rm', 'PUSH_TOKEN'])).stdout, 'deleted secret PUSH_TOKEN\n');
  });

  it('signing-secret prints the default secret; rotate --rule gives a rule its own; rm --rule takes it back', async () => {
    await save('r-signed', 'r_signed');
    const shown = await cli(['signing-secret']);
    const defaultSecret = shown.stdout.trim();
    assert.match(defaultSecret, /^whsec_\S+$/);
    assert.match(shown.stderr, /^the default signing secret: receivers verify webhook signatures with it\n$/);

    const rotated = await cli(['signing-secret', 'rotate', '--rule', 'r-signed']);
    const own = rotated.stdout.trim();
    assert.match(own, /^whsec_\S+$/);
    assert.notEqual(own, defaultSecret);
    assert.match(rotated.stderr, /^rotated rule r-signed's own signing secret/);
    assert.equal((await cli(['signing-secret', '--rule', 'r-signed'])).stdout, `${own}\n`);

    assert.equal((await cli(['signing-secret', 'rm', '--rule', 'r-signed'])).stdout, 'removed the signing secrets of rule r-signed: its webhooks are signed with the default secrets again\n');
    const after = await cli(['signing-secret', '--rule', 'r-signed']);
    assert.equal(after.stdout, `${defaultSecret}\n`);
    assert.match(after.stderr, /rule r-signed has no signing secret of its own/);
    const again = await cli(['signing-secret', 'rm', '--rule', 'r-signed']);
    assert.equal(again.stderr, 'ifthen: rule "r-signed" has no signing secret of its own (IFTHEN_ERR_NOT_FOUND)\n');
  });

  it('help lists every command; report names an unknown rule', async () => {
    const [help, report] = await Promise.all([runCli(['help']), cli(['report', 'x'])]);
    for (const name of ['serve', 'apply', 'rules ls', 'rules errors', 'send', 'tail', 'test', 'backtest', 'report', 'firings', 'firing <id>', 'deliveries', 'delivery retry|resend', 'failures', 'dlq ls', 'keys create', 'secrets set', 'signing-secret']) {
      assert.ok(help.stdout.includes(`  ${name}`), `help lists ${name}`);
    }
    assert.equal(report.code, 1);
    assert.match(report.stderr, /no rule "x"/);
  });
});
