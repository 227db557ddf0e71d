// Holdouts through the live pipeline (a real server on loopback, a real webhook receiver, the real SQLite file):
// held-out subjects never reach the receiver, exposures have both groups in the configured share, outcomes get
// goal events after the exposure (post) and before it (pre, for CUPED) whatever their arrival order; the
// audited reshuffle and the 409 of a plain salt change; the global control group.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startTestServer, type InProcessServer } from '../support/server.ts';
import { startReceiver, type Receiver } from '../support/receiver.ts';
import { until } from '../support/until.ts';
import { inHoldout } from '../../src/engine/holdout/assignment.ts';

const N = 400;
// Recent: goal events older than IFTHEN_RETENTION_GOAL_EVENTS_MS (by event time) are deleted by retention.
const T0 = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();
const MIN = 60_000;

interface OutcomeRow { subject: string; grp: number; exposed_at: number; window_ms: number; converted: number; value: number; pre_converted: number; pre_value: number }

describe('holdouts in the live pipeline', () => {
  let server: InProcessServer;
  let hook: Receiver;
  let db: Database.Database;
  before(async () => {
    server = await startTestServer({ IFTHEN_GLOBAL_CONTROL_PERCENT: '20', IFTHEN_GLOBAL_CONTROL_SALT: 'gc' });
    hook = await startReceiver();
    db = new Database(join(server.dataDir, 'ifthen.db'), { readonly: true });
  });
  after(async () => {
    db?.close();
    await server?.stop();
    await hook?.close();
  });
  const count = (sql: string, ...args: unknown[]) => (db.prepare(sql).pluck().get(...args) as number);
  const post = async (events: unknown[]) => {
    for (let i = 0; i < events.length; i += 500) {
      const sent = await server.request('POST', '/v1/events', events.slice(i, i + 500));
      assert.equal(sent.status, 200, sent.text);
    }
  };

  it('sends nothing to held-out subjects, records both groups, and counts goal events before and after the exposure', async () => {
    const rule = `
id: promo
when: { event: cart_updated }
then:
  - webhook: { url: ${hook.url}/promo, body: { to: "{{ subject.id }}" } }
holdout: { percent: 50 }
goal: { event: order_completed, within: 1d, value: event.properties.revenue }
guardrails: [ { event: unsubscribed, within: 7d } ]
`;
    const saved = await server.request('PUT', '/v1/rules/promo', rule);
    assert.equal(saved.status, 201, saved.text);
    const subjects = Array.from({ length: N }, (_, i) => `s${i}`);
    // s0-s49: an order 5 min after the cart, sent after it; s50-s99: an order 5 min after the cart, sent BEFORE it
    // (out of order); s100-s149: an order 5 min before the cart (pre window); s150-s159: an order 2 days after (outside).
    const order = (s: string, at: number, revenue: number, n = 0) => ({ id: `order-${s}-${n}`, type: 'order_completed', subject: s, time: iso(at), properties: { revenue } });
    const early = subjects.slice(50, 100).map((s) => order(s, T0 + 5 * MIN, 20));
    await post(early);
    await post(subjects.map((s) => ({ id: `cart-${s}`, type: 'cart_updated', subject: s, time: iso(T0) })));
    await post([
      ...subjects.slice(0, 50).flatMap((s) => [order(s, T0 + 5 * MIN, 20), order(s, T0 + 10 * MIN, 5, 1)]),
      ...subjects.slice(100, 150).map((s) => order(s, T0 - 5 * MIN, 7)),
      ...subjects.slice(150, 160).map((s) => order(s, T0 + 2 * 86_400_000, 9)),
      { id: 'unsub-s0', type: 'unsubscribed', subject: 's0', time: iso(T0 + MIN) },
    ]);
    await until(async () => (count("SELECT count(*) FROM goal_events WHERE rule_id = 'promo'") === 211 && count("SELECT count(*) FROM exposures WHERE rule_id = 'promo'") === N) || undefined, 20_000);

    const exposures = db.prepare("SELECT subject, grp, global_control, exposed_at, salt FROM exposures WHERE rule_id = 'promo'").all() as { subject: string; grp: number; global_control: number; exposed_at: number; salt: string }[];
    for (const e of exposures) {
      assert.equal(e.grp, inHoldout('promo', e.subject, 50) ? 0 : 1, e.subject);
      assert.equal(e.exposed_at, T0);
      assert.equal(e.salt, 'promo');
      assert.equal(e.global_control, 0, 'the rule does not opt in to the global control group');
    }
    const held = exposures.filter((e) => e.grp === 0).length;
    assert.ok(Math.abs(held - N / 2) < 4.5 * Math.sqrt(N / 4), `${held} of ${N} held out`);

    const treated = new Set(exposures.filter((e) => e.grp === 1).map((e) => e.subject));
    await hook.waitFor(treated.size, 20_000);
    await new Promise((r) => setTimeout(r, 300));
    const reached = hook.requests.filter((r) => r.url === '/promo').map((r) => JSON.parse(r.body).to as string);
    assert.deepEqual(new Set(reached), treated, 'exactly the treatment subjects reached the receiver');
    assert.ok(reached.every((s) => !inHoldout('promo', s, 50)), 'no held-out subject reached the receiver');

    const rows = new Map((db.prepare("SELECT * FROM exposure_outcomes WHERE rule_id = 'promo' AND metric = 'order_completed'").all() as OutcomeRow[]).map((r) => [r.subject, r]));
    assert.equal(rows.size, N);
    const want = (i: number) => i < 50 ? [1, 25, 0, 0] : i < 100 ? [1, 20, 0, 0] : i < 150 ? [0, 0, 1, 7] : [0, 0, 0, 0];
    for (let i = 0; i < N; i++) {
      const r = rows.get(`s${i}`)!;
      assert.deepEqual([r.converted, r.value, r.pre_converted, r.pre_value], want(i), `s${i}`);
      assert.equal(r.window_ms, 86_400_000);
      assert.equal(r.grp, inHoldout('promo', `s${i}`, 50) ? 0 : 1);
    }
    assert.equal(count("SELECT count(*) FROM exposure_outcomes WHERE rule_id = 'promo' AND metric = 'unsubscribed' AND converted = 1"), 1);
    assert.equal(count("SELECT window_ms FROM exposure_outcomes WHERE rule_id = 'promo' AND metric = 'unsubscribed' AND subject = 's0'"), 7 * 86_400_000);

    // A later firing of an exposed subject does not move its exposure.
    await post([{ id: 'cart-s0-again', type: 'cart_updated', subject: 's0', time: iso(T0 + 3 * MIN) }]);
    await until(async () => count("SELECT count(*) FROM firings WHERE rule_id = 'promo' AND subject = 's0'") === 2 || undefined);
    assert.equal(count("SELECT exposed_at FROM exposures WHERE rule_id = 'promo' AND subject = 's0'"), T0);
    assert.equal(count("SELECT value FROM exposure_outcomes WHERE rule_id = 'promo' AND metric = 'order_completed' AND subject = 's0'"), 25);
    assert.equal(count("SELECT count(*) FROM firings WHERE rule_id = 'promo' AND grp = 'holdout'"), held + (inHoldout('promo', 's0', 50) ? 1 : 0));
  });

  it('changes the salt only through the audited reshuffle (409 otherwise), and keeps it when a document leaves it out', async () => {
    const doc = { id: 'promo2', when: { event: 'visit' }, then: [{ log: { message: 'hi' } }], holdout: { percent: 10 } };
    assert.equal((await server.request('PUT', '/v1/rules/promo2', doc)).status, 201);
    const refused = await server.request('PUT', '/v1/rules/promo2', { ...doc, holdout: { percent: 10, salt: 'mine' } });
    assert.equal(refused.status, 409, refused.text);
    assert.match(refused.text, /holdout\.salt: .*POST \/v1\/rules\/promo2\/holdout\/reshuffle/);
    assert.equal((await server.request('POST', '/v1/rules/promo2/holdout/reshuffle', {})).status, 400, 'a reason is required');

    const shuffled = await server.request('POST', '/v1/rules/promo2/holdout/reshuffle', { reason: 'groups drawn before the fix of the trigger' });
    assert.equal(shuffled.status, 200, shuffled.text);
    const salt = shuffled.body.salt as string;
    assert.equal(shuffled.body.previous_salt, 'promo2');
    assert.equal(shuffled.body.changed_by, 'IFTHEN_ADMIN_TOKEN');
    assert.equal(shuffled.body.rule.version, 2);
    assert.equal(shuffled.body.rule.document.holdout.salt, salt);
    const audit = db.prepare("SELECT salt, changed_by, reason FROM holdout_salts WHERE rule_id = 'promo2' ORDER BY since, rowid").all();
    assert.deepEqual(audit, [{ salt: 'promo2', changed_by: null, reason: null }, { salt, changed_by: 'IFTHEN_ADMIN_TOKEN', reason: 'groups drawn before the fix of the trigger' }]);

    const again = await server.request('PUT', '/v1/rules/promo2', doc); // the file in git, without a salt
    assert.equal(again.status, 200, again.text);
    assert.equal(again.body.changed, false, 'the current salt is kept');
    assert.equal((await server.request('PUT', '/v1/rules/promo2', { ...doc, holdout: { percent: 10, salt } })).body.changed, false);
    assert.equal((await server.request('PUT', '/v1/rules/promo2', { ...doc, holdout: { percent: 10, salt: 'promo2' } })).status, 409, 'not back to the old one either');

    // Exposures after the reshuffle are keyed and assigned by the new salt.
    await post(Array.from({ length: 200 }, (_, i) => ({ id: `visit-${i}`, type: 'visit', subject: `v${i}` })));
    await until(async () => count("SELECT count(*) FROM exposures WHERE rule_id = 'promo2'") === 200 || undefined, 20_000);
    const rows = db.prepare("SELECT subject, grp, salt, rule_version FROM exposures WHERE rule_id = 'promo2'").all() as { subject: string; grp: number; salt: string; rule_version: number }[];
    for (const r of rows) {
      assert.equal(r.salt, salt);
      assert.equal(r.rule_version, 2);
      assert.equal(r.grp, inHoldout(salt, r.subject, 10) ? 0 : 1);
    }
    assert.equal((await server.request('POST', '/v1/rules/nope/holdout/reshuffle', { reason: 'x' })).status, 404);

    // The rule test says the group, and what a held-out subject would have had.
    const heldOut = rows.find((r) => r.grp === 0)!.subject;
    const tested = await server.request('POST', '/v1/rules/promo2/test', { event: { type: 'visit', subject: heldOut } });
    assert.equal(tested.status, 200, tested.text);
    assert.equal(tested.body.group, 'holdout');
    assert.equal(tested.body.trace.actions[0].detail, 'held out (would have queued a log)');
    const treatedOne = rows.find((r) => r.grp === 1)!.subject;
    assert.equal((await server.request('POST', '/v1/rules/promo2/test', { event: { type: 'visit', subject: treatedOne } })).body.group, 'treatment');
  });

  it('holds the global control group out of the rules that opt in, and records it', async () => {
    const rule = { id: 'everyone', when: { event: 'login' }, then: [{ webhook: { url: `${hook.url}/everyone`, body: { to: '{{ subject.id }}' } } }], holdout: { percent: 1, global_control: true } };
    assert.equal((await server.request('PUT', '/v1/rules/everyone', rule)).status, 201);
    const subjects = Array.from({ length: 300 }, (_, i) => `g${i}`);
    await post(subjects.map((s) => ({ id: `login-${s}`, type: 'login', subject: s })));
    await until(async () => count("SELECT count(*) FROM exposures WHERE rule_id = 'everyone'") === 300 || undefined, 20_000);
    const rows = db.prepare("SELECT subject, grp, global_control FROM exposures WHERE rule_id = 'everyone'").all() as { subject: string; grp: number; global_control: number }[];
    let control = 0;
    for (const r of rows) {
      const global = inHoldout('gc', r.subject, 20);
      if (global) control++;
      assert.equal(r.global_control, global ? 1 : 0, r.subject);
      assert.equal(r.grp, global || inHoldout('everyone', r.subject, 1) ? 0 : 1, r.subject);
    }
    assert.ok(control > 30 && control < 100, `${control} of 300 in the global control group`);
    const treated = rows.filter((r) => r.grp === 1).length;
    await hook.waitFor(hook.requests.filter((r) => r.url !== '/everyone').length + treated, 20_000);
    await new Promise((r) => setTimeout(r, 300));
    const reached = hook.requests.filter((r) => r.url === '/everyone').map((r) => JSON.parse(r.body).to as string);
    assert.equal(reached.length, treated);
    assert.ok(reached.every((s) => !inHoldout('gc', s, 20)), 'no subject of the global control group reached the receiver');
    const member = rows.find((r) => r.global_control === 1)!.subject;
    const tested = await server.request('POST', '/v1/rules/everyone/test', { event: { type: 'login', subject: member } });
    assert.equal(tested.body.group, 'holdout', tested.text);
    assert.match(tested.body.trace.actions[0].detail, /^held out \(global control group\)/);
  });
});
