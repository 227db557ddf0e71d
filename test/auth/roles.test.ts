// The route -> role map (src/api/roles.ts) covers every route the server registers: a route added without an
// entry fails here (it would otherwise need an admin, silently).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../support/server.ts';
import { routesOf } from '../../src/api/app.ts';
import { ROUTE_ROLES, hasRouteRule, refusal, routeRule } from '../../src/api/roles.ts';

test('every registered route has an entry in the role map', async () => {
  const server = await startTestServer();
  try {
    const routes = routesOf(server.app);
    assert.ok(routes.length > 40, `the app's routes were collected (${routes.length})`);
    const missing = routes.filter((r) => !hasRouteRule(r.method, r.url)).map((r) => `${r.method} ${r.url}`);
    assert.deepEqual(missing, [], `add these to ROUTE_ROLES in src/api/roles.ts: ${missing.join(', ')}`);
    // Reads are never more than viewer; the few POSTs a viewer may make change nothing.
    for (const { method, url } of routes) {
      const rule = routeRule(method, url);
      if (url.startsWith('/v1/') && (method === 'GET' || method === 'HEAD')) assert.ok(['viewer', 'editor', 'admin'].includes(rule.need), `${method} ${url}`);
    }
  } finally {
    await server.stop();
  }
});

test('a route missing from the map needs an admin; refusals name the role and whom to ask', () => {
  assert.equal(routeRule('POST', '/v1/not-in-the-map').need, 'admin');
  assert.equal(routeRule('HEAD', '/v1/rules').need, 'viewer');
  assert.equal(routeRule('GET', '/docs/json').need, 'public');
  assert.equal(refusal('viewer', ROUTE_ROLES['PUT /v1/rules/:id']), 'your role (viewer) cannot save rules: ask an admin or an editor');
  assert.equal(refusal('viewer', ROUTE_ROLES['POST /v1/events']), 'your role (viewer) cannot send events: ask an admin or an editor');
  assert.equal(refusal('editor', ROUTE_ROLES['POST /v1/users']), 'your role (editor) cannot add users: ask an admin');
});
