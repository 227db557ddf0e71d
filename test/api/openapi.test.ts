// The OpenAPI document at /docs/json describes what the API takes and answers, and the answers match it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FormatRegistry, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { startTestServer, type InProcessServer } from '../support/server.ts';
import { startReceiver, type Receiver } from '../support/receiver.ts';
import { until } from '../support/until.ts';
import { DeliveryPage, DeliveryWithAttempts, EventPage, FiringPage, FiringWithDeliveries } from '../../src/api/schemas/runs.ts';
import { RuleWithErrors, SavedRule } from '../../src/api/schemas/rules.ts';
import { IngestReport } from '../../src/api/schemas/ingest.ts';
import { ErrorAnswer } from '../../src/api/schemas/common.ts';

FormatRegistry.Set('date-time', (value) => !Number.isNaN(Date.parse(value)));

describe('OpenAPI at /docs', () => {
  let server: InProcessServer;
  let receiver: Receiver;
  let docs: { paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema?: unknown }> }; responses: Record<string, { content?: Record<string, { schema?: unknown }> }>; security?: unknown[] }>> };
  before(async () => {
    receiver = await startReceiver();
    server = await startTestServer();
    const answer = await server.request('GET', '/docs/json', undefined, { token: null });
    assert.equal(answer.status, 200);
    docs = answer.body;
  });
  after(async () => {
    await server.stop();
    await receiver.close();
  });
  const operation = (path: string, method: string) => {
    const found = docs.paths[path]?.[method];
    assert.ok(found, `${method.toUpperCase()} ${path} is documented`);
    return found;
  };

  it('documents the body of POST /v1/events for JSON and both CloudEvents content types, so "Try it out" can send one', () => {
    const content = operation('/v1/events', 'post').requestBody?.content ?? {};
    for (const type of ['application/json', 'application/cloudevents+json', 'application/cloudevents-batch+json']) assert.ok(content[type]?.schema, `a schema for ${type}`);
    for (const path of ['/v1/track', '/v1/identify', '/v1/page', '/v1/screen', '/v1/batch']) assert.ok(operation(path, 'post').requestBody?.content['application/json']?.schema, `a body for ${path}`);
  });

  it('documents PUT /v1/rules/{id} as YAML text and as a JSON rule', () => {
    const content = operation('/v1/rules/{id}', 'put').requestBody?.content ?? {};
    assert.deepEqual(content['application/yaml']?.schema && (content['application/yaml'].schema as { type: string }).type, 'string');
    assert.deepEqual(((content['application/json']?.schema ?? {}) as { required?: string[] }).required, ['id', 'when', 'then']);
  });

  it('shows no lock on the open endpoints and an optional token on /metrics', () => {
    assert.deepEqual(operation('/healthz', 'get').security, []);
    assert.deepEqual(operation('/readyz', 'get').security, []);
    assert.deepEqual(operation('/metrics', 'get').security, [{}, { metricsToken: [] }]);
    assert.equal(operation('/v1/rules', 'get').security, undefined, 'the rest needs the token');
  });

  it('gives the main routes a 2xx answer schema and the error schema', () => {
    const main: [string, string][] = [
      ['/v1/events', 'post'], ['/v1/events', 'get'], ['/v1/rules', 'get'], ['/v1/rules/{id}', 'get'], ['/v1/rules/{id}', 'put'], ['/v1/rules/{id}/test', 'post'],
      ['/v1/firings', 'get'], ['/v1/firings/{id}', 'get'], ['/v1/deliveries', 'get'], ['/v1/deliveries/{id}', 'get'], ['/v1/deliveries/{id}/retry', 'post'],
      ['/v1/deliveries/{id}/resend', 'post'], ['/v1/failures', 'get'], ['/v1/signing-secret', 'get'], ['/v1/keys', 'post'], ['/v1/stats/compare', 'post'],
    ];
    for (const [path, method] of main) {
      const { responses } = operation(path, method);
      const success = Object.entries(responses).find(([code]) => code.startsWith('2'));
      assert.ok(success?.[1].content?.['application/json']?.schema, `${method.toUpperCase()} ${path} has a 2xx schema`);
      assert.ok(responses['4XX']?.content?.['application/json']?.schema, `${method.toUpperCase()} ${path} documents its errors`);
    }
    const page = operation('/v1/firings', 'get').responses['200'].content!['application/json'].schema as { properties: Record<string, unknown> };
    assert.ok(page.properties.items && page.properties.next, 'a list answer documents `next`');
  });

  it('answers what it documents, every field kept: an ingest report, a rule, firings and deliveries with attempts, errors', async () => {
    const rule = `id: documented\nwhen: { event: documented }\nthen:\n  - webhook: { url: "${receiver.url}/hook" }\n`;
    const saved = await server.request('PUT', '/v1/rules/documented', rule);
    const report = await server.request('POST', '/v1/events', { id: 'doc-1', type: 'documented', subject: 'u1', properties: { total: 1 } });
    const firings = await until(async () => {
      const page = (await server.request('GET', '/v1/firings?rule=documented')).body;
      return page.items.length ? page : undefined;
    });
    const id = firings.items[0].id as string;
    await until(async () => ((await server.request('GET', `/v1/deliveries/${id}.0`)).body.status === 'delivered' ? true : undefined));
    const answers: [string, TSchema, unknown][] = [
      ['PUT /v1/rules/documented', SavedRule, saved.body],
      ['POST /v1/events', IngestReport, report.body],
      ['GET /v1/rules/documented', RuleWithErrors, (await server.request('GET', '/v1/rules/documented')).body],
      ['GET /v1/firings', FiringPage, firings],
      ['GET /v1/firings/{id}', FiringWithDeliveries, (await server.request('GET', `/v1/firings/${id}`)).body],
      ['GET /v1/deliveries', DeliveryPage, (await server.request('GET', '/v1/deliveries?rule=documented')).body],
      ['GET /v1/deliveries/{id}', DeliveryWithAttempts, (await server.request('GET', `/v1/deliveries/${id}.0`)).body],
      ['GET /v1/events', EventPage, (await server.request('GET', '/v1/events?limit=1')).body],
      ['GET /v1/rules/nope', ErrorAnswer, (await server.request('GET', '/v1/rules/nope')).body],
    ];
    for (const [what, schema, body] of answers) assert.ok(Value.Check(schema, body), `${what} answers as documented: ${JSON.stringify([...Value.Errors(schema, body)][0] ?? body)}`);
    const one = (await server.request('GET', `/v1/deliveries/${id}.0`)).body;
    assert.deepEqual(Object.keys(one).sort(), ['actionIndex', 'attempts', 'createdAt', 'deliveredAt', 'destination', 'firingId', 'id', 'kind', 'lastError', 'nextAttemptAt', 'rule', 'status', 'subject']);
    assert.deepEqual(Object.keys(one.attempts[0]).sort(), ['attempt', 'error', 'latencyMs', 'request', 'response', 'startedAt', 'statusCode']);
    assert.equal(one.nextAttemptAt, null, 'a null stays null, not ""');
  });
});
