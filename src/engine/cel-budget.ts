// Metering one condition evaluation against its ConditionLimits. The AST is instrumented once at compile
// time (cel-ast.ts) and reports to the meter of the evaluation in progress: evaluation is synchronous, so
// one module-level "active" meter is enough and keeps the compiled program shared between evaluations.
import type { ConditionLimits } from './condition-limits.ts';

/** A condition stopped for exceeding its budget; the message names the limit. */
export class ConditionBudgetError extends Error {}

/** The wall clock is read once every this many steps: cheap, and a step is short. */
const CLOCK_EVERY = 16;

export class ConditionMeter {
  #steps = 0;
  #nextClockRead = CLOCK_EVERY;
  readonly #startedAt: number;
  /** Set once exceeded; every later step throws it again, so cel-js cannot absorb it (`||`, `exists`). */
  exceeded: ConditionBudgetError | undefined;

  constructor(readonly limits: ConditionLimits, readonly clock?: () => number) {
    this.#startedAt = clock && limits.maxMs > 0 ? clock() : 0;
  }

  get steps(): number {
    return this.#steps;
  }

  tick(cost = 1): void {
    if (this.exceeded) throw this.exceeded;
    this.#steps += cost;
    if (this.#steps > this.limits.maxSteps) this.#exceed(`condition exceeded its budget of ${this.limits.maxSteps} steps (limit IFTHEN_CONDITION_STEPS)`);
    if (this.#steps >= this.#nextClockRead && this.clock && this.limits.maxMs > 0) {
      this.#nextClockRead = this.#steps + CLOCK_EVERY;
      if (this.clock() - this.#startedAt > this.limits.maxMs) this.#exceed(`condition exceeded its budget of ${this.limits.maxMs} ms (limit IFTHEN_CONDITION_MS)`);
    }
  }

  /** A value an operator or function built: long strings are refused, lists cost one step per element. */
  built(value: unknown): void {
    if (typeof value === 'string' || value instanceof Uint8Array) {
      if (value.length > this.limits.maxStringLength) this.#exceed(`condition exceeded its budget of ${this.limits.maxStringLength} characters in a string it built (limit IFTHEN_CONDITION_STRING_LENGTH)`);
    } else if (Array.isArray(value) && value.length) {
      this.tick(value.length);
    }
  }

  #exceed(message: string): never {
    this.exceeded = new ConditionBudgetError(message);
    throw this.exceeded;
  }
}

let active: ConditionMeter | undefined;

/** The meter of the evaluation in progress, if any. */
export function activeMeter(): ConditionMeter | undefined {
  return active;
}

/** Runs `evaluate` under `meter`; a budget overrun wins over whatever cel-js made of it. */
export function runMetered<T>(meter: ConditionMeter, evaluate: () => T): T {
  const outer = active;
  active = meter;
  try {
    const result = evaluate();
    if (meter.exceeded) throw meter.exceeded;
    return result;
  } catch (error) {
    throw meter.exceeded ?? error;
  } finally {
    active = outer;
  }
}
