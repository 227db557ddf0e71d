// The engine core's inputs, state and outputs: the contract between the pure core and every edge.
import type { LoggedEvent, NewEvent } from './event.ts';
import type { ActionKind } from './rule/schema.ts';
import type { DeliveryPolicy } from './rule/compile.ts';
import type { ConditionLimits } from './condition-limits.ts';
import type { SubjectLimits } from './subject-limits.ts';
import type { RenderLimits } from './render-limits.ts';

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
}

/** What the engine remembers of one subject. Attribute objects have no prototype: keys are data. */
export interface SubjectState {
  readonly id: string;
  readonly attributes: Readonly<Record<string, unknown>>;
}

/** A durable timer a step asks for (absence, delay); reserved for rules with memory. */
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
}

export interface Firing {
  readonly id: string;
  readonly ruleId: string;
  readonly ruleVersion: number;
  readonly subject: string;
  readonly eventIds: readonly string[];
  readonly group: 'treatment' | 'holdout';
  readonly time: number;
  readonly trace: Trace;
  readonly deliveries: readonly DeliveryRequest[];
}

/** A rule that could not be evaluated or applied on an event: a condition error or overrun, a refused `set`. */
export interface RuleRunError {
  readonly ruleId: string;
  /** Names the rule path and the reason: `when.where: No such key: contry`. */
  readonly message: string;
}

export interface StepOutput {
  readonly subject: SubjectState;
  readonly subjectChanged: boolean;
  readonly firings: readonly Firing[];
  readonly emits: readonly NewEvent[];
  readonly timers: readonly TimerRequest[];
  readonly errors: readonly RuleRunError[];
  /** What the step refused for the event itself, whatever the rules (an identify over the profile bound). */
  readonly eventError?: string;
}
