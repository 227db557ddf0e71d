// The engine core: (rules, subject state, input, clock) → (new state, firings, emits, timers, errors). Pure.
// Rules without memory take the path they always did; rules with memory go through memory/stateful.ts.
import { IDENTIFY_EVENT_TYPE, type LoggedEvent, type NewEvent } from './event.ts';
import type { RuleSet } from './ruleset.ts';
import type { Clock, EngineInput, EngineOptions, Firing, MemoryLimits, RuleDecision, RuleRunError, StepOutput, SubjectState, TimerFire, Trace } from './types.ts';
import type { CompiledRule } from './rule/compile.ts';
import { celContext, evaluateRule, subjectView } from './evaluate.ts';
import { DEFAULT_MEMORY_LIMITS } from './memory-limits.ts';
import { MemoryDraft } from './memory/entry.ts';
import { boundMemory, forgetSize, memorySize } from './memory/bounds.ts';
import { isLate, ruleOnEvent, ruleOnTimer, type Scope } from './memory/stateful.ts';
import { whereDetail } from './explain.ts';
import type { PlannedFiring } from './plan.ts';
import { plan } from './lazy-plan.ts';
import { DEFAULT_CONDITION_LIMITS } from './condition-limits.ts';
import { DEFAULT_SUBJECT_LIMITS, profileProblem } from './subject-limits.ts';
import { timedExposures, withGoalHits } from './holdout/step-output.ts';

export const DEFAULT_ENGINE_OPTIONS: EngineOptions = { maxEmitDepth: 8, condition: DEFAULT_CONDITION_LIMITS, subject: DEFAULT_SUBJECT_LIMITS };

export function step(rules: RuleSet, subject: SubjectState, input: EngineInput, clock: Clock, options: EngineOptions = DEFAULT_ENGINE_OPTIONS): StepOutput {
  if (input.kind === 'timer') return timedExposures(stepTimer(rules, subject, input.timer, clock, options), input.timer.dueAt);
  return withGoalHits(stepEvent(rules, subject, input.event, clock, options), rules, input.event, clock, options);
}

function stepEvent(rules: RuleSet, before: SubjectState, event: LoggedEvent, clock: Clock, options: EngineOptions): StepOutput {
  const limits = options.subject ?? DEFAULT_SUBJECT_LIMITS;
  const memoryLimits = options.memory ?? DEFAULT_MEMORY_LIMITS;
  // identify events set attributes first, so rules triggered by them see the new profile.
  let subject = before;
  let eventError: string | undefined;
  if (event.type === IDENTIFY_EVENT_TYPE) {
    const merged = applyAttributes(before, Object.entries(event.properties));
    const problem = profileProblem(before.attributes, merged.attributes, limits);
    if (problem) eventError = `identify not applied: ${problem}`;
    else subject = merged;
  }
  const late = isLate(event, memoryLimits) || undefined;
  const candidates = rules.candidates(event.type);
  if (!candidates.length) return { subject, subjectChanged: subject !== before, firings: [], emits: [], timers: [], errors: [], eventError, late };

  const context = celContext(event, subject, clock);
  const view = context.subject as Record<string, unknown>; // the same view the conditions read
  const evaluation = { valuesWhenFalse: Boolean(options.explain), limits: options.condition, wallClock: options.wallClock };
  const decisions: RuleDecision[] | undefined = options.explain ? [] : undefined;
  const planned: PlannedFiring[] = [];
  const errors: RuleRunError[] = [];
  // Rules with memory share one draft of the subject's memory and the outputs; made on the first such rule.
  let scope: Scope | undefined;
  for (const rule of candidates) {
    if (rule.memory || rule.change) {
      scope ??= newScope(subject, view, clock, options, memoryLimits, event.id, planned, errors, decisions, event.properties);
      ruleOnEvent(rule, scope, event, before, context);
      continue;
    }
    const trace = evaluateRule(rule, event, context, evaluation);
    const conditionError = whereError(trace);
    if (conditionError) errors.push({ ruleId: rule.id, message: `when.where: ${conditionError}` });
    if (decisions) decisions.push(matchDecision(rule, event.id, trace));
    if (!trace.matched) continue;
    planned.push(plan(rule, event, view, trace, clock, options));
  }
  return finish(options, before, subject, planned, errors, scope, memoryLimits, event.receivedAt, decisions, { eventError, late });
}

function stepTimer(rules: RuleSet, subject: SubjectState, timer: TimerFire, clock: Clock, options: EngineOptions): StepOutput {
  const memoryLimits = options.memory ?? DEFAULT_MEMORY_LIMITS;
  const decisions: RuleDecision[] | undefined = options.explain ? [] : undefined;
  const planned: PlannedFiring[] = [];
  const errors: RuleRunError[] = [];
  const scope = newScope(subject, subjectView(subject), clock, options, memoryLimits, timer.id, planned, errors, decisions);
  ruleOnTimer(rules.get(timer.ruleId), scope, timer);
  return finish(options, subject, subject, planned, errors, scope, memoryLimits, timer.dueAt, decisions, {});
}

function newScope(subject: SubjectState, view: Record<string, unknown>, clock: Clock, options: EngineOptions, limits: MemoryLimits, inputId: string,
  planned: PlannedFiring[], errors: RuleRunError[], decisions: RuleDecision[] | undefined, eventProperties?: Readonly<Record<string, unknown>>): Scope {
  return {
    subject, view, clock, options, limits, inputId, eventProperties, memory: new MemoryDraft(subject.memory, options.memoryInPlace),
    evaluation: { valuesWhenFalse: Boolean(options.explain), limits: options.condition, wallClock: options.wallClock },
    out: { planned, timers: [], cancelled: [], suppressions: [], decisions, errors, trimmed: [] },
  };
}

/** Memory and its bound, then `set`s in rule-id order; the output. */
function finish(options: EngineOptions, before: SubjectState, rulesSaw: SubjectState, planned: PlannedFiring[], errors: RuleRunError[], scope: Scope | undefined, memoryLimits: MemoryLimits,
  at: number, decisions: RuleDecision[] | undefined, extra: { eventError?: string; late?: true }): StepOutput {
  let subject = rulesSaw;
  let cancelledTimers = scope?.out.cancelled;
  let suppressions = scope?.out.suppressions;
  let memoryChanged = false;
  if (scope?.memory.changed) {
    memoryChanged = true;
    // The estimate reads the length kept on the memory before this step (changed in place or not).
    const estimate = memorySize(scope.memory.base) + scope.memory.added;
    const memory = scope.memory.result();
    if (memory && memory === scope.memory.base) forgetSize(memory); // changed in place: its kept length is stale
    const bounded = boundMemory(memory, memoryLimits.maxMemoryBytes, subject.id, at, estimate);
    if (bounded.cancelled.length) cancelledTimers = [...cancelledTimers!, ...bounded.cancelled];
    if (bounded.suppressions.length) suppressions = [...suppressions!, ...bounded.suppressions];
    if (bounded.memory !== subject.memory) subject = withMemory(subject, bounded.memory);
  }
  const firings: Firing[] = [];
  const emits: NewEvent[] = [];
  const limits = options.subject ?? DEFAULT_SUBJECT_LIMITS;
  // Every rule saw the subject as it was when the input arrived; sets apply after all rules, in rule-id order.
  for (const p of planned) {
    let firing = p.firing;
    if (p.sets.length) {
      const next = applyAttributes(subject, p.sets);
      const problem = profileProblem(subject.attributes, next.attributes, limits);
      if (!problem) subject = next;
      else {
        firing = setsRefused(firing, problem);
        errors.push({ ruleId: firing.ruleId, message: `then: set not applied: ${problem}` });
      }
    }
    firings.push(firing);
    for (const e of p.emits) emits.push(e);
  }
  const out: { -readonly [K in keyof StepOutput]: StepOutput[K] } = {
    subject, subjectChanged: memoryChanged || subject !== before, firings, emits, timers: scope?.out.timers ?? [], errors, eventError: extra.eventError,
  };
  if (cancelledTimers?.length) out.cancelledTimers = cancelledTimers;
  if (suppressions?.length) out.suppressions = suppressions;
  if (scope?.out.trimmed.length) out.windowTrims = scope.out.trimmed;
  if (extra.late) out.late = true;
  if (decisions) out.decisions = decisions;
  return out;
}

function withMemory(subject: SubjectState, memory: Record<string, unknown> | undefined): SubjectState {
  return memory ? { id: subject.id, attributes: subject.attributes, memory } : { id: subject.id, attributes: subject.attributes };
}

function matchDecision(rule: CompiledRule, input: string, trace: Trace): RuleDecision {
  const typeStep = trace.steps[0];
  if (typeStep?.check === 'event' && !typeStep.passed) return { ruleId: rule.id, version: rule.version, input, outcome: 'event_type', detail: `event: ${typeStep.actual} is not ${typeStep.expected === '*' ? '*' : typeStep.expected.join(' or ')}`, trace };
  if (trace.matched) return { ruleId: rule.id, version: rule.version, input, outcome: 'fired', detail: 'fired', trace };
  const where = whereDetail(trace) ?? 'where: false';
  return { ruleId: rule.id, version: rule.version, input, outcome: whereError(trace) ? 'condition_error' : 'condition_false', detail: where, trace };
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
  return subject.memory ? { id: subject.id, attributes, memory: subject.memory } : { id: subject.id, attributes };
}
