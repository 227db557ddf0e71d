import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { HttpClient } from '../../src/actions/http/http-client.ts';
import { createRedactor } from '../../src/actions/redact/redactor.ts';
import { NonRetriableError, RetryAfterError, TimeoutError } from '../../src/actions/errors.ts';
import type { AttemptScope } from '../../src/actions/types.ts';

let server: Server;
let url: string;
let endlessClosed = false;
before(async () => {
  server = createServer((req, res) => {
    if (req.url === '/endless') {
      // 64 KiB chunks for as long as the client reads: only a closed connection stops it.
      res.writeHead(200);
      const chunk = Buffer.alloc(64 * 1024, 'x');
      const pump = () => { while (res.write(chunk)); };
      res.on('drain', pump);
      res.on('close', () => { endlessClosed = true; });
      pump();
    } else if (req.url === '/busy') {
      res.writeHead(503, { 'retry-after': '7' }).end('try later');
    } else if (req.url === '/moved') {
      res.writeHead(301, { location: 'http://elsewhere.example/' }).end();
    } else if (req.url === '/trickle') {
      res.writeHead(200);
      res.write('partial ');
      // the rest never comes
    } else if (req.url === '/hang') {
      // never answers
    } else {
      res.writeHead(200).end('é'.repeat(600)); // 1200 bytes: cut inside a character at 1024
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const scope = (signal = new AbortController().signal): AttemptScope => ({ attempt: 1, secrets: {}, redact: createRedactor({}), signal, now: Date.now });
const client = () => new HttpClient({ connections: 4, allowPrivateTargets: true });
const post = (path: string, timeoutMs = 5000) => ({ url: `${url}${path}`, method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hi', timeoutMs });

test('an endless answer is cut at 1 KiB and its connection closed; the status decides', async () => {
  const http = client();
  try {
    const result = await http.send(post('/endless'), scope());
    assert.equal(result.statusCode, 200);
    assert.equal(result.response, 'x'.repeat(1024));
    assert.equal(result.responseTruncated, true);
    for (let i = 0; i < 100 && !endlessClosed; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.ok(endlessClosed, 'the connection was closed');
  } finally {
    await http.close();
  }
});

test('a body cut inside a character stays valid text; short answers are whole', async () => {
  const http = client();
  try {
    const result = await http.send(post('/'), scope());
    assert.equal(result.responseTruncated, true);
    assert.ok(result.response!.startsWith('é'.repeat(511)));
    assert.equal(Buffer.byteLength(result.response!) <= 1026, true);
  } finally {
    await http.close();
  }
});

test('statuses map to the same errors: Retry-After, redirects not followed; a hang times out; a stop aborts', async () => {
  const http = client();
  try {
    await assert.rejects(http.send(post('/busy'), scope()), (error: unknown) => error instanceof RetryAfterError && error.statusCode === 503 && error.response === 'try later');
    await assert.rejects(http.send(post('/moved'), scope()), (error: unknown) => error instanceof NonRetriableError && /Location: http:\/\/elsewhere\.example\//.test(error.message));
    await assert.rejects(http.send(post('/hang', 200), scope()), (error: unknown) => error instanceof TimeoutError && /timed out after 200 ms/.test(error.message));
    const stop = new AbortController();
    const pending = http.send(post('/hang'), scope(stop.signal));
    setTimeout(() => stop.abort(new Error('dispatcher stopping')), 50);
    await assert.rejects(pending, /dispatcher stopping/);
  } finally {
    await http.close();
  }
});

test('an answer whose body is slower than the timeout counts by its status, with what arrived of the body', async () => {
  const http = client();
  try {
    const result = await http.send(post('/trickle', 300), scope());
    assert.equal(result.statusCode, 200);
    assert.equal(result.response, 'partial ');
    assert.equal(result.responseTruncated, true);
  } finally {
    await http.close();
  }
});
