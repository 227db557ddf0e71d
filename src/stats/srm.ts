// Sample-ratio mismatch (STATS.md 5, gbstats `utils.check_srm`): a chi-square goodness of fit of the arms' counts
// against the configured split. A mismatch means assignment or exposure logging is broken, and then no other
// number of the report can be trusted. Flagged at p < 0.001 (GrowthBook, Eppo), and only with ≥ 8 per arm (below
// that the chi-square approximation is not trustworthy, and neither is a flag).
import { chiSquareSurvival } from './distributions.ts';

export const SRM_THRESHOLD = 0.001;
export const SRM_MINIMUM_PER_ARM = 8;

export interface SrmResult {
  readonly chi_square: number;
  readonly p_value: number;
  readonly flagged: boolean;
  readonly expected_control_share: number;
  readonly observed_control_share: number;
}

/** Goodness of fit of observed counts against weights (k arms, k − 1 degrees of freedom). */
export function chiSquareGoodnessOfFit(observed: readonly number[], weights: readonly number[]): { chi_square: number; p_value: number } {
  const total = observed.reduce((s, o) => s + o, 0);
  const weightSum = weights.reduce((s, w) => s + w, 0);
  let chiSquare = 0;
  observed.forEach((o, i) => {
    const expected = (weights[i] / weightSum) * total;
    if (expected > 0) chiSquare += ((o - expected) * (o - expected)) / expected;
  });
  return { chi_square: chiSquare, p_value: total > 0 ? chiSquareSurvival(chiSquare, observed.length - 1) : 1 };
}

export function checkSrm(control: number, treatment: number, split: { control: number; treatment: number } = { control: 1, treatment: 1 }): SrmResult {
  const { chi_square, p_value } = chiSquareGoodnessOfFit([control, treatment], [split.control, split.treatment]);
  const enough = control >= SRM_MINIMUM_PER_ARM && treatment >= SRM_MINIMUM_PER_ARM;
  const total = control + treatment;
  return {
    chi_square, p_value, flagged: enough && p_value < SRM_THRESHOLD,
    expected_control_share: split.control / (split.control + split.treatment),
    observed_control_share: total > 0 ? control / total : 0,
  };
}
