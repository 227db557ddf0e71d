// One data directory, one process; a first start that cannot listen; private file modes. Each server is a
// child process (what `ifthen serve` runs), stopped in `finally` whatever happens.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { chmodSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { ADMIN_TOKEN, freePort, spawnChildServer, startChildServer, stopChild, tempDir, type ChildServer } from '../support/server.ts';
import { startReceiver, type Receiver } from '../support/receiver.ts';
import { until } from '../support/until.ts';

const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };

it('refuses a second server on the same data directory, and the first keeps serving with its leases', { timeout: 60_000 }, async () => {
  const dir = tempDir('ifthen-lock-');
  let receiver: Receiver | undefined;
  let first: ChildServer | undefined;
  let second: ChildServer | undefined;
  const held: ServerResponse[] = [];
  try {
    receiver = await startReceiver();
    // The receiver holds every request unanswered: the delivery stays leased by the first server meanwhile.
    receiver.respond = (_request, res) => { held.push(res); };
    first = await startChildServer(dir.path, await freePort(), { IFTHEN_DELIVERY_TIMEOUT_MS: '30000' });
    const put = await fetch(`${first.url}/v1/rules/hold`, { method: 'PUT', headers: admin, body: JSON.stringify({ when: { event: 'x' }, then: [{ webhook: { url: `${receiver.url}/hook` } }] }) });
    assert.equal(put.status, 201, await put.text());
    const sent = await fetch(`${first.url}/v1/events`, { method: 'POST', headers: admin, body: JSON.stringify({ id: 'held-1', type: 'x', subject: 'u' }) });
    assert.equal(sent.status, 200);
    await receiver.waitFor(1);

    const db = new Database(join(dir.path, 'ifthen.db'), { readonly: true });
    const lease = () => db.prepare("SELECT status, lease_owner AS owner, lease_token AS token, lease_until AS until FROM deliveries").get() as { status: string; owner: string; token: string; until: number };
    let before: ReturnType<typeof lease>;
    try {
      before = lease();
      assert.equal(before.status, 'delivering');

      second = spawnChildServer(dir.path, await freePort());
      const code = await Promise.race([second.exited, new Promise<'running'>((r) => setTimeout(() => r('running'), 20_000))]);
      assert.notEqual(code, 'running', `the second server must exit:\n${second.output()}`);
      assert.notEqual(code, 0, second.output());
      assert.match(second.output(), /another ifthen process \(pid \d+\) is using the data directory .*; stop it, or set IFTHEN_DATA/);

      // The first one's lease is untouched and it keeps serving.
      assert.deepEqual(lease(), before);
    } finally {
      db.close();
    }
    const ready = await fetch(`${first.url}/readyz`);
    assert.equal(ready.status, 200);
    const more = await fetch(`${first.url}/v1/events`, { method: 'POST', headers: admin, body: JSON.stringify({ id: 'after-1', type: 'y', subject: 'u' }) });
    assert.equal(more.status, 200);

    // The held request is answered: the first server records it delivered, and nobody sent it twice.
    receiver.respond = (_request, res) => { res.writeHead(200).end('ok'); };
    for (const res of held.splice(0)) res.writeHead(200).end('ok');
    await until(async () => {
      const r = await (await fetch(`${first!.url}/v1/deliveries?status=delivered`, { headers: admin })).json() as { items: unknown[] };
      return r.items.length === 1 ? true : undefined;
    });
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(receiver.requests.length, 1, 'the webhook was sent once');
    assert.equal(await stopChild(first), 0, first.output());
  } finally {
    for (const res of held) res.destroy();
    if (second) await stopChild(second, 0);
    if (first) await stopChild(first, 0);
    await receiver?.close();
    dir.remove();
  }
});

it('exits with a clear message when the port is taken, and stores no admin token that was not shown', { timeout: 60_000 }, async () => {
  const dir = tempDir('ifthen-port-');
  let blocker: Server | undefined;
  let server: ChildServer | undefined;
  try {
    const port = await freePort();
    blocker = createServer();
    await new Promise<void>((resolve) => blocker!.listen(port, '127.0.0.1', resolve));
    // No IFTHEN_ADMIN_TOKEN: a first start generates one, and must show it.
    server = spawnChildServer(dir.path, port, { IFTHEN_ADMIN_TOKEN: undefined });
    const code = await Promise.race([server.exited, new Promise<'running'>((r) => setTimeout(() => r('running'), 20_000))]);
    assert.notEqual(code, 'running', `the server must exit:\n${server.output()}`);
    assert.notEqual(code, 0);
    assert.match(server.output(), new RegExp(`cannot start: port ${port} on 127\\.0\\.0\\.1 is already in use; stop what uses it or set PORT`));
    assert.doesNotMatch(server.output(), /admin token \(shown once/);
    const db = new Database(join(dir.path, 'ifthen.db'), { readonly: true });
    try {
      assert.equal(db.prepare('SELECT COUNT(*) FROM api_keys').pluck().get(), 0, 'no key was stored');
    } finally {
      db.close();
    }

    // The next start, on a free port, creates the token and prints it, and it works.
    server = await startChildServer(dir.path, await freePort(), { IFTHEN_ADMIN_TOKEN: undefined });
    const token = /admin token \(shown once[^\n]*\n\s+(\S+)/.exec(server.output())?.[1];
    assert.ok(token, server.output());
    const rules = await fetch(`${server.url}/v1/rules`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(rules.status, 200);
    assert.equal(await stopChild(server), 0, server.output());
  } finally {
    if (server) await stopChild(server, 0);
    await new Promise((resolve) => (blocker ? blocker.close(resolve) : resolve(undefined)));
    dir.remove();
  }
});

it('keeps the data directory 0700 and every file in it 0600, also files left readable by an older version', { timeout: 60_000 }, async () => {
  const parent = tempDir('ifthen-modes-');
  const data = join(parent.path, 'data');
  let server: ChildServer | undefined;
  try {
    // As an older version (or a careless copy) left it: a readable directory and files.
    mkdirSync(data, { mode: 0o755 });
    chmodSync(data, 0o755);
    writeFileSync(join(data, 'ifthen.pid'), '1', { mode: 0o644 });
    writeFileSync(join(data, 'ifthen.lock'), '', { mode: 0o644 });
    chmodSync(join(data, 'ifthen.pid'), 0o644);
    chmodSync(join(data, 'ifthen.lock'), 0o644);
    server = await startChildServer(data, await freePort());
    const sent = await fetch(`${server.url}/v1/events`, { method: 'POST', headers: admin, body: JSON.stringify({ type: 'x', subject: 'u' }) });
    assert.equal(sent.status, 200);

    const modes = () => Object.fromEntries(readdirSync(data).map((f) => [f, (statSync(join(data, f)).mode & 0o777).toString(8)]));
    const files = modes();
    for (const name of ['ifthen.db', 'ifthen.db-wal', 'ifthen.db-shm', 'ifthen.lock', 'ifthen.pid']) assert.ok(name in files, `${name} exists: ${JSON.stringify(files)}`);
    assert.equal((statSync(data).mode & 0o777).toString(8), '700');
    for (const [name, mode] of Object.entries(files)) assert.equal(mode, '600', `${name} is ${mode}: ${JSON.stringify(files)}`);
    assert.equal(await stopChild(server), 0, server.output());
    server = undefined;
    for (const [name, mode] of Object.entries(modes())) assert.equal(mode, '600', `${name} after stop`);
  } finally {
    if (server) await stopChild(server, 0);
    parent.remove();
  }
});
