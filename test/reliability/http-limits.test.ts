// HTTP limits: a client that sends half a request loses its socket after the configured timeout (with or without
// credentials) while the server goes on serving others, and a full ingest queue answers 503 with Retry-After.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { ADMIN_TOKEN, startTestServer } from '../support/server.ts';

/** Opens a raw connection, writes `data`, and resolves with how long the server kept the socket open after it. */
function halfRequest(url: string, data: string, limitMs: number): { socket: Socket; closedAfterMs: Promise<number>; received(): string } {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  let received = '';
  socket.setEncoding('utf8');
  socket.on('data', (d: string) => { received += d; });
  socket.on('error', () => undefined);
  const started = Date.now();
  socket.write(data);
  const closedAfterMs = new Promise<number>((resolve) => {
    const timer = setTimeout(() => resolve(Infinity), limitMs);
    socket.once('close', () => { clearTimeout(timer); resolve(Date.now() - started); });
  });
  return { socket, closedAfterMs, received: () => received };
}

describe('HTTP timeouts', () => {
  it('closes the sockets of clients that send half a request, and keeps serving the others', { timeout: 30_000 }, async () => {
    const server = await startTestServer({ IFTHEN_HTTP_REQUEST_TIMEOUT_MS: '1500', IFTHEN_HTTP_HEADERS_TIMEOUT_MS: '1000' });
    const sockets: Socket[] = [];
    try {
      const head = (auth: boolean) => `POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n${auth ? `Authorization: Bearer ${ADMIN_TOKEN}\r\n` : ''}\r\n`;
      const limit = 6000; // timeout 1.5 s, checked every second: a socket still open after 6 s is held for good
      const clients = {
        halfBody: halfRequest(server.url, `${head(true)}{"type":"x","subject":"u","properties":{"a":"`, limit),
        halfBodyUnauthenticated: halfRequest(server.url, `${head(false)}{"type":"x","subject":"u","properties":{"a":"`, limit),
        halfHeaders: halfRequest(server.url, 'POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: app', limit),
        headersOnly: halfRequest(server.url, head(true), limit),
      };
      sockets.push(...Object.values(clients).map((c) => c.socket));

      // Meanwhile the server answers everyone else at once.
      for (let i = 0; i < 5; i++) {
        const started = Date.now();
        const r = await server.request('POST', '/v1/events', { id: `ok-${i}`, type: 'x', subject: 'u' });
        assert.equal(r.status, 200);
        assert.ok(Date.now() - started < 2500, 'a normal request is not held up by the slow ones');
        await new Promise((r) => setTimeout(r, 200));
      }

      for (const [name, client] of Object.entries(clients)) {
        const ms = await client.closedAfterMs;
        assert.ok(ms < limit, `${name}: the server still held the socket after ${limit} ms`);
        assert.ok(ms >= 900, `${name}: closed after ${ms} ms, before the timeout`);
        assert.doesNotMatch(client.received(), /HTTP\/1\.1 20\d/, `${name}: not answered as a success`);
      }
      assert.equal((await server.request('GET', '/healthz', undefined, { token: null })).status, 200);
    } finally {
      for (const s of sockets) s.destroy();
      await server.stop();
    }
  });
});

describe('ingest back-pressure', () => {
  it('answers 503 with Retry-After when the group-commit queue is full, and stores what it accepted', { timeout: 30_000 }, async () => {
    const server = await startTestServer({ IFTHEN_INGEST_QUEUE_EVENTS: '20' });
    try {
      const requests = 100;
      const responses = await Promise.all(Array.from({ length: requests }, (_, i) => fetch(`${server.url}/v1/events`, {
        method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(Array.from({ length: 5 }, (_, j) => ({ id: `bp-${i}-${j}`, type: 'x', subject: 'u' }))),
      }).then(async (r) => ({ status: r.status, retryAfter: r.headers.get('retry-after'), body: await r.json() as { error?: { code: string; message: string } } }))));
      const statuses = responses.map((r) => r.status);
      const refused = responses.filter((r) => r.status === 503);
      console.log(`back-pressure: ${requests} concurrent requests of 5 events, queue 20 events: ${statuses.filter((s) => s === 200).length} stored, ${refused.length} refused`);
      assert.ok(statuses.every((s) => s === 200 || s === 503), `only 200 or 503: ${statuses}`);
      assert.ok(refused.length > 0, 'a full queue refuses');
      assert.ok(refused.length < requests, 'the queue still takes what fits');
      for (const r of refused) {
        assert.equal(r.retryAfter, '1');
        assert.equal(r.body.error?.code, 'IFTHEN_ERR_OVERLOADED');
        assert.match(r.body.error!.message, /IFTHEN_INGEST_QUEUE_EVENTS/);
      }
      // Accepted ones are stored, refused ones are not (the client sends them again).
      for (const [i, r] of responses.entries()) {
        const stored = await server.request('GET', `/v1/events/bp-${i}-0`);
        assert.equal(stored.status, r.status === 200 ? 200 : 404, `request ${i}`);
      }
      // Once the queue drains, ingest is accepted again.
      assert.equal((await server.request('POST', '/v1/events', { type: 'x', subject: 'u' })).status, 200);
    } finally {
      await server.stop();
    }
  });
});
