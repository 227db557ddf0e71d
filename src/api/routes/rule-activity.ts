// GET /v1/rule-activity (issue 8): what the rules list shows beside each rule, for every rule in one answer:
// firings per hour split into treatment and holdout, suppressions per hour and by reason, run-time errors, who
// created and last changed it (the audit log: rule versions do not record who), and the lift badge of its holdout
// report. A path of its own rather than /v1/rules/activity, which would hide a rule named "activity".
//
// Cost with 1,000 rules: the counts are three grouped queries over the period's rows (sqlite-rule-activity.ts; hours
// that are over are kept, so a refresh reads the open hour only) and one over the audit index; lift badges are computed only for rules with a holdout, kept a minute per (rule,
// version), and at most a time budget's worth per request (the rest answer `pending`; the page asks again).
import type { FastifyInstance } from 'fastify';
import fp from '../plugin.ts';
import type { ApiDeps } from '../deps.ts';
import { ApiError } from '../errors.ts';
import { iso } from '../views.ts';
import { ERRORS } from '../schemas/common.ts';
import { RuleActivityAnswer, RuleActivityQuery } from '../schemas/rule-activity.ts';
import { HOUR_MS, SqliteRuleActivity, type RuleActivityReader, type RuleChange } from '../../store/sqlite/sqlite-rule-activity.ts';
import { ThreadReportReader } from '../../report/report-thread.ts';
import { RuleReporter, type ReportRule } from '../../report/report.ts';
import { holdoutOf } from '../../report/rule-metrics.ts';
import { DEFAULT_MINIMUM_PER_ARM } from '../../stats/compare.ts';
import type { Verdict } from '../../stats/types.ts';

export type LiftBadge =
  | { readonly status: 'no_holdout' }
  | { readonly status: 'pending' }
  | { readonly status: 'no_goal' }
  /** Fewer matured subjects than the minimum in a group: no verdict yet. */
  | { readonly status: 'too_early'; readonly matured: { readonly control: number; readonly treatment: number }; readonly minimum: number }
  /** The groups' sizes do not match the configured split: no verdict at all. */
  | { readonly status: 'sample_ratio_mismatch' }
  | {
    readonly status: 'ready'; readonly verdict: Verdict; readonly metric: string; readonly kind: 'conversion' | 'value';
    /** Treatment minus holdout, in the metric's units (a rate for conversion: 0.021 is +2.1 points). */
    readonly absolute: number; readonly lower: number; readonly upper: number;
  }
  | { readonly status: 'failed'; readonly message: string };

export interface LiftBadgeOptions {
  /** How long a computed badge is shown before it is computed again. */
  readonly ttlMs: number;
  /** Time one request may spend computing badges; the rest answer `pending` (or their previous badge). */
  readonly budgetMs: number;
}

/** Lift badges kept per (rule, version) for `ttlMs`, computed within a time budget per request. */
export class LiftBadges {
  readonly #cache = new Map<string, { version: number; at: number; badge: LiftBadge }>();

  constructor(private readonly reporter: RuleReporter, private readonly options: LiftBadgeOptions = { ttlMs: 60_000, budgetMs: 1_500 }) {}

  async badges(rules: readonly ReportRule[], now: number): Promise<{ badges: Map<string, LiftBadge>; computed: number; pending: number; ms: number }> {
    const started = performance.now();
    const badges = new Map<string, LiftBadge>();
    const stale: { rule: ReportRule; age: number }[] = [];
    for (const rule of rules) {
      if (!holdoutOf(rule.document)) { badges.set(rule.id, { status: 'no_holdout' }); continue; }
      const cached = this.#cache.get(rule.id);
      const same = cached !== undefined && cached.version === rule.version;
      if (same && now - cached.at < this.options.ttlMs) badges.set(rule.id, cached.badge);
      else stale.push({ rule, age: same ? now - cached.at : Number.MAX_SAFE_INTEGER });
    }
    // Never computed first, then the oldest: every badge gets its turn within a few refreshes.
    stale.sort((a, b) => b.age - a.age);
    let computed = 0;
    let pending = 0;
    for (const { rule } of stale) {
      if (performance.now() - started > this.options.budgetMs) {
        const old = this.#cache.get(rule.id);
        badges.set(rule.id, old && old.version === rule.version ? old.badge : { status: 'pending' });
        pending++;
        continue;
      }
      const badge = await this.#compute(rule, now);
      computed++;
      this.#cache.set(rule.id, { version: rule.version, at: now, badge });
      badges.set(rule.id, badge);
    }
    const live = new Set(rules.map((r) => r.id));
    for (const id of this.#cache.keys()) if (!live.has(id)) this.#cache.delete(id);
    return { badges, computed, pending, ms: performance.now() - started };
  }

  async #compute(rule: ReportRule, now: number): Promise<LiftBadge> {
    try {
      const primary = (await this.reporter.report(rule, {}, now)).primary;
      if (!primary) return { status: 'no_goal' };
      const c = primary.comparison;
      if (c?.srm.flagged) return { status: 'sample_ratio_mismatch' };
      if (!c || Math.min(primary.matured.control, primary.matured.treatment) < DEFAULT_MINIMUM_PER_ARM) {
        return { status: 'too_early', matured: primary.matured, minimum: DEFAULT_MINIMUM_PER_ARM };
      }
      // The verdict is the sequential one (valid when people look every day); its interval goes with it.
      return { status: 'ready', verdict: c.verdict, metric: primary.name, kind: primary.kind, absolute: c.lift.absolute.estimate, lower: c.sequential.absolute.lower, upper: c.sequential.absolute.upper };
    } catch (error) {
      return { status: 'failed', message: (error as Error).message };
    }
  }
}

const changeView = (c: RuleChange | null | undefined) => (c ? { at: iso(c.at), actor: c.actor, action: c.action } : null);

export const ruleActivityRoutes = (deps: ApiDeps) => fp(async (app: FastifyInstance) => {
  // Opened on the first request (the file exists by then) and kept; the report thread starts on the first badge.
  let reader: RuleActivityReader | undefined;
  const thread = new ThreadReportReader(deps.config.dbFile);
  const lifts = new LiftBadges(new RuleReporter(thread, { globalControlPercent: deps.config.globalControl?.percent ?? 0 }));
  app.addHook('onClose', async () => { reader?.close(); await thread.close(); });

  app.get<{ Querystring: { hours?: string } }>('/v1/rule-activity', {
    schema: {
      tags: ['rules'], summary: 'Every rule\'s activity for the rules list: firings per hour (treatment, holdout), suppressions, errors, owner and last change, lift badge',
      querystring: RuleActivityQuery, response: { 200: RuleActivityAnswer, ...ERRORS },
    },
  }, async (request) => {
    const hours = request.query.hours === undefined ? 24 : Number(request.query.hours);
    if (!Number.isInteger(hours) || hours < 1 || hours > 168) throw new ApiError('IFTHEN_ERR_INVALID_QUERY', [`hours: must be a whole number of hours from 1 to 168 (GET /v1/rule-activity), got "${request.query.hours}"`]);
    const now = deps.now();
    const to = (Math.floor(now / HOUR_MS) + 1) * HOUR_MS;
    const from = to - hours * HOUR_MS;
    reader ??= new SqliteRuleActivity(deps.config.dbFile);
    const rows = reader.read({ from, to }, now);
    const firstHour = from / HOUR_MS;
    const rules = (await deps.stores.rules.list()).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

    const zeros = () => new Array<number>(hours).fill(0);
    const items = new Map(rules.map((r) => [r.id, { rule: r.id, firings: zeros(), holdout: zeros(), suppressed: zeros(), suppressions: {} as Record<string, number>, errors: { count: 0, last: null as string | null } }]));
    for (const f of rows.firings) {
      const item = items.get(f.ruleId);
      const hour = f.hour - firstHour;
      if (item && hour >= 0 && hour < hours) item[f.group === 'holdout' ? 'holdout' : 'firings'][hour] += f.count;
    }
    for (const s of rows.suppressions) {
      const item = items.get(s.ruleId);
      const hour = s.hour - firstHour;
      if (!item || hour < 0 || hour >= hours) continue;
      item.suppressed[hour] += s.count;
      item.suppressions[s.reason] = (item.suppressions[s.reason] ?? 0) + s.count;
    }
    for (const e of rows.errors) {
      const item = items.get(e.ruleId);
      if (item) item.errors = { count: e.count, last: iso(e.last) };
    }
    const changes = new Map(rows.changes.map((c) => [c.ruleId, c]));
    const lift = await lifts.badges(rules, now);
    return {
      from: iso(from), to: iso(to), hours,
      items: [...items.values()].map((item) => ({
        ...item, created: changeView(changes.get(item.rule)?.created), changed: changeView(changes.get(item.rule)?.last), lift: lift.badges.get(item.rule) ?? { status: 'pending' },
      })),
      lift: { computed: lift.computed, pending: lift.pending, ms: Math.round(lift.ms) },
    };
  });
});
