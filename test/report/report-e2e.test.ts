// End to end (issue 7): events through the live pipeline, a rule with `holdout: {percent: 50}` and a goal, and a
// receiver on loopback that answers each webhook by sending the goal event back (POST /v1/events) for the subject it
// received, as a real campaign converts people. The report finds the effect; held-out subjects never reach the receiver.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startTestServer, type InProcessServer } from '../support/server.ts';
import { startReceiver, type Receiver } from '../support/receiver.ts';
import { until } from '../support/until.ts';
import { inHoldout } from '../../src/engine/holdout/assignment.ts';

const N = 400;
const DAY = 86_400_000;
const MIN = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

describe('the holdout report end to end', () => {
  let server: InProcessServer;
  let hook: Receiver;
  /** Exposures ten days ago: their one-day goal window has elapsed by now. */
  const T0 = Math.floor(Date.now() / DAY) * DAY - 10 * DAY + 9 * 3_600_000;
  const sentBack: Promise<unknown>[] = [];
  before(async () => {
    server = await startTestServer();
    hook = await startReceiver();
    // The message works: the receiver sends the goal event back for 60 % of the subjects it reaches.
    hook.respond = (request, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      const subject = (JSON.parse(request.body) as { to: string }).to;
      if (Number(subject.slice(1)) % 5 < 3) {
        sentBack.push(server.request('POST', '/v1/events', { id: `order-reply-${subject}`, type: 'order_completed', subject, time: iso(T0 + 10 * MIN), properties: { total: 30 } }));
      }
    };
  });
  after(async () => {
    await server?.stop();
    await hook?.close();
  });

  it('the treatment converts more and the report says so; no held-out subject reached the receiver', async () => {
    const rule = {
      id: 'winback', when: { event: 'cart_abandoned' },
      then: [{ webhook: { url: `${hook.url}/winback`, body: { to: '{{ subject.id }}' } } }],
      holdout: { percent: 50 },
      goal: { event: 'order_completed', within: '1d' },
      guardrails: [{ event: 'unsubscribed', within: '1d' }],
    };
    const saved = await server.request('PUT', '/v1/rules/winback', rule);
    assert.equal(saved.status, 201, saved.text);
    const subjects = Array.from({ length: N }, (_, i) => `s${i}`);
    const carts = subjects.map((s) => ({ id: `cart-${s}`, type: 'cart_abandoned', subject: s, time: iso(T0) }));
    // Some buy anyway, in both groups: 1 in 5, at T0 + 30 min.
    const organic = subjects.filter((_, i) => i % 5 === 4).map((s) => ({ id: `order-own-${s}`, type: 'order_completed', subject: s, time: iso(T0 + 30 * MIN), properties: { total: 30 } }));
    for (const batch of [carts, organic]) assert.equal((await server.request('POST', '/v1/events', batch)).status, 200);

    const treated = subjects.filter((s) => !inHoldout('winback', s, 50));
    await hook.waitFor(treated.length, 30_000);
    const replies = await Promise.all(sentBack);
    assert.ok(replies.every((r) => (r as { status: number }).status === 200));
    const db = new Database(join(server.dataDir, 'ifthen.db'), { readonly: true });
    try {
      const converted = () => db.prepare("SELECT count(*) FROM exposure_outcomes WHERE rule_id = 'winback' AND metric = 'order_completed' AND converted = 1").pluck().get() as number;
      const expected = subjects.filter((s, i) => i % 5 === 4 || (!inHoldout('winback', s, 50) && i % 5 < 3)).length;
      await until(async () => converted() === expected || undefined, 20_000);
    } finally {
      db.close();
    }

    const reached = new Set(hook.requests.filter((r) => r.url === '/winback').map((r) => (JSON.parse(r.body) as { to: string }).to));
    assert.deepEqual(reached, new Set(treated), 'exactly the treatment subjects reached the receiver');

    const { status, body, text } = await server.request('GET', '/v1/rules/winback/report');
    assert.equal(status, 200, text);
    const held = N - treated.length;
    assert.deepEqual(body.matured, { control: held, treatment: treated.length });
    assert.deepEqual(body.maturing, { control: 0, treatment: 0 });
    const groups = body.primary.comparison.groups;
    const heldOrganic = subjects.filter((s, i) => i % 5 === 4 && inHoldout('winback', s, 50)).length;
    assert.equal(groups.control.converters, heldOrganic, 'the holdout converts only on its own');
    assert.equal(groups.treatment.converters, subjects.filter((s, i) => !inHoldout('winback', s, 50) && (i % 5 === 4 || i % 5 < 3)).length);
    assert.equal(body.primary.comparison.srm.flagged, false);
    assert.equal(body.verdict, 'helped', body.summary);
    assert.match(body.summary, /points of conversion.*the rule helps/);
    assert.ok(body.primary.comparison.lift.absolute.interval.lower > 0.4, 'a lift of about 60 points');
    assert.equal(body.guardrails[0].comparison.verdict, 'inconclusive');
    assert.equal(body.experiment.salt, 'winback');
  });
});
