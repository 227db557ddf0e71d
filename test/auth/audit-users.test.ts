// Users and the audit log: the scrypt hash format, passwords never answered nor logged nor stored in clear, and
// the audit entries of a rule save (with its diff), a key revoke, a user's role change and sign-ins.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ADMIN_TOKEN, freePort, startChildServer, startTestServer, stopChild, tempDir } from '../support/server.ts';
import { hashPassword, verifyPassword } from '../../src/api/session-passwords.ts';
import { Browser, RULE, addUser } from './helpers.ts';

test('passwords are scrypt hashes with their parameters and salt, verified in constant time', async () => {
  const encoded = await hashPassword('correct horse battery');
  assert.match(encoded, /^scrypt\$N=32768,r=8,p=1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
  assert.notEqual(await hashPassword('correct horse battery'), encoded, 'a new salt each time');
  assert.equal(await verifyPassword('correct horse battery', encoded), true);
  assert.equal(await verifyPassword('correct horse batterY', encoded), false);
  assert.equal(await verifyPassword('correct horse battery', 'not a hash'), false);
  // Older parameters still verify: they are read from the hash.
  const { scryptSync, randomBytes } = await import('node:crypto');
  const salt = randomBytes(16);
  const old = `scrypt$N=1024,r=8,p=1$${salt.toString('base64url')}$${scryptSync('pw-of-2019!!', salt, 32, { N: 1024 }).toString('base64url')}`;
  assert.equal(await verifyPassword('pw-of-2019!!', old), true);
});

test('users: short passwords refused, names checked, passwords never in an answer', async () => {
  const server = await startTestServer();
  try {
    const short = await server.request('POST', '/v1/users', { username: 'al', password: 'short', role: 'viewer' });
    assert.equal(short.status, 400);
    assert.match(short.body.error.message, /password: must be at least 10 characters/);
    assert.equal((await server.request('POST', '/v1/users', { username: 'bad name', password: 'long-enough-1', role: 'viewer' })).status, 400);
    assert.equal((await server.request('POST', '/v1/users', { username: 'x', password: 'long-enough-1', role: 'owner' })).status, 400);
    const created = await server.request('POST', '/v1/users', { username: 'al', password: 'long-enough-1', role: 'viewer' });
    assert.equal(created.status, 201);
    assert.deepEqual(Object.keys(created.body).sort(), ['createdAt', 'disabled', 'role', 'updatedAt', 'username']);
    assert.equal((await server.request('POST', '/v1/users', { username: 'al', password: 'long-enough-1', role: 'viewer' })).status, 409);
    const list = await server.request('GET', '/v1/users');
    assert.ok(!list.text.includes('long-enough-1') && !list.text.includes('scrypt'));
    assert.equal((await server.request('DELETE', '/v1/users/al')).status, 204);
    assert.equal((await server.request('DELETE', '/v1/users/al')).status, 404);
  } finally {
    await server.stop();
  }
});

test('audit: a rule save with its diff, enable/disable, a key revoke, a role change and sign-ins', async () => {
  const server = await startTestServer();
  try {
    const password = await addUser(server, 'alice', 'admin');
    const browser = new Browser(server.url);
    await browser.signIn('alice', password);
    assert.equal((await browser.signIn('alice', 'wrong-password')).status, 401);
    await browser.signIn('alice', password);
    assert.equal((await browser.send('PUT', '/v1/rules/welcome', RULE('welcome'))).status, 201);
    assert.equal((await browser.send('PUT', '/v1/rules/welcome', RULE('welcome', 'order placed, thank you'))).status, 200);
    assert.equal((await browser.send('PUT', '/v1/rules/welcome', RULE('welcome', 'order placed, thank you'))).status, 200, 'unchanged: no entry');
    assert.equal((await server.request('POST', '/v1/rules/welcome/disable')).status, 200);
    const key = await browser.send('POST', '/v1/keys', { name: 'shop' });
    assert.equal((await browser.send('DELETE', `/v1/keys/${key.body.id}`)).status, 204);
    await addUser(server, 'bob', 'viewer');
    assert.equal((await browser.send('PATCH', '/v1/users/bob', { role: 'editor' })).status, 200);

    const rule = await browser.send('GET', '/v1/audit?target=rule:welcome');
    assert.equal(rule.status, 200);
    assert.deepEqual(rule.body.items.map((e: any) => [e.action, e.actor]), [
      ['rule.disable', 'IFTHEN_ADMIN_TOKEN'], ['rule.save', 'alice (admin)'], ['rule.save', 'alice (admin)'],
    ]);
    const save = rule.body.items[1];
    assert.match(save.diff, /^-      message: "order placed"$/m);
    assert.match(save.diff, /^\+      message: "order placed, thank you"$/m);
    assert.match(save.detail, /saved version 2 \(was 1\)/);
    assert.match(rule.body.items[2].diff, /^\+\+\+ rule:welcome v1$/m);
    assert.match(rule.body.items[2].diff, /^\+# the team's first rule$/m, 'the YAML source as written (comments kept)');

    const revoke = await browser.send('GET', `/v1/audit?target=key:${key.body.id}`);
    assert.deepEqual(revoke.body.items.map((e: any) => [e.action, e.actor, e.detail]), [
      ['key.revoke', 'alice (admin)', 'key "shop" revoked'], ['key.create', 'alice (admin)', 'write key "shop" created'],
    ]);
    const bob = await browser.send('GET', '/v1/audit?target=user:bob');
    assert.deepEqual(bob.body.items.map((e: any) => [e.action, e.actor, e.detail]), [
      ['user.role', 'alice (admin)', 'role viewer -> editor'], ['user.create', 'IFTHEN_ADMIN_TOKEN', 'added as viewer'],
    ]);
    const signIns = await browser.send('GET', '/v1/audit?target=user:alice');
    assert.deepEqual(signIns.body.items.map((e: any) => e.action), ['session.signin', 'session.signin_failed', 'session.signin', 'user.create']);
    // Pages: newest first, `next` as `before`.
    const first = await browser.send('GET', '/v1/audit?limit=2&actor=alice%20(admin)');
    assert.equal(first.body.items.length, 2);
    const second = await browser.send('GET', `/v1/audit?limit=2&actor=alice%20(admin)&before=${first.body.next}`);
    assert.ok(second.body.items[0].id < first.body.items[1].id);
    assert.equal((await browser.send('GET', '/v1/audit?limit=0')).status, 400);
  } finally {
    await server.stop();
  }
});

test('a password is never in a log line, an answer, or the database file in clear', async () => {
  const dir = tempDir();
  const port = await freePort();
  const password = 'never-seen-password-42';
  const changed = 'another-secret-password-43';
  const server = await startChildServer(dir.path, port, { LOG_LEVEL: 'trace' });
  try {
    const url = `http://127.0.0.1:${port}`;
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
    const answers: string[] = [];
    const call = async (method: string, path: string, body: unknown, headers: Record<string, string> = admin) => {
      const response = await fetch(`${url}${path}`, { method, headers, body: JSON.stringify(body) });
      answers.push(await response.text(), JSON.stringify([...response.headers]));
      return response.status;
    };
    assert.equal(await call('POST', '/v1/users', { username: 'erin', password, role: 'editor' }), 201);
    assert.equal(await call('POST', '/v1/session', { username: 'erin', password }, { 'content-type': 'application/json' }), 200);
    assert.equal(await call('POST', '/v1/session', { username: 'erin', password: `${password}x` }, { 'content-type': 'application/json' }), 401);
    assert.equal(await call('POST', '/v1/session', { username: password, password }, { 'content-type': 'application/json' }), 401);
    assert.equal(await call('PATCH', '/v1/users/erin', { password: changed }), 200);
    assert.equal(await call('POST', '/v1/users', { username: 'short', password: 'tiny', role: 'editor' }), 400);
    await stopChild(server);
    const output = server.output();
    assert.ok(output.length > 0, 'the server logged at trace level');
    const files = readdirSync(dir.path).filter((f) => f.startsWith('ifthen.db')).map((f) => readFileSync(join(dir.path, f)));
    assert.ok(files.length > 0);
    for (const secret of [password, changed]) {
      assert.ok(!output.includes(secret), 'not in the log');
      assert.ok(!answers.some((a) => a.includes(secret)), 'not in an answer');
      assert.ok(!files.some((f) => f.includes(Buffer.from(secret))), 'not in the database (a password typed as the name is not kept either)');
    }
  } finally {
    await stopChild(server, 0);
    dir.remove();
  }
});
