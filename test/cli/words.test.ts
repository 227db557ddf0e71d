// The CLI's wording of traces, conditions, bad JSON and recorded requests: pure functions, checked in-process.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkLines, reasonCell, verdict, type TraceStep } from '../../src/cli/commands/trace-words.ts';
import { clauses, conjuncts } from '../../src/cli/commands/condition-words.ts';
import { jsonProblem } from '../../src/cli/commands/input.ts';
import { deliveryText } from '../../src/cli/commands/deliveries.ts';
import { connectionFrom } from '../../src/cli/commands/client.ts';
import { ConnectionError } from '../../src/cli/commands/problems.ts';

const CART = 'event.properties.total >= 30 && subject.country == "KR"';
const typeStep = (actual: string, passed = true): TraceStep => ({ check: 'event', expected: ['cart_updated'], actual, passed });

describe('a trace in words', () => {
  it('says why a rule matched, each part of the condition with the value it saw', () => {
    const steps: TraceStep[] = [typeStep('cart_updated'), { check: 'where', expression: CART, values: { 'event.properties.total': 42, 'subject.country': 'KR' }, passed: true }];
    assert.equal(verdict(steps, true), 'matched because event.properties.total = 42 ≥ 30 and subject.country = "KR"');
    assert.deepEqual(checkLines(steps), ['✓ event type is cart_updated', '✓ event.properties.total = 42 ≥ 30', '✓ subject.country = "KR"']);
    assert.equal(reasonCell(steps), 'event.properties.total = 42 ≥ 30 and subject.country = "KR"');
  });

  it('names the part that failed, and marks a part it did not reach as unknown', () => {
    const steps: TraceStep[] = [typeStep('cart_updated'), { check: 'where', expression: CART, values: { 'event.properties.total': 5 }, passed: false }];
    assert.equal(verdict(steps, false), 'did not match because event.properties.total = 5, not ≥ 30');
    assert.deepEqual(checkLines(steps).slice(1), ['✗ event.properties.total = 5, not ≥ 30', '· subject.country == "KR" (subject.country is missing or was not read)']);
  });

  it('shows an evaluation error with the values read, and a wrong event type', () => {
    const error: TraceStep[] = [typeStep('cart_updated'), { check: 'where', expression: CART, values: { 'subject.country': 'KR' }, passed: false, error: 'No such key: total' }];
    assert.equal(verdict(error, false), 'did not match: the condition failed: No such key: total');
    assert.deepEqual(checkLines(error).slice(1), [`✗ ${CART}`, '    error: No such key: total', '    subject.country = "KR"']);
    assert.equal(verdict([typeStep('page', false)], false), 'did not match: the event is page, and the rule listens to cart_updated');
  });

  it('keeps a condition it cannot split (|| or function calls) whole, with the values it read', () => {
    const steps: TraceStep[] = [typeStep('cart_updated'), { check: 'where', expression: 'size(event.properties.items) > 1 || subject.vip', values: { 'event.properties.items': [1, 2], 'subject.vip': false }, passed: true }];
    assert.equal(verdict(steps, true), 'matched because size(event.properties.items) > 1 || subject.vip was true, with event.properties.items = [1,2] and subject.vip = false');
  });

  it('splits only top-level &&, and judges literals on either side, lists and !=', () => {
    assert.deepEqual(conjuncts('(a > 1 && b) && f(x && y) && "s && t" == c'), ['a > 1', 'b', 'f(x && y)', '"s && t" == c']);
    const parts = clauses('10 < event.properties.n && subject["plan"] in ["pro", \'team\'] && subject.x != "a"', { 'event.properties.n': 3, 'subject["plan"]': 'free', 'subject.x': 'a' }, false);
    assert.deepEqual(parts.map((c) => [c.holds, c.words]), [
      [false, 'event.properties.n = 3, not > 10'],
      [false, 'subject["plan"] = "free", not one of ["pro","team"]'],
      [false, 'subject.x = "a", which it must not be'],
    ]);
  });

  it('does not judge a comparison CEL would refuse (a string against a number)', () => {
    const [part] = clauses('event.properties.total >= 30', { 'event.properties.total': '42' }, false);
    assert.equal(part.holds, undefined);
  });
});

describe('bad JSON in words', () => {
  it('finds the place where JSON breaks, in plain words', () => {
    assert.deepEqual(jsonProblem('{"type": x}'), { at: 9, expected: 'expected a value, found "x"' });
    assert.deepEqual(jsonProblem('{"a":1,}'), { at: 7, expected: 'a comma before "}" (trailing commas are not allowed)' });
    assert.deepEqual(jsonProblem("{'a':1}"), { at: 1, expected: 'property names need double quotes, not single quotes' });
    assert.deepEqual(jsonProblem('[1 2]'), { at: 3, expected: 'expected "," or "]", found "2"' });
    assert.deepEqual(jsonProblem('{"a":1} x'), { at: 8, expected: 'unexpected "x" after the end of the JSON value' });
    assert.equal(jsonProblem('{"a": [1, {"b": "\\u00e9\\n"}], "c": -1.5e3, "d": null}'), undefined);
  });
});

describe('a delivery in words', () => {
  it('shows what the last attempt sent (as recorded, secrets redacted) and what came back', () => {
    const text = deliveryText({
      id: 'f_1.0', firingId: 'f_1', rule: 'r', subject: 'u1', actionIndex: 0, kind: 'webhook', destination: 'push.example.com', status: 'delivered',
      lastError: null, createdAt: '2026-01-01T00:00:00.000Z', nextAttemptAt: null, deliveredAt: '2026-01-01T00:00:01.000Z',
      attempts: [{
        attempt: 1, startedAt: '2026-01-01T00:00:00.500Z', latencyMs: 12.5, statusCode: 200, error: null, response: 'ok',
        request: { method: 'POST', url: 'https://push.example.com/send', headers: { authorization: 'Bearer ***', 'content-type': 'application/json' }, body: '{"to":"u1"}', bodyTruncated: true },
      }],
    });
    assert.match(text, /\nattempt 1 sent:\n {2}POST https:\/\/push\.example\.com\/send\n {2}authorization: Bearer \*\*\*\n {2}content-type: application\/json\n\n {2}\{"to":"u1"\}\n {2}… \(the body was longer; only its start is kept\)\n\nand got back:\n {2}200\n {2}ok$/);
  });
});

describe('the server URL', () => {
  it('names where it came from when it cannot be reached', () => {
    const connection = connectionFrom({}, {});
    assert.deepEqual(connection, { url: 'http://127.0.0.1:8787', urlFrom: 'default' });
    assert.match(new ConnectionError(connection.url, 'connection refused', connection.urlFrom).message, /\(the default URL; set IFTHEN_URL or --url to use another\): connection refused/);
    assert.equal(connectionFrom({ url: 'http://h:1/' }, { IFTHEN_URL: 'http://other', IFTHEN_TOKEN: 't' }).url, 'http://h:1');
  });
});
