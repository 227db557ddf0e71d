// Sign-in, sessions, cookies, CSRF, the rate limit and roles, through the real server on loopback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, ADMIN_TOKEN } from '../support/server.ts';
import { Browser, RULE, addUser } from './helpers.ts';

test('sign in sets an HttpOnly SameSite=Strict cookie, answers the user and a CSRF token; sign-out ends the session at once', async () => {
  const server = await startTestServer();
  try {
    const password = await addUser(server, 'alice', 'admin');
    const browser = new Browser(server.url);
    const signedIn = await browser.signIn('alice', password);
    assert.equal(signedIn.status, 200, signedIn.text);
    assert.deepEqual(signedIn.body.user, { username: 'alice', role: 'admin' });
    assert.match(signedIn.body.csrf_token, /^[A-Za-z0-9_-]{40,}$/);
    const cookie = signedIn.headers.get('set-cookie')!;
    assert.match(cookie, /^ifthen_session=[A-Za-z0-9_-]{40,}; /);
    for (const flag of ['HttpOnly', 'SameSite=Strict', 'Path=/']) assert.ok(cookie.includes(flag), `${flag} in ${cookie}`);
    assert.ok(!cookie.includes('Secure'), 'plain http on loopback: not Secure');
    assert.ok(!signedIn.text.includes(password));

    const me = await browser.send('GET', '/v1/session');
    assert.equal(me.status, 200);
    assert.deepEqual(me.body, signedIn.body);
    assert.equal((await browser.send('GET', '/v1/rules')).status, 200);

    const stolen = browser.cookie;
    assert.equal((await browser.send('DELETE', '/v1/session')).status, 204);
    assert.equal(browser.cookie, undefined, 'the cookie is cleared');
    const after = new Browser(server.url);
    after.cookie = stolen;
    assert.equal((await after.send('GET', '/v1/session')).status, 401, 'the old cookie no longer works');
    assert.equal((await after.send('GET', '/v1/rules')).status, 401);
  } finally {
    await server.stop();
  }
});

test('the cookie is Secure when IFTHEN_COOKIE_SECURE=true', async () => {
  const server = await startTestServer({ IFTHEN_COOKIE_SECURE: 'true' });
  try {
    const password = await addUser(server, 'alice', 'viewer');
    const signedIn = await new Browser(server.url).signIn('alice', password);
    assert.equal(signedIn.status, 200);
    assert.match(signedIn.headers.get('set-cookie')!, /; Secure/);
  } finally {
    await server.stop();
  }
});

test('wrong credentials answer 401 with one message whatever was wrong', async () => {
  const server = await startTestServer();
  try {
    const password = await addUser(server, 'alice', 'editor');
    await addUser(server, 'bob', 'editor', 'bob-password-1');
    assert.equal((await server.request('PATCH', '/v1/users/bob', { disabled: true })).status, 200);
    const answers = [
      await new Browser(server.url).signIn('alice', 'not-her-password'),
      await new Browser(server.url).signIn('nobody', password),
      await new Browser(server.url).signIn('bob', 'bob-password-1'),
    ];
    for (const answer of answers) {
      assert.equal(answer.status, 401, answer.text);
      assert.equal(answer.body.error.message, 'wrong user name or password');
      assert.equal(answer.headers.get('set-cookie'), null);
    }
  } finally {
    await server.stop();
  }
});

test('failed sign-ins are limited per user name (429 with Retry-After), and allowed again after the window', async () => {
  // A window long enough for a loaded machine (each sign-in is a scrypt); the recovery waits the Retry-After given.
  const server = await startTestServer({ IFTHEN_SIGNIN_MAX_FAILURES: '3', IFTHEN_SIGNIN_WINDOW_MS: '6000' });
  try {
    const password = await addUser(server, 'alice', 'viewer');
    const browser = new Browser(server.url);
    for (let i = 0; i < 3; i++) assert.equal((await browser.signIn('alice', 'wrong-password')).status, 401);
    const limited = await browser.signIn('alice', password);
    assert.equal(limited.status, 429, 'even the right password waits');
    assert.equal(limited.body.error.code, 'IFTHEN_ERR_RATE_LIMITED');
    const retryAfter = Number(limited.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 6, `Retry-After ${retryAfter}`);
    // Another name from the same address is not limited by alice's failures.
    await addUser(server, 'carol', 'viewer', 'carol-password-1');
    assert.equal((await browser.signIn('carol', 'carol-password-1')).status, 200);
    // Tried at once, sign-ins cannot all pass the limit while their hashes are computed.
    const burst = await Promise.all(Array.from({ length: 6 }, () => new Browser(server.url).signIn('carol', 'wrong-password')));
    assert.deepEqual(burst.map((a) => a.status).sort(), [401, 401, 401, 429, 429, 429]);
    const again = await browser.signIn('alice', password);
    assert.equal(again.status, 429);
    await new Promise((r) => setTimeout(r, Number(again.headers.get('retry-after')) * 1000 + 100));
    assert.equal((await browser.signIn('alice', password)).status, 200, 'after the window');
  } finally {
    await server.stop();
  }
});

test('CSRF: a change on the session cookie needs x-csrf-token; reads and bearer tokens do not', async () => {
  const server = await startTestServer();
  try {
    const password = await addUser(server, 'ed', 'editor');
    const browser = new Browser(server.url);
    await browser.signIn('ed', password);
    const refused = await browser.send('PUT', '/v1/rules/r1', RULE('r1'), { csrf: false });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error.code, 'IFTHEN_ERR_CSRF');
    const wrong = await browser.send('PUT', '/v1/rules/r1', RULE('r1'), { csrf: false, headers: { 'x-csrf-token': 'x'.repeat(43) } });
    assert.equal(wrong.body.error.code, 'IFTHEN_ERR_CSRF');
    assert.equal((await browser.send('GET', '/v1/rules', undefined, { csrf: false })).status, 200);
    assert.equal((await browser.send('PUT', '/v1/rules/r1', RULE('r1'))).status, 201);
    // A bearer token needs no CSRF header (the CLI and machines), even beside a cookie.
    const bearer = await server.request('PUT', '/v1/rules/r2', RULE('r2'), { headers: { cookie: browser.cookie! } });
    assert.equal(bearer.status, 201);
    const key = await server.request('POST', '/v1/keys', { name: 'shop' });
    const ingest = await server.request('POST', '/v1/events', [{ type: 'order.placed', subject: 'u1' }], { token: key.body.key });
    assert.equal(ingest.status, 200, ingest.text);
    assert.equal((await server.request('GET', '/v1/rules', undefined, { token: key.body.key })).status, 403, 'a write key still only ingests');
  } finally {
    await server.stop();
  }
});

test('roles: each role against a route of each class; the refusal says why', async () => {
  const server = await startTestServer();
  try {
    assert.equal((await server.request('PUT', '/v1/rules/r1', RULE('r1'))).status, 201);
    const event = { type: 'order.placed', subject: 'u1' };
    const browsers: Record<string, Browser> = {};
    for (const role of ['viewer', 'editor', 'admin']) {
      const password = await addUser(server, role, role);
      browsers[role] = new Browser(server.url);
      assert.equal((await browsers[role].signIn(role, password)).status, 200);
    }
    const cases: [string, string, unknown, Record<string, number>][] = [
      ['GET', '/v1/rules', undefined, { viewer: 200, editor: 200, admin: 200 }],
      ['POST', '/v1/rules/r1/test', { event }, { viewer: 200, editor: 200, admin: 200 }],
      ['PUT', '/v1/rules/r1', RULE('r1', 'changed'), { viewer: 403, editor: 200, admin: 200 }],
      ['POST', '/v1/rules/r1/disable', undefined, { viewer: 403, editor: 200, admin: 200 }],
      ['POST', '/v1/events', [event], { viewer: 403, editor: 200, admin: 200 }],
      ['GET', '/v1/keys', undefined, { viewer: 403, editor: 403, admin: 200 }],
      ['GET', '/v1/users', undefined, { viewer: 403, editor: 403, admin: 200 }],
      ['GET', '/v1/audit', undefined, { viewer: 403, editor: 200, admin: 200 }],
    ];
    for (const [method, path, body, expected] of cases) {
      for (const [role, status] of Object.entries(expected)) {
        const answer = await browsers[role].send(method, path, body);
        assert.equal(answer.status, status, `${role} ${method} ${path}: ${answer.text}`);
        if (status === 403) assert.equal(answer.body.error.code, 'IFTHEN_ERR_FORBIDDEN');
      }
    }
    const refused = await browsers.viewer.send('PUT', '/v1/rules/r1', RULE('r1', 'again'));
    assert.equal(refused.body.error.message, 'your role (viewer) cannot save rules: ask an admin or an editor');
    const keys = await browsers.editor.send('POST', '/v1/keys', { name: 'x' });
    assert.equal(keys.body.error.message, 'your role (editor) cannot create keys: ask an admin');
    // Editors read the rules' audit entries only.
    const editorAudit = await browsers.editor.send('GET', '/v1/audit');
    assert.ok(editorAudit.body.items.length > 0 && editorAudit.body.items.every((e: { target: string }) => e.target.startsWith('rule:')));
    assert.equal((await browsers.editor.send('GET', '/v1/audit?target=user:viewer')).status, 403);
  } finally {
    await server.stop();
  }
});

test('disabling a user ends their sessions at once; a role change applies to the live session', async () => {
  const server = await startTestServer();
  try {
    const password = await addUser(server, 'dora', 'editor');
    const browser = new Browser(server.url);
    await browser.signIn('dora', password);
    assert.equal((await browser.send('PUT', '/v1/rules/r1', RULE('r1'))).status, 201);
    assert.equal((await server.request('PATCH', '/v1/users/dora', { role: 'viewer' })).status, 200);
    assert.equal((await browser.send('PUT', '/v1/rules/r1', RULE('r1', 'x'))).status, 403);
    assert.equal((await server.request('PATCH', '/v1/users/dora', { disabled: true })).status, 200);
    assert.equal((await browser.send('GET', '/v1/rules')).status, 401);
    assert.equal((await browser.send('GET', '/v1/session')).status, 401);
  } finally {
    await server.stop();
  }
});

test('a session slides: requests keep it alive past its TTL; idle longer than the TTL it ends', async () => {
  const server = await startTestServer({ IFTHEN_SESSION_TTL_MS: '2000' });
  try {
    const password = await addUser(server, 'sam', 'viewer');
    const browser = new Browser(server.url);
    await browser.signIn('sam', password);
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    for (let i = 0; i < 3; i++) {
      await sleep(1000);
      assert.equal((await browser.send('GET', '/v1/session')).status, 200, `still signed in after ${i + 1} s`);
    }
    await sleep(2300);
    assert.equal((await browser.send('GET', '/v1/session')).status, 401, 'ended after 2 s without a request');
  } finally {
    await server.stop();
  }
});
