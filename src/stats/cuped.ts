// CUPED (STATS.md 4; Deng, Xu, Kohavi, Walker 2013; gbstats `compute_theta`): the same metric measured over a window
// of the same length before exposure explains part of each subject's outcome; removing it narrows the interval
// without biasing the difference (assignment is independent of the past). θ = Cov(Y, X)/Var(X) on the pooled
// sample of both arms; adjusted arm mean Ȳ − θ(X̄ − X̄_pooled); per-arm variance Var_Y + θ²Var_X − 2θCov_XY.
// When the arms' pre-exposure means differ (GrowthBook issue 4586), the adjustment is doing a lot of work: flagged.
import type { ArmStats } from './types.ts';
import type { Moments } from './moments.ts';
import { valueMoments } from './moments.ts';
import { welchAbsolute } from './welch.ts';

export interface CupedArm {
  /** Adjusted moments: what Welch's test reads. */
  readonly adjusted: Moments;
  readonly pre: Moments;
}

export interface CupedAdjustment {
  readonly theta: number;
  readonly control: CupedArm;
  readonly treatment: CupedArm;
  /** 1 − Var(adjusted difference)/Var(raw difference), 0..1 (0 when the adjustment does not help). */
  readonly variance_reduction: number;
  /** Welch's two-sided p-value of the pre-exposure means. */
  readonly pre_exposure_p_value: number;
}

type WithPre = ArmStats & { readonly pre: NonNullable<ArmStats['pre']> };

const covariance = (n: number, sumX: number, sumY: number, sumXY: number) => (n < 2 ? 0 : (sumXY - (sumX * sumY) / n) / (n - 1));

/**
 * The adjustment, or null when an arm has no covariate or the pooled covariate has no variance.
 * `postMoments` gives each arm's outcome moments (Bernoulli variance for conversions, sample variance for values).
 */
export function cupedAdjust(control: ArmStats, treatment: ArmStats, postMoments: (arm: ArmStats) => Moments): CupedAdjustment | null {
  if (!control.pre || !treatment.pre) return null;
  const arms = [control as WithPre, treatment as WithPre];
  const n = arms[0].n + arms[1].n;
  const sx = arms[0].pre.sum + arms[1].pre.sum;
  const sxx = arms[0].pre.sum_squares + arms[1].pre.sum_squares;
  const sy = arms[0].sum + arms[1].sum;
  const sxy = arms[0].pre.sum_products + arms[1].pre.sum_products;
  const pooledVarX = covariance(n, sx, sx, sxx);
  if (!(pooledVarX > 0)) return null;
  const theta = covariance(n, sx, sy, sxy) / pooledVarX;
  const pooledMeanX = sx / n;

  const adjust = (arm: WithPre): CupedArm => {
    const post = postMoments(arm);
    const pre = valueMoments({ n: arm.n, sum: arm.pre.sum, sum_squares: arm.pre.sum_squares });
    const cov = covariance(arm.n, arm.pre.sum, arm.sum, arm.pre.sum_products);
    const variance = Math.max(0, post.variance + theta * theta * pre.variance - 2 * theta * cov);
    return { adjusted: { n: arm.n, mean: post.mean - theta * (pre.mean - pooledMeanX), variance }, pre };
  };
  const [a, b] = arms.map(adjust);
  const rawA = postMoments(control);
  const rawB = postMoments(treatment);
  const rawVar = rawA.variance / rawA.n + rawB.variance / rawB.n;
  const adjustedVar = a.adjusted.variance / a.adjusted.n + b.adjusted.variance / b.adjusted.n;
  return {
    theta, control: a, treatment: b,
    variance_reduction: rawVar > 0 ? Math.max(0, 1 - adjustedVar / rawVar) : 0,
    pre_exposure_p_value: welchAbsolute(a.pre, b.pre).p_value,
  };
}
