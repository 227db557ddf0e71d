// Enabled rules indexed by the event types they read, so the cost of an event grows with the rules it can match, not all rules.
import type { CompiledRule } from './rule/compile.ts';

export class RuleSet {
  readonly #byType = new Map<string, CompiledRule[]>();
  readonly #anyType: CompiledRule[] = [];
  readonly #byId = new Map<string, CompiledRule>();
  /** Rules with goals or guardrails, by the metric event types (issue 7). */
  readonly #byGoalType = new Map<string, CompiledRule[]>();
  readonly size: number;

  constructor(rules: readonly CompiledRule[]) {
    const sorted = [...rules].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    for (const rule of sorted) {
      this.#byId.set(rule.id, rule);
      for (const type of new Set(rule.experiment?.metrics.flatMap((m) => m.eventTypes) ?? [])) {
        const list = this.#byGoalType.get(type);
        if (list) list.push(rule); else this.#byGoalType.set(type, [rule]);
      }
      const types = rule.inputTypes ?? rule.eventTypes;
      if (types === '*') { this.#anyType.push(rule); continue; }
      for (const type of types) {
        const list = this.#byType.get(type);
        if (list) list.push(rule); else this.#byType.set(type, [rule]);
      }
    }
    this.size = sorted.length;
  }

  /** The rule with this id (a timer's rule), if it is in the set. */
  get(id: string): CompiledRule | undefined {
    return this.#byId.get(id);
  }

  /** Rules with a goal or guardrail on this event type, in rule-id order. */
  goalRules(eventType: string): readonly CompiledRule[] {
    return this.#byGoalType.get(eventType) ?? [];
  }

  /** Candidate rules for an event type (every rule that reads it), in rule-id order. */
  candidates(eventType: string): readonly CompiledRule[] {
    const typed = this.#byType.get(eventType);
    if (!this.#anyType.length) return typed ?? [];
    if (!typed) return this.#anyType;
    return [...typed, ...this.#anyType].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }
}
