// A rule's holdout report (issue 7): GET /v1/rules/{id}/report. The analysis is src/report; this maps the query
// and the errors, and writes times as ISO 8601.
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import fp from '../plugin.ts';
import type { ApiDeps } from '../deps.ts';
import { ApiError } from '../errors.ts';
import { iso, isoOrNull } from '../views.ts';
import { ERRORS } from '../schemas/common.ts';
import { ReportQuery, RuleReportAnswer } from '../schemas/report.ts';
import { parseInstant } from '../../backtest/range.ts';
import { NoHoldoutError, RuleReporter, type RuleReport } from '../../report/report.ts';
import { ThreadReportReader } from '../../report/report-thread.ts';

function instantOf(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const at = parseInstant(text);
  if (at === undefined) throw new ApiError('IFTHEN_ERR_INVALID_QUERY', [`${name}: must be a day like 2026-11-01 or an ISO 8601 time, got "${text}"`]);
  return at;
}

export function reportView(report: RuleReport) {
  return {
    ...report,
    experiment: { ...report.experiment, since: iso(report.experiment.since) },
    period: { from: iso(report.period.from), to: isoOrNull(report.period.to) },
    as_of: iso(report.as_of),
  };
}

export const reportRoutes = (deps: ApiDeps) => fp(async (app: FastifyInstance) => {
  // The global control share counts in the expected split of rules that opt in.
  const globalControlPercent = deps.config.globalControl?.percent ?? 0;
  // One per API: its cache of final days lives as long as the server. The aggregations run in a thread of their
  // own (report-worker.ts, a read-only connection), so a cold report never holds the HTTP thread.
  const thread = new ThreadReportReader(deps.config.dbFile);
  app.addHook('onClose', async () => thread.close());
  const reporter = new RuleReporter(thread, { globalControlPercent });

  app.get<{ Params: { id: string }; Querystring: { from?: string; to?: string } }>('/v1/rules/:id/report', {
    schema: {
      tags: ['rules'], summary: "A rule's holdout report: each goal and guardrail, holdout vs treatment, over matured exposures; verdict and sentence",
      params: Type.Object({ id: Type.String() }), querystring: ReportQuery,
      response: { 200: RuleReportAnswer, ...ERRORS },
    },
  }, async (request) => {
    const from = instantOf('from', request.query.from);
    const to = instantOf('to', request.query.to);
    if (from !== undefined && to !== undefined && to <= from) throw new ApiError('IFTHEN_ERR_INVALID_QUERY', [`to: must be after from (${request.query.from})`]);
    const rule = await deps.stores.rules.get(request.params.id);
    if (!rule) throw new ApiError('IFTHEN_ERR_NOT_FOUND', [`no rule "${request.params.id}"`]);
    try {
      return reportView(await reporter.report(rule, { from, to }, deps.now()));
    } catch (error) {
      if (error instanceof NoHoldoutError) throw new ApiError('IFTHEN_ERR_CONFLICT', [error.message]);
      throw error;
    }
  });
});
