// Keeps the compiled, type-indexed rule set in step with the rule store, recompiling only on change.
import { compileRule, type CompiledRule, type DeliveryPolicy } from '../engine/rule/compile.ts';
import { RuleSet } from '../engine/ruleset.ts';
import type { RuleDocument } from '../engine/rule/schema.ts';

export interface RuleSource {
  generation(): number;
  listEnabled(): ReadonlyArray<{ readonly document: RuleDocument; readonly version: number }>;
}

export class RuleCache {
  #generation = -1;
  #rules = new RuleSet([]);
  readonly #compiled = new Map<string, CompiledRule>();

  constructor(private readonly source: RuleSource, private readonly defaults: DeliveryPolicy, private readonly onError: (ruleId: string, error: Error) => void) {}

  current(): RuleSet {
    const generation = this.source.generation();
    if (generation === this.#generation) return this.#rules;
    const compiled: CompiledRule[] = [];
    for (const { document, version } of this.source.listEnabled()) {
      const key = `${document.id}@${version}`;
      let rule = this.#compiled.get(key);
      if (!rule) {
        try {
          rule = compileRule(document, version, this.defaults);
          this.#compiled.set(key, rule);
        } catch (error) {
          this.onError(document.id, error as Error);
          continue;
        }
      }
      compiled.push(rule);
    }
    this.#rules = new RuleSet(compiled);
    this.#generation = generation;
    return this.#rules;
  }
}
