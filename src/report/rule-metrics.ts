// What a rule's document says about its experiment: the holdout and the metrics (goals, guardrails). Read
// defensively from the stored JSON, so that a report works with any version of the rule language that stores
// `holdout`, `goal`/`goals` and `guardrails` as issue 7 names them.
import { parseDuration } from '../engine/duration.ts';
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
  /** The metric's name in exposure_outcomes: `name`, default the goal event's type. */
  readonly name: string;
  readonly event: string;
  readonly within: string;
  readonly windowMs: number;
  /** conversion without `value`; value (per exposed subject, zeros included) with it. */
  readonly kind: MetricKind;
  /** Goals: up is good; guardrails: up is harm. */
  readonly higherIsBetter: boolean;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

export function holdoutOf(ruleId: string, document: unknown): HoldoutSettings | null {
  const holdout = isObject(document) ? document.holdout : undefined;
  if (!isObject(holdout) || typeof holdout.percent !== 'number' || !(holdout.percent > 0)) return null;
  return {
    percent: holdout.percent,
    salt: typeof holdout.salt === 'string' && holdout.salt !== '' ? holdout.salt : ruleId,
    globalControl: holdout.global_control === true,
  };
}

function metricOf(value: unknown, higherIsBetter: boolean): RuleMetric | null {
  if (!isObject(value) || typeof value.event !== 'string' || typeof value.within !== 'string') return null;
  let windowMs: number;
  try { windowMs = parseDuration(value.within); } catch { return null; }
  return {
    name: typeof value.name === 'string' && value.name !== '' ? value.name : value.event,
    event: value.event, within: value.within, windowMs,
    kind: value.value === undefined || value.value === null ? 'conversion' : 'value',
    higherIsBetter,
  };
}

/** Goals (the first is primary) and guardrails, in the document's order. */
export function metricsOf(document: unknown): { goals: RuleMetric[]; guardrails: RuleMetric[] } {
  if (!isObject(document)) return { goals: [], guardrails: [] };
  const list = (value: unknown) => (Array.isArray(value) ? value : value === undefined ? [] : [value]);
  const goals = [...list(document.goal), ...list(document.goals)].map((g) => metricOf(g, true)).filter((g): g is RuleMetric => g !== null);
  const guardrails = list(document.guardrails).map((g) => metricOf(g, false)).filter((g): g is RuleMetric => g !== null);
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
