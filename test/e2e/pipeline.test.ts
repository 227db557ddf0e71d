// The embedded pipeline end to end: a YAML rule, events over HTTP, a real webhook receiver.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type InProcessServer } from '../support/server.ts';
import { startReceiver, type Receiver } from '../support/receiver.ts';
import { until } from '../support/until.ts';
import { Webhook } from 'standardwebhooks';


describe('the embedded pipeline', () => {
  let server: InProcessServer;
  let hook: Receiver;
  before(async () => {
    server = await startTestServer();
    hook = await startReceiver();
  });
  after(async () => {
    await server.stop();
    await hook.close();
  });

  it('delivers a templated, signed webhook with an idempotency key for a matching event', async () => {
    assert.equal((await server.request('PUT', '/v1/secrets/PUSH_TOKEN', { value: 's3cr3t-value' })).status, 204);
    const rule = `
id: cart-reminder
name: Remind shoppers who leave a full cart
when:
  event: cart_updated
  where: event.properties.total >= 30 && subject.country == "KR"
then:
  - webhook:
      url: ${hook.url}/send
      headers: { Authorization: "Bearer {{ secrets.PUSH_TOKEN }}" }
      body: { to: "{{ subject.id }}", items: "{{ event.properties.items | size }}", note: "{{ event.properties.note }}" }
`;
    const saved = await server.request('PUT', '/v1/rules/cart-reminder', rule);
    assert.equal(saved.status, 201, saved.text);
    assert.equal(saved.body.version, 1);

    const identify = await server.request('POST', '/v1/events', { type: 'identify', subject: 'u1', properties: { country: 'KR' } });
    assert.equal(identify.status, 200, identify.text);
    const sent = await server.request('POST', '/v1/events', [
      { id: 'evt-1', type: 'cart_updated', subject: 'u1', properties: { total: 42, items: [1, 2, 3], note: 'say "hi"\nnow' } },
      { id: 'evt-2', type: 'cart_updated', subject: 'u1', properties: { total: 10, items: [] } },
      { id: 'evt-3', type: 'cart_updated', subject: 'u2', properties: { total: 99, items: [] } },
    ]);
    assert.equal(sent.status, 200, sent.text);
    assert.deepEqual(sent.body.results.map((r: { status: string }) => r.status), ['accepted', 'accepted', 'accepted']);

    await hook.waitFor(1);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(hook.requests.length, 1, 'only the matching event fires');
    const [request] = hook.requests;
    assert.equal(request.url, '/send');
    assert.equal(request.headers.authorization, 'Bearer s3cr3t-value');
    assert.deepEqual(JSON.parse(request.body), { to: 'u1', items: 3, note: 'say "hi"\nnow' });
    const key = String(request.headers['idempotency-key']);
    const signingSecret = (await server.request('GET', '/v1/signing-secret')).body.secret;
    // Standard Webhooks: webhook-id is the idempotency key, and the signature verifies with the secret.
    assert.equal(request.headers['webhook-id'], key);
    assert.doesNotThrow(() => new Webhook(signingSecret).verify(request.body, request.headers as Record<string, string>), 'webhook-signature verifies with the Standard Webhooks library');

    const firings = await server.request('GET', '/v1/firings?rule=cart-reminder');
    assert.equal(firings.body.items.length, 1);
    const firing = firings.body.items[0];
    assert.equal(key, `${firing.id}.0`);
    assert.deepEqual(firing.eventIds, ['evt-1']);
    assert.equal(firing.version, 1);
    const where = firing.trace.steps.find((s: { check: string }) => s.check === 'where');
    assert.deepEqual(where.values, { 'event.properties.total': 42, 'subject.country': 'KR' });
    assert.ok(!JSON.stringify(firing).includes('s3cr3t-value'), 'secrets never appear in traces');

    const delivery = await until(async () => {
      const d = (await server.request('GET', `/v1/deliveries/${firing.id}.0`)).body;
      return d?.status === 'delivered' ? d : undefined;
    });
    assert.equal(delivery.attempts.length, 1);
    const withDeliveries = (await server.request('GET', `/v1/firings/${firing.id}`)).body;
    assert.deepEqual(withDeliveries.deliveries.map((d: { id: string; status: string }) => [d.id, d.status]), [[`${firing.id}.0`, 'delivered']]);
    assert.equal(delivery.attempts[0].statusCode, 200);
    assert.equal(delivery.attempts[0].response, 'ok');
  });

  it('treats a repeated event id as a duplicate, never a second event or firing', async () => {
    const again = await server.request('POST', '/v1/events', { id: 'evt-1', type: 'cart_updated', subject: 'u1', properties: { total: 42, items: [] } });
    assert.equal(again.status, 200);
    assert.equal(again.body.results[0].status, 'duplicate');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal((await server.request('GET', '/v1/firings?rule=cart-reminder')).body.items.length, 1);
  });

  it('explains why a rule did not fire with the test endpoint', async () => {
    const result = await server.request('POST', '/v1/rules/cart-reminder/test', { event: { type: 'cart_updated', subject: 'u1', properties: { total: 5, items: [] } } });
    assert.equal(result.status, 200, result.text);
    assert.equal(result.body.matched, false);
    const where = result.body.trace.steps.find((s: { check: string }) => s.check === 'where');
    assert.deepEqual(where, { check: 'where', expression: 'event.properties.total >= 30 && subject.country == "KR"', values: { 'event.properties.total': 5, 'subject.country': 'KR' }, passed: false });
    const hit = await server.request('POST', '/v1/rules/cart-reminder/test', { event: { type: 'cart_updated', subject: 'u1', properties: { total: 50, items: [1] } } });
    assert.equal(hit.body.matched, true);
    assert.equal(hit.body.trace.actions[0].preview.headers.Authorization, 'Bearer [secret:PUSH_TOKEN]');
  });

  it('runs emit and set actions inside the pipeline, with the causing event and a chain limit', async () => {
    const rules = [
      { id: 'tag-vip', when: { event: 'order_completed', where: 'event.properties.revenue > 100.0' }, then: [{ set: { vip: true } }, { emit: { event: 'vip_ordered', properties: { revenue: '{{ event.properties.revenue }}' } } }] },
      { id: 'loop', when: { event: 'ping' }, then: [{ emit: { event: 'ping' } }] },
    ];
    for (const r of rules) assert.equal((await server.request('PUT', `/v1/rules/${r.id}`, r)).status, 201);
    await server.request('POST', '/v1/events', [{ id: 'order-1', type: 'order_completed', subject: 'u9', properties: { revenue: 150 } }, { id: 'ping-0', type: 'ping', subject: 'u9' }]);
    const emitted = await until(async () => (await server.request('GET', '/v1/events?type=vip_ordered')).body.items[0]);
    assert.equal(emitted.causationId, 'order-1');
    assert.deepEqual(emitted.properties, { revenue: 150 });
    assert.equal((await server.request('GET', '/v1/subjects/u9')).body.attributes.vip, true);
    const pings = await until(async () => {
      const items = (await server.request('GET', '/v1/events?type=ping&limit=100')).body.items;
      return items.length >= 9 ? items : undefined;
    });
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await server.request('GET', '/v1/events?type=ping&limit=100')).body.items.length, 9, 'the root plus 8 hops, then the chain stops');
    assert.ok(pings.length >= 9);
  });

  it('versions every save, disables, and deletes while keeping history', async () => {
    const doc = { id: 'versioned', when: { event: 'x' }, then: [{ log: { message: 'one' } }] };
    assert.equal((await server.request('PUT', '/v1/rules/versioned', doc)).body.version, 1);
    const same = await server.request('PUT', '/v1/rules/versioned', doc);
    assert.equal(same.body.changed, false);
    assert.equal((await server.request('PUT', '/v1/rules/versioned', { ...doc, then: [{ log: { message: 'two' } }] })).body.version, 2);
    assert.equal((await server.request('POST', '/v1/rules/versioned/disable')).body.enabled, false);
    assert.equal((await server.request('GET', '/v1/rules/versioned/versions')).body.items.length, 2);
    assert.equal((await server.request('DELETE', '/v1/rules/versioned')).status, 204);
    assert.equal((await server.request('GET', '/v1/rules/versioned')).status, 404);
    assert.equal((await server.request('GET', '/v1/rules/versioned/versions/1')).status, 200);
  });

  it('serves health, readiness, metrics and the OpenAPI docs', async () => {
    assert.equal((await server.request('GET', '/healthz', undefined, { token: null })).status, 200);
    const ready = await server.request('GET', '/readyz', undefined, { token: null });
    assert.equal(ready.status, 200);
    assert.equal(typeof ready.body.lagEvents, 'number');
    const metrics = await server.request('GET', '/metrics', undefined, { token: null });
    for (const name of ['ifthen_events_ingested_total', 'ifthen_events_processed_total', 'ifthen_processing_lag_events', 'ifthen_processing_lag_seconds', 'ifthen_firings_total', 'ifthen_deliveries_total', 'ifthen_delivery_duration_seconds', 'ifthen_outbox_depth', 'ifthen_deliveries_dead', 'ifthen_dedupe_window_ids', 'ifthen_dedupe_window_bytes', 'ifthen_subject_cache_entries', 'ifthen_subject_cache_bytes', 'ifthen_pipeline_heap_used_bytes']) {
      assert.match(metrics.text, new RegExp(`^# TYPE ${name} `, 'm'), name);
    }
    // The events the earlier cases sent are in the dedupe window, and the processor cached their subjects.
    assert.match(metrics.text, /^ifthen_dedupe_window_ids [1-9]/m);
    assert.match(metrics.text, /^ifthen_subject_cache_entries [1-9]/m);
    const docs = await server.request('GET', '/docs/json', undefined, { token: null });
    assert.equal(docs.status, 200);
    assert.ok(docs.body.paths['/v1/events'] && docs.body.paths['/v1/rules/{id}']);
  });
});
