// Phase 1 of a step: does one rule match one event? Returns the trace either way, for "why (not)".
import type { LoggedEvent } from './event.ts';
import type { CompiledRule } from './rule/compile.ts';
import type { Clock, SubjectState, Trace, TraceStep } from './types.ts';
import { CelEvent, type CelContext } from './cel.ts';
import type { ConditionPath } from './condition-paths.ts';
import { ConditionMeter } from './cel-budget.ts';
import { DEFAULT_CONDITION_LIMITS, type ConditionLimits } from './condition-limits.ts';

export function celContext(event: LoggedEvent, subject: SubjectState, clock: Clock): CelContext {
  return {
    event: new CelEvent(event.id, event.type, event.subject, new Date(event.time), event.properties),
    subject: subjectView(subject),
    now: new Date(clock.now),
  };
}

/**
 * The view made from an attributes object, kept on it (attributes are never changed once made: a change makes
 * a new object) under a symbol, not enumerable: keys, JSON, deep equality and structured clones do not see it.
 */
const VIEW = Symbol('subject view');

/** The subject as conditions and templates see it: its attributes plus `id`. Read only (shared by the steps of one profile). */
export function subjectView(subject: SubjectState): Record<string, unknown> {
  const attributes = subject.attributes as { [VIEW]?: Record<string, unknown> };
  const known = attributes[VIEW];
  if (known !== undefined && known.id === subject.id) return known;
  const view: Record<string, unknown> = Object.create(null);
  for (const key of Object.keys(subject.attributes)) view[key] = subject.attributes[key];
  view.id = subject.id;
  if (Object.isExtensible(attributes)) Object.defineProperty(attributes, VIEW, { value: view, enumerable: false, writable: true, configurable: true });
  return view;
}

export interface EvaluateOptions {
  /** Record the values a condition read even when it is false: for "why not" (the test endpoint). */
  readonly valuesWhenFalse: boolean;
  /** The budget of the evaluation; default DEFAULT_CONDITION_LIMITS. */
  readonly limits?: ConditionLimits;
  /** For the time budget only (see EngineOptions.wallClock). */
  readonly wallClock?: () => number;
}

/** The live path records traces only for firings, so by default a false condition skips the value lookups. */
export function evaluateRule(rule: CompiledRule, event: LoggedEvent, context: CelContext, options: EvaluateOptions = { valuesWhenFalse: true }): Trace {
  const steps: TraceStep[] = [];
  const typeMatches = rule.eventTypes === '*' || rule.eventTypes.includes(event.type);
  steps.push({ check: 'event', expected: rule.eventTypes, actual: event.type, passed: typeMatches });
  if (typeMatches && rule.where) steps.push(evaluateWhere(rule.where, context, options));
  return { rule: rule.id, version: rule.version, event: event.id, matched: steps.every((s) => s.passed), steps };
}

function evaluateWhere(where: NonNullable<CompiledRule['where']>, context: CelContext, options: EvaluateOptions): TraceStep {
  const { source: expression, program, paths } = where;
  const values = (passed: boolean) => (passed || options.valuesWhenFalse ? valuesSeen(paths, context) : {});
  try {
    const result = program(context, new ConditionMeter(options.limits ?? DEFAULT_CONDITION_LIMITS, options.wallClock));
    if (typeof result !== 'boolean') return { check: 'where', expression, values: values(false), passed: false, error: `condition gave ${typeof result}, not true/false` };
    return { check: 'where', expression, values: values(result), passed: result };
  } catch (error) {
    // A runtime error (a missing property) or a budget overrun makes the condition false; the trace says why.
    return { check: 'where', expression, values: values(false), passed: false, error: firstLine(error) };
  }
}

/** The values of the paths the condition reads, as they were at evaluation. */
function valuesSeen(paths: readonly ConditionPath[], context: CelContext): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const path of paths) {
    Object.defineProperty(values, path.text, { value: lookup(context, path.parts), enumerable: true, writable: true, configurable: true });
  }
  return values;
}

function lookup(context: CelContext, parts: readonly string[]): unknown {
  let value: unknown = context;
  for (const part of parts) {
    if (value === null || typeof value !== 'object' || !Object.prototype.hasOwnProperty.call(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value instanceof Date ? value.toISOString() : value;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}
