// A rule's evaluation trace in words, the same for `ifthen test` and `ifthen firing`: the verdict in one sentence
// ("matched because event.properties.total = 42 ≥ 30 and subject.country = "KR""), then each check with ✓ or ✗.
import { clauses, show, type Clause } from './condition-words.ts';

export type TraceStep =
  | { readonly check: 'event'; readonly expected: readonly string[] | '*'; readonly actual: string; readonly passed: boolean }
  | { readonly check: 'where'; readonly expression: string; readonly values?: Readonly<Record<string, unknown>>; readonly passed: boolean; readonly error?: string };

type WhereStep = Extract<TraceStep, { check: 'where' }>;

const mark = (holds: boolean | undefined) => (holds === undefined ? '·' : holds ? '✓' : '✗');
const listened = (expected: readonly string[] | '*') => (expected === '*' ? 'any event' : expected.join(' or '));

/** "matched because …" or "did not match: …", from the steps the server traced. */
export function verdict(steps: readonly TraceStep[], matched: boolean): string {
  const event = steps.find((s) => s.check === 'event');
  const where = steps.find((s): s is WhereStep => s.check === 'where');
  if (event && !event.passed) return `did not match: the event is ${event.actual}, and the rule listens to ${listened(event.expected)}`;
  if (!where) return `${matched ? 'matched' : 'did not match'}: the rule listens to ${listened(event?.expected ?? '*')}${event ? `, and the event is ${event.actual}` : ''}`;
  if (where.error) return `did not match: the condition failed: ${where.error}`;
  const parts = clauses(where.expression, where.values ?? {}, where.passed);
  if (matched) return parts.length > 1 || parts[0].words !== where.expression
    ? `matched because ${parts.map((c) => c.words).join(' and ')}`
    : `matched because ${where.expression} was true${valuesText(where)}`;
  const failed = parts.filter((c) => c.holds === false);
  return failed.length ? `did not match because ${failed.map((c) => c.words).join('; ')}` : `did not match: ${where.expression} was false${valuesText(where)}`;
}

/** One line per check: the event type, then each part of the condition with the value it saw. */
export function checkLines(steps: readonly TraceStep[]): string[] {
  const lines: string[] = [];
  for (const step of steps) {
    if (step.check === 'event') {
      lines.push(`${mark(step.passed)} event type is ${step.actual}${step.expected === '*' || (step.passed && step.expected.length === 1) ? '' : ` (the rule listens to ${listened(step.expected)})`}`);
      continue;
    }
    if (step.error) {
      lines.push(`✗ ${step.expression}`, `    error: ${step.error}`, ...Object.entries(step.values ?? {}).map(([path, value]) => `    ${path} = ${show(value)}`));
      continue;
    }
    const parts: Clause[] = clauses(step.expression, step.values ?? {}, step.passed);
    if (parts.length === 1 && parts[0].words === step.expression) {
      lines.push(`${mark(step.passed)} ${step.expression}`, ...Object.entries(step.values ?? {}).map(([path, value]) => `    ${path} = ${show(value)}`));
    } else {
      lines.push(...parts.map((c) => `${mark(c.holds)} ${c.words}`));
      if (!step.passed && !parts.some((c) => c.holds === false)) lines.push(`✗ all together: ${step.expression}`);
    }
  }
  return lines;
}

/** For a list: what the condition saw, in one cell ("event.properties.total = 42 ≥ 30 and subject.country = "KR""). */
export function reasonCell(steps: readonly TraceStep[] | undefined): string {
  const where = steps?.find((s): s is WhereStep => s.check === 'where');
  if (!where) {
    const event = steps?.find((s) => s.check === 'event');
    return event ? `event is ${event.actual}` : '';
  }
  if (where.error) return `error: ${where.error}`;
  const parts = clauses(where.expression, where.values ?? {}, where.passed);
  if (parts.length === 1 && parts[0].words === where.expression) {
    const values = Object.entries(where.values ?? {}).map(([path, value]) => `${path} = ${show(value)}`);
    return values.length ? values.join(', ') : where.expression;
  }
  return parts.map((c) => c.words).join(where.passed ? ' and ' : '; ');
}

function valuesText(where: WhereStep): string {
  const values = Object.entries(where.values ?? {}).map(([path, value]) => `${path} = ${show(value)}`);
  return values.length ? `, with ${values.join(' and ')}` : '';
}
