// The contract between the store's aggregates, the statistics and the report/calculator bodies (issue 7,
// ../shared/STATS.md). The analysis reads sums, never rows: a report over a million exposures is a handful of
// numbers per arm by the time it gets here. Body keys are snake_case as the issue names them (`p_value`).

/** One arm's sums for one metric: what the store aggregates (exposed subjects whose goal window matured). */
export interface ArmStats {
  /** Exposed subjects. */
  readonly n: number;
  /** Σy: converters for a conversion metric; the total value for a value metric. */
  readonly sum: number;
  /** Σy²: equals `sum` for a conversion metric (y ∈ {0, 1}). */
  readonly sum_squares: number;
  /** CUPED covariate: the same metric over a window of the same length before exposure. Σx, Σx², Σxy. */
  readonly pre?: { readonly sum: number; readonly sum_squares: number; readonly sum_products: number };
}

export type MetricKind = 'conversion' | 'value';

export interface CompareInput {
  readonly metric: MetricKind;
  /** Arm A: the holdout (control). */
  readonly control: ArmStats;
  /** Arm B: the treatment. */
  readonly treatment: ArmStats;
  /** Configured split as weights (control, treatment); the calculator defaults to 1:1, a holdout to percent : 100 − percent. */
  readonly expected_split?: { readonly control: number; readonly treatment: number };
  /** False for guardrails (unsubscribes, complaints): an increase is harm. Default true. */
  readonly higher_is_better?: boolean;
  /** Default 0.05. */
  readonly alpha?: number;
  /** Tuning N* of the always-valid interval (STATS.md 6); default 5000. */
  readonly sequential_tuning?: number;
  /** Below this many subjects in either arm the verdict is `invalid` (too few). */
  readonly minimum_per_arm?: number;
  /** The absolute effect the "more exposures are needed to detect …" sentence names; default 10 % of the control mean, rounded. */
  readonly detect_effect_absolute?: number;
  /** The metric's name in the sentence ("points of unsubscribes"); default "conversion" / none. */
  readonly metric_name?: string;
}

export interface Interval {
  readonly lower: number;
  readonly upper: number;
}

export interface Effect {
  readonly estimate: number;
  readonly standard_error: number;
  readonly interval: Interval;
  readonly p_value: number;
}

export interface GroupResult {
  readonly exposed: number;
  /** Conversion metrics only. */
  readonly converters?: number;
  /** Conversion metrics: converters / exposed. */
  readonly rate?: number;
  readonly mean: number;
  readonly variance: number;
}

export type Verdict = 'helped' | 'hurt' | 'inconclusive' | 'invalid';

export interface Comparison {
  readonly metric: MetricKind;
  readonly alpha: number;
  readonly groups: { readonly control: GroupResult; readonly treatment: GroupResult };
  /** Fixed-horizon effect of treatment over control: absolute (B − A) and relative ((B − A)/|A|, delta method). */
  readonly lift: { readonly absolute: Effect; readonly relative: Effect | null };
  /** Fixed-horizon two-sided p-value of the absolute difference (z-test for conversion, Welch for values). */
  readonly p_value: number;
  readonly srm: {
    readonly chi_square: number;
    readonly p_value: number;
    readonly flagged: boolean;
    readonly expected_control_share: number;
    readonly observed_control_share: number;
  };
  /** Always-valid inference: what the verdict uses by default. */
  readonly sequential: {
    readonly method: string;
    readonly tuning: number;
    readonly absolute: Interval;
    readonly relative: Interval | null;
    /** Always-valid p-value (monotone: it never rises as data arrives). */
    readonly p_value: number;
    readonly significant: boolean;
  };
  /** Null when no pre-exposure covariate was given or its variance is zero. */
  readonly cuped: null | {
    readonly theta: number;
    /** Share of the variance of the difference removed, 0..1. */
    readonly variance_reduction: number;
    readonly absolute: Effect;
    readonly relative: Effect | null;
    /** The arms' pre-exposure means differ (p < alpha): CUPED's adjustment is doing a lot of work; say so. */
    readonly pre_exposure_imbalance: boolean;
  };
  readonly verdict: Verdict;
  /** Which effect decided the verdict, in words (the always-valid interval of the absolute difference, unadjusted). */
  readonly verdict_basis?: string;
  /** The verdict in plain words, e.g. "+2.1 points of conversion, 95 % interval 0.8 to 3.4: the rule helps". */
  readonly summary: string;
  /** Minimum detectable effect at 80 % power with today's sizes, and how many more exposures a given effect needs. */
  readonly power: {
    readonly power: number;
    readonly mde_absolute: number;
    readonly mde_relative: number | null;
    /** Exposures (both arms) a fixed-horizon test needs to detect the effect named in `for_effect_absolute`, at the configured split. */
    readonly exposures_needed: number | null;
    /** The same for the always-valid interval the verdict uses (larger: the price of looking every day). */
    readonly sequential_exposures_needed: number | null;
    readonly for_effect_absolute: number | null;
  };
}
