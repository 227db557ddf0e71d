// Two proportions (STATS.md 1): the pooled two-proportion z-test for the p-value (equal to the uncorrected 2×2
// Pearson χ², z² = χ²), and the unpooled standard error for the interval of the difference (under H0 the rates are
// equal, so the test pools; the interval is about the rates as they are, so it does not).
import { chiSquareSurvival, normalCdf, normalQuantile } from './distributions.ts';

export interface Proportion {
  readonly n: number;
  readonly converters: number;
}

export interface PooledZTest {
  /** (x_A + x_B)/(n_A + n_B) */
  readonly pooled: number;
  readonly difference: number;
  readonly standard_error: number;
  readonly z: number;
  /** Two-sided. */
  readonly p_value: number;
}

export function pooledZTest(control: Proportion, treatment: Proportion): PooledZTest {
  const pA = control.converters / control.n;
  const pB = treatment.converters / treatment.n;
  const pooled = (control.converters + treatment.converters) / (control.n + treatment.n);
  const standardError = Math.sqrt(pooled * (1 - pooled) * (1 / control.n + 1 / treatment.n));
  const difference = pB - pA;
  if (!(standardError > 0)) return { pooled, difference, standard_error: 0, z: 0, p_value: 1 };
  const z = difference / standardError;
  return { pooled, difference, standard_error: standardError, z, p_value: 2 * (1 - normalCdf(Math.abs(z))) };
}

/** √(p_A(1−p_A)/n_A + p_B(1−p_B)/n_B): the standard error of p_B − p_A the interval uses. */
export function unpooledStandardError(control: Proportion, treatment: Proportion): number {
  const pA = control.converters / control.n;
  const pB = treatment.converters / treatment.n;
  return Math.sqrt((pA * (1 - pA)) / control.n + (pB * (1 - pB)) / treatment.n);
}

/** The (1 − α) interval of p_B − p_A with the unpooled standard error. */
export function differenceInterval(control: Proportion, treatment: Proportion, alpha: number): { lower: number; upper: number } {
  const difference = treatment.converters / treatment.n - control.converters / control.n;
  const half = normalQuantile(1 - alpha / 2) * unpooledStandardError(control, treatment);
  return { lower: difference - half, upper: difference + half };
}

/** Pearson's χ² of the 2×2 table (converted / not × arm), without continuity correction; equals z² of the pooled test. */
export function pearsonChiSquare2x2(control: Proportion, treatment: Proportion): { chi_square: number; p_value: number } {
  const total = control.n + treatment.n;
  const converted = control.converters + treatment.converters;
  let chiSquare = 0;
  for (const arm of [control, treatment]) {
    for (const [observed, column] of [[arm.converters, converted], [arm.n - arm.converters, total - converted]] as const) {
      const expected = (arm.n * column) / total;
      if (expected > 0) chiSquare += ((observed - expected) ** 2) / expected;
    }
  }
  return { chi_square: chiSquare, p_value: chiSquareSurvival(chiSquare, 1) };
}
