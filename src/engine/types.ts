// The engine core's inputs, state and outputs: the contract between the pure core and every edge.
import type { LoggedEvent, NewEvent } from './event.ts';
import type { ActionKind } from './rule/schema.ts';
import type { DeliveryPolicy } from './rule/compile.ts';
import type { ConditionLimits } from './condition-limits.ts';
import type { SubjectLimits } from './subject-limits.ts';
import type { RenderLimits } from './render-limits.ts';
import type { GlobalControl } from './holdout/assignment.ts';

/** The processing clock, passed in: the core never reads the wall clock. */
export interface Clock {
  readonly now: number;
}

export interface EngineOptions {
  /** Longest chain of emit → rule → emit; an emit past it is skipped and traced. */
  readonly maxEmitDepth: number;
  /** The budget of each condition evaluation; default DEFAULT_CONDITION_LIMITS. */
  readonly condition?: ConditionLimits;
  /** The bound on a subject's profile; default DEFAULT_SUBJECT_LIMITS. */
  readonly subject?: SubjectLimits;
  /** Milliseconds, read only for the conditions' time budget; without it there is no time bound (replays stay reproducible). */
  readonly wallClock?: () => number;
  /** What rendering the templates of one firing may cost; DEFAULT_RENDER_LIMITS when absent. */
  readonly render?: RenderLimits;
  /** The bounds of rules with memory (lateness, window entries, pending instances, bytes); DEFAULT_MEMORY_LIMITS when absent. */
  readonly memory?: MemoryLimits;
  /** Record a RuleDecision for every candidate rule, fired or not: for explain and backtest traces (costs time). */
  readonly explain?: boolean;
  /** IFTHEN_GLOBAL_CONTROL_PERCENT / _SALT: held out of every rule with `holdout.global_control`; none when absent. */
  readonly globalControl?: GlobalControl;
  /**
   * The caller owns the subject states and keeps only the newest one of each subject (a replay): the memory is
   * changed in place instead of copied on every step. The answers are the same (test/engine/memory-in-place
   * .property.test.ts). Off for the live processor, whose states cross a boundary and may be retried.
   */
  readonly memoryInPlace?: boolean;
  /**
   * Plan a firing (render its deliveries' context, hash its id) only when it is read: for a replay that counts
   * firings and keeps a few (a backtest). Only for rules whose actions are all deliveries (lazy-plan.ts).
   */
  readonly planLazily?: boolean;
}

/** The bounds of rules with memory; see MEMORY.md "State and its bounds". */
export interface MemoryLimits {
  /** IFTHEN_ALLOWED_LATENESS_MS; default 60,000. */
  readonly allowedLatenessMs: number;
  /** IFTHEN_MAX_WINDOW_EVENTS: window entries per rule and subject; default 1,000. */
  readonly maxWindowEvents: number;
  /** IFTHEN_MAX_PENDING: open absence / wait / sequence instances per rule and subject; default 20. */
  readonly maxPending: number;
  /** IFTHEN_MAX_SUBJECT_MEMORY_BYTES: a subject's whole memory as JSON; default 65,536. */
  readonly maxMemoryBytes: number;
}

/** What the engine remembers of one subject. Attribute objects have no prototype: keys are data. */
export interface SubjectState {
  readonly id: string;
  readonly attributes: Readonly<Record<string, unknown>>;
  /**
   * What rules with memory keep for this subject (windows, open instances, caps), as JSON the engine alone
   * reads: stores persist it as it is. Absent: nothing remembered.
   */
  readonly memory?: Readonly<Record<string, unknown>>;
}

/** Why a rule that was triggered did not act (MEMORY.md "Limits"). */
export type SuppressionReason = 'deduped' | 'quiet_hours' | 'capped' | 'rate_limited' | 'cancelled' | 'overflow';

/** A trigger that completed and was stopped, or delayed, by a limit; recorded so it can be counted and explained. */
export interface Suppression {
  readonly ruleId: string;
  readonly subject: string;
  readonly reason: SuppressionReason;
  /** The trigger event (for `cancelled`: the event that was waited on). */
  readonly eventId: string;
  /** The firing time t_f it was decided at. */
  readonly at: number;
  /** In words: `per_subject: 1 in 24h reached`, `cancelled by e_123 (order_completed)`, `delayed until 2026-…`. */
  readonly detail: string;
  /** For a delay (quiet hours `then: delay`, rate limit): when it goes out instead. */
  readonly delayedUntil?: number;
}

/** What became of one candidate rule on one input: for explain ("why (not)?") and backtest samples. */
export type DecisionOutcome =
  | 'fired' | 'event_type' | 'condition_false' | 'condition_error' | 'late' | 'window_not_reached' | 'already_fired'
  | 'sequence_incomplete' | 'waiting' | 'cancelled' | 'no_change' | SuppressionReason;

export interface RuleDecision {
  readonly ruleId: string;
  readonly version: number;
  /** The event, or the timer, that was the input. */
  readonly input: string;
  readonly outcome: DecisionOutcome;
  /** In words, with the values seen: `window: count 2 of at least 3 within 10m`, `waiting until …`. */
  readonly detail: string;
  readonly trace?: Trace;
  /** For a threshold: the value and the bound. */
  readonly window?: { readonly value: number; readonly bound: number };
  /** For `waiting`: when the timer is due. */
  readonly until?: number;
  /** A firing of a rule with a holdout, for a held-out subject (absent: treatment, or no holdout). */
  readonly group?: 'holdout';
}

/** A durable timer a step asks for (absence, delay, quiet hours). Ids are deterministic (MEMORY.md "Timers"). */
export interface TimerRequest {
  readonly id: string;
  readonly ruleId: string;
  readonly subject: string;
  readonly dueAt: number;
  readonly payload: Readonly<Record<string, unknown>>;
}

/** A timer that came due, fed back into the core as its input. */
export type TimerFire = TimerRequest;

export type EngineInput =
  | { readonly kind: 'event'; readonly event: LoggedEvent }
  | { readonly kind: 'timer'; readonly timer: TimerFire };

export type TraceStep =
  | { readonly check: 'event'; readonly expected: readonly string[] | '*'; readonly actual: string; readonly passed: boolean }
  | { readonly check: 'where'; readonly expression: string; readonly values: Readonly<Record<string, unknown>>; readonly passed: boolean; readonly error?: string };

export interface Trace {
  readonly rule: string;
  readonly version: number;
  readonly event: string;
  readonly matched: boolean;
  readonly steps: readonly TraceStep[];
  readonly actions?: readonly ActionOutcome[];
}

/** What became of one action of a firing. */
export interface ActionOutcome {
  readonly index: number;
  readonly kind: ActionKind;
  readonly outcome: 'queued' | 'applied' | 'skipped' | 'failed';
  readonly detail?: string;
}

/** The data a dispatcher needs to render and send an action later (secrets are added only then). */
export interface DeliveryContext {
  readonly event: { readonly id: string; readonly type: string; readonly subject: string; readonly time: string; readonly properties: Readonly<Record<string, unknown>> };
  readonly subject: Readonly<Record<string, unknown>>;
  readonly firing: { readonly id: string; readonly rule: string; readonly version: number };
  readonly now: string;
  /** Threshold rules: the window after the event `{count, sum, distinct, value, at_least, within_ms, from, to}`. */
  readonly window?: Readonly<Record<string, unknown>>;
  /** Sequence rules: the earlier steps' events, in order (same fields as `event`). */
  readonly steps?: ReadonlyArray<DeliveryContext['event']>;
  /** Change rules: `{attribute, from, to}`. */
  readonly change?: Readonly<Record<string, unknown>>;
}

export type DeliveryKind = Extract<ActionKind, 'webhook' | 'chat' | 'email' | 'log'>;

export interface DeliveryRequest {
  readonly id: string;
  readonly firingId: string;
  readonly ruleId: string;
  readonly subject: string;
  readonly actionIndex: number;
  readonly kind: DeliveryKind;
  readonly spec: Readonly<Record<string, unknown>>;
  readonly context: DeliveryContext;
  readonly policy: DeliveryPolicy;
  readonly createdAt: number;
  /** Per-destination isolation key from the URL rendered at plan time (host and port); absent: keyed from the spec. */
  readonly destination?: string;
  /** The rule's rate limit moved the first attempt later (MEMORY.md "Limits" 5): not before this time. */
  readonly notBefore?: number;
}

export interface Firing {
  readonly id: string;
  readonly ruleId: string;
  readonly ruleVersion: number;
  readonly subject: string;
  readonly eventIds: readonly string[];
  readonly group: 'treatment' | 'holdout';
  readonly time: number;
  /** t_f (MEMORY.md "Times"): the arrival of the event that completed the trigger, or the due time of the timer it fired from. */
  readonly firingTime?: number;
  readonly trace: Trace;
  readonly deliveries: readonly DeliveryRequest[];
  /** Rules with a holdout or goals: what the store records as the subject's exposure (its first one under the salt counts). */
  readonly exposure?: Exposure;
}

/** A firing as the analysis sees it (both groups); see src/engine/holdout. */
export interface Exposure {
  readonly salt: string;
  /** The subject is in the global control group and the rule opts in (it is then held out). */
  readonly globalControl: boolean;
  /** The event time of the firing: the trigger event's `time`, or the due time of the timer it fired from. */
  readonly at: number;
  /** The rule's metrics and their windows: one outcome row each. */
  readonly metrics: ReadonlyArray<{ readonly name: string; readonly withinMs: number }>;
}

/** An event that counts for a goal or guardrail of a rule (its `event` type and `where`). */
export interface GoalHit {
  readonly ruleId: string;
  /** The rule's current salt (the exposures it may count for are found by the store). */
  readonly salt: string;
  readonly metric: string;
  readonly subject: string;
  /** The metric's `value` of the event; 0 without one (conversion only). */
  readonly value: number;
  /** The event time (ms). */
  readonly time: number;
  readonly eventId: string;
}

/** A rule that could not be evaluated or applied on an event: a condition error or overrun, a refused `set`. */
export interface RuleRunError {
  readonly ruleId: string;
  /** Names the rule path and the reason: `when.where: No such key: contry`. */
  readonly message: string;
}

export interface StepOutput {
  readonly subject: SubjectState;
  /** True when the attributes or the memory changed: the subject must be stored. */
  readonly subjectChanged: boolean;
  readonly firings: readonly Firing[];
  readonly emits: readonly NewEvent[];
  /** Timers to create (or move, by id). */
  readonly timers: readonly TimerRequest[];
  /** Timer ids to delete: instances cancelled or dropped. (A timer that fired is deleted by the processor.) */
  readonly cancelledTimers?: readonly string[];
  readonly suppressions?: readonly Suppression[];
  /** The event was late (MEMORY.md "Times"): stateful parts ignored it. */
  readonly late?: boolean;
  /** A rule id each time its window (or step or cancel list) dropped its oldest entries to stay within IFTHEN_MAX_WINDOW_EVENTS. */
  readonly windowTrims?: readonly string[];
  /** With `EngineOptions.explain`: one per candidate rule. */
  readonly decisions?: readonly RuleDecision[];
  readonly errors: readonly RuleRunError[];
  /** What the step refused for the event itself, whatever the rules (an identify over the profile bound). */
  readonly eventError?: string;
  /** Goal and guardrail events of rules with goals (src/engine/holdout/goals.ts). */
  readonly goalHits?: readonly GoalHit[];
}
