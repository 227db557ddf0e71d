// /metrics of the whole server (in process, real threads and SQLite): late events (MEMORY.md "Times") and
// suppressions per rule and reason are counted as the pipeline thread commits them.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../support/server.ts';

it('counts late events, suppressions by rule and reason, and trimmed windows in /metrics', { timeout: 30_000 }, async () => {
  const server = await startTestServer({ IFTHEN_ALLOWED_LATENESS_MS: '1000', IFTHEN_MAX_WINDOW_EVENTS: '2' });
  try {
    const rule = { id: 'once', when: { event: 'view' }, then: [{ log: { message: 'seen {{ event.properties.sku }}' } }], limits: { dedupe: { key: 'event.properties.sku', within: '1h' } } };
    assert.equal((await server.request('PUT', '/v1/rules/once', rule)).status, 201);
    // Its window keeps 2 entries: the third on-time view pushes one out (the late one is not taken into windows).
    const busy = { id: 'busy', when: { event: 'view', count: { at_least: 100, within: '1h' } }, then: [{ log: { message: 'many views' } }] };
    assert.equal((await server.request('PUT', '/v1/rules/busy', busy)).status, 201);
    const now = Date.now();
    const events = [
      { id: 'late', type: 'view', subject: 'u1', time: now - 10_000, properties: { sku: 'z' } },
      { id: 'a1', type: 'view', subject: 'u1', time: now, properties: { sku: 'a' } },
      { id: 'a2', type: 'view', subject: 'u1', time: now, properties: { sku: 'a' } },
      { id: 'a3', type: 'view', subject: 'u1', time: now, properties: { sku: 'a' } },
    ];
    assert.equal((await server.request('POST', '/v1/events', events)).status, 200);
    const deadline = Date.now() + 20_000;
    let text = '';
    for (;;) {
      text = (await server.request('GET', '/metrics')).text;
      if (/^ifthen_events_processed_total 4$/m.test(text)) break;
      if (Date.now() > deadline) throw new Error(`events not processed:\n${text}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.match(text, /^ifthen_events_late_total 1$/m);
    assert.match(text, /^ifthen_suppressions_total\{rule="once",reason="deduped"\} 2$/m);
    assert.match(text, /^ifthen_window_entries_dropped_total\{rule="busy"\} 1$/m);
    assert.doesNotMatch(text, /^ifthen_window_entries_dropped_total\{rule="once"\}/m);
  } finally {
    await server.stop();
  }
});
