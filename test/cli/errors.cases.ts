// What a new user trips on: each mistake is reported once, on stderr, naming the setting or the command that fixes it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ADMIN_TOKEN, freePort } from '../support/server.ts';
import { errorReports, runCli } from './cli.ts';
import type { WorldRef } from './world.ts';

export const errorCases = (world: WorldRef) => describe('ifthen errors', { concurrency: true }, () => {

  /** Exactly one report, and nothing on stdout. */
  const once = (result: { stdout: string; stderr: string }) => {
    assert.equal(errorReports(result.stderr), 1, result.stderr);
    assert.equal(result.stdout, '');
  };

  it('without a token it says to set IFTHEN_TOKEN (or --token), before asking the server', async () => {
    const { server } = world();
    const result = await runCli(['rules', 'ls'], { url: `http://127.0.0.1:${await freePort()}`, token: null });
    assert.equal(result.code, 1);
    assert.equal(result.stderr, 'ifthen: no token: set IFTHEN_TOKEN (or --token) to the admin token, the one the server printed at its first start (or its IFTHEN_ADMIN_TOKEN)\n');
  });

  it('a refused token is named by where it came from, never printed, with how to fix it', async () => {
    const { server } = world();
    const [fromEnv, fromFlag] = await Promise.all([
      runCli(['rules', 'ls'], { url: server.url, token: 'wrong-token-value' }),
      runCli(['rules', 'ls', '--token', 'other-wrong-value'], { url: server.url }),
    ]);
    for (const [result, source] of [[fromEnv, 'IFTHEN_TOKEN'], [fromFlag, '--token']] as const) {
      assert.equal(result.code, 1);
      once(result);
      assert.match(result.stderr, new RegExp(`^ifthen: the server at ${server.url} refused the token from ${source} \\(unknown or revoked\\): set IFTHEN_TOKEN \\(or --token\\) to the admin token`));
      assert.doesNotMatch(result.stderr, /wrong-token-value|other-wrong-value/);
    }
  });

  it('a write key used for an admin command is named as one, with the fix', async () => {
    const { server } = world();
    const key = (await server.request('POST', '/v1/keys', { name: 'ingest-only' })).body.key as string;
    const result = await runCli(['firings'], { url: server.url, token: key });
    assert.equal(result.code, 1);
    once(result);
    assert.match(result.stderr, /^ifthen: the token from IFTHEN_TOKEN is a write key, which may only send events: set IFTHEN_TOKEN \(or --token\) to the admin token/);
    assert.ok(!result.stderr.includes(key));
  });

  it('a server that is not running is named with its URL and where the URL came from; apply stops at the first rule', async () => {
    const { server, dir } = world();
    const url = `http://127.0.0.1:${await freePort()}`;
    const file = join(dir, 'two.yaml');
    await writeFile(file, 'id: one\nwhen: { event: a }\nthen: [ { log: { message: x } } ]\n---\nid: two\nwhen: { event: a }\nthen: [ { log: { message: x } } ]\n');
    const [list, apply] = await Promise.all([runCli(['firings'], { url }), runCli(['apply', '-f', file, '--url', url])]);
    for (const result of [list, apply]) {
      assert.equal(result.code, 1);
      once(result);
    }
    assert.equal(list.stderr, `ifthen: cannot reach the server at ${url} (from IFTHEN_URL): connection refused. Is it running? Start it with "ifthen serve", or point IFTHEN_URL (or --url) at it\n`);
    assert.match(apply.stderr, new RegExp(`^ifthen: cannot reach the server at ${url} \\(from --url\\)`));
  });

  it('JSON typed on the command line that does not parse is shown with the place it breaks, not a SyntaxError', async () => {
    const { server, dir } = world();
    const [send, test, file] = await Promise.all([
      runCli(['send', '--data', '{"type": cart_updated}'], { url: server.url }),
      runCli(['test', 'r', '--event', '{"type":"a",}'], { url: server.url }),
      (async () => {
        const path = join(dir, 'events.json');
        await writeFile(path, '[\n  {"type": "a", "subject": "u"}\n  {"type": "b", "subject": "u"}\n]\n');
        return runCli(['send', '-f', path], { url: server.url });
      })(),
    ]);
    assert.equal(send.code, 2);
    assert.equal(send.stderr, 'ifthen: --data is not valid JSON at line 1, column 10: expected a value, found "c"\n  {"type": cart_updated}\n           ^\n');
    assert.equal(test.stderr, 'ifthen: --event is not valid JSON at line 1, column 13: a comma before "}" (trailing commas are not allowed)\n  {"type":"a",}\n              ^\n');
    assert.match(file.stderr, /^ifthen: \S+events\.json is not valid JSON at line 3, column 3: expected "," or "]", found "\{"\n {2} {2}\{"type": "b", "subject": "u"\}\n {4}\^\n$/);
    for (const result of [send, test, file]) assert.doesNotMatch(result.stderr, /SyntaxError|Unexpected token/);
  });

  it('a usage mistake is reported once with the help hint; an unknown command lists the commands', async () => {
    const { server, dir } = world();
    const [missing, option, unknown, file] = await Promise.all([
      runCli(['delivery', 'retry'], { url: server.url }),
      runCli(['firings', '--bogus'], { url: server.url }),
      runCli(['fire'], { url: server.url }),
      runCli(['send', '-f', join(dir, 'nope.json')], { url: server.url }),
    ]);
    assert.equal(missing.stderr, 'ifthen: missing <delivery-id>\nrun "ifthen delivery --help" for usage\n');
    assert.equal(missing.code, 2);
    assert.match(option.stderr, /^ifthen: Unknown option '--bogus'.*\nrun "ifthen firings --help" for usage\n$/);
    assert.match(unknown.stderr, /^ifthen: unknown command "fire"\n\nusage: ifthen <command>/);
    assert.equal(file.stderr, `ifthen: ${join(dir, 'nope.json')}: no such file\n`);
    for (const result of [missing, option, unknown, file]) assert.equal(errorReports(result.stderr), 1, result.stderr);
  });

  it('a rule the server refuses lists each problem on its own line under one headline', async () => {
    const { server, dir } = world();
    const file = join(dir, 'invalid.json');
    await writeFile(file, JSON.stringify({ id: 'invalid', when: { event: 'a', where: 'event.properties.total >' }, then: [] }));
    const result = await runCli(['apply', '-f', file], { url: server.url, token: ADMIN_TOKEN });
    assert.equal(result.code, 1);
    const lines = result.stderr.trimEnd().split('\n');
    assert.equal(lines[0], 'ifthen: the rule is not valid (IFTHEN_ERR_INVALID_RULE):');
    assert.ok(lines.slice(1).every((line) => line.startsWith('  ')), result.stderr);
    assert.ok(lines.some((line) => line.startsWith('  then: ')), result.stderr);
    assert.ok(lines.some((line) => line.startsWith('  when.where: ')), result.stderr);
  });
});
