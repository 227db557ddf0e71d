// "Why (not)?" end to end through a real server: the test endpoint with earlier events, a subject's explained
// events, its timeline of events and firings, and the warnings a save reports.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type InProcessServer } from '../support/server.ts';
import { until } from '../support/until.ts';

const CART = `id: cart-big
when:
  event: cart_updated
  where: event.properties.total >= 30 && subject.country == "KR"
then:
  - log: { message: "big cart {{ event.properties.total }}" }
`;

describe('why (not)? through the API', { concurrency: false }, () => {
  let server: InProcessServer;
  before(async () => {
    server = await startTestServer();
    assert.equal((await server.request('PUT', '/v1/rules/cart-big', CART)).status, 201);
  });
  after(async () => { await server?.stop(); });

  const send = async (events: unknown[]) => {
    const r = await server.request('POST', '/v1/events', events);
    assert.equal(r.status, 200, r.text);
  };

  it('test: not fired, with the condition part that failed and the value it saw; the older fields unchanged', async () => {
    const r = await server.request('POST', '/v1/rules/cart-big/test', { event: { type: 'cart_updated', subject: 't1', properties: { total: 12 } }, attributes: { country: 'KR' } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.matched, false);
    assert.equal(r.body.fired, false);
    assert.deepEqual(r.body.trace.steps[1], { check: 'where', expression: 'event.properties.total >= 30 && subject.country == "KR"', values: { 'event.properties.total': 12, 'subject.country': 'KR' }, passed: false });
    assert.equal(r.body.decision.outcome, 'condition_false');
    assert.equal(r.body.decision.because, 'where: false: event.properties.total = 12, not ≥ 30');
    assert.deepEqual(r.body.conditions, ['✓ event type is cart_updated', '✗ event.properties.total = 12, not ≥ 30', '✓ subject.country = "KR"']);
    assert.deepEqual(r.body.waiting, []);
  });

  it('test: fired, with the action preview; earlier events are replayed first and each explained', async () => {
    const r = await server.request('POST', '/v1/rules/cart-big/test', {
      events: [
        { type: 'identify', subject: 't2', properties: { country: 'KR' }, time: '2026-11-01T10:00:00Z' },
        { id: 'small', type: 'cart_updated', subject: 't2', properties: { total: 5 }, time: '2026-11-01T10:01:00Z' },
      ],
      event: { type: 'cart_updated', subject: 't2', properties: { total: 40 }, time: '2026-11-01T10:02:00Z' },
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.matched, true);
    assert.equal(r.body.fired, true);
    assert.equal(r.body.decision.outcome, 'fired');
    assert.equal(r.body.trace.actions[0].preview.message, 'big cart 40');
    assert.deepEqual(r.body.earlier.map((d: { input: { id?: string; type: string }; outcome: string }) => [d.input.type, d.outcome]), [['identify', 'event_type'], ['cart_updated', 'condition_false']]);
    assert.equal(r.body.earlier[1].because, 'where: false: event.properties.total = 5, not ≥ 30');
  });

  it('test: an earlier event of another subject is refused, naming it', async () => {
    const r = await server.request('POST', '/v1/rules/cart-big/test', { events: [{ type: 'x', subject: 'other' }], event: { type: 'cart_updated', subject: 't3', properties: { total: 40 } } });
    assert.equal(r.status, 400);
    assert.match(r.body.error.message, /events\[0\]\.subject: must be the event's subject "t3", not "other"/);
  });

  it("explain: each of the subject's recent events, fired or what blocked the rule, with the stored firings", async () => {
    await send([
      { id: 'x-id', type: 'identify', subject: 'ex1', properties: { country: 'KR' } },
      { id: 'x-small', type: 'cart_updated', subject: 'ex1', properties: { total: 12 } },
      { id: 'x-big', type: 'cart_updated', subject: 'ex1', properties: { total: 99 } },
      { id: 'x-other', type: 'page_viewed', subject: 'ex1' },
      { id: 'y-big', type: 'cart_updated', subject: 'someone-else', properties: { total: 99 } },
    ]);
    await until(async () => (await server.request('GET', '/v1/firings?subject=ex1')).body.items[0]);
    const r = await server.request('GET', '/v1/subjects/ex1/explain?rule=cart-big');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body.rule, { id: 'cart-big', version: 1, enabled: true });
    const byEvent = Object.fromEntries(r.body.decisions.map((d: { input: { id: string }; outcome: string; because: string }) => [d.input.id, `${d.outcome}: ${d.because}`]));
    assert.deepEqual(Object.keys(byEvent), ['x-id', 'x-small', 'x-big', 'x-other']);
    assert.equal(byEvent['x-small'], 'condition_false: where: false: event.properties.total = 12, not ≥ 30');
    assert.match(byEvent['x-big'], /^fired: fired \(f_/);
    assert.equal(byEvent['x-other'], 'event_type: event type: page_viewed is not cart_updated');
    assert.equal(r.body.firings.length, 1);
    assert.deepEqual(r.body.firings[0].eventIds, ['x-big']);
    assert.equal(r.body.truncated, false);

    const missing = await server.request('GET', '/v1/subjects/ex1/explain?rule=nope');
    assert.equal(missing.status, 404);
  });

  it('explain: a disabled rule is "disabled" on every event, with what it would have done', async () => {
    const yaml = CART.replace('id: cart-big', 'id: cart-off').replace('cart_updated', 'cart_off');
    assert.equal((await server.request('PUT', '/v1/rules/cart-off', yaml)).status, 201);
    assert.equal((await server.request('POST', '/v1/rules/cart-off/disable')).status, 200);
    await send([{ id: 'off-id', type: 'identify', subject: 'ex2', properties: { country: 'KR' } }, { id: 'off-1', type: 'cart_off', subject: 'ex2', properties: { total: 50 } }]);
    await until(async () => ((await server.request('GET', '/v1/events?subject=ex2')).body.items.length === 2 ? true : undefined));
    const r = await server.request('GET', '/v1/subjects/ex2/explain?rule=cart-off');
    assert.equal(r.status, 200, r.text);
    const last = r.body.decisions.at(-1);
    assert.equal(last.outcome, 'disabled');
    assert.equal(last.wouldHave, 'fired');
    assert.match(last.because, /^disabled: the rule is switched off; were it on: fired/);
  });

  it('timeline: events and firings newest first, paged without loss; /v1/events?subject= from the timeline', async () => {
    const events = Array.from({ length: 7 }, (_, i) => ({ id: `tl-${i}`, type: 'cart_updated', subject: 'tl', properties: { total: i % 2 ? 50 : 1 } }));
    await send([{ id: 'tl-id', type: 'identify', subject: 'tl', properties: { country: 'KR' } }]);
    for (const e of events) await send([e]);
    await until(async () => ((await server.request('GET', '/v1/firings?subject=tl')).body.items.length === 3 ? true : undefined));

    const listed = await server.request('GET', '/v1/events?subject=tl&limit=3');
    assert.deepEqual(listed.body.items.map((e: { id: string }) => e.id), ['tl-6', 'tl-5', 'tl-4']);
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const r = await server.request('GET', `/v1/subjects/tl/timeline?limit=4${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(r.status, 200, r.text);
      seen.push(...r.body.items.map((i: { kind: string; event?: { id: string }; firing?: { eventIds: string[] } }) => (i.kind === 'event' ? i.event!.id : `firing:${i.firing!.eventIds[0]}`)));
      cursor = r.body.next;
      if (!cursor) break;
    }
    assert.equal(seen.length, 11, seen.join(' '));
    assert.equal(new Set(seen).size, 11);
    // Newest first: each firing comes before (is newer than) the event that caused it.
    for (const i of [1, 3, 5]) assert.ok(seen.indexOf(`firing:tl-${i}`) < seen.indexOf(`tl-${i}`), seen.join(' '));
    assert.equal(seen.at(-1), 'tl-id');
  });

  it('save: an emit loop and a cap-group conflict are reported as warnings; nothing is refused', async () => {
    const a = await server.request('PUT', '/v1/rules/loop-a', { when: { event: 'ping' }, then: [{ emit: { event: 'pong' } }] });
    assert.equal(a.status, 201);
    assert.equal(a.body.warnings, undefined);
    const b = await server.request('PUT', '/v1/rules/loop-b', { when: { event: 'pong' }, then: [{ emit: { event: 'ping' } }] });
    assert.equal(b.status, 201);
    assert.deepEqual(b.body.warnings, [{ kind: 'emit_loop', message: 'emit loop: loop-b emits ping, which triggers loop-a; loop-a emits pong, which triggers loop-b', rules: ['loop-b', 'loop-a', 'loop-b'] }]);
    const self = await server.request('PUT', '/v1/rules/loop-self?dry_run=true', { when: { event: 'tick' }, then: [{ emit: { event: 'tick' } }] });
    assert.equal(self.body.valid, true);
    assert.equal(self.body.warnings[0].kind, 'emit_loop');

    const g1 = await server.request('PUT', '/v1/rules/mk-1', { when: { event: 'promo' }, limits: { group: { name: 'marketing', max: 3, per: '24h' } }, then: [{ log: { message: 'a' } }] });
    assert.equal(g1.status, 201, g1.text);
    const g2 = await server.request('PUT', '/v1/rules/mk-2', { when: { event: 'promo' }, limits: { group: { name: 'marketing', max: 5, per: '24h' } }, then: [{ log: { message: 'b' } }] });
    assert.equal(g2.status, 201);
    assert.deepEqual(g2.body.warnings, [{ kind: 'group_conflict', group: 'marketing', rules: ['mk-1', 'mk-2'], message: 'group marketing: mk-1 says 3 per 24h, mk-2 says 5 per 24h (each checks its own)' }]);
  });
});
