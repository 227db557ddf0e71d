// Goal and guardrail events: an event of a metric's type whose `where` holds is a hit for that rule and metric,
// with the metric's `value` (0 without one). Pure; the store matches hits to exposures (sqlite-exposures.ts).
import type { LoggedEvent } from '../event.ts';
import type { RuleSet } from '../ruleset.ts';
import type { Clock, EngineOptions, GoalHit, RuleRunError } from '../types.ts';
import { CelEvent, type CelContext } from '../cel.ts';
import { ConditionMeter } from '../cel-budget.ts';
import { DEFAULT_CONDITION_LIMITS } from '../condition-limits.ts';
import type { CompiledExpression } from '../rule/compile.ts';

export function goalHits(rules: RuleSet, event: LoggedEvent, clock: Clock, options: EngineOptions): { hits: GoalHit[]; errors: RuleRunError[] } {
  const hits: GoalHit[] = [];
  const errors: RuleRunError[] = [];
  const ruleList = rules.goalRules(event.type);
  if (!ruleList.length) return { hits, errors };
  // Goal conditions read event and now only (validation): the subject's profile is not loaded for them.
  const context: CelContext = { event: new CelEvent(event.id, event.type, event.subject, new Date(event.time), event.properties), subject: Object.create(null), now: new Date(clock.now) };
  const run = (ruleId: string, path: string, expr: CompiledExpression): { ok: boolean; value?: unknown } => {
    try {
      return { ok: true, value: expr.program(context, new ConditionMeter(options.condition ?? DEFAULT_CONDITION_LIMITS, options.wallClock)) };
    } catch (error) {
      errors.push({ ruleId, message: `${path}: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]}` });
      return { ok: false };
    }
  };
  for (const rule of ruleList) {
    const experiment = rule.experiment!;
    for (const metric of experiment.metrics) {
      if (!metric.eventTypes.includes(event.type)) continue;
      if (metric.where) {
        const where = run(rule.id, `${metric.path}.where`, metric.where);
        if (!where.ok || where.value !== true) continue;
      }
      let value = 0;
      if (metric.value) {
        const v = run(rule.id, `${metric.path}.value`, metric.value).value;
        value = typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'bigint' ? Number(v) : 0;
      }
      hits.push({ ruleId: rule.id, salt: experiment.salt, metric: metric.name, subject: event.subject, value, time: event.time, eventId: event.id });
    }
  }
  return { hits, errors };
}
