// Who may call which route: the one map from every route to what it needs (issue 8). A role may do what the
// roles below it may: a viewer reads (and tries rules out: test, backtest, compare, which change nothing); an
// editor also changes rules, sends events and replays or retries deliveries; an admin also manages users, keys,
// secrets and signing. `ingest` routes also take a write key; `public` ones nothing; `metrics` its own token.
// A route missing here needs an admin, and test/auth/roles.test.ts fails: add it here when you add a route.
import type { UserRole } from '../store/catalog.ts';

export type Need = 'public' | 'metrics' | 'ingest' | UserRole;

export interface RouteRule {
  readonly need: Need;
  /** What the route does, for the refusal: "your role (viewer) cannot <does>: ask …". */
  readonly does: string;
}

const r = (need: Need, does: string): RouteRule => ({ need, does });

export const ROUTE_ROLES: Readonly<Record<string, RouteRule>> = {
  // Operations and documentation.
  'GET /healthz': r('public', 'check health'),
  'GET /readyz': r('public', 'check readiness'),
  'GET /metrics': r('metrics', 'read metrics'),
  // The console's own files (task C1) are public: the page signs in through the API.
  'GET /': r('public', 'open the console'),
  'GET /*': r('public', 'open the console'),
  // Signing in: anyone may try (rate-limited); signing out ends only one's own session.
  'POST /v1/session': r('public', 'sign in'),
  'GET /v1/session': r('viewer', 'see who is signed in'),
  'DELETE /v1/session': r('viewer', 'sign out'),
  // Events in.
  'POST /v1/events': r('ingest', 'send events'),
  'POST /v1/track': r('ingest', 'send events'),
  'POST /v1/identify': r('ingest', 'send events'),
  'POST /v1/page': r('ingest', 'send events'),
  'POST /v1/screen': r('ingest', 'send events'),
  'POST /v1/batch': r('ingest', 'send events'),
  // Rules.
  'GET /v1/rules': r('viewer', 'read rules'),
  'GET /v1/rules/:id': r('viewer', 'read rules'),
  'GET /v1/rules/:id/errors': r('viewer', 'read rules'),
  'GET /v1/rules/:id/versions': r('viewer', 'read rules'),
  'GET /v1/rules/:id/versions/:version': r('viewer', 'read rules'),
  'GET /v1/rules/:id/near-misses': r('viewer', 'read rules'),
  'GET /v1/rules/:id/report': r('viewer', 'read reports'),
  // The rules list's activity, owner and lift badges in one answer (console).
  'GET /v1/rule-activity': r('viewer', 'read rules'),
  'POST /v1/rules/:id/test': r('viewer', 'test rules'),
  'POST /v1/rules/:id/backtest': r('viewer', 'backtest rules'),
  'POST /v1/rules/backtest': r('viewer', 'backtest rules'),
  'POST /v1/stats/compare': r('viewer', 'compare groups'),
  'PUT /v1/rules/:id': r('editor', 'save rules'),
  'DELETE /v1/rules/:id': r('editor', 'delete rules'),
  'POST /v1/rules/:id/enable': r('editor', 'enable rules'),
  'POST /v1/rules/:id/disable': r('editor', 'disable rules'),
  'POST /v1/rules/:id/holdout/reshuffle': r('editor', 'reshuffle holdouts'),
  // What happened.
  'GET /v1/firings': r('viewer', 'read firings'),
  'GET /v1/firings/:id': r('viewer', 'read firings'),
  'GET /v1/deliveries': r('viewer', 'read deliveries'),
  'GET /v1/deliveries/:id': r('viewer', 'read deliveries'),
  'POST /v1/deliveries/:id/replay': r('editor', 'replay deliveries'),
  'POST /v1/deliveries/:id/retry': r('editor', 'retry deliveries'),
  'POST /v1/deliveries/:id/resend': r('editor', 'resend deliveries'),
  'POST /v1/deliveries/replay': r('editor', 'replay deliveries'),
  'GET /v1/events': r('viewer', 'read events'),
  'GET /v1/events/:id': r('viewer', 'read events'),
  'GET /v1/events/stream': r('viewer', 'follow events'),
  'GET /v1/event-types': r('viewer', 'read the event catalogue'),
  'GET /v1/overview': r('viewer', 'read the overview'),
  'GET /v1/failures': r('viewer', 'read failures'),
  'GET /v1/subjects/:id': r('viewer', 'read subjects'),
  'GET /v1/subjects/:id/timeline': r('viewer', 'read subjects'),
  'GET /v1/subjects/:id/explain': r('viewer', 'read subjects'),
  'GET /v1/retention': r('viewer', 'read retention settings'),
  // The audit log: editors may read rules' entries (the route narrows them), admins everything.
  'GET /v1/audit': r('editor', 'read the audit log'),
  // Administration.
  'POST /v1/users': r('admin', 'add users'),
  'GET /v1/users': r('admin', 'list users'),
  'PATCH /v1/users/:username': r('admin', 'change users'),
  'DELETE /v1/users/:username': r('admin', 'delete users'),
  'POST /v1/keys': r('admin', 'create keys'),
  'GET /v1/keys': r('admin', 'list keys'),
  'DELETE /v1/keys/:id': r('admin', 'revoke keys'),
  'PUT /v1/secrets/:name': r('admin', 'set secrets'),
  'GET /v1/secrets': r('admin', 'list secrets'),
  'DELETE /v1/secrets/:name': r('admin', 'delete secrets'),
  'GET /v1/signing-secret': r('admin', 'read signing secrets'),
  'POST /v1/signing-secret/rotate': r('admin', 'rotate signing secrets'),
  'DELETE /v1/signing-secret': r('admin', 'remove signing secrets'),
};

const UNLISTED: RouteRule = { need: 'admin', does: 'use this route' };
/** A request that matched no route (404) needs only a signed-in person or a token. */
const NO_ROUTE: RouteRule = { need: 'viewer', does: 'use the API' };

/** Routes whose paths are generated (the API documentation, the console's built files, one route per file): public. */
function generatedPublic(method: string, url: string): RouteRule | undefined {
  if (url === '/docs' || url.startsWith('/docs/')) return { need: 'public', does: 'read the API documentation' };
  if ((method === 'GET' || method === 'HEAD') && (url === '/index.html' || url.startsWith('/assets/'))) return { need: 'public', does: 'open the console' };
  return undefined;
}

/** What a route needs; HEAD as its GET. */
export function routeRule(method: string, url: string | undefined): RouteRule {
  if (url === undefined) return NO_ROUTE;
  return generatedPublic(method, url) ?? ROUTE_ROLES[`${method === 'HEAD' ? 'GET' : method} ${url}`] ?? UNLISTED;
}

export function hasRouteRule(method: string, url: string): boolean {
  return generatedPublic(method, url) !== undefined || `${method === 'HEAD' ? 'GET' : method} ${url}` in ROUTE_ROLES;
}

const RANK: Record<UserRole, number> = { viewer: 0, editor: 1, admin: 2 };

export function roleAllows(role: UserRole, need: UserRole): boolean {
  return RANK[role] >= RANK[need];
}

/** The refusal the console shows as is. */
export function refusal(role: UserRole, rule: RouteRule): string {
  const need = rule.need === 'ingest' ? 'editor' : rule.need;
  const ask = need === 'admin' ? 'an admin' : 'an admin or an editor';
  return `your role (${role}) cannot ${rule.does}: ask ${ask}`;
}
