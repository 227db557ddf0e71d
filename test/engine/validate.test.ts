import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { validateRule } from '../../src/engine/rule/validate.ts';

const base = { id: 'r1', when: { event: 'signup' }, then: [{ log: { message: 'x' } }] };
const errorsOf = (doc: unknown) => {
  const result = validateRule(doc);
  return result.ok ? [] : result.errors.map((e) => `${e.path}: ${e.message}`);
};

describe('rule validation', () => {
  it('accepts a valid rule', () => {
    assert.deepEqual(errorsOf(base), []);
  });

  it('names the path and position of a CEL typo', () => {
    const errors = errorsOf({ ...base, when: { event: 'x', where: 'event.propertes.total > 3' } });
    assert.equal(errors.length, 1);
    assert.match(errors[0], /^when\.where: No such key: propertes at line 1, column 7/);
    assert.match(errorsOf({ ...base, when: { event: 'x', where: 'evnt.type == "a"' } })[0], /^when\.where: Unknown variable: evnt/);
    assert.match(errorsOf({ ...base, when: { event: 'x', where: 'event.type' } })[0], /must be a true\/false condition/);
  });

  it('accepts the features of the design that are built (absence, holdout: test/holdout/validate.test.ts)', () => {
    assert.deepEqual(errorsOf({ ...base, when: { event: 'x', unless: { event: 'y', within: '1h' } } }), []);
    assert.deepEqual(errorsOf({ ...base, holdout: { percent: 10 } }), []);
  });

  it('explains bad actions with their path', () => {
    assert.deepEqual(errorsOf({ ...base, then: [{ webhook: { url: 'ftp://x' } }] }), ['then[0].webhook.url: must be https or http URL']);
    assert.deepEqual(errorsOf({ ...base, then: [{ webhook: { url: '{{ event.properties.url }}' } }] }), ['then[0].webhook.url: must be https or http URL'], 'the scheme is literal');
    assert.deepEqual(errorsOf({ ...base, then: [{ webhook: { url: 'https://{{ event.properties.host }}/hook' } }] }), [], 'a templated host is keyed after rendering');
    assert.match(errorsOf({ ...base, then: [{ webhook: { url: 'https://x' }, log: { message: 'a' } }] })[0], /^then\[0\]: an action must have exactly one of/);
    assert.match(errorsOf({ ...base, then: [{ sms: {} }] })[0], /^then\[0\]: unknown action "sms"/);
    assert.match(errorsOf({ ...base, then: [{ log: { message: '{% if x %}' } }] })[0], /^then\[0\]\.log\.message: template does not parse/);
    assert.deepEqual(errorsOf({ ...base, then: [{ webhook: { url: 'https://x', timeout: 'soon' } }] }), ['then[0].webhook.timeout: must be a duration like 500ms, 30s, 10m, 24h or 3d']);
    assert.deepEqual(errorsOf({ ...base, then: [] }), ['then: must be a list of at least one action']);
  });

  it('reports missing and unknown fields', () => {
    assert.deepEqual(errorsOf({ id: 'r', then: base.then }), ['when: is required']);
    assert.deepEqual(errorsOf({ ...base, colour: 'red' }), ['colour: is not a known field']);
    assert.match(errorsOf({ ...base, id: 'Bad Id' })[0], /^id: must be lowercase/);
  });
});
