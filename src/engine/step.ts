// The engine core: (rules, subject state, input, clock) → (new state, firings, emits, timers, errors). Pure.
import { IDENTIFY_EVENT_TYPE, type LoggedEvent, type NewEvent } from './event.ts';
import type { RuleSet } from './ruleset.ts';
import type { Clock, EngineInput, EngineOptions, Firing, RuleRunError, StepOutput, SubjectState, Trace } from './types.ts';
import { celContext, evaluateRule } from './evaluate.ts';
import { planFiring, type PlannedFiring } from './plan.ts';
import { DEFAULT_CONDITION_LIMITS } from './condition-limits.ts';
import { DEFAULT_SUBJECT_LIMITS, profileProblem } from './subject-limits.ts';

export const DEFAULT_ENGINE_OPTIONS: EngineOptions = { maxEmitDepth: 8, condition: DEFAULT_CONDITION_LIMITS, subject: DEFAULT_SUBJECT_LIMITS };

export function step(rules: RuleSet, subject: SubjectState, input: EngineInput, clock: Clock, options: EngineOptions = DEFAULT_ENGINE_OPTIONS): StepOutput {
  if (input.kind === 'timer') return { subject, subjectChanged: false, firings: [], emits: [], timers: [], errors: [] };
  return stepEvent(rules, subject, input.event, clock, options);
}

function stepEvent(rules: RuleSet, before: SubjectState, event: LoggedEvent, clock: Clock, options: EngineOptions): StepOutput {
  const limits = options.subject ?? DEFAULT_SUBJECT_LIMITS;
  // identify events set attributes first, so rules triggered by them see the new profile.
  let subject = before;
  let eventError: string | undefined;
  if (event.type === IDENTIFY_EVENT_TYPE) {
    const merged = applyAttributes(before, Object.entries(event.properties));
    const problem = profileProblem(before.attributes, merged.attributes, limits);
    if (problem) eventError = `identify not applied: ${problem}`;
    else subject = merged;
  }
  const candidates = rules.candidates(event.type);
  if (!candidates.length) return { subject, subjectChanged: subject !== before, firings: [], emits: [], timers: [], errors: [], eventError };

  const context = celContext(event, subject, clock);
  const view = context.subject as Record<string, unknown>; // the same view the conditions read
  const evaluation = { valuesWhenFalse: false, limits: options.condition, wallClock: options.wallClock };
  const firings: Firing[] = [];
  const emits: NewEvent[] = [];
  const errors: RuleRunError[] = [];
  // Every rule sees the subject as it was when the event arrived; sets apply after all rules, in rule-id order.
  const withSets: Array<{ readonly index: number; readonly planned: PlannedFiring }> = [];
  for (const rule of candidates) {
    const trace = evaluateRule(rule, event, context, evaluation);
    const conditionError = whereError(trace);
    if (conditionError) errors.push({ ruleId: rule.id, message: `when.where: ${conditionError}` });
    if (!trace.matched) continue;
    const planned = planFiring(rule, event, view, trace, clock, options);
    if (planned.sets.length) withSets.push({ index: firings.length, planned });
    firings.push(planned.firing);
    emits.push(...planned.emits);
  }
  for (const { index, planned } of withSets) {
    const next = applyAttributes(subject, planned.sets);
    const problem = profileProblem(subject.attributes, next.attributes, limits);
    if (!problem) { subject = next; continue; }
    firings[index] = setsRefused(planned.firing, problem);
    errors.push({ ruleId: planned.firing.ruleId, message: `then: set not applied: ${problem}` });
  }
  return { subject, subjectChanged: subject !== before, firings, emits, timers: [], errors, eventError };
}

/** The runtime error of a rule's condition (missing key, wrong type, budget overrun), if any. */
function whereError(trace: Trace): string | undefined {
  for (const s of trace.steps) if (s.check === 'where' && s.error) return s.error;
  return undefined;
}

/** The firing with its `set` actions marked failed: they would take the profile over its bound, so none applies. */
function setsRefused(firing: Firing, problem: string): Firing {
  const actions = firing.trace.actions?.map((a) => (a.kind === 'set' && a.outcome === 'applied' ? { ...a, outcome: 'failed' as const, detail: `not applied: ${problem}` } : a));
  return { ...firing, trace: { ...firing.trace, actions } };
}

/** A new state with the attributes merged; `null` removes one. Keys such as `__proto__` stay plain data. */
export function applyAttributes(subject: SubjectState, entries: ReadonlyArray<readonly [string, unknown]>): SubjectState {
  const attributes: Record<string, unknown> = Object.create(null);
  for (const key of Object.keys(subject.attributes)) attributes[key] = subject.attributes[key];
  for (const [key, value] of entries) {
    if (key === 'id') continue; // the subject id is not an attribute
    if (value === null) delete attributes[key];
    else attributes[key] = value;
  }
  return { id: subject.id, attributes };
}
