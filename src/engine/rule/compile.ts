// A validated rule document turned into what the engine runs: CEL compiled, event types indexed, the
// parts of a rule with memory (MEMORY.md) in milliseconds, and the shape hash that resets its memory.
import { createHash } from 'node:crypto';
import type { RuleDocument, Action, DeliveryPolicyInput, SequenceStep } from './schema.ts';
import { IDENTIFY_EVENT_TYPE } from '../event.ts';
import { compileCondition, compileExpression, type CelExtraVariable, type CelProgram } from '../cel.ts';
import { parseDuration } from '../duration.ts';
import { conditionPaths, type ConditionPath } from '../condition-paths.ts';
import { stableJson } from '../stable-json.ts';
import { ruleMetrics, ruleSalt } from '../holdout/metrics.ts';
import type { Projection } from '../memory/projection.ts';
import { ruleProjection } from '../memory/reads.ts';

export interface DeliveryPolicy {
  readonly maxAttempts: number;
  readonly maxAgeMs: number;
  readonly backoffMs: number;
  readonly backoffMaxMs: number;
}

export const DEFAULT_DELIVERY_POLICY: DeliveryPolicy = { maxAttempts: 10, maxAgeMs: 86_400_000, backoffMs: 1000, backoffMaxMs: 3_600_000 };

/** A compiled CEL expression with the paths it reads (for traces). */
export interface CompiledExpression {
  readonly source: string;
  readonly program: CelProgram;
  readonly paths: readonly ConditionPath[];
}

export type EventTypes = readonly string[] | '*';

export interface CompiledThreshold {
  readonly kind: 'count' | 'sum' | 'distinct';
  readonly atLeast: number;
  readonly withinMs: number;
  /** `sum.of`, `distinct.of`. */
  readonly of?: CompiledExpression;
}

export interface CompiledStep {
  readonly eventTypes: EventTypes;
  readonly where?: CompiledExpression;
  /** The step's `where` reads `steps`: it cannot be decided when the event arrives, only in a chain. */
  readonly whereReadsSteps: boolean;
  readonly withinMs: number;
}

export interface CompiledUnless {
  readonly eventTypes: EventTypes;
  readonly where?: CompiledExpression;
  /** The `where` reads `trigger`: decided per instance, not when the event arrives. */
  readonly whereReadsTrigger: boolean;
  readonly withinMs: number;
}

export interface CompiledChange {
  readonly attribute: string;
  /** The `from` / `to` values as stable JSON; absent: any. */
  readonly from?: string;
  readonly to?: string;
}

export interface CompiledLimits {
  readonly dedupe?: { readonly key?: CompiledExpression; readonly withinMs: number };
  readonly quietHours?: {
    /** Minutes after local midnight. */
    readonly fromMinute: number;
    readonly toMinute: number;
    readonly timezone: string;
    readonly timezoneAttribute?: string;
    readonly then: 'delay' | 'drop';
    readonly text: string;
  };
  readonly perSubject?: { readonly max: number; readonly perMs: number };
  readonly group?: { readonly name: string; readonly max: number; readonly perMs: number };
}

/** What a rule with memory needs: present only on rules that read or write `SubjectState.memory`. */
export interface CompiledMemory {
  readonly threshold?: CompiledThreshold;
  readonly steps?: readonly CompiledStep[];
  readonly unless?: CompiledUnless;
  readonly waitMs?: number;
  readonly limits: CompiledLimits;
  /** The `when.where` reads `window` / `steps`: computed for it only then. */
  readonly whereReadsWindow: boolean;
  readonly whereReadsSteps: boolean;
  /** No event type serves two steps: a failed partial chain can be remembered while searching. */
  readonly stepsDisjoint: boolean;
  /** How far back (before the knowledge edge `r - L`) stored events can still matter: the threshold window, a chain's whole span. */
  readonly horizonMs: number;
  /** What stored events keep of their properties (memory/projection.ts); absent: everything. */
  readonly projection?: Projection;
}

export interface CompileOptions {
  /**
   * Keep in memory only the properties of stored events the rule can read later (default true). Off: whole
   * events, as before; the answers are the same (test/engine/memory-projection.property.test.ts).
   */
  readonly projectMemory?: boolean;
}

/** `rate: 100/s`: tokens per second, the burst (1 s worth, at least 1). */
export interface CompiledRate {
  readonly perSecond: number;
  readonly text: string;
}

export interface CompiledRule {
  readonly id: string;
  readonly version: number;
  readonly document: RuleDocument;
  /** Event types that trigger the rule; `'*'` for any. */
  readonly eventTypes: EventTypes;
  /** Every event type the rule reads: the trigger's, a sequence's steps', `unless`'s. The rule set indexes by these. */
  readonly inputTypes: EventTypes;
  readonly where?: CompiledExpression;
  readonly actions: readonly Action[];
  readonly policy: DeliveryPolicy;
  /** A hash of `when` and `limits`: a saved change of shape starts the rule's memory afresh. */
  readonly shape: string;
  /** Absent for rules that keep nothing per subject (match, change without wait/unless, rate only): the stateless path. */
  readonly memory?: CompiledMemory;
  readonly change?: CompiledChange;
  readonly rate?: CompiledRate;
  /** Rules with a holdout or goals: the assignment and the metrics (src/engine/holdout). */
  readonly experiment?: CompiledExperiment;
}

/** One goal or guardrail, compiled. */
export interface CompiledMetric {
  readonly name: string;
  readonly kind: 'goal' | 'guardrail';
  readonly path: string;
  readonly eventTypes: readonly string[];
  readonly where?: CompiledExpression;
  readonly value?: CompiledExpression;
  readonly withinMs: number;
}

export interface CompiledExperiment {
  /** The assignment seed and the key of the exposures: `holdout.salt`, else the rule id. */
  readonly salt: string;
  readonly holdout?: { readonly percent: number; readonly globalControl: boolean };
  /** Goals first (the first is primary), then guardrails. */
  readonly metrics: readonly CompiledMetric[];
}

export function compileRule(document: RuleDocument, version: number, defaults: DeliveryPolicy = DEFAULT_DELIVERY_POLICY, options: CompileOptions = {}): CompiledRule {
  const when = document.when;
  const types = when.event === undefined ? [IDENTIFY_EVENT_TYPE] : Array.isArray(when.event) ? when.event : [when.event];
  const threshold = when.count ?? when.sum ?? when.distinct;
  const steps = when.after === undefined ? undefined : Array.isArray(when.after) ? when.after : [when.after];
  const extra: CelExtraVariable[] = [];
  if (threshold) extra.push('window');
  if (steps) extra.push('steps');
  if (when.change) extra.push('change');
  const where = when.where ? expression(when.where, extra, true) : undefined;
  const limits = document.limits;
  const eventTypes: EventTypes = types.includes('*') ? '*' : types;
  const needsMemory = Boolean(threshold || steps || when.unless || when.wait || limits?.dedupe || limits?.quiet_hours || limits?.per_subject || limits?.group);
  return {
    id: document.id,
    version,
    document,
    eventTypes,
    inputTypes: inputTypes(eventTypes, [...(steps ?? []).map((s) => s.event), ...(when.unless ? [when.unless.event] : [])]),
    where,
    actions: document.then,
    policy: deliveryPolicy(document.delivery, defaults),
    shape: ruleShape(document),
    memory: needsMemory ? compileMemory(document, where, steps, options.projectMemory !== false) : undefined,
    change: when.change ? {
      attribute: when.change.attribute,
      from: 'from' in when.change ? stableJson(when.change.from ?? null) : undefined,
      to: 'to' in when.change ? stableJson(when.change.to ?? null) : undefined,
    } : undefined,
    rate: limits?.rate ? parseRate(limits.rate) : undefined,
    experiment: compileExperiment(document),
  };
}

function compileExperiment(document: RuleDocument): CompiledExperiment | undefined {
  const metrics = ruleMetrics(document).map((m): CompiledMetric => ({
    name: m.name, kind: m.kind, path: m.path,
    eventTypes: Array.isArray(m.spec.event) ? m.spec.event : [m.spec.event],
    where: m.spec.where ? expression(m.spec.where, [], true) : undefined,
    value: m.spec.value ? expression(m.spec.value, [], false) : undefined,
    withinMs: parseDuration(m.spec.within),
  }));
  if (!document.holdout && !metrics.length) return undefined;
  return {
    salt: ruleSalt(document),
    holdout: document.holdout ? { percent: document.holdout.percent, globalControl: document.holdout.global_control === true } : undefined,
    metrics,
  };
}

/** The shape hash of a rule document: its `when` and `limits`. */
export function ruleShape(document: Pick<RuleDocument, 'when' | 'limits'>): string {
  return createHash('sha256').update(stableJson({ when: document.when, limits: document.limits ?? null })).digest('base64url').slice(0, 16);
}

function compileMemory(document: RuleDocument, where: CompiledExpression | undefined, steps: readonly SequenceStep[] | undefined, projectMemory: boolean): CompiledMemory {
  const when = document.when;
  const limits = document.limits ?? {};
  let threshold: CompiledThreshold | undefined;
  if (when.count) threshold = { kind: 'count', atLeast: when.count.at_least, withinMs: parseDuration(when.count.within) };
  else if (when.sum) threshold = { kind: 'sum', atLeast: when.sum.at_least, withinMs: parseDuration(when.sum.within), of: expression(when.sum.of, [], false) };
  else if (when.distinct) threshold = { kind: 'distinct', atLeast: when.distinct.at_least, withinMs: parseDuration(when.distinct.within), of: expression(when.distinct.of, [], false) };
  const compiledSteps = steps?.map((s): CompiledStep => {
    const types = Array.isArray(s.event) ? s.event : [s.event];
    return {
      eventTypes: types.includes('*') ? '*' : types,
      where: s.where ? expression(s.where, ['steps'], true) : undefined,
      whereReadsSteps: s.where ? reads(s.where, 'steps') : false,
      withinMs: parseDuration(s.within),
    };
  });
  const waitMs = when.wait ? parseDuration(when.wait) : undefined;
  let unless: CompiledUnless | undefined;
  if (when.unless) {
    const types = Array.isArray(when.unless.event) ? when.unless.event : [when.unless.event];
    unless = {
      eventTypes: types.includes('*') ? '*' : types,
      where: when.unless.where ? expression(when.unless.where, ['trigger'], true) : undefined,
      whereReadsTrigger: when.unless.where ? reads(when.unless.where, 'trigger') : false,
      withinMs: when.unless.within ? parseDuration(when.unless.within) : waitMs ?? 0,
    };
  }
  const q = limits.quiet_hours;
  const compiledLimits: CompiledLimits = {
    dedupe: limits.dedupe ? { key: limits.dedupe.key ? expression(limits.dedupe.key, [], false) : undefined, withinMs: parseDuration(limits.dedupe.within) } : undefined,
    quietHours: q ? {
      fromMinute: minuteOfDay(q.from), toMinute: minuteOfDay(q.to), timezone: q.timezone ?? 'UTC', timezoneAttribute: q.timezone_attribute,
      then: q.then ?? 'delay', text: `${q.from}-${q.to}`,
    } : undefined,
    perSubject: limits.per_subject ? { max: limits.per_subject.max, perMs: parseDuration(limits.per_subject.per) } : undefined,
    group: limits.group ? { name: limits.group.name, max: limits.group.max, perMs: parseDuration(limits.group.per) } : undefined,
  };
  const span = compiledSteps ? compiledSteps.reduce((total, s) => total + s.withinMs, 0) : 0;
  return {
    threshold,
    steps: compiledSteps,
    unless,
    waitMs,
    limits: compiledLimits,
    whereReadsWindow: where ? reads(where.source, 'window') : false,
    whereReadsSteps: where ? reads(where.source, 'steps') : false,
    stepsDisjoint: disjoint(compiledSteps ?? []),
    horizonMs: Math.max(threshold?.withinMs ?? 0, span),
    projection: projectMemory ? ruleProjection(document) : undefined,
  };
}

function disjoint(steps: readonly CompiledStep[]): boolean {
  const seen = new Set<string>();
  for (const s of steps) {
    if (s.eventTypes === '*') return steps.length < 2;
    for (const t of s.eventTypes) { if (seen.has(t)) return false; }
    for (const t of s.eventTypes) seen.add(t);
  }
  return true;
}

function inputTypes(trigger: EventTypes, others: ReadonlyArray<string | readonly string[]>): EventTypes {
  if (trigger === '*') return '*';
  const all = new Set(trigger);
  for (const o of others) for (const t of Array.isArray(o) ? o : [o as string]) all.add(t);
  return all.has('*') ? '*' : [...all];
}

function expression(source: string, extra: readonly CelExtraVariable[], condition: boolean): CompiledExpression {
  return { source, program: condition ? compileCondition(source, extra) : compileExpression(source, extra), paths: conditionPaths(source) };
}

function reads(source: string, variable: string): boolean {
  return conditionPaths(source).some((p) => p.parts[0] === variable);
}

function minuteOfDay(text: string): number {
  const [h, m] = text.split(':').map(Number);
  return h * 60 + m;
}

const RATE_UNIT_S: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600 };

/** `100/s`, `600/m`, `1000/h` → tokens per second. */
export function parseRate(text: string): CompiledRate {
  const match = /^([1-9][0-9]{0,8})\/(s|m|h)$/.exec(text);
  if (!match) throw new Error(`"${text}" is not a rate like 100/s, 600/m or 1000/h`);
  return { perSecond: Number(match[1]) / RATE_UNIT_S[match[2]], text };
}

function deliveryPolicy(input: DeliveryPolicyInput | undefined, defaults: DeliveryPolicy): DeliveryPolicy {
  return {
    maxAttempts: input?.max_attempts ?? defaults.maxAttempts,
    maxAgeMs: input?.max_age ? parseDuration(input.max_age) : defaults.maxAgeMs,
    backoffMs: input?.backoff ? parseDuration(input.backoff) : defaults.backoffMs,
    backoffMaxMs: input?.backoff_max ? parseDuration(input.backoff_max) : defaults.backoffMaxMs,
  };
}
