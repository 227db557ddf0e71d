// "Why (not)?" for rules with memory, end to end through a real server: the test endpoint with earlier events and
// the subject explain endpoint over events really ingested and processed, for each reason the engine can give:
// window not reached, already fired, sequence incomplete, waiting for a timer, cancelled, capped, deduped, quiet
// hours, rate-limited, disabled; the suppressions the pipeline stored; an absence timer that fired.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type InProcessServer } from '../support/server.ts';
import { until } from '../support/until.ts';

const T = (minute: number) => new Date(Date.UTC(2026, 10, 1, 10, minute)).toISOString();
const log = [{ log: { message: 'x' } }];

interface Decision { input: { kind: string; id: string; type?: string }; outcome: string; because: string; until?: string }

describe('why (not)? for rules with memory', { concurrency: false }, () => {
  let server: InProcessServer;
  before(async () => { server = await startTestServer({ IFTHEN_ALLOWED_LATENESS_MS: '200' }); });
  after(async () => { await server?.stop(); });

  const put = async (id: string, rule: object) => {
    const r = await server.request('PUT', `/v1/rules/${id}`, rule);
    assert.ok(r.status === 201 || r.status === 200, r.text);
  };
  const test = async (id: string, events: object[], event: object) => {
    const r = await server.request('POST', `/v1/rules/${id}/test`, { events, event });
    assert.equal(r.status, 200, r.text);
    return r.body;
  };
  const send = async (events: object[]) => assert.equal((await server.request('POST', '/v1/events', events)).status, 200);
  const explain = async (subject: string, rule: string) => {
    const r = await server.request('GET', `/v1/subjects/${subject}/explain?rule=${rule}`);
    assert.equal(r.status, 200, r.text);
    return r.body as { decisions: Decision[]; waiting: { because: string }[]; suppressions: { reason: string; detail: string }[]; firings: unknown[]; warmup: { events: number } };
  };
  const processed = (subject: string, count: number) => until(async () => {
    const ready = (await server.request('GET', '/readyz')).body;
    const events = (await server.request('GET', `/v1/events?subject=${subject}&limit=500`)).body.items.length;
    return events === count && ready?.lagEvents === 0 ? true : undefined;
  });

  it('test: each reason with the values it saw, given the earlier events', async () => {
    const e = (type: string, minute: number, properties: object = {}) => ({ type, subject: 'tm', time: T(minute), properties });
    await put('m-count', { when: { event: 'view', count: { at_least: 3, within: '10m' } }, then: log });
    let r = await test('m-count', [e('view', 0)], e('view', 1));
    assert.deepEqual([r.fired, r.decision.outcome, r.decision.because, r.decision.window], [false, 'window_not_reached', 'window: count 2 of at least 3 within 10m', { value: 2, bound: 3 }]);
    r = await test('m-count', [e('view', 0), e('view', 1), e('view', 2)], e('view', 3));
    assert.deepEqual(r.earlier.map((d: Decision) => d.outcome), ['window_not_reached', 'window_not_reached', 'fired']);
    assert.equal(r.decision.outcome, 'already_fired');

    await put('m-absence', { when: { event: 'cart', unless: { event: 'order', within: '1h' } }, then: log });
    r = await test('m-absence', [], e('cart', 0));
    assert.equal(r.decision.outcome, 'waiting');
    assert.match(r.waiting[0].because, /^would fire at 2026-11-01T11:00:00\.200Z unless order arrives first$/);
    r = await test('m-absence', [e('cart', 0)], e('order', 10));
    assert.equal(r.decision.outcome, 'cancelled');
    assert.match(r.decision.because, /^cancelled by \S+ \(order\) at 2026-11-01T10:10:00\.000Z, within 1h of /);
    assert.deepEqual(r.waiting, []);

    await put('m-seq', { when: { event: 'buy', after: { event: 'signup', within: '1d' } }, then: log });
    r = await test('m-seq', [], e('buy', 0));
    assert.equal(r.decision.outcome, 'sequence_incomplete');
    assert.equal((await test('m-seq', [e('signup', 0)], e('buy', 5))).decision.outcome, 'fired');

    await put('m-cap', { when: { event: 'promo' }, limits: { per_subject: { max: 1, per: '24h' } }, then: log });
    r = await test('m-cap', [e('promo', 0)], e('promo', 1));
    assert.deepEqual([r.decision.outcome, r.suppressions[0].reason], ['capped', 'capped']);
    assert.match(r.decision.because, /^capped: per_subject: 1 of at most 1 in/);

    await put('m-dedupe', { when: { event: 'paid' }, limits: { dedupe: { key: 'event.properties.order', within: '1d' } }, then: log });
    r = await test('m-dedupe', [e('paid', 0, { order: 'o1' })], e('paid', 1, { order: 'o1' }));
    assert.equal(r.decision.outcome, 'deduped');
    assert.equal((await test('m-dedupe', [e('paid', 0, { order: 'o1' })], e('paid', 1, { order: 'o2' }))).decision.outcome, 'fired');

    await put('m-quiet', { when: { event: 'ping' }, limits: { quiet_hours: { from: '09:00', to: '11:00', timezone: 'UTC', then: 'drop' } }, then: log });
    r = await test('m-quiet', [], e('ping', 30));
    assert.equal(r.decision.outcome, 'quiet_hours');
    assert.equal(r.decision.because, 'quiet_hours: 10:30 in UTC is within 09:00-11:00, dropped');

    // A cap group: the group's other enabled rules are replayed beside the rule tested, as their firings count.
    await put('m-group-a', { when: { event: 'promo_a' }, limits: { group: { name: 'mk', max: 1, per: '24h' } }, then: log });
    await put('m-group-b', { when: { event: 'promo_b' }, limits: { group: { name: 'mk', max: 1, per: '24h' } }, then: log });
    r = await test('m-group-b', [e('promo_a', 0)], e('promo_b', 1));
    assert.equal(r.decision.outcome, 'capped');
    assert.match(r.decision.because, /group mk/);
    assert.deepEqual(r.earlier.map((d: Decision) => d.outcome), ['event_type'], 'the other rule fired: not the one explained');

    await put('m-change', { when: { change: { attribute: 'plan', from: 'pro' } }, then: log });
    r = await test('m-change', [{ ...e('identify', 0, { plan: 'pro' }) }], e('identify', 1, { plan: 'pro' }));
    assert.equal(r.decision.outcome, 'no_change');
    assert.equal((await test('m-change', [{ ...e('identify', 0, { plan: 'pro' }) }], e('identify', 1, { plan: 'free' }))).decision.outcome, 'fired');

    await put('m-error', { when: { event: 'oops', where: 'event.properties.total > 3' }, then: log });
    r = await test('m-error', [], e('oops', 0));
    assert.equal(r.decision.outcome, 'condition_error');
    assert.match(r.decision.because, /^where: error: /);

    await put('m-rate', { when: { event: 'tick' }, limits: { rate: '1/m' }, then: log });
    r = await test('m-rate', [e('tick', 0)], { ...e('tick', 0), time: new Date(Date.parse(T(0)) + 1000).toISOString() });
    assert.equal(r.fired, true);
    assert.equal(r.suppressions[0].reason, 'rate_limited');
    assert.match(r.decision.because, /^fired \(f_\S+\); rate_limited: rate 1\/m: delayed 59000 ms/);
  });

  it('explain: a threshold over ingested events, with the warm-up before the events shown', async () => {
    await put('x-count', { when: { event: 'xview', count: { at_least: 3, within: '10m' } }, then: log });
    await send(Array.from({ length: 5 }, (_, i) => ({ id: `xc-${i}`, type: 'xview', subject: 'xc' })));
    await processed('xc', 5);
    const body = await explain('xc', 'x-count');
    assert.deepEqual(body.decisions.map((d) => [d.input.id, d.outcome]), [['xc-0', 'window_not_reached'], ['xc-1', 'window_not_reached'], ['xc-2', 'fired'], ['xc-3', 'already_fired'], ['xc-4', 'already_fired']]);
    assert.equal(body.decisions[1].because, 'window: count 2 of at least 3 within 10m');
    assert.equal(body.firings.length, 1);

    // Only the newest 2 shown: the 3 before them, within the rule's 10 minutes, are replayed first.
    const r = await server.request('GET', '/v1/subjects/xc/explain?rule=x-count&limit=2');
    assert.deepEqual(r.body.decisions.map((d: Decision) => [d.input.id, d.outcome]), [['xc-3', 'already_fired'], ['xc-4', 'already_fired']]);
    assert.equal(r.body.warmup.events, 3);

    // An event stamped an hour before it arrived is late: the window ignores it.
    await send([{ id: 'late-1', type: 'xview', subject: 'xlate', time: new Date(Date.now() - 3_600_000).toISOString() }]);
    await processed('xlate', 1);
    const late = (await explain('xlate', 'x-count')).decisions[0];
    assert.equal(late.outcome, 'late');
    assert.match(late.because, /^late/);
  });

  it('explain: waiting for a timer, cancelled by an event, and an absence timer that fired', async () => {
    await put('x-absent', { when: { event: 'xcart', unless: { event: 'xorder', within: '1s' } }, then: log });
    await send([{ id: 'xa-cart', type: 'xcart', subject: 'xa' }]);
    await processed('xa', 1);
    let body = await explain('xa', 'x-absent');
    assert.equal(body.decisions[0].outcome, 'waiting');
    assert.match(body.decisions[0].because, /^waiting until \S+ unless xorder by /);
    assert.match(body.waiting[0].because, /^would fire at \S+ unless xorder arrives first$/);
    // The timer comes due (1 s + 200 ms lateness): the pipeline fires it, and explain shows the timer firing.
    await until(async () => (await server.request('GET', '/v1/firings?subject=xa')).body.items[0], 15_000);
    body = await explain('xa', 'x-absent');
    assert.deepEqual(body.decisions.map((d) => [d.input.kind, d.outcome]), [['event', 'waiting'], ['timer', 'fired']]);
    assert.deepEqual(body.waiting, []);

    await send([{ id: 'xb-cart', type: 'xcart', subject: 'xb' }, { id: 'xb-order', type: 'xorder', subject: 'xb' }]);
    await processed('xb', 2);
    body = await explain('xb', 'x-absent');
    assert.deepEqual(body.decisions.map((d) => [d.input.id, d.outcome]), [['xb-cart', 'waiting'], ['xb-order', 'cancelled']]);
    assert.match(body.decisions[1].because, /^cancelled by xb-order \(xorder\)/);
    assert.deepEqual(body.suppressions.map((s) => s.reason), ['cancelled']);
  });

  it('explain: capped, deduped, quiet hours and rate-limited, with the suppressions the pipeline stored', async () => {
    const hour = new Date().getUTCHours();
    const hh = (h: number) => `${String((h + 24) % 24).padStart(2, '0')}:00`;
    await put('x-cap', { when: { event: 'xpromo' }, limits: { per_subject: { max: 1, per: '24h' } }, then: log });
    await put('x-dedupe', { when: { event: 'xpaid' }, limits: { dedupe: { key: 'event.properties.order', within: '1d' } }, then: log });
    await put('x-quiet', { when: { event: 'xping' }, limits: { quiet_hours: { from: hh(hour - 1), to: hh(hour + 2), timezone: 'UTC', then: 'drop' } }, then: log });
    await put('x-rate', { when: { event: 'xtick' }, limits: { rate: '1/m' }, then: log });
    await send([
      { id: 'xl-p1', type: 'xpromo', subject: 'xl' }, { id: 'xl-p2', type: 'xpromo', subject: 'xl' },
      { id: 'xl-d1', type: 'xpaid', subject: 'xl', properties: { order: 'o1' } }, { id: 'xl-d2', type: 'xpaid', subject: 'xl', properties: { order: 'o1' } },
      { id: 'xl-q', type: 'xping', subject: 'xl' },
      { id: 'xl-t1', type: 'xtick', subject: 'xl' }, { id: 'xl-t2', type: 'xtick', subject: 'xl' },
    ]);
    await processed('xl', 7);
    const outcome = async (rule: string) => (await explain('xl', rule)).decisions.filter((d) => d.input.type !== 'xpromo' || rule === 'x-cap');
    const cap = await explain('xl', 'x-cap');
    assert.deepEqual(cap.decisions.filter((d) => d.input.type === 'xpromo').map((d) => d.outcome), ['fired', 'capped']);
    assert.deepEqual(cap.suppressions.map((s) => s.reason), ['capped']);
    assert.deepEqual((await outcome('x-dedupe')).filter((d) => d.input.type === 'xpaid').map((d) => d.outcome), ['fired', 'deduped']);
    const quiet = await explain('xl', 'x-quiet');
    assert.deepEqual(quiet.decisions.filter((d) => d.input.type === 'xping').map((d) => d.outcome), ['quiet_hours']);
    assert.deepEqual(quiet.suppressions.map((s) => s.reason), ['quiet_hours']);
    const rate = await explain('xl', 'x-rate');
    const ticks = rate.decisions.filter((d) => d.input.type === 'xtick');
    assert.deepEqual(ticks.map((d) => d.outcome), ['fired', 'fired']);
    assert.match(ticks[1].because, /; rate_limited: rate 1\/m: delayed \d+ ms/);
    assert.deepEqual(rate.suppressions.map((s) => s.reason), ['rate_limited']);
    // Events of other types are told apart from the rule's own.
    assert.equal(rate.decisions.find((d) => d.input.id === 'xl-p1')!.because, 'event type: xpromo is not xtick');
  });
});
