// Near misses: for one rule and one UTC day, how many subjects were stopped by each reason and, for a numeric
// comparison the condition requires, how far they were from passing ("1,234 subjects stopped at `total >= 30`;
// median total 27"). Computed by replaying the day with explain decisions (simulate.ts), never on the live path.
import type { LoggedEvent } from '../engine/event.ts';
import type { EngineOptions, RuleDecision, TimerFire, TraceStep } from '../engine/types.ts';
import type { BacktestEventSource } from './event-source.ts';
import type { BacktestRules } from './rule-set.ts';
import { DAY_MS, parseInstant, type TimeRange } from './range.ts';
import { simulate } from './simulate.ts';
import { asNumber, numericComparisons, shortfall, type NumericComparison } from './numeric-comparisons.ts';

export interface NearMissInput {
  readonly source: BacktestEventSource;
  readonly rules: BacktestRules;
  /** `2026-11-03` (UTC). */
  readonly day: string;
  readonly engine: EngineOptions;
  readonly now: number;
  readonly deadline?: number;
  readonly wallClock?: () => number;
}

export interface ReasonCount {
  /** A decision outcome other than `fired`: `condition_false`, `window_not_reached`, `capped`, `cancelled`… */
  readonly reason: string;
  readonly subjects: number;
  /** Decisions with this outcome (a subject may be stopped many times). */
  readonly times: number;
  /** For `window_not_reached`: the median of each subject's highest window value, and the bound. */
  readonly window?: { readonly median: number; readonly bound: number };
}

export interface ComparisonMiss {
  readonly comparison: string;
  readonly path: string;
  readonly bound: number;
  /** Subjects whose condition was false because of this comparison (the first required one that failed). */
  readonly subjects: number;
  /** Median over those subjects of their value closest to passing that day. */
  readonly median: number;
  /** The values closest to passing, the best first (at most 5). */
  readonly closest: readonly number[];
}

export interface NearMissResult {
  readonly ruleId: string;
  readonly day: string;
  readonly covered: TimeRange | null;
  readonly events: number;
  readonly fired: { readonly firings: number; readonly subjects: number };
  readonly reasons: readonly ReasonCount[];
  readonly comparisons: readonly ComparisonMiss[];
  /** In words, a line per finding: "1,234 subjects stopped at `total >= 30`; median total 27". */
  readonly summary: readonly string[];
  readonly warnings: readonly string[];
  readonly durationMs: number;
}

type Input = { readonly kind: 'event'; readonly event: LoggedEvent } | { readonly kind: 'timer'; readonly timer: TimerFire };

export function nearMisses(input: NearMissInput): NearMissResult {
  const clock = input.wallClock ?? (() => performance.now());
  const started = clock();
  const from = parseInstant(input.day);
  if (from === undefined || !/^\d{4}-\d{2}-\d{2}$/.test(input.day)) throw new RangeError(`day: must be a day like 2026-11-03, got "${input.day}"`);
  const range = { from, to: from + DAY_MS };
  const ruleId = input.rules.ruleId;
  const rule = input.rules.compiled.find((r) => r.id === ruleId)!;
  const comparisons = rule.where ? numericComparisons(rule.where.source) : [];
  const stats = new DayStats(comparisons);
  const inRange = (time: number) => time >= range.from && time < range.to;
  const timeOf = (i: Input) => (i.kind === 'event' ? i.event.receivedAt : i.timer.dueAt);

  const summary = simulate({
    source: input.source, rules: input.rules, range, engine: { ...input.engine, explain: true }, now: input.now,
    shouldStop: input.deadline === undefined ? undefined : () => clock() > input.deadline!,
  }, {
    decision(decision, on) {
      if (decision.ruleId !== ruleId || !inRange(timeOf(on))) return;
      stats.add(decision, on.kind === 'event' ? on.event : undefined, on.kind === 'event' ? on.event.subject : on.timer.subject);
    },
    firing(firing) {
      if (firing.ruleId !== ruleId || !inRange(firing.firingTime ?? firing.time)) return;
      stats.fired(firing.subject);
    },
  });

  const warnings: string[] = [];
  let covered: TimeRange | null = { from: range.from, to: Math.min(range.to, input.now) };
  if (summary.oldestStored === null) { warnings.push('no events are stored'); covered = null; }
  else if (summary.oldestStored >= range.to) { warnings.push(`events of ${input.day} are no longer stored (retention): the oldest stored arrived at ${new Date(summary.oldestStored).toISOString()}`); covered = null; }
  else if (summary.oldestStored > range.from) { warnings.push(`events before ${new Date(summary.oldestStored).toISOString()} are no longer stored (retention)`); covered = { ...covered, from: summary.oldestStored }; }
  if (summary.stoppedAt !== null && covered) { warnings.push(`stopped at the time limit (IFTHEN_BACKTEST_TIMEOUT_MS): covers until ${new Date(summary.stoppedAt).toISOString()}`); covered = { ...covered, to: summary.stoppedAt }; }
  if (range.from >= input.now) { warnings.push(`${input.day} has not begun`); covered = null; }

  const result = stats.result();
  return { ruleId, day: input.day, covered, events: summary.events, ...result, summary: words(result), warnings, durationMs: Math.round(clock() - started) };
}

/** What one day's decisions add up to. */
class DayStats {
  readonly #reasons = new Map<string, { subjects: Set<string>; times: number; best: Map<string, number>; bound: number }>();
  readonly #closest: Array<Map<string, number>>;
  readonly #firedSubjects = new Set<string>();
  #firings = 0;

  constructor(private readonly comparisons: readonly NumericComparison[]) {
    this.#closest = comparisons.map(() => new Map());
  }

  fired(subject: string): void {
    this.#firings++;
    this.#firedSubjects.add(subject);
  }

  add(decision: RuleDecision, event: LoggedEvent | undefined, subject: string): void {
    if (decision.outcome === 'fired' || decision.outcome === 'event_type') return;
    let entry = this.#reasons.get(decision.outcome);
    if (!entry) this.#reasons.set(decision.outcome, entry = { subjects: new Set(), times: 0, best: new Map(), bound: 0 });
    entry.subjects.add(subject);
    entry.times++;
    if (decision.window) {
      entry.bound = decision.window.bound;
      entry.best.set(subject, Math.max(entry.best.get(subject) ?? -Infinity, decision.window.value));
    }
    if (decision.outcome === 'condition_false') this.#attribute(decision, event, subject);
  }

  /** The first required comparison that failed, with the value it saw; the subject keeps its value closest to passing. */
  #attribute(decision: RuleDecision, event: LoggedEvent | undefined, subject: string): void {
    const where = decision.trace?.steps.find((s): s is Extract<TraceStep, { check: 'where' }> => s.check === 'where');
    for (let i = 0; i < this.comparisons.length; i++) {
      const comparison = this.comparisons[i];
      const seen = where && Object.prototype.hasOwnProperty.call(where.values, comparison.path) ? where.values[comparison.path] : event ? valueIn(event, comparison.parts) : undefined;
      const value = asNumber(seen);
      if (value === undefined || shortfall(comparison, value) === 0) continue;
      const best = this.#closest[i].get(subject);
      if (best === undefined || shortfall(comparison, value) < shortfall(comparison, best)) this.#closest[i].set(subject, value);
      return;
    }
  }

  result(): Pick<NearMissResult, 'fired' | 'reasons' | 'comparisons'> {
    const reasons = [...this.#reasons].map(([reason, e]): ReasonCount => ({
      reason, subjects: e.subjects.size, times: e.times,
      ...(e.best.size ? { window: { median: median([...e.best.values()]), bound: e.bound } } : {}),
    })).sort((a, b) => b.subjects - a.subjects || (a.reason < b.reason ? -1 : 1));
    const comparisons = this.comparisons.map((c, i): ComparisonMiss | undefined => {
      const values = [...this.#closest[i].values()];
      if (!values.length) return undefined;
      const byCloseness = [...values].sort((a, b) => shortfall(c, a) - shortfall(c, b));
      return { comparison: c.text, path: c.path, bound: c.bound, subjects: values.length, median: median(values), closest: byCloseness.slice(0, 5) };
    }).filter((c): c is ComparisonMiss => c !== undefined);
    return { fired: { firings: this.#firings, subjects: this.#firedSubjects.size }, reasons, comparisons };
  }
}

/** A value of the event by its path (`event.properties.total`), when the trace did not record it. */
function valueIn(event: LoggedEvent, parts: readonly string[]): unknown {
  if (parts[0] !== 'event') return undefined;
  let value: unknown = { properties: event.properties };
  for (const part of parts.slice(1)) {
    if (value === null || typeof value !== 'object' || !Object.prototype.hasOwnProperty.call(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const count = (n: number) => n.toLocaleString('en-US');
const plural = (n: number, word: string) => `${count(n)} ${word}${n === 1 ? '' : 's'}`;

function words(result: Pick<NearMissResult, 'fired' | 'reasons' | 'comparisons'>): string[] {
  const lines = [`${plural(result.fired.subjects, 'subject')} fired (${plural(result.fired.firings, 'firing')})`];
  for (const c of result.comparisons) {
    const name = c.path.split(/[.[\]"']+/).filter(Boolean).pop() ?? c.path;
    lines.push(`${plural(c.subjects, 'subject')} stopped at \`${c.comparison}\`; median ${name} ${round(c.median)}`);
  }
  for (const r of result.reasons) {
    const window = r.window ? `; median window value ${round(r.window.median)} of ${round(r.window.bound)}` : '';
    lines.push(`${plural(r.subjects, 'subject')} stopped by ${r.reason.replace(/_/g, ' ')} (${plural(r.times, 'time')})${window}`);
  }
  return lines;
}

const round = (n: number) => String(Math.round(n * 100) / 100);
