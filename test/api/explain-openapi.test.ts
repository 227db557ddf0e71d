// The "why (not)?" endpoints in the OpenAPI document, and real answers that match the schemas it shows.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FormatRegistry, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { startTestServer, type InProcessServer } from '../support/server.ts';
import { until } from '../support/until.ts';
import { SubjectExplanation } from '../../src/api/schemas/explain.ts';
import { SubjectTimelinePage } from '../../src/api/schemas/subjects.ts';
import { SavedRule, TestResult } from '../../src/api/schemas/rules.ts';

FormatRegistry.Set('date-time', (value) => !Number.isNaN(Date.parse(value)));

describe('OpenAPI of why (not)?', () => {
  let server: InProcessServer;
  before(async () => { server = await startTestServer(); });
  after(async () => { await server?.stop(); });

  it('documents the subject explain and timeline endpoints and the new answer fields', async () => {
    const docs = (await server.request('GET', '/docs/json', undefined, { token: null })).body;
    for (const path of ['/v1/subjects/{id}/explain', '/v1/subjects/{id}/timeline']) {
      const op = docs.paths[path]?.get;
      assert.ok(op?.responses?.['200']?.content?.['application/json']?.schema, `GET ${path} has a 200 schema`);
    }
    const test = docs.paths['/v1/rules/{id}/test'].post;
    assert.ok(test.requestBody.content['application/json'].schema.properties.events, 'the test body documents events');
    const testAnswer = JSON.stringify(test.responses['200']);
    for (const field of ['fired', 'decision', 'conditions', 'suppressions', 'waiting', 'earlier']) assert.ok(testAnswer.includes(`"${field}"`), `test answer documents ${field}`);
    assert.ok(JSON.stringify(docs.paths['/v1/rules/{id}'].put.responses).includes('"warnings"'), 'a save documents its warnings');
  });

  it('answers as documented', async () => {
    const check = (schema: TSchema, value: unknown) => assert.ok(Value.Check(schema, value), JSON.stringify([...Value.Errors(schema, value)].slice(0, 3)));
    const saved = await server.request('PUT', '/v1/rules/o-loop', { when: { event: 'o_ping', count: { at_least: 2, within: '1h' } }, then: [{ emit: { event: 'o_ping' } }] });
    check(SavedRule, saved.body);
    assert.equal(saved.body.warnings.length, 1);
    check(TestResult, (await server.request('POST', '/v1/rules/o-loop/test', { events: [{ type: 'o_ping', subject: 'o' }], event: { type: 'o_ping', subject: 'o' } })).body);
    await server.request('POST', '/v1/events', [{ id: 'o-1', type: 'o_ping', subject: 'os' }, { id: 'o-2', type: 'o_ping', subject: 'os' }]);
    await until(async () => (await server.request('GET', '/v1/firings?subject=os')).body.items[0]);
    check(SubjectExplanation, (await server.request('GET', '/v1/subjects/os/explain?rule=o-loop')).body);
    check(SubjectTimelinePage, (await server.request('GET', '/v1/subjects/os/timeline?limit=2')).body);
  });
});
