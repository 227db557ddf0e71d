// Rules are input too: a catastrophic regex, a template with nested loops, a loop sized by event data, in a
// webhook, in set/emit and in the rule test. Each fails with a clear recorded reason, quickly, and events of
// other rules keep their normal latency meanwhile (nothing blocks the pipeline, the dispatcher or the API).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type InProcessServer } from '../support/server.ts';
import { startReceiver, type Receiver } from '../support/receiver.ts';
import { until } from '../support/until.ts';

const NESTED_LOOP = '{% for i in (1..100000000) %}{% for j in (1..100000000) %}x{% endfor %}{% endfor %}';
const RANGE_FROM_EVENT = '{% for i in (1..event.properties.n) %}x{% endfor %}';
/** Well under a second on a quiet machine; generous for a loaded CI machine, far from "blocked". */
const NORMAL_MS = 3000;

describe('hostile rules', { timeout: 120_000 }, () => {
  let server: InProcessServer;
  let hook: Receiver;
  let pings = 0;

  before(async () => {
    server = await startTestServer();
    hook = await startReceiver();
    const put = async (rule: Record<string, unknown>) => {
      const saved = await server.request('PUT', `/v1/rules/${rule.id as string}`, rule);
      assert.ok(saved.status === 200 || saved.status === 201, saved.text);
    };
    // The unrelated rule whose latency must stay normal.
    await put({ id: 'ping', when: { event: 'ping' }, then: [{ webhook: { url: `${hook.url}/ping`, body: { id: '{{ event.id }}' } } }] });
    await put({ id: 'regex', when: { event: 'named', where: "event.properties.name.matches('^(\\\\w+\\\\s?)*$')" }, then: [{ webhook: { url: `${hook.url}/regex` } }] });
    await put({ id: 'nested-webhook', when: { event: 'nested_webhook' }, then: [{ webhook: { url: `${hook.url}/nested`, body: NESTED_LOOP } }] });
    await put({ id: 'range-webhook', when: { event: 'range_webhook' }, then: [{ webhook: { url: `${hook.url}/range`, body: RANGE_FROM_EVENT } }] });
    await put({ id: 'nested-set', when: { event: 'nested_set' }, then: [{ set: { note: NESTED_LOOP } }, { emit: { event: 'after_nested', properties: { text: NESTED_LOOP } } }] });
    await put({ id: 'range-set', when: { event: 'range_set' }, then: [{ set: { note: RANGE_FROM_EVENT } }] });
  });
  after(async () => {
    await server.stop();
    await hook.close();
  });

  /** Sends a ping and returns how long until its webhook arrived. */
  async function pingLatency(): Promise<number> {
    const id = `ping-${++pings}`;
    const started = Date.now();
    const sent = await server.request('POST', '/v1/events', { id, type: 'ping', subject: 'bystander' });
    assert.equal(sent.status, 200, sent.text);
    await until(async () => (hook.requests.some((r) => r.url === '/ping' && JSON.parse(r.body).id === id) ? true : undefined), 30_000);
    return Date.now() - started;
  }

  /** Runs `hostile`, and while it is under way checks that a ping is delivered in normal time and the API answers. */
  async function meanwhile(hostile: () => Promise<void>): Promise<void> {
    const running = hostile();
    const latency = await pingLatency();
    const health = Date.now();
    assert.equal((await server.request('GET', '/readyz', undefined, { token: null })).status, 200);
    assert.ok(Date.now() - health < NORMAL_MS, '/readyz answers in normal time');
    await running;
    assert.ok(latency < NORMAL_MS, `an unrelated event was delivered in ${latency} ms`);
  }

  const firingOf = async (rule: string) => until(async () => (await server.request('GET', `/v1/firings?rule=${rule}`)).body.items[0]);
  const deadDelivery = async (id: string) => until(async () => {
    const d = (await server.request('GET', `/v1/deliveries/${id}`)).body;
    return d?.status === 'dead' ? d : undefined;
  }, 30_000);

  it('runs a catastrophic regex in linear time: 40 characters and a "!" do not block anything', async () => {
    await meanwhile(async () => {
      const started = Date.now();
      const sent = await server.request('POST', '/v1/events', { id: 'named-1', type: 'named', subject: 'u1', properties: { name: `${'a'.repeat(40)}!` } });
      assert.equal(sent.status, 200);
      await pingLatency(); // processed after the hostile event: the log moved on
      assert.ok(Date.now() - started < NORMAL_MS * 2);
    });
    assert.equal((await server.request('GET', '/v1/firings?rule=regex')).body.items.length, 0, 'no match, no firing');
  });

  it('a webhook body with nested loops is dead with the render limit named, without holding the dispatcher', async () => {
    await meanwhile(async () => {
      await server.request('POST', '/v1/events', { id: 'nested-1', type: 'nested_webhook', subject: 'u1' });
      const firing = await firingOf('nested-webhook');
      const dead = await deadDelivery(`${firing.id}.0`);
      assert.match(dead.lastError, /body: .*(limit|budget)/i, dead.lastError);
    });
    assert.equal(hook.requests.filter((r) => r.url === '/nested').length, 0, 'nothing was sent');
  });

  it('a webhook body looping over a range taken from the event is dead with a limit named', async () => {
    await meanwhile(async () => {
      await server.request('POST', '/v1/events', { id: 'range-1', type: 'range_webhook', subject: 'u1', properties: { n: 3_000_000 } });
      const firing = await firingOf('range-webhook');
      const dead = await deadDelivery(`${firing.id}.0`);
      assert.match(dead.lastError, /(limit|budget)/i, dead.lastError);
    });
  });

  it('set and emit actions over their budget fail with the reason, and the pipeline goes on', async () => {
    await meanwhile(async () => {
      await server.request('POST', '/v1/events', [
        { id: 'nested-set-1', type: 'nested_set', subject: 'u2' },
        { id: 'range-set-1', type: 'range_set', subject: 'u2', properties: { n: 3_000_000 } },
      ]);
      const nested = await firingOf('nested-set');
      const outcomes = nested.trace.actions as Array<{ kind: string; outcome: string; detail?: string }>;
      assert.deepEqual(outcomes.map((a) => [a.kind, a.outcome]), [['set', 'failed'], ['emit', 'failed']]);
      for (const a of outcomes) assert.match(a.detail ?? '', /(limit|budget)/i);
      const range = await firingOf('range-set');
      assert.equal(range.trace.actions[0].outcome, 'failed');
      assert.match(range.trace.actions[0].detail, /(limit|budget)/i);
    });
    const subject = (await server.request('GET', '/v1/subjects/u2')).body;
    assert.equal(subject?.attributes?.note, undefined, 'a failed set changes nothing');
    assert.equal((await server.request('GET', '/v1/events?type=after_nested')).body.items.length, 0, 'a failed emit emits nothing');
  });

  it('testing such a rule answers quickly with the reason and the API keeps serving', async () => {
    const started = Date.now();
    const [test, health] = await Promise.all([
      server.request('POST', '/v1/rules/nested-webhook/test', { event: { type: 'nested_webhook', subject: 'u1' } }),
      (async () => {
        await new Promise((r) => setTimeout(r, 50));
        const t = Date.now();
        const h = await server.request('GET', '/healthz', undefined, { token: null });
        return { status: h.status, ms: Date.now() - t };
      })(),
    ]);
    assert.equal(health.status, 200);
    assert.ok(health.ms < 1000, `the API answered /healthz in ${health.ms} ms while the rule was tested`);
    assert.ok(Date.now() - started < 10_000);
    const text = JSON.stringify(test.body);
    assert.match(text, /(limit|budget|longer than)/i, text);
  });
});
