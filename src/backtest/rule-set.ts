// Which rules a backtest runs, and how far back it must replay to build their state. The rule asked about
// runs with the other enabled rules of its cap group (MEMORY.md "Limits" 4), since their firings count
// toward the group's cap; only the asked rule's firings are reported.
import type { RuleDocument } from '../engine/rule/schema.ts';
import { compileRule, type CompiledRule } from '../engine/rule/compile.ts';
import { RuleSet } from '../engine/ruleset.ts';
import { IDENTIFY_EVENT_TYPE } from '../engine/event.ts';
import { DURATION_PATTERN, parseDuration } from '../engine/duration.ts';
import { DAY_MS } from './range.ts';

export interface RuleToRun {
  readonly document: RuleDocument;
  /** 0 for a draft not yet saved. */
  readonly version: number;
}

export interface SavedRuleInfo extends RuleToRun {
  readonly enabled: boolean;
}

/** Keys whose duration values bound how far back a rule's state reaches (windows, waits, cap periods). */
const WINDOW_KEYS = new Set(['within', 'per', 'wait']);
const DURATION = new RegExp(DURATION_PATTERN);

/** The cap group a rule names (`limits.group.name`), if any. */
export function capGroupOf(document: RuleDocument): string | undefined {
  return document.limits?.group?.name;
}

/**
 * The longest time a rule's state can reach back: its windows, waits and cap periods, and a day when it has
 * quiet hours (a firing delayed to their end). 0 for a rule without memory.
 */
export function longestWindowMs(document: RuleDocument): number {
  let longest = 0;
  const visit = (value: unknown, key: string | undefined): void => {
    if (typeof value === 'string') {
      if (key !== undefined && WINDOW_KEYS.has(key) && DURATION.test(value)) longest = Math.max(longest, parseDuration(value));
      return;
    }
    if (Array.isArray(value)) { for (const item of value) visit(item, key); return; }
    if (value === null || typeof value !== 'object') return;
    for (const [k, v] of Object.entries(value)) visit(v, k);
  };
  const doc = document as { when?: unknown; limits?: { quiet_hours?: unknown } };
  visit(doc.when, undefined);
  visit(doc.limits, undefined);
  if (doc.limits?.quiet_hours) longest = Math.max(longest, DAY_MS);
  return longest;
}

export interface BacktestRules {
  readonly ruleId: string;
  readonly set: RuleSet;
  readonly compiled: readonly CompiledRule[];
  /** The other rules run with it (same cap group), by id. */
  readonly peers: readonly string[];
  /** Event types some rule of the set can match (always `identify`, which builds profiles); null: every type. */
  readonly types: readonly string[] | null;
  /** How far before `from` events are replayed to build state without reporting. */
  readonly warmUpMs: number;
}

/**
 * The set for one rule: the rule itself (a draft replaces the saved rule of the same id) and the enabled
 * saved rules of its cap group.
 */
export function backtestRules(target: RuleToRun, saved: readonly SavedRuleInfo[], allowedLatenessMs: number): BacktestRules {
  const group = capGroupOf(target.document);
  const peers = group === undefined ? [] : saved.filter((r) => r.enabled && r.document.id !== target.document.id && capGroupOf(r.document) === group);
  return ruleSetOf([target, ...peers], allowedLatenessMs);
}

/** An explicit set: the first rule is the one reported, the others run alongside. */
export function ruleSetOf(rules: readonly RuleToRun[], allowedLatenessMs: number): BacktestRules {
  const compiled = rules.map((r) => compileRule(r.document, r.version));
  let types: Set<string> | null = new Set([IDENTIFY_EVENT_TYPE]);
  for (const rule of compiled) {
    // Every type the rule reads: its trigger's, a sequence's steps', `unless`'s.
    const read = rule.inputTypes ?? rule.eventTypes;
    if (read === '*') { types = null; break; }
    for (const type of read) types.add(type);
  }
  const longest = Math.max(0, ...rules.map((r) => longestWindowMs(r.document)));
  return {
    ruleId: rules[0].document.id,
    set: new RuleSet(compiled),
    compiled,
    peers: rules.slice(1).map((p) => p.document.id),
    types: types && [...types],
    warmUpMs: longest > 0 ? longest + allowedLatenessMs : 0,
  };
}
