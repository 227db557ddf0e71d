// A validated rule document turned into what the engine runs: CEL compiled, event types indexed.
import type { RuleDocument, Action, DeliveryPolicyInput } from './schema.ts';
import { compileCondition, type CelProgram } from '../cel.ts';
import { parseDuration } from '../duration.ts';
import { conditionPaths, type ConditionPath } from '../condition-paths.ts';

export interface DeliveryPolicy {
  readonly maxAttempts: number;
  readonly maxAgeMs: number;
  readonly backoffMs: number;
  readonly backoffMaxMs: number;
}

export const DEFAULT_DELIVERY_POLICY: DeliveryPolicy = { maxAttempts: 10, maxAgeMs: 86_400_000, backoffMs: 1000, backoffMaxMs: 3_600_000 };

export interface CompiledRule {
  readonly id: string;
  readonly version: number;
  readonly document: RuleDocument;
  /** Event types that trigger the rule; `'*'` for any. */
  readonly eventTypes: readonly string[] | '*';
  readonly where?: { readonly source: string; readonly program: CelProgram; readonly paths: readonly ConditionPath[] };
  readonly actions: readonly Action[];
  readonly policy: DeliveryPolicy;
}

export function compileRule(document: RuleDocument, version: number, defaults: DeliveryPolicy = DEFAULT_DELIVERY_POLICY): CompiledRule {
  const types = Array.isArray(document.when.event) ? document.when.event : [document.when.event];
  return {
    id: document.id,
    version,
    document,
    eventTypes: types.includes('*') ? '*' : types,
    where: document.when.where ? { source: document.when.where, program: compileCondition(document.when.where), paths: conditionPaths(document.when.where) } : undefined,
    actions: document.then,
    policy: deliveryPolicy(document.delivery, defaults),
  };
}

function deliveryPolicy(input: DeliveryPolicyInput | undefined, defaults: DeliveryPolicy): DeliveryPolicy {
  return {
    maxAttempts: input?.max_attempts ?? defaults.maxAttempts,
    maxAgeMs: input?.max_age ? parseDuration(input.max_age) : defaults.maxAgeMs,
    backoffMs: input?.backoff ? parseDuration(input.backoff) : defaults.backoffMs,
    backoffMaxMs: input?.backoff_max ? parseDuration(input.backoff_max) : defaults.backoffMaxMs,
  };
}
