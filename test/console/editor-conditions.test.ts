// The editor's pure parts: condition rows written as CEL and read back, paths into the document as the server
// names them in its errors, YAML both ways with the line and column of a mistake, and the estimate before enabling.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRows, rowsCel } from '../../console/src/pages/editor/conditions.ts';
import { getAt, parsePath, setAt, type Doc } from '../../console/src/pages/editor/path.ts';
import { fromYaml, toYaml } from '../../console/src/pages/editor/yaml-text.ts';
import { estimate, type BacktestAnswer } from '../../console/src/pages/editor/estimate.ts';

test('conditions that rows can say are read back into rows and written out the same', () => {
  for (const source of [
    'event.properties.total >= 30',
    'event.properties.total >= 30 && subject.country == "KR"',
    'event.properties.plan in ["pro", "team"] || has(subject.email)',
    'event.properties.name.startsWith("a && b") && event.properties.vip == true',
    'event.properties.note != "say \\"hi\\""',
  ]) {
    const rows = parseRows(source);
    assert.ok(rows, `rows for ${source}`);
    assert.equal(rowsCel(rows), source);
  }
  assert.deepEqual(parseRows('event.properties.total >= 30')!.rows, [{ field: 'event.properties.total', op: '>=', value: '30', kind: 'number' }]);
  assert.deepEqual(parseRows(''), { join: '&&', rows: [] });
});

test('conditions rows cannot say stay raw CEL (never rewritten)', () => {
  for (const source of ['a > 1 && (b || c)', 'x && y || z', 'size(event.properties.items) > 2', 'event.properties.total >= 30 && now > timestamp("2026-01-01T00:00:00Z")']) {
    assert.equal(parseRows(source), undefined, source);
  }
});

test('a value is written by its kind: 30 as a number, "30" as text', () => {
  assert.equal(rowsCel({ join: '&&', rows: [{ field: 'event.properties.total', op: '>=', value: '30', kind: 'number' }] }), 'event.properties.total >= 30');
  assert.equal(rowsCel({ join: '&&', rows: [{ field: 'event.properties.code', op: '==', value: '30', kind: 'string' }] }), 'event.properties.code == "30"');
  assert.equal(rowsCel({ join: '||', rows: [{ field: 'event.properties.x', op: 'exists', value: '', kind: 'string' }, { field: '', op: '==', value: '', kind: 'string' }] }), 'has(event.properties.x)');
});

test('paths are the server error paths, and setting one keeps the rest of the document', () => {
  assert.deepEqual(parsePath('then[0].webhook.url'), ['then', 0, 'webhook', 'url']);
  assert.deepEqual(parsePath('when.after[1].within'), ['when', 'after', 1, 'within']);
  const doc = { id: 'r', then: [{ webhook: { url: 'a' } }] };
  const next = setAt(doc, 'then[0].webhook.url', 'b');
  assert.equal(getAt(next, 'then[0].webhook.url'), 'b');
  assert.equal(getAt(doc, 'then[0].webhook.url'), 'a', 'the original is not changed');
  assert.deepEqual(setAt(next, 'then[0].webhook.method', 'PUT'), { id: 'r', then: [{ webhook: { url: 'b', method: 'PUT' } }] });
  assert.deepEqual(setAt({ id: 'r', when: { event: 'x', wait: '1m' } }, 'when.wait', undefined), { id: 'r', when: { event: 'x' } });
  assert.deepEqual(setAt({ id: 'r' }, 'limits.per_subject.max', 2), { id: 'r', limits: { per_subject: { max: 2 } } });
});

test('YAML both ways, keys in reading order, mistakes with line and column', () => {
  const text = toYaml({ then: [{ log: { message: 'hi' } }], when: { event: 'x' }, id: 'r' });
  assert.equal(text, 'id: r\nwhen:\n  event: x\nthen:\n  - log:\n      message: hi\n');
  assert.deepEqual(fromYaml(text), { ok: true, doc: { id: 'r', when: { event: 'x' }, then: [{ log: { message: 'hi' } }] } });
  const broken = fromYaml('id: r\nwhen:\n  event: [x\nthen: []\n');
  assert.equal(broken.ok, false);
  assert.ok(!broken.ok && broken.line !== undefined && broken.column !== undefined);
  assert.deepEqual(fromYaml('- a\n- b'), { ok: false, message: 'not-a-mapping' });
  assert.equal(fromYaml('id: a\nid: b').ok, false, 'a key given twice is a mistake');
});

test('the estimate: firings a day over the days covered, messages from webhook/chat/email less the holdout', () => {
  const result = { covered: { from: '2026-11-27T00:00:00Z', to: '2026-12-04T00:00:00Z' }, events: 100, firings: 70 } as BacktestAnswer;
  const doc: Doc = { then: [{ webhook: { url: 'x' } }, { emit: { event: 'y' } }, { email: { to: 'a', subject: 'b' } }], holdout: { percent: 10 } };
  const guess = estimate(result, doc)!;
  assert.equal(guess.perDay, 10);
  assert.equal(guess.messagesPerDay, 18);
  assert.equal(estimate({ ...result, covered: null }, doc), undefined, 'no data: no estimate');
  assert.equal(estimate({ ...result, events: 0 }, doc), undefined);
});
