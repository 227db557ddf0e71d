// The console's own API routes against the real server: overview, live tail (SSE), event-type catalogue, and the
// static serving rules (CSP, caching, client routes vs API 404s).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_TOKEN, startTestServer } from '../support/server.ts';
import { until } from '../support/until.ts';
import { catalogueOf } from '../../src/api/routes/event-types.ts';
import Fastify from 'fastify';
import { consoleStatic } from '../../src/api/console-static.ts';
import { parseMetrics, pointBetween, problemsOf, readingOf } from '../../src/api/routes/overview.ts';

const send = (events: unknown[]) => events.map((e, i) => ({ id: `e-${Date.now()}-${i}-${Math.random()}`, time: new Date().toISOString(), ...(e as object) }));

/** Reads server-sent events from a streaming fetch until `done` says enough or the time is up. */
async function readStream(url: string, done: (frames: Array<{ event: string; data: unknown }>) => boolean, timeoutMs = 10_000) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const frames: Array<{ event: string; data: unknown }> = [];
  const response = await fetch(url, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, signal: controller.signal });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /text\/event-stream/);
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    while (!done(frames)) {
      const { value, done: ended } = await reader.read();
      if (ended) break;
      buffer += decoder.decode(value, { stream: true });
      let split: number;
      while ((split = buffer.indexOf('\n\n')) !== -1) {
        const block = buffer.slice(0, split);
        buffer = buffer.slice(split + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event && data) frames.push({ event, data: JSON.parse(data) });
      }
    }
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return frames;
}

test('overview: live numbers after events arrive, windows, and a clear error for a bad window', async () => {
  const server = await startTestServer();
  try {
    const before = await server.request('GET', '/v1/overview');
    assert.equal(before.status, 200, before.text);
    assert.equal(before.body.window, '1h');
    assert.equal(before.body.stepSeconds, 10);
    assert.equal(before.body.now.healthy, true);
    const sent = await server.request('POST', '/v1/events', send([{ type: 'signup', subject: 'u1', properties: { plan: 'pro' } }, { type: 'signup', subject: 'u2', properties: { plan: 'free' } }]));
    assert.equal(sent.status < 300, true, sent.text);
    const after = await until(async () => {
      const r = await server.request('GET', '/v1/overview');
      return r.body.now.totals.ingested >= 2 && r.body.now.totals.processed >= 2 ? r.body : undefined;
    });
    assert.ok(after.now.eventsPerSecond > 0, 'a rate is measured since the first reading');
    assert.equal((await server.request('GET', '/v1/overview?window=24h')).body.stepSeconds, 300);
    const bad = await server.request('GET', '/v1/overview?window=7d');
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /window: must be 1h or 24h/);
    assert.equal((await server.request('GET', '/v1/overview', undefined, { token: null })).status, 401);
  } finally {
    await server.stop();
  }
});

test('overview: readings, rates across a counter reset, and problems', () => {
  const text = [
    '# HELP x', 'ifthen_events_ingested_total{source="api",status="accepted"} 10', 'ifthen_events_ingested_total{source="api",status="duplicate"} 4',
    'ifthen_deliveries_total{kind="webhook",outcome="delivered"} 3', 'ifthen_deliveries_total{kind="webhook",outcome="dead"} 1', 'ifthen_deliveries_dead 1',
    'ifthen_delivery_duration_seconds_sum{kind="webhook"} 2', 'ifthen_delivery_duration_seconds_count{kind="webhook"} 4',
  ].join('\n');
  assert.equal(parseMetrics(text).get('ifthen_events_ingested_total')?.length, 2);
  const a = readingOf(0, text, { lagSeconds: 0, lagEvents: 0 });
  assert.equal(a.ingested, 10);
  assert.deepEqual(a.latency.webhook, { sum: 2, count: 4 });
  const b = { ...a, at: 10_000, ingested: 30 };
  assert.equal(pointBetween(a, b).eventsPerSecond, 2);
  // A replaced thread starts its counters from zero: counted from zero, never negative.
  assert.equal(pointBetween(b, { ...b, at: 20_000, ingested: 5 }).eventsPerSecond, 0.5);
  assert.deepEqual(problemsOf([a], { ...a, at: 60_000, lagSeconds: 45 }), ['lag-growing', 'dead-deliveries']);
  assert.deepEqual(problemsOf([], undefined), ['pipeline-unavailable']);
});

test('live tail: only new events, filtered by type, subject and property; 400 for a malformed property filter', async () => {
  const server = await startTestServer();
  try {
    await server.request('POST', '/v1/events', send([{ type: 'order', subject: 'old', properties: { plan: 'pro' } }]));
    const base = `${server.url}/v1/events/stream?type=order&property=${encodeURIComponent('plan=pro')}`;
    const streaming = readStream(base, (frames) => frames.some((f) => f.event === 'events' && (f.data as Array<{ subject: string }>).some((e) => e.subject === 'new-pro')));
    await new Promise((r) => setTimeout(r, 400));
    await server.request('POST', '/v1/events', send([
      { type: 'order', subject: 'new-free', properties: { plan: 'free' } },
      { type: 'signup', subject: 'other-type', properties: { plan: 'pro' } },
      { type: 'order', subject: 'new-pro', properties: { plan: 'pro', total: 3 } },
    ]));
    const frames = await streaming;
    const subjects = frames.filter((f) => f.event === 'events').flatMap((f) => (f.data as Array<{ subject: string }>).map((e) => e.subject));
    assert.deepEqual(subjects, ['new-pro']);
    const bad = await server.request('GET', '/v1/events/stream?property=plan');
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /path=value/);
    assert.equal((await server.request('GET', '/v1/events/stream', undefined, { token: null })).status, 401);
  } finally {
    await server.stop();
  }
});

test('event types: inferred from what arrived, with property types and the newest example', async () => {
  const server = await startTestServer();
  try {
    await server.request('POST', '/v1/events', send([
      { type: 'order', subject: 'a', properties: { total: 10, address: { city: 'Seoul' } } },
      { type: 'order', subject: 'b', properties: { total: 12.5, address: { city: 'Busan' } } },
      { type: 'signup', subject: 'c', properties: { plan: 'pro' } },
    ]));
    const answer = await until(async () => {
      const r = await server.request('GET', '/v1/event-types');
      return r.body.sampled >= 3 ? r.body : undefined;
    });
    assert.equal(answer.items[0].type, 'order');
    assert.equal(answer.items[0].count, 2);
    const total = answer.items[0].properties.find((p: { path: string }) => p.path === 'total');
    assert.deepEqual(total.types, ['integer', 'number']);
    assert.ok(answer.items[0].properties.some((p: { path: string }) => p.path === 'address.city'));
    assert.equal((await server.request('GET', '/v1/event-types?sample=0')).status, 400);
  } finally {
    await server.stop();
  }
  const catalogue = catalogueOf([{ id: '1', type: 't', subject: 's', time: 1, receivedAt: 1, properties: { a: 'x' }, depth: 0, cursor: '1' } as never]);
  assert.deepEqual(catalogue[0].properties, [{ path: 'a', types: ['string'], example: 'x', seen: 1 }]);
});

test('console serving: index for client routes with CSP and no-cache, API paths keep JSON 404s', async () => {
  const server = await startTestServer();
  try {
    const page = await fetch(`${server.url}/events`);
    assert.equal(page.status, 200, 'the console is built (npm test builds it; alone: npm run build:console)');
    assert.equal(page.headers.get('cache-control'), 'no-cache');
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    assert.match(await page.text(), /<div id="root">/);
    const html = await (await fetch(`${server.url}/`)).text();
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    assert.ok(asset, 'index.html names a hashed script');
    const script = await fetch(`${server.url}${asset}`);
    assert.equal(script.status, 200);
    assert.match(script.headers.get('cache-control') ?? '', /max-age=31536000, immutable/);
    assert.match(script.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    const missing = await fetch(`${server.url}/v1/nothing-here`);
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as { error: { code: string } }).error.code, 'IFTHEN_ERR_NOT_FOUND');
    assert.equal((await fetch(`${server.url}/assets/missing.js`)).status, 404);
    assert.equal((await fetch(`${server.url}/favicon.ico`)).status, 404);
    // Page paths whose last part looks like a file (a delivery id, an e-mail address) are the console's.
    for (const path of ['/runs/deliveries/f_abc.0', '/subjects/ada@example.com']) {
      const deep = await fetch(`${server.url}${path}`);
      assert.equal(deep.status, 200, path);
      assert.match(await deep.text(), /<div id="root">/, path);
    }
  } finally {
    await server.stop();
  }
});

test('console serving without a build: / says how to build it', async () => {
  const app = Fastify();
  try {
    await app.register(consoleStatic('/nonexistent-console-build/'));
    const answer = await app.inject({ method: 'GET', url: '/rules' });
    assert.equal(answer.statusCode, 503);
    assert.match(answer.body, /npm run build:console/);
  } finally {
    await app.close();
  }
});

test('live tail backpressure: a reader that stops reading gets "n skipped", not an unbounded buffer, and every event is either sent or counted', { timeout: 120_000 }, async () => {
  const server = await startTestServer();
  const { connect } = await import('node:net');
  const socket = connect(Number(new URL(server.url).port), '127.0.0.1');
  try {
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    // No 'data' listener yet: Node stops reading at its small buffer, the kernel's buffers fill, then the server's.
    socket.write(`GET /v1/events/stream?type=bulk HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${ADMIN_TOKEN}\r\n\r\n`);
    await new Promise((r) => setTimeout(r, 500));
    const padding = 'x'.repeat(9000);
    let sent = 0;
    for (let request = 0; request < 12; request++) {
      const batch = send(Array.from({ length: 100 }, (_, i) => ({ type: 'bulk', subject: `s${request}-${i}`, properties: { padding } })));
      const answer = await server.request('POST', '/v1/events', batch);
      assert.equal(answer.status, 200, answer.text);
      sent += batch.length;
      await new Promise((r) => setTimeout(r, 300)); // let a poll write each batch
    }
    await new Promise((r) => setTimeout(r, 1000));
    // The reader reads again and takes what was queued; only then the last event, sent after the congestion (sent
    // while the socket was still full, it would be dropped too): the reader is told what it missed before it gets it.
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => { text += chunk; });
    // Settled: nothing more arrived in the last half second.
    let length = -1;
    await until(async () => {
      await new Promise((r) => setTimeout(r, 500));
      const settled = text.length === length && text.length > 0;
      length = text.length;
      return settled || undefined;
    }, 30_000);
    await server.request('POST', '/v1/events', send([{ type: 'bulk', subject: 'marker', properties: {} }]));
    sent += 1;
    const frames = () => text.split('\n\n').map((block) => ({ event: /^event: (.*)$/m.exec(block)?.[1], data: /^data: (.*)$/m.exec(block)?.[1] }));
    await until(async () => (text.includes('"subject":"marker"') ? true : undefined), 60_000);
    const all = frames();
    const skipped = all.filter((f) => f.event === 'skipped').reduce((n, f) => n + (JSON.parse(f.data!) as { count: number }).count, 0);
    const delivered = all.filter((f) => f.event === 'events').reduce((n, f) => n + (JSON.parse(f.data!) as unknown[]).length, 0);
    assert.ok(skipped > 0, 'some events were dropped while the reader was stuck');
    assert.equal(delivered + skipped, sent, 'each event was either written or counted as skipped');
    const markerAt = all.findIndex((f) => f.event === 'events' && f.data!.includes('"subject":"marker"'));
    assert.equal(all[markerAt - 1]?.event, 'skipped', 'the skipped count comes before the events that follow the gap');
  } finally {
    socket.destroy();
    await server.stop();
  }
});
