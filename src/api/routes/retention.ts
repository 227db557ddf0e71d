// The retention policy and the oldest row still stored per history: what a request for older history can expect.
import type { FastifyInstance } from 'fastify';
import fp from '../plugin.ts';
import type { ApiDeps } from '../deps.ts';
import { ERRORS } from '../schemas/common.ts';
import { Retention } from '../schemas/retention.ts';
import { periods } from '../../retention/policy.ts';
import { isoOrNull } from '../views.ts';

export const retentionRoutes = (deps: ApiDeps) => fp(async (app: FastifyInstance) => {
  app.get('/v1/retention', {
    schema: { tags: ['runs'], summary: 'How long each kind of history is kept (IFTHEN_RETENTION_*_MS) and the oldest row of each still stored', response: { 200: Retention, ...ERRORS } },
  }, async () => {
    const oldest = await deps.stores.history.oldest();
    return {
      periods: periods(deps.config.retention),
      oldestStored: {
        events: isoOrNull(oldest.events), firings: isoOrNull(oldest.firings), deliveries: isoOrNull(oldest.deliveries),
        failures: isoOrNull(oldest.event_failures), ruleErrors: isoOrNull(oldest.rule_errors), suppressions: isoOrNull(oldest.suppressions),
      },
      intervalMs: deps.config.retention.intervalMs,
      dedupe: deps.config.dedupe,
    };
  });
});
