// Always-valid inference (STATS.md 6): GrowthBook's Gaussian-mixture confidence sequence (`SequentialTwoSidedTTest`,
// after Waudby-Smith et al., arXiv 2103.06476). Unlike a fixed-horizon interval, it holds at every look at once, so
// a report read every day does not inflate false positives.
//
// Tuning: N* ("tuning", default 5000) is the total sample size at which the sequence is tightest. The mixture's
// ρ is chosen for that N*: ρ = √[(−2 ln α + ln(−2 ln α + 1))/N*]. A smaller N* gives narrower intervals early and
// wider ones late; 5000 suits rules with a few thousand exposures. The price of validity at every look is width:
// at n ≈ N* the half-width is about 1.5× the fixed-horizon one.
//
// The always-valid p-value is the mixture martingale's 1/Λ at the same ρ: p ≤ α exactly when the sequence at level α
// excludes 0. Taken along a series of looks, the running minimum is itself valid ("once the evidence was this
// strong, it stays on record"): it never rises as data arrives. `foldAlwaysValidP` folds a series of daily looks.
import type { Interval } from './types.ts';

export const DEFAULT_SEQUENTIAL_TUNING = 5000;
export const SEQUENTIAL_METHOD = 'gaussian-mixture confidence sequence (GrowthBook; Waudby-Smith et al. 2023)';

/** ρ of the mixture, tuned so that the sequence is tightest at `tuning` total units. */
export function mixtureRho(alpha: number, tuning: number): number {
  const a = -2 * Math.log(alpha);
  return Math.sqrt((a + Math.log(a + 1)) / tuning);
}

/** √[2(nρ²+1)/(n²ρ²) · ln(√(nρ²+1)/α)]: the half-width per unit of the per-unit standard deviation. */
export function boundaryFactor(n: number, alpha: number, tuning: number): number {
  const rho2 = mixtureRho(alpha, tuning) ** 2;
  const nr = n * rho2;
  return Math.sqrt(((2 * (nr + 1)) / (n * n * rho2)) * Math.log(Math.sqrt(nr + 1) / alpha));
}

/**
 * Half-width of the confidence sequence of an estimate with standard error `standardError` from `n` units in all:
 * s² = SE²·n is the per-unit variance; half-width = s · boundaryFactor.
 */
export function sequentialHalfWidth(standardError: number, n: number, alpha: number, tuning = DEFAULT_SEQUENTIAL_TUNING): number {
  return Math.sqrt(standardError * standardError * n) * boundaryFactor(n, alpha, tuning);
}

export function sequentialInterval(estimate: number, standardError: number, n: number, alpha: number, tuning = DEFAULT_SEQUENTIAL_TUNING): Interval {
  // No units or no spread: a point, as the fixed-horizon interval gives (rather than NaN from 0 · ∞).
  const half = n > 0 && standardError > 0 ? sequentialHalfWidth(standardError, n, alpha, tuning) : 0;
  return { lower: estimate - half, upper: estimate + half };
}

/**
 * Always-valid p-value at one look: 1/Λ of the Gaussian mixture at the ρ tuned for `alpha`,
 * √(nρ²+1) · exp(−Δ² n² ρ² / (2 s² (nρ²+1))), capped at 1. It is below α exactly when the interval excludes 0.
 */
export function alwaysValidP(estimate: number, standardError: number, n: number, alpha: number, tuning = DEFAULT_SEQUENTIAL_TUNING): number {
  const s2 = standardError * standardError * n;
  if (!(s2 > 0)) return 1;
  const rho2 = mixtureRho(alpha, tuning) ** 2;
  const nr = n * rho2;
  const logP = 0.5 * Math.log(nr + 1) - (estimate * estimate * n * n * rho2) / (2 * s2 * (nr + 1));
  return Math.min(1, Math.exp(logP));
}

/** Folds the p-values of successive looks into the always-valid series: the running minimum, never rising. */
export function foldAlwaysValidP(series: readonly number[]): number[] {
  let current = 1;
  return series.map((p) => (current = Math.min(current, p)));
}
