// The engine core: (rules, subject state, input, clock) → (new state, firings, emits, timers). Pure.
import { IDENTIFY_EVENT_TYPE, type LoggedEvent, type NewEvent } from './event.ts';
import type { RuleSet } from './ruleset.ts';
import type { Clock, EngineInput, EngineOptions, Firing, StepOutput, SubjectState } from './types.ts';
import { celContext, evaluateRule } from './evaluate.ts';
import { planFiring } from './plan.ts';

export const DEFAULT_ENGINE_OPTIONS: EngineOptions = { maxEmitDepth: 8 };

export function step(rules: RuleSet, subject: SubjectState, input: EngineInput, clock: Clock, options: EngineOptions = DEFAULT_ENGINE_OPTIONS): StepOutput {
  if (input.kind === 'timer') return { subject, subjectChanged: false, firings: [], emits: [], timers: [] };
  return stepEvent(rules, subject, input.event, clock, options);
}

function stepEvent(rules: RuleSet, before: SubjectState, event: LoggedEvent, clock: Clock, options: EngineOptions): StepOutput {
  // identify events set attributes first, so rules triggered by them see the new profile.
  let subject = event.type === IDENTIFY_EVENT_TYPE ? applyAttributes(before, Object.entries(event.properties)) : before;
  const candidates = rules.candidates(event.type);
  if (!candidates.length) return { subject, subjectChanged: subject !== before, firings: [], emits: [], timers: [] };

  const context = celContext(event, subject, clock);
  const view = context.subject as Record<string, unknown>; // the same view the conditions read
  const firings: Firing[] = [];
  const emits: NewEvent[] = [];
  const sets: Array<readonly [string, unknown]> = [];
  // Every rule sees the subject as it was when the event arrived; sets apply after all rules, in rule-id order.
  for (const rule of candidates) {
    const trace = evaluateRule(rule, event, context, { valuesWhenFalse: false });
    if (!trace.matched) continue;
    const planned = planFiring(rule, event, view, trace, clock, options);
    firings.push(planned.firing);
    emits.push(...planned.emits);
    sets.push(...planned.sets);
  }
  if (sets.length) subject = applyAttributes(subject, sets);
  return { subject, subjectChanged: subject !== before, firings, emits, timers: [] };
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
