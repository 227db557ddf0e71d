// The default configuration refuses webhooks to private addresses, through the whole wiring (configuration,
// pipeline and dispatcher threads): every other end-to-end test allows them for its loopback receiver.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../support/server.ts';
import { startReceiver } from '../support/receiver.ts';
import { until } from '../support/until.ts';

it('refuses a webhook to a loopback address by default, with the SSRF reason, and never sends it', { timeout: 30_000 }, async () => {
  const receiver = await startReceiver();
  // No IFTHEN_ALLOW_PRIVATE_TARGETS at all: the server's own default.
  const server = await startTestServer({ IFTHEN_ALLOW_PRIVATE_TARGETS: undefined, LOG_LEVEL: 'error' });
  try {
    const targets = { literal: `http://127.0.0.1:${receiver.port}/hook`, named: `http://localhost:${receiver.port}/hook` };
    for (const [id, url] of Object.entries(targets)) {
      const saved = await server.request('PUT', `/v1/rules/${id}`, { when: { event: id }, then: [{ webhook: { url } }] });
      assert.equal(saved.status, 201, saved.text);
      assert.equal((await server.request('POST', '/v1/events', { type: id, subject: 'u' })).status, 200);
    }
    for (const id of Object.keys(targets)) {
      const delivery = await until(async () => {
        const page = (await server.request('GET', `/v1/deliveries?rule=${id}`)).body as { items: { id: string; status: string }[] };
        const d = page.items[0];
        return d && d.status !== 'pending' && d.status !== 'delivering' ? d : undefined;
      });
      const detail = (await server.request('GET', `/v1/deliveries/${delivery.id}`)).body;
      const text = JSON.stringify(detail);
      assert.equal(detail.status, 'dead', `${id}: refused for good, not retried: ${text}`);
      assert.match(text, /resolves to a private address .*IFTHEN_ALLOW_PRIVATE_TARGETS=true/, `${id}: the SSRF reason is recorded`);
    }
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(receiver.requests.length, 0, 'nothing reached the private address');
  } finally {
    await server.stop();
    await receiver.close();
  }
});
