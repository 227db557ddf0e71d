// The HTTP API: Fastify with ifthen's error registry, authentication per route, OpenAPI at /docs.
import Fastify, { LogController, type FastifyInstance, type FastifyError, type FastifyBaseLogger } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { TSchema } from '@sinclair/typebox';
import type { Logger } from 'pino';
import { ApiError } from './errors.ts';
import { Authenticator, type Access } from './auth.ts';
import { formatFieldErrors, schemaErrors } from '../engine/schema-errors.ts';
import type { ApiDeps } from './deps.ts';
import { ingestRoutes } from './routes/ingest.ts';
import { ruleRoutes } from './routes/rules.ts';
import { runRoutes } from './routes/runs.ts';
import { adminRoutes } from './routes/admin.ts';
import { opsRoutes } from './routes/ops.ts';
import { retentionRoutes } from './routes/retention.ts';
import { subjectRoutes } from './routes/subjects.ts';
import { backtestRoutes } from './routes/backtest.ts';
import { statsRoutes } from './routes/stats.ts';
import { sessionRoutes } from './routes/session.ts';
import { userRoutes } from './routes/users.ts';
import { auditRoutes } from './routes/audit.ts';
import { ruleActivityRoutes } from './routes/rule-activity.ts';
import { routeRule } from './roles.ts';
import { reportRoutes } from './routes/report.ts';
import { overviewRoutes } from './routes/overview.ts';
import { eventStreamRoutes } from './routes/event-stream.ts';
import { eventTypeRoutes } from './routes/event-types.ts';
import { consoleStatic } from './console-static.ts';
import { OverloadedError, RestartingError } from '../app/pipeline-client.ts';

declare module 'fastify' {
  interface FastifyContextConfig { access?: Access }
}

const ROUTES = new WeakMap<FastifyInstance, { method: string; url: string }[]>();

/** Every route the app registered (method and URL pattern), for the test that each has an entry in roles.ts. */
export function routesOf(app: FastifyInstance): readonly { method: string; url: string }[] {
  return ROUTES.get(app) ?? [];
}

export async function buildApi(deps: ApiDeps, logger: Logger): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: logger as unknown as FastifyBaseLogger,
    bodyLimit: deps.config.limits.bodyBytes,
    // Keys such as __proto__ and constructor are data: JSON.parse stores them as own properties, and we never merge into prototypes.
    onProtoPoisoning: 'ignore',
    onConstructorPoisoning: 'ignore',
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // Bounded sockets: a client that sends half a request (or nothing) cannot hold a socket forever.
    requestTimeout: deps.config.http.requestTimeoutMs,
    keepAliveTimeout: deps.config.http.keepAliveTimeoutMs,
    connectionTimeout: deps.config.http.idleTimeoutMs,
    http: { headersTimeout: Math.min(deps.config.http.headersTimeoutMs, deps.config.http.requestTimeoutMs), connectionsCheckingInterval: 1000 } as never,
  });

  const json = (_req: unknown, body: string, done: (err: Error | null, value?: unknown) => void) => {
    try { done(null, JSON.parse(body)); } catch (error) { done(new ApiError('IFTHEN_ERR_INVALID_JSON', [(error as Error).message])); }
  };
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(['application/json', 'application/cloudevents+json', 'application/cloudevents-batch+json'], { parseAs: 'string' }, json);
  app.addContentTypeParser(['application/yaml', 'application/x-yaml', 'text/yaml', 'text/plain'], { parseAs: 'string' }, (_req, body, done) => done(null, body));

  app.setValidatorCompiler(({ schema }) => {
    const compiled = TypeCompiler.Compile(schema as TSchema);
    return (data: unknown) => (compiled.Check(data) ? { value: data } : { error: new ApiError('IFTHEN_ERR_INVALID_BODY', [formatFieldErrors(schemaErrors(schema as TSchema, data))]) });
  });

  app.setErrorHandler((error: FastifyError | ApiError, request, reply) => {
    const api = toApiError(error, deps.config.limits.bodyBytes, request.id);
    if (api.status >= 500 && api.status !== 503) request.log.error({ err: error }, 'request failed');
    if (api.status === 503) reply.header('retry-after', '1');
    reply.status(api.status).send(api.toJSON());
  });
  app.setNotFoundHandler((request, reply) => {
    const error = new ApiError('IFTHEN_ERR_NOT_FOUND', [`no route ${request.method} ${request.url.split('?')[0]}`]);
    reply.status(404).send(error.toJSON());
  });

  const auth = new Authenticator(deps.stores.keys, deps.stores.sessions, deps.config.adminToken, deps.config.metricsToken, { sessionTtlMs: deps.config.session.ttlMs, now: deps.now });
  // Who may call what is the route's entry in roles.ts (one map for every route), never the route's own file.
  app.addHook('onRequest', async (request) => {
    await auth.check(request, routeRule(request.method, request.routeOptions.url));
  });

  const routes: { method: string; url: string }[] = [];
  ROUTES.set(app, routes);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push({ method, url: route.url });
  });
  await app.register(swagger, {
    openapi: {
      info: { title: 'ifthen', version: '0.1.0', description: 'Real-time "if this, then that" for your own event data. Authenticate with `Authorization: Bearer <admin token>`; a write key may only send events.' },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'The admin token (IFTHEN_ADMIN_TOKEN, or the one printed at first start); on ingest endpoints a write key too' },
          writeKey: { type: 'http', scheme: 'basic', description: 'A write key as the user name, empty password (as Segment libraries send it)' },
          metricsToken: { type: 'http', scheme: 'bearer', description: 'IFTHEN_METRICS_TOKEN (or the admin token); needed only when IFTHEN_METRICS_TOKEN is set' },
          session: { type: 'apiKey', in: 'cookie', name: 'ifthen_session', description: 'The console\'s session (POST /v1/session); a change made with it also needs the x-csrf-token header' },
        },
      },
      security: [{ bearer: [] }],
    },
    // Shared schemas appear under their own names (EventInput), not def-0.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list' } });

  await app.register(opsRoutes(deps));
  await app.register(ingestRoutes(deps));
  await app.register(ruleRoutes(deps));
  await app.register(runRoutes(deps));
  await app.register(retentionRoutes(deps));
  await app.register(subjectRoutes(deps));
  await app.register(backtestRoutes(deps));
  await app.register(statsRoutes(deps));
  await app.register(adminRoutes(deps));
  await app.register(reportRoutes(deps));
  await app.register(sessionRoutes(deps, auth));
  await app.register(userRoutes(deps));
  await app.register(auditRoutes(deps));
  await app.register(ruleActivityRoutes(deps));
  await app.register(overviewRoutes(deps));
  await app.register(eventStreamRoutes(deps));
  await app.register(eventTypeRoutes(deps));
  await app.register(consoleStatic());
  return app;
}

function toApiError(error: FastifyError | ApiError, bodyLimit: number, requestId: string): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof OverloadedError) return new ApiError('IFTHEN_ERR_OVERLOADED', [error.message]);
  if (error instanceof RestartingError) return new ApiError('IFTHEN_ERR_UNAVAILABLE', [error.message]);
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE': return new ApiError('IFTHEN_ERR_BODY_TOO_LARGE', [bodyLimit]);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE': return new ApiError('IFTHEN_ERR_UNSUPPORTED_MEDIA_TYPE', [String(error.message.split(': ')[1] ?? 'given'), 'application/json']);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY': return new ApiError('IFTHEN_ERR_INVALID_JSON', ['the body is empty']);
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH': return new ApiError('IFTHEN_ERR_INVALID_BODY', ['Content-Length does not match the body']);
  }
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) return new ApiError('IFTHEN_ERR_INVALID_BODY', [error.message]);
  return new ApiError('IFTHEN_ERR_INTERNAL', [requestId]);
}
