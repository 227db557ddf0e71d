// Phase 1 of a step: does one rule match one event? Returns the trace either way, for "why (not)".
import type { LoggedEvent } from './event.ts';
import type { CompiledRule } from './rule/compile.ts';
import type { Clock, SubjectState, Trace, TraceStep } from './types.ts';
import { CelEvent, type CelContext } from './cel.ts';

export function celContext(event: LoggedEvent, subject: SubjectState, clock: Clock): CelContext {
  return {
    event: new CelEvent(event.id, event.type, event.subject, new Date(event.time), event.properties),
    subject: subjectView(subject),
    now: new Date(clock.now),
  };
}

/** The subject as conditions and templates see it: its attributes plus `id`. */
export function subjectView(subject: SubjectState): Record<string, unknown> {
  const view: Record<string, unknown> = Object.create(null);
  for (const key of Object.keys(subject.attributes)) view[key] = subject.attributes[key];
  view.id = subject.id;
  return view;
}

export function evaluateRule(rule: CompiledRule, event: LoggedEvent, context: CelContext): Trace {
  const steps: TraceStep[] = [];
  const typeMatches = rule.eventTypes === '*' || rule.eventTypes.includes(event.type);
  steps.push({ check: 'event', expected: rule.eventTypes, actual: event.type, passed: typeMatches });
  if (typeMatches && rule.where) steps.push(evaluateWhere(rule.where.source, rule.where.program, context));
  return { rule: rule.id, version: rule.version, event: event.id, matched: steps.every((s) => s.passed), steps };
}

function evaluateWhere(expression: string, program: (c: CelContext) => unknown, context: CelContext): TraceStep {
  const values = valuesSeen(expression, context);
  try {
    const result = program(context);
    if (typeof result !== 'boolean') return { check: 'where', expression, values, passed: false, error: `condition gave ${typeof result}, not true/false` };
    return { check: 'where', expression, values, passed: result };
  } catch (error) {
    // A runtime error (a missing property) makes the condition false; the trace says why.
    return { check: 'where', expression, values, passed: false, error: firstLine(error) };
  }
}

const PATH = /\b(event|subject|now)((?:\.[A-Za-z_][A-Za-z0-9_]*|\[\s*"(?:[^"\\]|\\.)*"\s*\]|\[\s*'(?:[^'\\]|\\.)*'\s*\])*)/g;
const STRING_LITERAL = /"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g;

/** The values of every `event.…`, `subject.…` and `now` path the expression reads, as they were. */
function valuesSeen(expression: string, context: CelContext): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  // Blank out string literals so that text inside quotes is not mistaken for a path; keep bracket keys.
  const code = expression.replace(STRING_LITERAL, (m, offset: number) => (expression[offset - 1] === '[' || /\[\s*$/.test(expression.slice(0, offset)) ? m : ' '.repeat(m.length)));
  for (const match of code.matchAll(PATH)) {
    const path = match[0].replace(/\s+/g, '');
    if (path in values) continue;
    Object.defineProperty(values, path, { value: lookup(context, path), enumerable: true, writable: true, configurable: true });
  }
  return values;
}

function lookup(context: CelContext, path: string): unknown {
  const parts = [...path.matchAll(/[A-Za-z_][A-Za-z0-9_]*|\[\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')\s*\]/g)].map((m) =>
    m[1] ? JSON.parse(m[1].startsWith("'") ? `"${m[1].slice(1, -1).replace(/"/g, '\\"')}"` : m[1]) : m[0],
  );
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
