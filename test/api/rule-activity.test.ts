// GET /v1/rule-activity against the real server: firings per hour after events, the holdout's share, suppressions by
// reason, owner and last change from the audit log, lift badges (none, too early, ready from a written experiment),
// a viewer may read it, bad `hours` is refused with the path, and 1,000 rules answer in one request quickly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../support/server.ts';
import { until } from '../support/until.ts';
import { writeExperiment } from './rule-activity-experiment.ts';

const H = 3_600_000;

test('GET /v1/rule-activity: per rule firings per hour, holdout, suppressions, owner, last change, lift badge', { timeout: 60_000 }, async () => {
  const server = await startTestServer();
  try {
    const put = (id: string, doc: object) => server.request('PUT', `/v1/rules/${id}`, { id, ...doc });
    assert.equal((await put('act-plain', { when: { event: 'purchase' }, then: [{ log: { message: 'x' } }] })).status, 201);
    assert.equal((await put('act-capped', { when: { event: 'purchase' }, then: [{ log: { message: 'x' } }], limits: { per_subject: { max: 1, per: '24h' } } })).status, 201);
    assert.equal((await put('act-holdout', { when: { event: 'purchase' }, then: [{ log: { message: 'x' } }], holdout: { percent: 50 }, goal: { event: 'order_completed', within: '1d' } })).status, 201);
    assert.equal((await put('act-quiet', { when: { event: 'nothing_ever' }, then: [{ log: { message: 'x' } }] })).status, 201);
    // A second save and a disable by another actor: the owner stays, the last change moves.
    await server.request('POST', '/v1/users', { username: 'edna', password: 'correct-horse-1', role: 'editor' });
    assert.equal((await put('act-plain', { name: 'Plain, renamed', when: { event: 'purchase' }, then: [{ log: { message: 'x' } }] })).status, 200);

    const now = Date.now();
    const events = Array.from({ length: 6 }, (_, i) => ({ id: `act-${i}`, type: 'purchase', subject: `s${i % 2}`, time: new Date(now).toISOString(), properties: {} }));
    assert.equal((await server.request('POST', '/v1/events', events)).status, 200);

    const answer = await until(async () => {
      const r = await server.request('GET', '/v1/rule-activity');
      assert.equal(r.status, 200, r.text);
      const plain = r.body.items.find((i: { rule: string }) => i.rule === 'act-plain');
      const capped = r.body.items.find((i: { rule: string }) => i.rule === 'act-capped');
      return plain.firings.reduce((a: number, b: number) => a + b, 0) === 6 && capped.suppressions.capped === 4 ? r.body : undefined;
    }, 20_000);
    assert.equal(answer.hours, 24);
    assert.equal(Date.parse(answer.to) - Date.parse(answer.from), 24 * H);
    assert.deepEqual(answer.items.map((i: { rule: string }) => i.rule), ['act-capped', 'act-holdout', 'act-plain', 'act-quiet']);
    const byId = Object.fromEntries(answer.items.map((i: { rule: string }) => [i.rule, i]));
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    // The events' hour is the last (current) one.
    assert.equal(byId['act-plain'].firings[23], 6);
    assert.equal(byId['act-plain'].firings.length, 24);
    assert.equal(sum(byId['act-capped'].firings), 2, 'one firing per subject, the rest capped');
    assert.equal(byId['act-capped'].suppressed[23], 4);
    assert.equal(sum(byId['act-holdout'].firings) + sum(byId['act-holdout'].holdout), 6, 'treatment and holdout firings together');
    assert.equal(sum(byId['act-quiet'].firings), 0);
    assert.deepEqual(byId['act-quiet'].suppressions, {});
    assert.deepEqual(byId['act-quiet'].errors, { count: 0, last: null });
    // Owner: who created it; last change: the newest audit entry.
    assert.equal(byId['act-plain'].created.actor, 'IFTHEN_ADMIN_TOKEN');
    assert.equal(byId['act-plain'].created.action, 'rule.save');
    assert.equal(byId['act-plain'].changed.action, 'rule.save');
    assert.ok(Date.parse(byId['act-plain'].changed.at) >= Date.parse(byId['act-plain'].created.at));
    // Lift badges: none without a holdout; too early with a handful of subjects.
    assert.deepEqual(byId['act-plain'].lift, { status: 'no_holdout' });
    assert.equal(byId['act-holdout'].lift.status, 'too_early');
    assert.equal(byId['act-holdout'].lift.minimum, 100);

    // A viewer reads it too.
    await server.request('POST', '/v1/users', { username: 'vera', password: 'correct-horse-2', role: 'viewer' });
    const signIn = await fetch(`${server.url}/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'vera', password: 'correct-horse-2' }) });
    assert.equal(signIn.status, 200);
    const cookie = signIn.headers.get('set-cookie')!.split(';')[0];
    const asViewer = await fetch(`${server.url}/v1/rule-activity?hours=2`, { headers: { cookie } });
    assert.equal(asViewer.status, 200);
    assert.equal(((await asViewer.json()) as { items: { firings: number[] }[] }).items[0].firings.length, 2);

    // A wrong `hours` names the path and what to send.
    const bad = await server.request('GET', '/v1/rule-activity?hours=0');
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /hours: must be a whole number of hours from 1 to 168 \(GET \/v1\/rule-activity\)/);
  } finally {
    await server.stop();
  }
});

test('GET /v1/rule-activity: a finished experiment gives a "helped" badge with its lift', { timeout: 60_000 }, async () => {
  const server = await startTestServer();
  try {
    const rule = { id: 'act-exp', when: { event: 'cart_abandoned' }, then: [{ log: { message: 'x' } }], holdout: { percent: 20, salt: 'act-exp-salt' }, goal: { event: 'order_completed', within: '3d' } };
    assert.equal((await server.request('PUT', '/v1/rules/act-exp', rule)).status, 201);
    writeExperiment(server.dataDir, 'act-exp', 'act-exp-salt', 5_000);
    const r = await server.request('GET', '/v1/rule-activity');
    assert.equal(r.status, 200, r.text);
    const lift = r.body.items[0].lift;
    assert.equal(lift.status, 'ready');
    assert.equal(lift.verdict, 'helped');
    assert.ok(Math.abs(lift.absolute - 0.3) < 1e-9, `lift ${lift.absolute}`);
    assert.ok(lift.lower > 0 && lift.upper > lift.absolute);
    assert.equal(r.body.lift.computed, 1);
    // Kept: the next answer computes nothing.
    const again = await server.request('GET', '/v1/rule-activity');
    assert.equal(again.body.lift.computed, 0);
    assert.equal(again.body.items[0].lift.verdict, 'helped');
  } finally {
    await server.stop();
  }
});

test('GET /v1/rule-activity with 1,000 rules (100 with a holdout): one request, bounded time', { timeout: 180_000 }, async () => {
  const server = await startTestServer();
  try {
    for (let i = 0; i < 1000; i++) {
      const id = `bulk-${String(i).padStart(4, '0')}`;
      const doc = { id, when: { event: `type_${i % 50}` }, then: [{ log: { message: 'x' } }], ...(i % 10 === 0 ? { holdout: { percent: 10 }, goal: { event: 'order_completed', within: '1d' } } : {}) };
      const saved = await server.request('PUT', `/v1/rules/${id}`, doc);
      assert.equal(saved.status, 201, saved.text);
    }
    const times: number[] = [];
    let body;
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      const r = await server.request('GET', '/v1/rule-activity');
      times.push(performance.now() - started);
      assert.equal(r.status, 200, r.text);
      body = r.body;
    }
    assert.equal(body.items.length, 1000);
    assert.equal(body.items.filter((i: { lift: { status: string } }) => i.lift.status === 'no_holdout').length, 900);
    console.log(`rule-activity with 1,000 rules: ${times.map((t) => `${Math.round(t)} ms`).join(', ')} (cold, then kept badges)`);
    assert.ok(times[2] < 2_000, `a warm answer took ${times[2]} ms`);
  } finally {
    await server.stop();
  }
});

test('lift badges: a request computes within its time budget, the rest answer pending and come on the next requests', async () => {
  const { LiftBadges } = await import('../../src/api/routes/rule-activity.ts');
  let reports = 0;
  // A reporter whose every report takes 20 ms and says "too early".
  const reporter = {
    async report() {
      reports++;
      await new Promise((r) => setTimeout(r, 20));
      return { primary: { name: 'g', kind: 'conversion', matured: { control: 3, treatment: 4 }, comparison: null } };
    },
  };
  const badges = new LiftBadges(reporter as never, { ttlMs: 60_000, budgetMs: 100 });
  const rules = Array.from({ length: 30 }, (_, i) => ({
    id: `r${i}`, version: 1, createdAt: 0,
    document: { id: `r${i}`, when: { event: 'e' }, then: [], ...(i % 3 === 0 ? {} : { holdout: { percent: 10 }, goal: { event: 'g', within: '1d' } }) },
  }));
  const first = await badges.badges(rules as never, 1_000);
  assert.ok(first.computed >= 1 && first.computed < 20, `computed ${first.computed} of 20 within the budget`);
  assert.equal(first.computed + first.pending, 20, 'only rules with a holdout are computed');
  assert.equal([...first.badges.values()].filter((b) => b.status === 'no_holdout').length, 10);
  assert.equal([...first.badges.values()].filter((b) => b.status === 'pending').length, first.pending);
  let total = first.computed;
  for (let i = 0; i < 20 && total < 20; i++) total += (await badges.badges(rules as never, 1_000 + i)).computed;
  assert.equal(total, 20, 'every badge got its turn');
  const kept = await badges.badges(rules as never, 2_000);
  assert.equal(kept.computed, 0, 'kept for the TTL');
  assert.equal(kept.pending, 0);
  assert.deepEqual(kept.badges.get('r1'), { status: 'too_early', matured: { control: 3, treatment: 4 }, minimum: 100 });
  assert.equal(reports, 20);
  // A new version is computed again; after the TTL too.
  const changed = rules.map((r) => (r.id === 'r1' ? { ...r, version: 2 } : r));
  assert.equal((await badges.badges(changed as never, 2_000)).computed, 1);
  assert.equal((await badges.badges(changed as never, 70_000)).computed > 0, true);
});
