// The distributions the statistics need, from stdlib (a well-kept library, not hand-written approximations).
// One place to import them, with the argument order spelled out once.
import normalCdfOf from '@stdlib/stats-base-dists-normal-cdf';
import normalQuantileOf from '@stdlib/stats-base-dists-normal-quantile';
import tCdfOf from '@stdlib/stats-base-dists-t-cdf';
import tQuantileOf from '@stdlib/stats-base-dists-t-quantile';
import chiSquareCdfOf from '@stdlib/stats-base-dists-chisquare-cdf';

/** Φ(x), the standard normal CDF. */
export const normalCdf = (x: number): number => normalCdfOf(x, 0, 1);

/** Φ⁻¹(p), the standard normal quantile. */
export const normalQuantile = (p: number): number => normalQuantileOf(p, 0, 1);

/** Student's t CDF with `df` degrees of freedom; a non-finite df is the normal. */
export const tCdf = (x: number, df: number): number => (Number.isFinite(df) ? tCdfOf(x, df) : normalCdf(x));

/** Student's t quantile with `df` degrees of freedom; a non-finite df is the normal. */
export const tQuantile = (p: number, df: number): number => (Number.isFinite(df) ? tQuantileOf(p, df) : normalQuantile(p));

/** P(χ²_k ≥ x): the chi-square survival function. */
export const chiSquareSurvival = (x: number, k: number): number => 1 - chiSquareCdfOf(x, k);
