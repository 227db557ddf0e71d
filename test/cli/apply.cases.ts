// `ifthen apply -f` against the real server: what it saves, what it says, and what it refuses.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errorReports, runCli } from './cli.ts';
import type { WorldRef } from './world.ts';

const LOG = 'then: [ { log: { message: hi } } ]';

export const applyCases = (world: WorldRef) => describe('ifthen apply', { concurrency: true }, () => {
  const rule = async (id: string) => (await world().server.request('GET', `/v1/rules/${id}`)).body;

  it('saves every rule of every YAML and JSON file in a folder, one PUT each, and says what changed', async () => {
    const { server, dir } = world();
    const rules = join(dir, 'rules');
    await mkdir(join(rules, 'nested'), { recursive: true });
    await writeFile(join(rules, 'a.yaml'), `# first\nid: a-one\nwhen: { event: signed_up }\n${LOG}\n---\nid: a-two\nwhen: { event: cart_updated }\n${LOG}\n`);
    await writeFile(join(rules, 'nested', 'b.json'), JSON.stringify({ id: 'a-three', when: { event: 'order_completed' }, then: [{ log: { message: 'x' } }] }));
    await writeFile(join(rules, 'README.txt'), 'not a rule');

    const first = await runCli(['apply', '-f', rules], { url: server.url });
    assert.equal(first.stderr, '');
    assert.equal(first.code, 0);
    assert.equal(first.stdout, 'created a-one v1\ncreated a-two v1\ncreated a-three v1\n');
    // Each document of a multi-document file travels alone, its comments kept.
    assert.equal((await rule('a-one')).source, `# first\nid: a-one\nwhen: { event: signed_up }\n${LOG}\n`);
    assert.doesNotMatch((await rule('a-two')).source, /a-one/);

    await writeFile(join(rules, 'nested', 'b.json'), JSON.stringify({ id: 'a-three', when: { event: 'order_placed' }, then: [{ log: { message: 'x' } }] }));
    const again = await runCli(['apply', '-f', rules], { url: server.url });
    assert.equal(again.stdout, 'unchanged a-one v1\nunchanged a-two v1\nupdated a-three v2\n');
  });

  it('keeps a disabled rule disabled when the file does not say "enabled", and enables it when the file says so', async () => {
    const { server, dir } = world();
    const file = join(dir, 'keep.yaml');
    await writeFile(file, `id: keep-off\nwhen: { event: a }\n${LOG}\n`);
    assert.equal((await runCli(['apply', '-f', file], { url: server.url })).stdout, 'created keep-off v1\n');
    assert.equal((await runCli(['rules', 'disable', 'keep-off'], { url: server.url })).stdout, 'disabled keep-off v1\n');

    await writeFile(file, `id: keep-off\nname: still off\nwhen: { event: a }\n${LOG}\n`);
    const reapplied = await runCli(['apply', '-f', file], { url: server.url });
    assert.equal(reapplied.stdout, 'updated keep-off v2 (disabled)\n');
    assert.equal((await rule('keep-off')).enabled, false);

    await writeFile(file, `id: keep-off\nname: on again\nenabled: true\nwhen: { event: a }\n${LOG}\n`);
    assert.equal((await runCli(['apply', '-f', file], { url: server.url })).stdout, 'updated keep-off v3\n');
    assert.equal((await rule('keep-off')).enabled, true);
  });

  it('prints each problem of an invalid rule on its own line, once, goes on with the others, and exits 1', async () => {
    const { server, dir } = world();
    const file = join(dir, 'mixed.yaml');
    await writeFile(file, `id: broken\nwhen: { event: x, bogus: 1, where: "event.propertes.total > 1" }\n${LOG}\n---\nid: fine-after\nwhen: { event: y }\n${LOG}\n---\nname: no id here\n`);

    const result = await runCli(['apply', '-f', file, '--dry-run'], { url: server.url });

    assert.equal(result.code, 1);
    assert.equal(result.stdout, `failed broken (${file} (document 1))\nvalid fine-after (dry run, not saved)\nfailed ${file} (document 3)\n`);
    const errors = result.stderr.split('\n');
    assert.equal(errors[0], 'ifthen: the rule is not valid (IFTHEN_ERR_INVALID_RULE):');
    assert.ok(errors.includes('  when.bogus: is not a known field'), result.stderr);
    assert.ok(errors.some((line) => line.startsWith('  when.where: No such key: propertes')), result.stderr);
    assert.equal(result.stderr.match(/is not a known field/g)?.length, 1, 'each problem is printed once');
    assert.ok(errors.includes(`ifthen: ${file} (document 3): the rule has no "id"`), result.stderr);
    assert.equal(errorReports(result.stderr), 2, 'one report for each rule that failed');
    assert.match(result.stderr, /2 of 3 rules failed/);
    assert.equal((await server.request('GET', '/v1/rules/fine-after')).status, 404, 'a dry run saves nothing');
  });

  it('says where a YAML file breaks, with the line, and sends nothing of it', async () => {
    const { server, dir } = world();
    const file = join(dir, 'bad.yaml');
    await writeFile(file, 'id: bad-yaml\nwhen: [\nthen: []\n');
    const result = await runCli(['apply', '-f', file], { url: server.url });
    assert.equal(result.code, 1);
    assert.match(result.stderr, new RegExp(`^ifthen: ${file} is not valid YAML at line \\d+, column \\d+: .+\\n  .+\\n *\\^\\n`));
    assert.equal(errorReports(result.stderr), 1);
    assert.equal((await server.request('GET', '/v1/rules/bad-yaml')).status, 404);
  });

  it('reads rules from stdin with "-f -"', async () => {
    const { server } = world();
    const result = await runCli(['apply', '-f', '-'], { url: server.url, stdin: `id: from-stdin\nwhen: { event: a }\n${LOG}\n` });
    assert.equal(result.stdout, 'created from-stdin v1\n', result.stderr);
  });
});
