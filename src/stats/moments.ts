// Per-arm moments from the sums the store keeps (Σy, Σy², n): the analysis never sees rows.
import type { ArmStats } from './types.ts';

/** What every test reads of one arm. */
export interface Moments {
  readonly n: number;
  readonly mean: number;
  readonly variance: number;
}

/** Sample variance with n − 1, clamped at 0 against rounding: (Σy² − (Σy)²/n)/(n − 1). */
export function sampleVariance(n: number, sum: number, sumSquares: number): number {
  if (n < 2) return 0;
  return Math.max(0, (sumSquares - (sum * sum) / n) / (n - 1));
}

/** A value metric's moments: the sample variance (n − 1), as Welch's test expects. */
export function valueMoments(arm: Pick<ArmStats, 'n' | 'sum' | 'sum_squares'>): Moments {
  return { n: arm.n, mean: arm.n > 0 ? arm.sum / arm.n : 0, variance: sampleVariance(arm.n, arm.sum, arm.sum_squares) };
}

/** A conversion metric's moments: the rate and its Bernoulli variance p(1 − p), as gbstats uses it. */
export function proportionMoments(n: number, converters: number): Moments {
  const p = n > 0 ? converters / n : 0;
  return { n, mean: p, variance: p * (1 - p) };
}
