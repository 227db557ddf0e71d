// Official client libraries pointed at the server: Segment's analytics-node and the CloudEvents SDK.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Analytics } from '@segment/analytics-node';
import { CloudEvent, HTTP, CONSTANTS } from 'cloudevents';
import { startTestServer, type InProcessServer } from '../support/server.ts';

describe('client libraries', () => {
  let server: InProcessServer;
  let writeKey: string;
  before(async () => {
    server = await startTestServer();
    writeKey = (await server.request('POST', '/v1/keys', { name: 'segment' })).body.key;
  });
  after(() => server.stop());

  it('accepts track and identify calls from @segment/analytics-node', async () => {
    const analytics = new Analytics({ writeKey, host: server.url, flushInterval: 50, maxEventsInBatch: 10 });
    const errors: unknown[] = [];
    analytics.on('error', (e) => errors.push(e));
    analytics.identify({ userId: 'seg-user', traits: { plan: 'pro', email: 'a@example.com' } });
    analytics.track({ userId: 'seg-user', event: 'Order Completed', properties: { revenue: 12.5 } });
    analytics.track({ anonymousId: 'anon-1', event: 'Page Viewed', properties: { path: '/' } });
    await analytics.closeAndFlush({ timeout: 5000 });
    assert.deepEqual(errors, []);

    const events = (await server.request('GET', '/v1/events?subject=seg-user')).body.items;
    assert.deepEqual(events.map((e: { type: string }) => e.type).sort(), ['Order Completed', 'identify']);
    const order = events.find((e: { type: string }) => e.type === 'Order Completed');
    assert.deepEqual(order.properties, { revenue: 12.5 });
    assert.match(order.id, /.+/);
    assert.equal((await server.request('GET', '/v1/events?subject=anon-1')).body.items[0].type, 'Page Viewed');

    const deadline = Date.now() + 5000;
    let profile;
    do {
      profile = await server.request('GET', '/v1/subjects/seg-user');
      if (profile.status === 200) break;
      await new Promise((r) => setTimeout(r, 25));
    } while (Date.now() < deadline);
    assert.deepEqual(profile.body.attributes, { plan: 'pro', email: 'a@example.com' });
  });

  it('accepts the CloudEvents SDK structured output and a batch', async () => {
    const event = new CloudEvent({ type: 'com.example.signup', source: '/web', subject: 'ce-user', data: { plan: 'free' } });
    const message = HTTP.structured(event);
    const response = await fetch(`${server.url}/v1/events`, {
      method: 'POST', headers: { ...(message.headers as Record<string, string>), authorization: `Bearer ${writeKey}` }, body: message.body as string,
    });
    assert.equal(response.status, 200, await response.clone().text());
    const stored = (await server.request('GET', `/v1/events/${event.id}`)).body;
    assert.equal(stored.type, 'com.example.signup');
    assert.equal(stored.subject, 'ce-user');
    assert.deepEqual(stored.properties, { plan: 'free' });

    const batch = [1, 2].map((n) => new CloudEvent({ type: 'com.example.click', source: '/web', subject: 'ce-user', data: { n } }));
    const batchResponse = await fetch(`${server.url}/v1/events`, {
      method: 'POST', headers: { 'content-type': CONSTANTS.MIME_CE_BATCH, authorization: `Bearer ${writeKey}` }, body: JSON.stringify(batch.map((e) => e.toJSON())),
    });
    const body = await batchResponse.json();
    assert.equal(batchResponse.status, 200, JSON.stringify(body));
    assert.equal(body.accepted, 2);
  });
});
