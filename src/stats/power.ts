// Power and minimum detectable effect (two-sided α, 80 % power by default). With k = σ_A²/w_A + σ_B²/w_B (per-unit
// variances over the arms' shares of N units), the standard error of the difference at N units is √(k/N).
// Fixed horizon: MDE = (z_{1−α/2} + z_power)·SE; N = (z_{1−α/2} + z_power)²·k/δ².
// Sequential (what the verdict uses): the smallest N whose confidence-sequence half-width plus z_power·SE(N) is
// within δ, so that the interval excludes 0 in `power` of the runs where the true effect is δ.
import { normalQuantile } from './distributions.ts';
import { boundaryFactor } from './sequential.ts';

export const DEFAULT_POWER = 0.8;

/** Per-unit variance constant k of the difference at the given split. */
export function varianceConstant(controlVariance: number, treatmentVariance: number, controlShare: number): number {
  return controlVariance / controlShare + treatmentVariance / (1 - controlShare);
}

export function minimumDetectableEffect(standardError: number, alpha: number, power = DEFAULT_POWER): number {
  return (normalQuantile(1 - alpha / 2) + normalQuantile(power)) * standardError;
}

/** Units (both arms) a fixed-horizon test needs to detect `effect` with `power`. */
export function fixedExposuresNeeded(effect: number, k: number, alpha: number, power = DEFAULT_POWER): number {
  const z = normalQuantile(1 - alpha / 2) + normalQuantile(power);
  return Math.ceil((z * z * k) / (effect * effect));
}

/** Units (both arms) the confidence sequence needs to detect `effect` with `power`. */
export function sequentialExposuresNeeded(effect: number, k: number, alpha: number, tuning: number, power = DEFAULT_POWER): number {
  const zPower = normalQuantile(power);
  const detects = (n: number) => Math.sqrt(k) * boundaryFactor(n, alpha, tuning) + zPower * Math.sqrt(k / n) <= Math.abs(effect);
  let high = 2;
  while (!detects(high)) {
    high *= 2;
    if (high > 1e15) return Infinity;
  }
  let low = high / 2;
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (detects(mid)) high = mid; else low = mid;
  }
  return high;
}
