// Backtests and near misses: what a rule (saved, or a draft) would have done over stored events, run in a thread
// of its own (src/backtest) with a simulated clock through the engine core; nothing is stored or sent.
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import fp from '../plugin.ts';
import type { ApiDeps } from '../deps.ts';
import { ApiError } from '../errors.ts';
import { ERRORS, documentedOnly } from '../schemas/common.ts';
import { BacktestQuery, BacktestRequest, BacktestResult, NearMissResult } from '../schemas/backtest.ts';
import { RuleContent } from '../schemas/rules.ts';
import { parseRuleBody } from './rules.ts';
import { BacktestBusyError, BacktestRunner, BacktestTimeoutError } from '../../backtest/backtest-runner.ts';
import { backtestEngineOptions } from '../../backtest/engine-options.ts';
import { parseRange, yesterday, dayOf, DAY_MS, parseInstant } from '../../backtest/range.ts';
import type { BacktestResult as Result } from '../../backtest/backtest.ts';
import type { NearMissResult as NearMisses } from '../../backtest/near-misses.ts';
import type { RuleToRun } from '../../backtest/rule-set.ts';
import type { RuleDocument } from '../../engine/rule/schema.ts';

const tags = ['rules'];
const IdParams = Type.Object({ id: Type.String() });
const DEFAULT_SAMPLE = 10;
/** Near misses of past days kept (a past day's events change only when retention deletes them). */
const CACHED_DAYS = 256;

const iso = (time: number) => new Date(time).toISOString();

export const backtestRoutes = (deps: ApiDeps) => fp(async (app: FastifyInstance) => {
  const runner = new BacktestRunner(deps.config.backtest);
  app.addHook('onClose', async () => runner.close());
  const cache = new Map<string, NearMisses>();

  const find = async (id: string) => {
    const rule = await deps.stores.rules.get(id);
    if (!rule) throw new ApiError('IFTHEN_ERR_NOT_FOUND', [`no rule "${id}"`]);
    return rule;
  };
  const saved = async () => (await deps.stores.rules.list()).map((r) => ({ document: r.document, version: r.version, enabled: r.enabled }));

  const run = async <T extends Result | NearMisses>(task: Parameters<BacktestRunner['run']>[0]): Promise<T> => {
    try {
      return await runner.run<T>(task);
    } catch (error) {
      if (error instanceof BacktestBusyError) throw new ApiError('IFTHEN_ERR_UNAVAILABLE', [error.message]);
      if (error instanceof BacktestTimeoutError) throw new ApiError('IFTHEN_ERR_EVALUATION_TOO_SLOW', [error.message]);
      throw error;
    }
  };

  const backtest = async (target: RuleToRun, from: string, to: string, sample: number | undefined) => {
    const range = parseRange(from, to);
    if ('error' in range) throw new ApiError('IFTHEN_ERR_INVALID_BODY', [range.error]);
    const result = await run<Result>({
      kind: 'backtest', dbFile: deps.config.dbFile, target, saved: await saved(), engine: backtestEngineOptions(deps.config),
      now: deps.now(), range, sample: sample ?? DEFAULT_SAMPLE,
    });
    return backtestView(result, target.version || null);
  };

  app.post<{ Params: { id: string }; Body: { from: string; to: string; sample?: number } }>('/v1/rules/:id/backtest', {
    schema: {
      tags, summary: 'Backtest a saved rule: what it would have done over the stored events of a range (simulated clock, no action executed)',
      params: IdParams, body: BacktestRequest, response: { 200: BacktestResult, ...ERRORS },
    },
  }, async (request) => {
    const rule = await find(request.params.id);
    return backtest({ document: rule.document, version: rule.version }, request.body.from, request.body.to, request.body.sample);
  });

  app.post<{ Querystring: { from: string; to: string; sample?: string } }>('/v1/rules/backtest', {
    schema: {
      tags, summary: 'Backtest a draft rule, not saved (application/yaml or application/json, as PUT /v1/rules/{id}); the range in the query',
      querystring: BacktestQuery, body: RuleContent, response: { 200: BacktestResult, ...ERRORS },
    },
    // The route parses the rule (YAML or JSON) and the query itself, and reports every problem with its path.
    validatorCompiler: documentedOnly,
  }, async (request) => {
    const { from, to } = request.query;
    if (typeof from !== 'string' || typeof to !== 'string') throw new ApiError('IFTHEN_ERR_INVALID_QUERY', ['from and to are required: ?from=2026-11-01&to=2026-11-08']);
    const sample = request.query.sample === undefined ? undefined : Number(request.query.sample);
    if (sample !== undefined && (!Number.isInteger(sample) || sample < 0 || sample > 100)) throw new ApiError('IFTHEN_ERR_INVALID_QUERY', [`sample: must be an integer from 0 to 100, got "${request.query.sample}"`]);
    const { document } = parseRuleBody(request.body);
    return backtest({ document: document as RuleDocument, version: 0 }, from, to, sample);
  });

  app.get<{ Params: { id: string }; Querystring: { day?: string } }>('/v1/rules/:id/near-misses', {
    schema: {
      tags, summary: 'Near misses of a saved rule on one UTC day: subjects stopped by each reason, and how far they were from passing a numeric comparison',
      params: IdParams, querystring: Type.Object({ day: Type.Optional(Type.String({ description: 'A UTC day like 2026-11-03; default yesterday' })) }),
      response: { 200: NearMissResult, ...ERRORS },
    },
  }, async (request) => {
    const now = deps.now();
    const day = request.query.day ?? yesterday(now);
    const start = /^\d{4}-\d{2}-\d{2}$/.test(day) ? parseInstant(day) : undefined;
    if (start === undefined || dayOf(start) !== day) throw new ApiError('IFTHEN_ERR_INVALID_QUERY', [`day: must be a day like 2026-11-03, got "${day}"`]);
    const rule = await find(request.params.id);
    const all = await saved();
    // A past day's answer stays valid while the rule set is the same and its events are all still stored.
    const oldest = (await deps.stores.history.oldest()).events;
    const past = start + DAY_MS <= now && oldest !== null && oldest <= start;
    const key = JSON.stringify([rule.id, rule.version, day, all.map((r) => [r.document.id, r.version, r.enabled])]);
    const hit = past ? cache.get(key) : undefined;
    if (hit) return nearMissView(hit, rule.version, true);
    const result = await run<NearMisses>({
      kind: 'near-misses', dbFile: deps.config.dbFile, target: { document: rule.document, version: rule.version }, saved: all,
      engine: backtestEngineOptions(deps.config), now, day,
    });
    if (past && !result.warnings.length) {
      cache.set(key, result);
      if (cache.size > CACHED_DAYS) cache.delete(cache.keys().next().value!);
    }
    return nearMissView(result, rule.version, false);
  });
});

function backtestView(r: Result, version: number | null) {
  return {
    rule: { id: r.ruleId, version }, alongside: r.alongside,
    requested: { from: iso(r.requested.from), to: iso(r.requested.to) },
    covered: r.covered && { from: iso(r.covered.from), to: iso(r.covered.to) },
    warmUp: { from: iso(r.warmUp.from), events: r.warmUp.events },
    events: r.events, firings: r.firings, subjects: r.subjects, suppressions: r.suppressions, perDay: r.perDay,
    sample: r.sample.map((f) => ({ ...f, time: iso(f.time) })),
    emitsNotFedBack: r.emitsNotFedBack, late: r.late, errors: r.errors, warnings: r.warnings, durationMs: r.durationMs,
  };
}

function nearMissView(r: NearMisses, version: number, cached: boolean) {
  return {
    rule: { id: r.ruleId, version }, day: r.day, covered: r.covered && { from: iso(r.covered.from), to: iso(r.covered.to) },
    events: r.events, fired: r.fired, reasons: r.reasons, comparisons: r.comparisons, summary: r.summary, warnings: r.warnings,
    cached, durationMs: cached ? 0 : r.durationMs,
  };
}
