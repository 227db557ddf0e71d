// SIGTERM under load: a request in flight is answered with a real 200 (a reset fails the test), the process
// exits 0, nothing acknowledged is lost, and deliveries in flight to a slow receiver either finish or are
// released and sent after the restart: each one acknowledged by the receiver exactly once.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { freePort, startChildServer, stopChild, tempDir, ADMIN_TOKEN, type ChildServer } from '../support/server.ts';

const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };

/** A receiver that answers 200 after `delayMs`, and counts an answer only when it reached an open connection. */
async function slowReceiver(delayMs: number) {
  const received: string[] = [];
  const acknowledged: string[] = [];
  const server: Server = createServer((req, res) => {
    const key = String(req.headers['idempotency-key']);
    received.push(key);
    req.resume();
    setTimeout(() => {
      if (req.socket.destroyed) return; // the sender gave up: not acknowledged
      res.on('finish', () => acknowledged.push(key));
      res.writeHead(200).end('ok');
    }, delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return { url, received, acknowledged, close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }) };
}

/** Sends the head and half the body of an ingest request now; `finish()` sends the rest and reads the answer. */
function halfSentRequest(url: string, body: string) {
  const { port } = new URL(url);
  const socket = connect(Number(port), '127.0.0.1');
  let answer = '';
  socket.setEncoding('utf8');
  socket.on('data', (d: string) => { answer += d; });
  const closed = new Promise<string>((resolve) => { socket.on('error', (e) => { answer += `\n[socket error ${e.message}]`; }); socket.on('close', () => resolve(answer)); });
  const half = Math.floor(body.length / 2);
  socket.write(`POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ADMIN_TOKEN}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body.slice(0, half)}`);
  return {
    socket,
    async finish(): Promise<string> {
      socket.write(body.slice(half));
      return closed;
    },
  };
}

async function run(graceMs: number, receiverDelayMs: number) {
  const dir = tempDir('ifthen-term-');
  const receiver = await slowReceiver(receiverDelayMs);
  const port = await freePort();
  const env = { IFTHEN_SHUTDOWN_GRACE_MS: String(graceMs), IFTHEN_DELIVERY_BACKOFF_MS: '100' };
  let server: ChildServer | undefined;
  let db: Database.Database | undefined;
  let stop = false;
  const loaders: Promise<void>[] = [];
  try {
    server = await startChildServer(dir.path, port, env);
    const put = await fetch(`${server.url}/v1/rules/slow`, { method: 'PUT', headers: admin, body: JSON.stringify({ when: { event: 'd' }, then: [{ webhook: { url: `${receiver.url}/hook` } }] }) });
    assert.equal(put.status, 201);

    // Load: batches of events, with the outcome of each request kept.
    const acked = new Set<string>();
    let n = 0;
    const load = async () => {
      while (!stop) {
        const batch = Array.from({ length: 50 }, () => ({ id: `t-${n++}`, type: 'x', subject: 's' }));
        try {
          const r = await fetch(`${server!.url}/v1/events`, { method: 'POST', headers: admin, body: JSON.stringify(batch) });
          if (r.ok) for (const e of batch) acked.add(e.id);
          else await r.arrayBuffer();
        } catch { stop = true; } // refused once the server stops listening
      }
    };
    loaders.push(load(), load(), load());
    const deliveries = 6;
    const sent = await fetch(`${server.url}/v1/events`, { method: 'POST', headers: admin, body: JSON.stringify(Array.from({ length: deliveries }, (_, i) => ({ id: `d-${i}`, type: 'd', subject: `s${i}` }))) });
    assert.equal(sent.status, 200);
    for (let i = 0; receiver.received.length < deliveries; i++) {
      if (i > 200) throw new Error(`the receiver got ${receiver.received.length} of ${deliveries} deliveries`);
      await new Promise((r) => setTimeout(r, 25));
    }
    assert.equal(receiver.acknowledged.length, 0, 'the deliveries are in flight at SIGTERM');

    const inFlight = halfSentRequest(server.url, JSON.stringify({ id: 'in-flight', type: 'x', subject: 's' }));
    await new Promise((r) => setTimeout(r, 200));
    server.process.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 100));
    const answer = await inFlight.finish();
    assert.match(answer, /^HTTP\/1\.1 200 /, `the request in flight at SIGTERM is answered 200, got: ${answer.slice(0, 200) || '(nothing: reset)'}`);
    assert.match(answer, /"accepted":1/);

    const code = await server.exited;
    stop = true;
    await Promise.all(loaders.splice(0));
    assert.equal(code, 0, server.output());
    assert.ok(acked.size > 0);
    db = new Database(join(dir.path, 'ifthen.db'), { readonly: true });
    const stored = new Set(db.prepare('SELECT id FROM events').pluck().all() as string[]);
    for (const id of [...acked, 'in-flight']) assert.ok(stored.has(id), `acknowledged ${id} is stored`);
    const open = db.prepare("SELECT COUNT(*) FROM deliveries WHERE status = 'delivering'").pluck().get();
    assert.equal(open, 0, 'no lease is left held after a graceful stop');
    db.close();
    db = undefined;

    // After the restart every delivery is delivered, each acknowledged by the receiver exactly once.
    const acknowledgedBefore = receiver.acknowledged.length;
    server = await startChildServer(dir.path, port, env);
    const deadline = Date.now() + 20_000;
    db = new Database(join(dir.path, 'ifthen.db'), { readonly: true });
    const firings = db.prepare("SELECT id FROM firings WHERE rule_id = 'slow'").pluck().all() as string[];
    assert.equal(firings.length, deliveries);
    const keys = firings.map((id) => `${id}.0`).sort();
    while (db.prepare("SELECT COUNT(*) FROM deliveries WHERE status != 'delivered'").pluck().get() !== 0 || receiver.acknowledged.length < deliveries) {
      if (Date.now() > deadline) throw new Error(`not delivered after restart: ${JSON.stringify(db.prepare('SELECT id, status, last_error FROM deliveries').all())}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual([...receiver.acknowledged].sort(), keys, 'each delivery acknowledged exactly once');
    return { acknowledgedBefore, received: receiver.received.length, deliveries };
  } finally {
    stop = true;
    await Promise.all(loaders);
    db?.close();
    if (server) await stopChild(server, 0);
    await receiver.close();
    dir.remove();
  }
}

describe('graceful shutdown', () => {
  it('answers the request in flight, and lets deliveries in flight finish within the grace period', { timeout: 60_000 }, async () => {
    const r = await run(10_000, 1500);
    assert.equal(r.acknowledgedBefore, r.deliveries, 'deliveries in flight finished before the process exited');
    assert.equal(r.received, r.deliveries, 'and were not sent again after the restart');
  });

  it('answers the request in flight, and releases deliveries still in flight after a short grace period for retry', { timeout: 60_000 }, async () => {
    const r = await run(1000, 3000);
    assert.equal(r.acknowledgedBefore, 0, 'the slow deliveries were abandoned at the end of the grace period');
    assert.ok(r.received >= 2 * r.deliveries, 'and sent again after the restart');
  });
});
