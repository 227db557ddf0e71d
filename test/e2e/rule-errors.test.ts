// Rules that fail at run time are visible end to end: condition errors and budget overruns in
// GET /v1/rules/{id}/errors and /metrics; a hostile regex does not hold the pipeline; an identify over the
// profile bound is recorded as a failure. One server, through the real configuration and worker wiring.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type InProcessServer } from '../support/server.ts';
import { until } from '../support/until.ts';

const log = [{ log: { message: 'matched' } }];

describe('rule errors end to end', () => {
  let server: InProcessServer;
  before(async () => {
    server = await startTestServer({ IFTHEN_CONDITION_STEPS: '5000', IFTHEN_MAX_SUBJECT_ATTRIBUTES: '3' });
  });
  after(async () => {
    await server.stop();
  });

  const save = async (id: string, where: string) => {
    const saved = await server.request('PUT', `/v1/rules/${id}`, { id, when: { event: 'cart_updated', where }, then: log });
    assert.equal(saved.status, 201, saved.text);
  };
  const errorsOf = (id: string) => until(async () => {
    const answer = await server.request('GET', `/v1/rules/${id}/errors`);
    assert.equal(answer.status, 200, answer.text);
    return answer.body.items.length ? (answer.body.items as Array<{ eventId: string; message: string }>) : undefined;
  });

  it('records the README rules that fail at run time (a misspelt key, a number compared with a string) in the API and /metrics', async () => {
    await save('typo', 'subject.contry == "KR"');
    await save('types', 'event.properties.total >= "30"');
    await save('heavy', 'event.properties.l.all(x, event.properties.l.all(y, x + y >= 0.0))');
    assert.equal((await server.request('POST', '/v1/events', { type: 'identify', subject: 'u1', properties: { country: 'KR' } })).status, 200);
    const sent = await server.request('POST', '/v1/events', { id: 'evt-cart', type: 'cart_updated', subject: 'u1', properties: { total: 42, l: Array.from({ length: 100 }, (_, i) => i) } });
    assert.equal(sent.status, 200, sent.text);

    assert.deepEqual((await errorsOf('typo')).map((e) => [e.eventId, e.message]), [['evt-cart', 'when.where: No such key: contry']]);
    const [types] = await errorsOf('types');
    assert.equal(types.eventId, 'evt-cart');
    assert.match(types.message, /^when\.where: no such overload: dyn<double> >= string/);
    const [heavy] = await errorsOf('heavy');
    assert.equal(heavy.message, 'when.where: condition exceeded its budget of 5000 steps (limit IFTHEN_CONDITION_STEPS)');

    const metrics = await server.request('GET', '/metrics');
    for (const rule of ['typo', 'types', 'heavy']) assert.match(metrics.text, new RegExp(`ifthen_rule_errors_total\\{rule="${rule}"\\} 1\\b`));
    const rule = await server.request('GET', '/v1/rules/typo');
    assert.equal(rule.body.errors[0].message, 'when.where: No such key: contry');

    // The metric counts every error; the API keeps the newest few per rule.
    const burst = Array.from({ length: 8 }, (_, i) => ({ id: `evt-burst-${i}`, type: 'cart_updated', subject: 'u1', properties: { total: 1 } }));
    assert.equal((await server.request('POST', '/v1/events', burst)).status, 200);
    await until(async () => (/ifthen_rule_errors_total\{rule="typo"\} 9\b/.test((await server.request('GET', '/metrics')).text) ? true : undefined));

    // The rule test endpoint runs under the same budget.
    const tested = await server.request('POST', '/v1/rules/heavy/test', { event: { type: 'cart_updated', subject: 'u1', properties: { l: Array.from({ length: 100 }, (_, i) => i) } } });
    assert.equal(tested.status, 200, tested.text);
    assert.equal(tested.body.matched, false);
    const where = tested.body.trace.steps.find((s: { check: string }) => s.check === 'where');
    assert.equal(where.error, 'condition exceeded its budget of 5000 steps (limit IFTHEN_CONDITION_STEPS)');
  });

  it('keeps processing other events at their normal pace after an event that made RegExp backtrack for good', async () => {
    const saved = await server.request('PUT', '/v1/rules/name-check', { id: 'name-check', when: { event: 'named', where: "event.properties.name.matches('^(\\\\w+\\\\s?)*$')" }, then: log });
    assert.equal(saved.status, 201, saved.text);
    const quick = await server.request('PUT', '/v1/rules/quick', { id: 'quick', when: { event: 'ping' }, then: log });
    assert.equal(quick.status, 201, quick.text);
    assert.equal((await server.request('POST', '/v1/events', { type: 'named', subject: 'u2', properties: { name: `${'a'.repeat(40)}!` } })).status, 200);
    const started = Date.now();
    assert.equal((await server.request('POST', '/v1/events', { id: 'evt-ping', type: 'ping', subject: 'u3' })).status, 200);
    await until(async () => ((await server.request('GET', '/v1/firings?rule=quick')).body.items.length ? true : undefined), 5000);
    assert.ok(Date.now() - started < 3000, `the unrelated event took ${Date.now() - started} ms to fire`);
    assert.equal((await server.request('GET', '/readyz', undefined, { token: null })).status, 200);
  });

  it('records an identify that would take a profile over its bound as a failure, and keeps the profile', async () => {
    assert.equal((await server.request('POST', '/v1/events', { type: 'identify', subject: 'u4', properties: { a: 1, b: 2 } })).status, 200);
    assert.equal((await server.request('POST', '/v1/events', { id: 'evt-big', type: 'identify', subject: 'u4', properties: { c: 3, d: 4 } })).status, 200);
    const failure = await until(async () => {
      const page = await server.request('GET', '/v1/failures');
      return (page.body.items as Array<{ eventId: string; stage: string; error: string }>).find((f) => f.eventId === 'evt-big');
    });
    assert.equal(failure.stage, 'profile');
    assert.match(failure.error, /identify not applied: the profile would have 4 attributes; a subject may have at most 3 \(limit IFTHEN_MAX_SUBJECT_ATTRIBUTES\)/);
    assert.deepEqual((await server.request('GET', '/v1/subjects/u4')).body.attributes, { a: 1, b: 2 });
  });
});
