// Backtests over a real server's stored events: the same firings as the live pipeline made for the same stream,
// a draft answered like the saved rule, the range really covered, bad input refused with the field named.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestServer, type InProcessServer } from '../support/server.ts';
import { until } from '../support/until.ts';

const DAY = 86_400_000;

const bigSpender = (id: string, bound = 30) => ({
  id, when: { event: 'order_completed', where: `event.properties.total >= ${bound} && subject.plan == "pro"` },
  then: [{ log: { message: 'big order {{ event.properties.total }}' } }, { emit: { event: 'big_order', properties: { total: '{{ event.properties.total }}' } } }],
});

async function liveFirings(server: InProcessServer, rule: string, count: number) {
  return until(async () => {
    const page = await server.request('GET', `/v1/firings?rule=${rule}&limit=500`);
    return page.body.items.length === count ? page.body.items as Array<{ id: string; subject: string; eventIds: string[]; time: string }> : undefined;
  }, 20_000);
}

/** A stream with profiles (identify), matching and non-matching orders, other event types, over several subjects. */
function stream(): unknown[] {
  const events: unknown[] = [];
  for (let s = 0; s < 12; s++) events.push({ id: `id-${s}`, type: 'identify', subject: `u${s}`, properties: { plan: s % 3 === 0 ? 'free' : 'pro' } });
  for (let i = 0; i < 120; i++) {
    const subject = `u${i % 12}`;
    events.push({ id: `o-${i}`, type: 'order_completed', subject, properties: { total: (i * 7) % 50 } });
    if (i % 5 === 0) events.push({ id: `v-${i}`, type: 'page_viewed', subject, properties: { path: '/x' } });
  }
  return events;
}

test('a backtest of a saved rule gives the firings the live pipeline made for the same stream; a draft gives the same', { timeout: 60_000 }, async () => {
  const server = await startTestServer();
  try {
    assert.equal((await server.request('PUT', '/v1/rules/big', bigSpender('big'))).status, 201);
    const started = Date.now();
    for (const batch of [stream().slice(0, 60), stream().slice(60)]) assert.equal((await server.request('POST', '/v1/events', batch)).status, 200);
    const live = await liveFirings(server, 'big', expectedCount());
    const from = new Date(started - 60_000).toISOString();
    const to = new Date(Date.now() + 60_000).toISOString();

    const saved = await server.request('POST', '/v1/rules/big/backtest', { from, to, sample: 100 });
    assert.equal(saved.status, 200, saved.text);
    assert.equal(saved.body.firings, live.length);
    assert.equal(saved.body.subjects, new Set(live.map((f) => f.subject)).size);
    const key = (f: { id: string; subject: string; eventIds: string[] }) => `${f.id} ${f.subject} ${f.eventIds.join(',')}`;
    assert.deepEqual(saved.body.sample.map(key).sort(), live.map(key).sort(), 'the same firings: ids, subjects, events');
    assert.deepEqual(saved.body.rule, { id: 'big', version: 1 });
    assert.equal(saved.body.emitsNotFedBack, live.length, 'each firing would emit one event, not fed back');
    assert.equal(saved.body.perDay.reduce((n: number, d: { firings: number }) => n + d.firings, 0), live.length);
    assert.ok(saved.body.events >= 120 + 12, `events of the rule's types and identify: ${saved.body.events}`);
    assert.ok(Date.parse(saved.body.covered.from) >= Date.parse(from), 'covered from the oldest stored event at the earliest');
    const trace = saved.body.sample[0].trace;
    assert.equal(trace.matched, true);
    assert.ok(trace.steps.some((s: { check: string }) => s.check === 'where'));

    // The same rule as a draft (YAML), not saved: the same answer, version null; a stricter draft fires less.
    const yaml = `id: big\nwhen:\n  event: order_completed\n  where: event.properties.total >= 30 && subject.plan == "pro"\nthen:\n  - log: { message: "big" }\n`;
    const draft = await server.request('POST', `/v1/rules/backtest?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&sample=0`, yaml);
    assert.equal(draft.status, 200, draft.text);
    assert.equal(draft.body.firings, live.length);
    assert.deepEqual(draft.body.rule, { id: 'big', version: null });
    assert.deepEqual(draft.body.sample, []);
    const stricter = await server.request('POST', `/v1/rules/backtest?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`, bigSpender('bigger', 45));
    assert.equal(stricter.status, 200, stricter.text);
    assert.ok(stricter.body.firings > 0 && stricter.body.firings < live.length, `${stricter.body.firings} of ${live.length}`);
    assert.equal((await server.request('GET', '/v1/rules/bigger')).status, 404, 'a draft is not saved');
  } finally {
    await server.stop();
  }
});

/** The firings the stream must give: a pro subject's order of 30 or more. */
function expectedCount(): number {
  let n = 0;
  for (let i = 0; i < 120; i++) if ((i * 7) % 50 >= 30 && (i % 12) % 3 !== 0) n++;
  return n;
}

test('the covered range: a request reaching before the oldest stored event says where it really starts; a range with nothing stored says so', { timeout: 60_000 }, async () => {
  const server = await startTestServer();
  try {
    assert.equal((await server.request('PUT', '/v1/rules/big', bigSpender('big'))).status, 201);
    const sent = await server.request('POST', '/v1/events', stream());
    assert.equal(sent.status, 200);
    await liveFirings(server, 'big', expectedCount());
    const oldest = (await server.request('GET', '/v1/retention')).body.oldestStored.events;
    const askedFrom = new Date(Date.parse(oldest) - 3 * DAY);
    const answer = await server.request('POST', '/v1/rules/big/backtest', { from: askedFrom.toISOString().slice(0, 10), to: new Date(Date.now() + DAY).toISOString().slice(0, 10) });
    assert.equal(answer.status, 200, answer.text);
    assert.equal(answer.body.covered.from, oldest);
    assert.ok(Date.parse(answer.body.covered.to) <= Date.now());
    assert.match(answer.body.warnings.join('\n'), /no longer stored \(retention/);
    assert.equal(answer.body.firings, expectedCount());
    const days = Math.floor(Date.parse(answer.body.covered.to) / DAY) - Math.floor(Date.parse(oldest) / DAY) + 1;
    assert.equal(answer.body.perDay.length, days, 'one entry per covered UTC day, none before the oldest stored event');
    assert.equal(answer.body.perDay[0].day, oldest.slice(0, 10));

    const before = await server.request('POST', '/v1/rules/big/backtest', { from: '2020-01-01', to: '2020-01-08' });
    assert.equal(before.status, 200, before.text);
    assert.equal(before.body.covered, null);
    assert.equal(before.body.firings, 0);

    const bad = await server.request('POST', '/v1/rules/big/backtest', { from: '2026-11-08', to: '2026-11-01' });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /^to: must be after from/);
    const garbled = await server.request('POST', '/v1/rules/big/backtest', { from: 'last week', to: '2026-11-01' });
    assert.match(garbled.body.error.message, /^from: must be a day like/);
    assert.equal((await server.request('POST', '/v1/rules/nope/backtest', { from: '2026-11-01', to: '2026-11-02' })).status, 404);
    const invalid = await server.request('POST', '/v1/rules/backtest?from=2026-11-01&to=2026-11-02', { id: 'x', when: { event: 'a', where: 'event.properties.total >=' }, then: [{ log: { message: 'x' } }] });
    assert.equal(invalid.status, 400);
    assert.match(invalid.body.error.message, /when\.where/);
  } finally {
    await server.stop();
  }
});

test('rules with memory: a backtest gives the firings the live pipeline made (a threshold with a per-subject cap)', { timeout: 60_000 }, async () => {
  const server = await startTestServer();
  try {
    const rule = {
      id: 'busy', when: { event: 'page_viewed', where: 'event.properties.n >= 0', count: { at_least: 3, within: '10m' } },
      limits: { per_subject: { max: 1, per: '1h' } }, then: [{ log: { message: 'busy' } }],
    };
    assert.equal((await server.request('PUT', '/v1/rules/busy', rule)).status, 201);
    const started = Date.now();
    // Per subject k: 3 + k views in one episode; subjects 0-5 fire once each; a second burst later in the same hour is capped.
    for (let round = 0; round < 2; round++) {
      const events = [];
      for (let k = 0; k < 6; k++) for (let v = 0; v < 3 + k; v++) events.push({ id: `r${round}-s${k}-v${v}`, type: 'page_viewed', subject: `s${k}`, properties: { n: v } });
      assert.equal((await server.request('POST', '/v1/events', events)).status, 200);
    }
    const live = await liveFirings(server, 'busy', 6);
    const answer = await server.request('POST', '/v1/rules/busy/backtest', { from: new Date(started - 60_000).toISOString(), to: new Date(Date.now() + 60_000).toISOString(), sample: 100 });
    assert.equal(answer.status, 200, answer.text);
    const key = (f: { id: string; subject: string; eventIds: string[] }) => `${f.id} ${f.subject} ${f.eventIds.join(',')}`;
    assert.deepEqual(answer.body.sample.map(key).sort(), live.map(key).sort());
    assert.equal(answer.body.firings, 6);
    assert.equal(answer.body.subjects, 6);
  } finally {
    await server.stop();
  }
});

test('after retention deleted the older events, a backtest covers from the oldest stored one and says so', { timeout: 120_000 }, async () => {
  // Long enough that the newer event outlives the steps after it on a loaded machine (12 s was not, at load 23),
  // short enough to wait for.
  const server = await startTestServer({ IFTHEN_RETENTION_EVENTS_MS: '25000', IFTHEN_RETENTION_INTERVAL_MS: '100' });
  try {
    assert.equal((await server.request('PUT', '/v1/rules/big', bigSpender('big'))).status, 201);
    const started = Date.now();
    const order = (id: string) => ({ id, type: 'order_completed', subject: 'u1', properties: { total: 99 } });
    assert.equal((await server.request('POST', '/v1/events', [{ id: 'p', type: 'identify', subject: 'u1', properties: { plan: 'pro' } }, order('old-1'), order('old-2')])).status, 200);
    await until(async () => ((await server.request('GET', '/v1/retention')).body.oldestStored.events === null ? true : undefined), 60_000);
    assert.equal((await server.request('POST', '/v1/events', [order('new-1')])).status, 200);
    await liveFirings(server, 'big', 3);
    const oldest = (await server.request('GET', '/v1/retention')).body.oldestStored.events;
    const answer = await server.request('POST', '/v1/rules/big/backtest', { from: new Date(started - 60_000).toISOString(), to: new Date(Date.now() + 60_000).toISOString() });
    assert.equal(answer.status, 200, answer.text);
    assert.equal(answer.body.covered.from, oldest);
    assert.match(answer.body.warnings[0], /^events before .+ are no longer stored \(retention, IFTHEN_RETENTION_EVENTS_MS\)/);
    // The profile went with the deleted identify: the backtest sees what is stored, and says how far it reaches.
    assert.equal(answer.body.events, 1);
    assert.equal(answer.body.firings, 0, 'the identify that made u1 "pro" was deleted too');
  } finally {
    await server.stop();
  }
});
