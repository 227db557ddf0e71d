// A rule's goals and guardrails, listed once (for validation, compilation and the report's metric names).
import type { MetricSpec, RuleDocument } from '../rule/schema.ts';

export interface RuleMetric {
  readonly spec: MetricSpec;
  readonly kind: 'goal' | 'guardrail';
  /** The document path, for errors: `goal`, `goals[1]`, `guardrails[0]`. */
  readonly path: string;
  /** Unique per rule; default the (first) event type. */
  readonly name: string;
}

/** Goals first (the first is primary), then guardrails; `goal` and `goals` are not both given (validation). */
export function ruleMetrics(doc: Pick<RuleDocument, 'goal' | 'goals' | 'guardrails'>): RuleMetric[] {
  const out: RuleMetric[] = [];
  const add = (spec: MetricSpec, kind: RuleMetric['kind'], path: string) => out.push({ spec, kind, path, name: spec.name ?? defaultName(spec) });
  if (doc.goal) add(doc.goal, 'goal', 'goal');
  doc.goals?.forEach((g, i) => add(g, 'goal', `goals[${i}]`));
  doc.guardrails?.forEach((g, i) => add(g, 'guardrail', `guardrails[${i}]`));
  return out;
}

function defaultName(spec: MetricSpec): string {
  return Array.isArray(spec.event) ? spec.event[0] : spec.event;
}

/** The salt a rule's assignment and exposures use: `holdout.salt`, else the rule id. */
export function ruleSalt(doc: Pick<RuleDocument, 'id' | 'holdout'>): string {
  return doc.holdout?.salt ?? doc.id;
}
