// The engine with holdouts: a held-out subject takes the same path and gets no action; caps count both groups;
// suppressed firings are not exposures; goal events become goal hits.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { step } from '../../src/engine/step.ts';
import { RuleSet } from '../../src/engine/ruleset.ts';
import { inHoldout } from '../../src/engine/holdout/assignment.ts';
import type { EngineOptions } from '../../src/engine/types.ts';
import { event, rule, subject } from '../engine/helpers.ts';

const T = 1_700_000_000_000;
const OPTIONS: EngineOptions = { maxEmitDepth: 8 };
/** The first subject ids in (or out of) the holdout of `salt` at `percent`. */
function ids(salt: string, percent: number, held: boolean, count = 1): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < count; i++) if (inHoldout(salt, `u${i}`, percent) === held) out.push(`u${i}`);
  return out;
}

const doc = {
  id: 'promo', when: { event: 'cart_updated' },
  then: [{ webhook: { url: 'https://push.example.com/send', body: '{"to": "{{ subject.id }}"}' } }, { emit: { event: 'reminder_sent' } }, { set: { reminded: true } }, { email: { to: 'a@example.com', subject: 'x' } }],
  holdout: { percent: 50 },
  goal: { event: 'order_completed', within: '3d', value: 'event.properties.revenue' },
  guardrails: [{ event: 'unsubscribed', within: '7d' }],
};

describe('holdout in the engine', () => {
  it('gives a held-out subject a firing with no deliveries, emits or sets, and says what would have happened', () => {
    const rules = new RuleSet([rule(doc)]);
    const [h] = ids('promo', 50, true);
    const [t] = ids('promo', 50, false);
    const held = step(rules, subject({}, h), { kind: 'event', event: event({ type: 'cart_updated', subject: h, time: T - 5000 }) }, { now: T }, OPTIONS);
    assert.equal(held.firings.length, 1);
    const f = held.firings[0];
    assert.equal(f.group, 'holdout');
    assert.deepEqual(f.deliveries, []);
    assert.deepEqual(held.emits, []);
    assert.equal(held.subjectChanged, false, 'no set applied');
    assert.deepEqual(f.trace.actions?.map((a) => [a.outcome, a.detail]), [
      ['skipped', 'held out (would have queued a webhook)'],
      ['skipped', 'held out (would have emitted reminder_sent)'],
      ['skipped', 'held out (would have set reminded)'],
      ['skipped', 'held out (would have queued an email)'],
    ]);
    assert.deepEqual(f.exposure, { salt: 'promo', globalControl: false, at: T - 5000, metrics: [{ name: 'order_completed', withinMs: 3 * 86_400_000 }, { name: 'unsubscribed', withinMs: 7 * 86_400_000 }] });

    const treated = step(rules, subject({}, t), { kind: 'event', event: event({ type: 'cart_updated', subject: t, time: T - 5000 }) }, { now: T }, OPTIONS);
    assert.equal(treated.firings[0].group, 'treatment');
    assert.equal(treated.firings[0].deliveries.length, 2);
    assert.equal(treated.emits.length, 1);
    assert.equal(treated.subject.attributes.reminded, true);
    assert.equal(treated.firings[0].exposure?.at, T - 5000);
  });

  it('exposes every subject of a rule with goals and no holdout as treatment, under the rule id', () => {
    const { holdout: _h, ...goalOnly } = doc;
    const out = step(new RuleSet([rule(goalOnly)]), subject({}, 'u1'), { kind: 'event', event: event({ type: 'cart_updated', subject: 'u1', time: T }) }, { now: T }, OPTIONS);
    assert.equal(out.firings[0].group, 'treatment');
    assert.equal(out.firings[0].deliveries.length, 2);
    assert.deepEqual([out.firings[0].exposure?.salt, out.firings[0].exposure?.globalControl], ['promo', false]);
    const plain = step(new RuleSet([rule({ id: 'plain', when: { event: 'cart_updated' }, then: [{ log: { message: 'x' } }] })]), subject({}, 'u1'), { kind: 'event', event: event({ type: 'cart_updated', subject: 'u1' }) }, { now: T }, OPTIONS);
    assert.equal(plain.firings[0].exposure, undefined, 'a rule without holdout or goals records no exposure');
  });

  it('counts held-out firings toward the caps exactly like treatment ones', () => {
    const capped = rule({ ...doc, limits: { per_subject: { max: 1, per: '24h' } } });
    const rules = new RuleSet([capped]);
    for (const [id] of [ids('promo', 50, true), ids('promo', 50, false)]) {
      const first = step(rules, subject({}, id), { kind: 'event', event: event({ type: 'cart_updated', subject: id, time: T, receivedAt: T }) }, { now: T }, OPTIONS);
      assert.equal(first.firings.length, 1);
      const second = step(rules, first.subject, { kind: 'event', event: event({ type: 'cart_updated', subject: id, time: T + 1000, receivedAt: T + 1000 }) }, { now: T + 1000 }, OPTIONS);
      assert.equal(second.firings.length, 0, 'the cap holds in both groups: no second firing, so no second exposure');
      assert.equal(second.suppressions?.[0]?.reason, 'capped');
    }
  });

  it('records no exposure for a suppressed firing, in both groups (quiet hours, drop)', () => {
    const quiet = rule({ ...doc, limits: { quiet_hours: { from: '00:00', to: '23:59', timezone: 'UTC', then: 'drop' } } });
    const rules = new RuleSet([quiet]);
    const noon = Date.UTC(2026, 0, 5, 12);
    for (const [id] of [ids('promo', 50, true), ids('promo', 50, false)]) {
      const out = step(rules, subject({}, id), { kind: 'event', event: event({ type: 'cart_updated', subject: id, time: noon, receivedAt: noon }) }, { now: noon }, OPTIONS);
      assert.equal(out.firings.length, 0);
      assert.equal(out.suppressions?.[0]?.reason, 'quiet_hours');
    }
  });

  it("exposes a timer's firing at the timer's due time", () => {
    const waiting = rule({ ...doc, when: { event: 'cart_updated', wait: '10m' } });
    const rules = new RuleSet([waiting]);
    const [h] = ids('promo', 50, true);
    const first = step(rules, subject({}, h), { kind: 'event', event: event({ type: 'cart_updated', subject: h, time: T, receivedAt: T }) }, { now: T }, OPTIONS);
    assert.equal(first.timers.length, 1);
    const timer = first.timers[0];
    const fired = step(rules, first.subject, { kind: 'timer', timer }, { now: timer.dueAt }, OPTIONS);
    assert.equal(fired.firings[0].group, 'holdout');
    assert.equal(fired.firings[0].exposure?.at, T + 600_000);
    assert.deepEqual(fired.firings[0].deliveries, []);
  });

  it('puts the global control group in the holdout of rules that opt in, marked as such', () => {
    const control = { percent: 50, salt: 'gc' };
    const optIn = rule({ ...doc, id: 'in', holdout: { percent: 0.01, global_control: true } });
    const [g] = ids('gc', 50, true).filter((id) => !inHoldout('in', id, 0.01));
    const out = step(new RuleSet([optIn]), subject({}, g), { kind: 'event', event: event({ type: 'cart_updated', subject: g }) }, { now: T }, { ...OPTIONS, globalControl: control });
    assert.equal(out.firings[0].group, 'holdout');
    assert.equal(out.firings[0].exposure?.globalControl, true);
    assert.match(out.firings[0].trace.actions![0].detail!, /^held out \(global control group\)/);
    const without = step(new RuleSet([optIn]), subject({}, g), { kind: 'event', event: event({ type: 'cart_updated', subject: g }) }, { now: T }, OPTIONS);
    assert.equal(without.firings[0].group, 'treatment', 'no global control configured');
  });

  it('says the group in explain decisions', () => {
    const [h] = ids('promo', 50, true);
    const out = step(new RuleSet([rule(doc)]), subject({}, h), { kind: 'event', event: event({ type: 'cart_updated', subject: h }) }, { now: T }, { ...OPTIONS, explain: true });
    assert.equal(out.decisions?.[0].group, 'holdout');
    assert.match(out.decisions![0].detail, /holdout: recorded as an exposure, no action/);
  });

  it('turns goal and guardrail events into goal hits, whatever the rule triggers on', () => {
    const rules = new RuleSet([rule({ ...doc, goals: [{ event: 'order_completed', within: '3d', value: 'event.properties.revenue', where: 'event.properties.revenue > 0' }, { event: 'order_completed', name: 'orders', within: '1d' }], goal: undefined })]);
    const order = event({ type: 'order_completed', subject: 'u9', time: T - 100, properties: { revenue: 42.5 } });
    const out = step(rules, subject({}, 'u9'), { kind: 'event', event: order }, { now: T }, OPTIONS);
    assert.deepEqual(out.goalHits, [
      { ruleId: 'promo', salt: 'promo', metric: 'order_completed', subject: 'u9', value: 42.5, time: T - 100, eventId: order.id },
      { ruleId: 'promo', salt: 'promo', metric: 'orders', subject: 'u9', value: 0, time: T - 100, eventId: order.id },
    ]);
    assert.equal(out.firings.length, 0);
    const refund = step(rules, subject({}, 'u9'), { kind: 'event', event: event({ type: 'order_completed', subject: 'u9', properties: { revenue: 0 } }) }, { now: T }, OPTIONS);
    assert.deepEqual(refund.goalHits?.map((h) => h.metric), ['orders'], 'where false: not a hit for that metric');
    const unsub = step(rules, subject({}, 'u9'), { kind: 'event', event: event({ type: 'unsubscribed', subject: 'u9' }) }, { now: T }, OPTIONS);
    assert.deepEqual(unsub.goalHits?.map((h) => [h.metric, h.value]), [['unsubscribed', 0]]);
    const other = step(rules, subject({}, 'u9'), { kind: 'event', event: event({ type: 'page_view', subject: 'u9' }) }, { now: T }, OPTIONS);
    assert.equal(other.goalHits, undefined);
  });

  it('reports a goal value that fails at run time as a rule error, the hit counting 0', () => {
    const rules = new RuleSet([rule({ ...doc, goal: { event: 'order_completed', within: '3d', value: 'event.properties.revenue * 2' } })]);
    const out = step(rules, subject({}, 'u9'), { kind: 'event', event: event({ type: 'order_completed', subject: 'u9', properties: {} }) }, { now: T }, OPTIONS);
    assert.equal(out.goalHits?.[0].value, 0);
    assert.match(out.errors[0].message, /^goal\.value: /);
  });
});
