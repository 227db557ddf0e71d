// Welch's t-test on two arms' moments (STATS.md 2 and 3, after gbstats `frequentist/tests.py`): the absolute
// difference B − A, or the relative lift (B − A)/|A| with the delta-method variance (covariance 0). Both use the
// Welch–Satterthwaite degrees of freedom of the absolute difference, as gbstats does. The relative p-value is
// larger than the absolute one on the same data: it carries the control mean's uncertainty too.
import { normalCdf, normalQuantile, tCdf, tQuantile } from './distributions.ts';
import type { Moments } from './moments.ts';
import type { Effect } from './types.ts';

/** two-sided: B ≠ A; greater: B > A; less: B < A. */
export type Alternative = 'two-sided' | 'greater' | 'less';

export interface WelchOptions {
  readonly alpha?: number;
  readonly alternative?: Alternative;
  /** 'normal' uses z instead of t (large samples, or proportions tested with the normal approximation). */
  readonly distribution?: 't' | 'normal';
}

export interface WelchResult extends Effect {
  readonly degrees_of_freedom: number;
  readonly statistic: number;
}

/** Welch–Satterthwaite df of Var(x̄_B − x̄_A). */
export function welchDegreesOfFreedom(control: Moments, treatment: Moments): number {
  const a = control.variance / control.n;
  const b = treatment.variance / treatment.n;
  const denominator = (a * a) / (control.n - 1) + (b * b) / (treatment.n - 1);
  return denominator > 0 ? ((a + b) * (a + b)) / denominator : Infinity;
}

/** Var(x̄_B − x̄_A) = s_B²/n_B + s_A²/n_A. */
export function absoluteVariance(control: Moments, treatment: Moments): number {
  return treatment.variance / treatment.n + control.variance / control.n;
}

/** Delta method, cov = 0: Var((x̄_B − x̄_A)/|x̄_A|) = s_B²/(x̄_A² n_B) + s_A² x̄_B²/(x̄_A⁴ n_A). NaN when x̄_A = 0. */
export function relativeVariance(control: Moments, treatment: Moments): number {
  const mA = control.mean;
  if (mA === 0) return NaN;
  return treatment.variance / (mA * mA * treatment.n) + (control.variance * treatment.mean * treatment.mean) / (mA ** 4 * control.n);
}

/** An estimate with its standard error turned into an interval and a p-value. */
export function effectOf(estimate: number, standardError: number, df: number, options: WelchOptions = {}): WelchResult {
  const alpha = options.alpha ?? 0.05;
  const alternative = options.alternative ?? 'two-sided';
  const normal = options.distribution === 'normal' || !Number.isFinite(df);
  const cdf = (x: number) => (normal ? normalCdf(x) : tCdf(x, df));
  const quantile = (p: number) => (normal ? normalQuantile(p) : tQuantile(p, df));
  if (!(standardError > 0)) {
    return { estimate, standard_error: 0, interval: { lower: estimate, upper: estimate }, p_value: 1, degrees_of_freedom: df, statistic: 0 };
  }
  const statistic = estimate / standardError;
  if (alternative === 'two-sided') {
    const half = quantile(1 - alpha / 2) * standardError;
    return { estimate, standard_error: standardError, interval: { lower: estimate - half, upper: estimate + half }, p_value: 2 * (1 - cdf(Math.abs(statistic))), degrees_of_freedom: df, statistic };
  }
  const half = quantile(1 - alpha) * standardError;
  return alternative === 'greater'
    ? { estimate, standard_error: standardError, interval: { lower: estimate - half, upper: Infinity }, p_value: 1 - cdf(statistic), degrees_of_freedom: df, statistic }
    : { estimate, standard_error: standardError, interval: { lower: -Infinity, upper: estimate + half }, p_value: cdf(statistic), degrees_of_freedom: df, statistic };
}

/** Welch's test of x̄_B − x̄_A. */
export function welchAbsolute(control: Moments, treatment: Moments, options: WelchOptions = {}): WelchResult {
  return effectOf(treatment.mean - control.mean, Math.sqrt(absoluteVariance(control, treatment)), welchDegreesOfFreedom(control, treatment), options);
}

/** The relative lift (x̄_B − x̄_A)/|x̄_A| by the delta method; null when the control mean is 0 (no lift is defined). */
export function welchRelative(control: Moments, treatment: Moments, options: WelchOptions = {}): WelchResult | null {
  if (control.mean === 0) return null;
  const estimate = (treatment.mean - control.mean) / Math.abs(control.mean);
  return effectOf(estimate, Math.sqrt(relativeVariance(control, treatment)), welchDegreesOfFreedom(control, treatment), options);
}
