// What a step adds for the analysis, kept out of step.ts's paths: the goal hits of an event, and the exposure
// time of a timer's firings (the timer's due time, not the trigger event's time).
import type { LoggedEvent } from '../event.ts';
import type { RuleSet } from '../ruleset.ts';
import type { Clock, EngineOptions, RuleDecision, StepOutput } from '../types.ts';
import { goalHits } from './goals.ts';

export function withGoalHits(decided: StepOutput, rules: RuleSet, event: LoggedEvent, clock: Clock, options: EngineOptions): StepOutput {
  const out = withGroups(decided);
  const { hits, errors } = goalHits(rules, event, clock, options);
  if (!hits.length && !errors.length) return out;
  return { ...out, ...(hits.length ? { goalHits: hits } : {}), errors: errors.length ? [...out.errors, ...errors] : out.errors };
}

export function timedExposures(decided: StepOutput, dueAt: number): StepOutput {
  const out = withGroups(decided);
  if (!out.firings.some((f) => f.exposure)) return out;
  return { ...out, firings: out.firings.map((f) => (f.exposure ? { ...f, exposure: { ...f.exposure, at: dueAt } } : f)) };
}

/** Explain's decisions say the group of a held-out firing: `fired f_… (holdout: recorded, no action)`. */
function withGroups(out: StepOutput): StepOutput {
  if (!out.decisions?.length || !out.firings.some((f) => f.group === 'holdout')) return out;
  const held = new Set(out.firings.filter((f) => f.group === 'holdout').map((f) => f.ruleId));
  const decisions = out.decisions.map((d): RuleDecision => (d.outcome === 'fired' && held.has(d.ruleId)
    ? { ...d, group: 'holdout', detail: `${d.detail} (holdout: recorded as an exposure, no action)` } : d));
  return { ...out, decisions };
}
