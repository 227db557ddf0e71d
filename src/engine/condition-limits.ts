// The budget of one condition evaluation: what a `where` may cost before it is stopped and counted as false.

export interface ConditionLimits {
  /**
   * Evaluation steps: one per expression node evaluated (each iteration of `all`, `exists`, `map`, `filter`
   * counts its body again), plus one per element of a list built by `+` or a function or scanned by `in`,
   * `==` or `!=`, plus one per 16 characters a regular expression scans.
   */
  readonly maxSteps: number;
  /** The longest string (or bytes) a condition may build with `+` or a function. */
  readonly maxStringLength: number;
  /** Wall time of one evaluation, read from the clock the engine is given (EngineOptions.wallClock); 0 = no bound. */
  readonly maxMs: number;
}

export const DEFAULT_CONDITION_LIMITS: ConditionLimits = { maxSteps: 100_000, maxStringLength: 1_048_576, maxMs: 100 };
