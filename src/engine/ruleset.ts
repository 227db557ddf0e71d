// Enabled rules indexed by event type, so the cost of an event grows with the rules it can match, not all rules.
import type { CompiledRule } from './rule/compile.ts';

export class RuleSet {
  readonly #byType = new Map<string, CompiledRule[]>();
  readonly #anyType: CompiledRule[] = [];
  readonly size: number;

  constructor(rules: readonly CompiledRule[]) {
    const sorted = [...rules].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    for (const rule of sorted) {
      if (rule.eventTypes === '*') { this.#anyType.push(rule); continue; }
      for (const type of rule.eventTypes) {
        const list = this.#byType.get(type);
        if (list) list.push(rule); else this.#byType.set(type, [rule]);
      }
    }
    this.size = sorted.length;
  }

  /** Candidate rules for an event type, in rule-id order. */
  candidates(eventType: string): readonly CompiledRule[] {
    const typed = this.#byType.get(eventType);
    if (!this.#anyType.length) return typed ?? [];
    if (!typed) return this.#anyType;
    return [...typed, ...this.#anyType].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }
}
