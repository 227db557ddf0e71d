// Operations: liveness, readiness (the pipeline thread answers), Prometheus metrics (optionally behind IFTHEN_METRICS_TOKEN).
import type { FastifyInstance } from 'fastify';
import fp from '../plugin.ts';
import type { ApiDeps } from '../deps.ts';
import { ApiError } from '../errors.ts';
import { ErrorAnswer } from '../schemas/common.ts';
import { Health, Metrics, Readiness } from '../schemas/admin.ts';

const NO_AUTH: Array<Record<string, string[]>> = [];
// `{}` makes the token optional: needed only when IFTHEN_METRICS_TOKEN is set.
const OPTIONAL_METRICS_TOKEN: Array<Record<string, string[]>> = [{}, { metricsToken: [] }];

export const opsRoutes = (deps: ApiDeps) => fp(async (app: FastifyInstance) => {
  const open = { access: 'public' as const };
  app.get('/healthz', { config: open, schema: { tags: ['ops'], summary: 'The process is alive', security: NO_AUTH, response: { 200: Health } } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { config: open, schema: { tags: ['ops'], summary: 'Ready to take events: the pipeline thread answers; includes processing lag', security: NO_AUTH, response: { 200: Readiness, 503: { ...ErrorAnswer, description: 'Not ready' } } } }, async () => {
    let timer: NodeJS.Timeout | undefined;
    try {
      const status = await Promise.race([
        deps.pipeline.status(),
        new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new ApiError('IFTHEN_ERR_NOT_READY', ['the pipeline thread did not answer within 2 s'])), 2000); }),
      ]);
      return { status: 'ready', ...status };
    } catch (error) {
      if (error instanceof ApiError) throw error;
      throw new ApiError('IFTHEN_ERR_NOT_READY', [(error as Error).message]);
    } finally {
      clearTimeout(timer);
    }
  });
  app.get('/metrics', {
    config: { access: 'metrics' as const },
    schema: {
      tags: ['ops'], summary: 'Prometheus metrics; needs IFTHEN_METRICS_TOKEN (or the admin token) as a bearer token when that is set',
      security: OPTIONAL_METRICS_TOKEN, produces: ['text/plain'], response: { 200: Metrics },
    },
  }, async (_request, reply) => {
    const own = await deps.registry.metrics();
    // While a worker thread is being replaced its metrics are missing, not the HTTP thread's.
    const workers = await deps.pipeline.metrics().catch(() => '');
    return reply.type(deps.registry.contentType).send(`${own}\n${workers}`);
  });
});
