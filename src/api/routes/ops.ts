// Operations: liveness, readiness (the pipeline thread answers), Prometheus metrics.
import type { FastifyInstance } from 'fastify';
import fp from '../plugin.ts';
import type { ApiDeps } from '../deps.ts';
import { ApiError } from '../errors.ts';

export const opsRoutes = (deps: ApiDeps) => fp(async (app: FastifyInstance) => {
  const config = { access: 'public' as const };
  app.get('/healthz', { config, schema: { tags: ['ops'], summary: 'The process is alive' } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { config, schema: { tags: ['ops'], summary: 'Ready to take events: the pipeline thread answers; includes processing lag' } }, async () => {
    const status = await Promise.race([
      deps.pipeline.status(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new ApiError('IFTHEN_ERR_NOT_READY', ['the pipeline thread did not answer within 2 s'])), 2000).unref()),
    ]);
    return { status: 'ready', ...status };
  });
  app.get('/metrics', { config, schema: { tags: ['ops'], summary: 'Prometheus metrics' } }, async (_request, reply) => {
    const [own, pipeline] = await Promise.all([deps.registry.metrics(), deps.pipeline.metrics()]);
    return reply.type(deps.registry.contentType).send(`${own}\n${pipeline}`);
  });
});
