// What a rule's document says about its experiment: the holdout (salt as the pipeline uses it) and the metrics
// (goals, guardrails) named as the pipeline names their exposure_outcomes rows (src/engine/holdout/metrics.ts).
import { parseDuration } from '../engine/duration.ts';
import { ruleMetrics, ruleSalt } from '../engine/holdout/metrics.ts';
import type { RuleDocument } from '../engine/rule/schema.ts';
import type { MetricKind } from '../stats/types.ts';

export interface HoldoutSettings {
  /** Share of subjects held out, 0 < percent ≤ 50. */
  readonly percent: number;
  /** The assignment's seed; default the rule id. */
  readonly salt: string;
  /** Subjects of the global control group are held out too (IFTHEN_GLOBAL_CONTROL_PERCENT). */
  readonly globalControl: boolean;
}

export interface RuleMetric {
  /** The metric's name in exposure_outcomes: `name`, default the (first) goal event type. */
  readonly name: string;
  /** The goal event type(s), as written. */
  readonly event: string;
  readonly within: string;
  readonly windowMs: number;
  /** conversion without `value`; value (per exposed subject, zeros included) with it. */
  readonly kind: MetricKind;
  /** Goals: up is good; guardrails: up is harm. */
  readonly higherIsBetter: boolean;
}

export function holdoutOf(document: RuleDocument): HoldoutSettings | null {
  const holdout = document.holdout;
  if (!holdout || !(holdout.percent > 0)) return null;
  return { percent: holdout.percent, salt: ruleSalt(document), globalControl: holdout.global_control === true };
}

/** Goals (the first is primary) and guardrails, in the document's order. */
export function metricsOf(document: RuleDocument): { goals: RuleMetric[]; guardrails: RuleMetric[] } {
  const goals: RuleMetric[] = [];
  const guardrails: RuleMetric[] = [];
  for (const metric of ruleMetrics(document)) {
    const { spec } = metric;
    (metric.kind === 'goal' ? goals : guardrails).push({
      name: metric.name, event: Array.isArray(spec.event) ? spec.event.join(', ') : spec.event,
      within: spec.within, windowMs: parseDuration(spec.within),
      kind: spec.value === undefined ? 'conversion' : 'value', higherIsBetter: metric.kind === 'goal',
    });
  }
  return { goals, guardrails };
}

/**
 * The expected control share. A rule's holdout and the global control are drawn by two independent hashes (the
 * rule's salt, the global salt): a subject is held out when either holds it, 1 − (1 − p)(1 − g).
 */
export function expectedControlShare(holdout: HoldoutSettings, globalControlPercent: number): number {
  const p = holdout.percent / 100;
  const g = holdout.globalControl ? Math.max(0, globalControlPercent) / 100 : 0;
  return p + g - p * g; // = 1 − (1 − p)(1 − g), exact when g = 0
}
