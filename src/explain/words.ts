// A rule's decision in words, with the values it saw: "where: false: event.properties.total = 12, not ≥ 30",
// "window: count 2 of at least 3 within 10m", "waiting until 2026-…", "capped: per_subject: 1 in 24h reached".
import type { Firing, Suppression, Trace } from '../engine/types.ts';
import { clauses, show } from '../cli/commands/condition-words.ts';

const iso = (ms: number) => new Date(ms).toISOString();
const listened = (expected: readonly string[] | '*') => (expected === '*' ? 'any event' : expected.join(' or '));

/** Each check of a trace as a line: `✓ event type is cart_updated`, `✗ event.properties.total = 12, not ≥ 30`. */
export function conditionWords(trace: Trace): string[] {
  const lines: string[] = [];
  for (const step of trace.steps) {
    if (step.check === 'event') {
      lines.push(`${step.passed ? '✓' : '✗'} event type is ${step.actual}${step.passed ? '' : ` (the rule listens to ${listened(step.expected)})`}`);
      continue;
    }
    if (step.error) { lines.push(`✗ ${step.expression}: error: ${step.error}`); continue; }
    const parts = clauses(step.expression, step.values, step.passed);
    if (parts.length === 1 && parts[0].words === step.expression) {
      const values = Object.entries(step.values).map(([path, value]) => `${path} = ${show(value)}`);
      lines.push(`${step.passed ? '✓' : '✗'} ${step.expression}${values.length ? ` (${values.join(', ')})` : ''}`);
    } else {
      for (const c of parts) lines.push(`${c.holds === undefined ? '·' : c.holds ? '✓' : '✗'} ${c.words}`);
    }
  }
  return lines;
}

/** The `where` part that stopped the rule, with its values: `where: false: event.properties.total = 12, not ≥ 30`. */
export function whereWords(trace: Trace | undefined): string | undefined {
  const where = trace?.steps.find((s) => s.check === 'where');
  if (!where || where.check !== 'where' || where.passed) return undefined;
  if (where.error) return `where: error: ${where.error}`;
  const parts = clauses(where.expression, where.values, false);
  const failed = parts.filter((c) => c.holds === false);
  if (failed.length) return `where: false: ${failed.map((c) => c.words).join('; ')}`;
  const values = Object.entries(where.values).map(([path, value]) => `${path} = ${show(value)}`);
  return `where: false: ${where.expression}${values.length ? ` with ${values.join(', ')}` : ''}`;
}

export interface DecisionFacts {
  readonly outcome: string;
  readonly detail?: string;
  readonly trace?: Trace;
  readonly window?: { readonly value: number; readonly bound: number };
  readonly until?: number;
  readonly suppressions: readonly Suppression[];
  readonly firing?: Firing;
}

/** One sentence: why the rule fired or what blocked it. The engine's own detail is kept when it gave one. */
export function decisionWords(facts: DecisionFacts): string {
  const { outcome, detail, trace } = facts;
  const suppressed = facts.suppressions.map((s) => `${s.reason}: ${s.detail}`).join('; ');
  switch (outcome) {
    case 'fired':
      return `fired${facts.firing ? ` (${facts.firing.id})` : ''}${suppressed ? `; ${suppressed}` : ''}`;
    case 'event_type': {
      const event = trace?.steps.find((s) => s.check === 'event');
      return event && event.check === 'event' ? `event type: ${event.actual} is not ${listened(event.expected)}` : detail ?? 'event type not listened to';
    }
    case 'condition_false':
    case 'condition_error':
      return whereWords(trace) ?? detail ?? 'where: false';
    case 'window_not_reached':
      return detail ?? (facts.window ? `window: ${facts.window.value} of at least ${facts.window.bound}` : 'window not reached');
    case 'waiting':
      return detail ?? (facts.until !== undefined ? `waiting for a timer due ${iso(facts.until)}` : 'waiting for a timer');
    case 'no_decision':
      return suppressed || 'did not fire (the engine gave no reason)';
    default:
      if (!detail) return suppressed || outcome;
      // The engine's detail often names the reason already (`cancelled by …`, `quiet_hours: …`).
      return detail.startsWith(outcome) ? detail : `${outcome}: ${detail}`;
  }
}
