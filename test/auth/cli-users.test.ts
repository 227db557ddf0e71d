// `ifthen users`: the first admin is added with the admin token and can then sign in; the password comes from
// standard input, never from an argument; with no terminal and no --password-stdin the CLI says what to do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../support/server.ts';
import { runCli } from '../cli/cli.ts';
import { Browser } from './helpers.ts';

test('ifthen users add <name> --role admin --password-stdin, then ls, set and rm', async () => {
  const server = await startTestServer();
  try {
    const url = server.url;
    const added = await runCli(['users', 'add', 'root', '--role', 'admin', '--password-stdin'], { url, stdin: 'first-admin-password\n' });
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stdout, /added root \(admin\)/);
    const signedIn = await new Browser(url).signIn('root', 'first-admin-password');
    assert.equal(signedIn.status, 200, 'the trailing newline is not part of the password');
    assert.equal(signedIn.body.user.role, 'admin');

    const noTerminal = await runCli(['users', 'add', 'ann', '--role', 'viewer'], { url });
    assert.equal(noTerminal.code, 2);
    assert.match(noTerminal.stderr, /--password-stdin/);
    const short = await runCli(['users', 'add', 'ann', '--role', 'viewer', '--password-stdin'], { url, stdin: 'short\n' });
    assert.notEqual(short.code, 0);
    assert.match(short.stderr, /at least 10 characters/);
    assert.equal((await runCli(['users', 'add', 'ann', '--role', 'owner', '--password-stdin'], { url, stdin: 'x' })).code, 2);

    assert.equal((await runCli(['users', 'add', 'ann', '--role', 'viewer', '--password-stdin'], { url, stdin: 'ann-password-1' })).code, 0);
    assert.equal((await runCli(['users', 'set', 'ann', '--role', 'editor', '--disable'], { url })).code, 0);
    const ls = await runCli(['users', 'ls'], { url });
    assert.match(ls.stdout, /ann\s+editor\s+disabled/);
    assert.match(ls.stdout, /root\s+admin\s+active/);
    assert.ok(!ls.stdout.includes('password'));
    assert.equal((await runCli(['users', 'rm', 'ann'], { url })).code, 0);
    assert.doesNotMatch((await runCli(['users', 'ls'], { url })).stdout, /ann/);
  } finally {
    await server.stop();
  }
});
