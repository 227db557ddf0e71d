// Keeps the compiled, type-indexed rule set in step with the rule store, recompiling only on change.
import { compileRule, type CompiledRule, type DeliveryPolicy } from '../engine/rule/compile.ts';
import { RuleSet } from '../engine/ruleset.ts';
import type { RuleSource } from '../store/catalog.ts';

export class RuleCache {
  #generation = -1;
  #rules = new RuleSet([]);
  readonly #compiled = new Map<string, CompiledRule>();

  constructor(private readonly source: RuleSource, private readonly defaults: DeliveryPolicy, private readonly onError: (ruleId: string, error: Error) => void) {}

  async current(): Promise<RuleSet> {
    const generation = await this.source.generation();
    if (generation === this.#generation) return this.#rules;
    const compiled: CompiledRule[] = [];
    const live = new Set<string>();
    for (const { document, version } of await this.source.listEnabled()) {
      const key = `${document.id}@${version}`;
      live.add(key);
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
    for (const key of this.#compiled.keys()) if (!live.has(key)) this.#compiled.delete(key);
    this.#rules = new RuleSet(compiled);
    this.#generation = generation;
    return this.#rules;
  }
}
