// What a step adds for the analysis, kept out of step.ts's paths: the goal hits of an event, and the exposure
// time of a timer's firings (the timer's due time, not the trigger event's time).
import type { LoggedEvent } from '../event.ts';
import type { RuleSet } from '../ruleset.ts';
import type { Clock, EngineOptions, StepOutput } from '../types.ts';
import { goalHits } from './goals.ts';

export function withGoalHits(out: StepOutput, rules: RuleSet, event: LoggedEvent, clock: Clock, options: EngineOptions): StepOutput {
  const { hits, errors } = goalHits(rules, event, clock, options);
  if (!hits.length && !errors.length) return out;
  return { ...out, ...(hits.length ? { goalHits: hits } : {}), errors: errors.length ? [...out.errors, ...errors] : out.errors };
}

export function timedExposures(out: StepOutput, dueAt: number): StepOutput {
  if (!out.firings.some((f) => f.exposure)) return out;
  return { ...out, firings: out.firings.map((f) => (f.exposure ? { ...f, exposure: { ...f.exposure, at: dueAt } } : f)) };
}
