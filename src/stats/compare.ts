// The whole analysis of one metric between control (holdout) and treatment, from the arms' sums: fixed-horizon
// effects, sample-ratio check, always-valid interval (what the verdict uses), CUPED, power, verdict and sentence.
// Pure: no I/O, no clock. Formulas and sources: ../shared/STATS.md and README "Statistics".
import type { ArmStats, CompareInput, Comparison, Effect, GroupResult, Verdict } from './types.ts';
import { proportionMoments, valueMoments, type Moments } from './moments.ts';
import { pooledZTest } from './proportions.ts';
import { welchAbsolute, welchRelative, type WelchOptions } from './welch.ts';
import { checkSrm } from './srm.ts';
import { alwaysValidP, DEFAULT_SEQUENTIAL_TUNING, SEQUENTIAL_METHOD, sequentialInterval } from './sequential.ts';
import { cupedAdjust } from './cuped.ts';
import { DEFAULT_POWER, fixedExposuresNeeded, minimumDetectableEffect, sequentialExposuresNeeded, varianceConstant } from './power.ts';
import { VERDICT_BASIS, conclusionWords, effectWords, enoughWords, intervalWords, neededWords, srmWords, tooFewWords } from './summary.ts';

export const DEFAULT_ALPHA = 0.05;
/** Below this many subjects in an arm, the verdict is `invalid`: the normal approximations behind every test need more. */
export const DEFAULT_MINIMUM_PER_ARM = 100;
/** The effect the "more exposures needed" sentence names when none is given: 10 % of the control mean. */
export const DEFAULT_DETECT_RELATIVE = 0.1;

const strip = (e: Effect): Effect => ({ estimate: e.estimate, standard_error: e.standard_error, interval: e.interval, p_value: e.p_value });

/** A round effect to name: 10 % of the control mean, to one significant digit (10 % conversion → 1 point). */
function defaultEffect(controlMean: number): number | null {
  const target = Math.abs(controlMean) * DEFAULT_DETECT_RELATIVE;
  if (!(target > 0)) return null;
  const magnitude = 10 ** Math.floor(Math.log10(target));
  return Math.round(target / magnitude) * magnitude;
}

export function compare(input: CompareInput): Comparison {
  const alpha = input.alpha ?? DEFAULT_ALPHA;
  const tuning = input.sequential_tuning ?? DEFAULT_SEQUENTIAL_TUNING;
  const higherIsBetter = input.higher_is_better ?? true;
  const minimum = input.minimum_per_arm ?? DEFAULT_MINIMUM_PER_ARM;
  const split = input.expected_split ?? { control: 1, treatment: 1 };
  const { control, treatment, metric } = input;
  const conversion = metric === 'conversion';

  // Conversions: Bernoulli variance p(1 − p) and the normal distribution; values: sample variance and Welch's t.
  const momentsOf = (arm: ArmStats): Moments => (conversion ? proportionMoments(arm.n, arm.sum) : valueMoments(arm));
  const a = momentsOf(control);
  const b = momentsOf(treatment);
  const options: WelchOptions = { alpha, distribution: conversion ? 'normal' : 't' };
  const absolute = welchAbsolute(a, b, options);
  const relative = welchRelative(a, b, options);
  const pValue = conversion ? pooledZTest({ n: control.n, converters: control.sum }, { n: treatment.n, converters: treatment.sum }).p_value : absolute.p_value;

  const group = (arm: ArmStats, m: Moments): GroupResult => (conversion
    ? { exposed: arm.n, converters: arm.sum, rate: m.mean, mean: m.mean, variance: m.variance }
    : { exposed: arm.n, mean: m.mean, variance: m.variance });

  const srm = checkSrm(control.n, treatment.n, split);
  const total = control.n + treatment.n;
  const seqAbsolute = sequentialInterval(absolute.estimate, absolute.standard_error, total, alpha, tuning);
  const seqRelative = relative ? sequentialInterval(relative.estimate, relative.standard_error, total, alpha, tuning) : null;
  const seqP = alwaysValidP(absolute.estimate, absolute.standard_error, total, alpha, tuning);
  const significant = absolute.standard_error > 0 && (seqAbsolute.lower > 0 || seqAbsolute.upper < 0);

  const adjustment = cupedAdjust(control, treatment, momentsOf);
  const cuped = adjustment && (() => {
    const adjustedAbsolute = welchAbsolute(adjustment.control.adjusted, adjustment.treatment.adjusted, options);
    const adjustedRelative = welchRelative(adjustment.control.adjusted, adjustment.treatment.adjusted, options);
    return {
      theta: adjustment.theta, variance_reduction: adjustment.variance_reduction,
      absolute: strip(adjustedAbsolute), relative: adjustedRelative && strip(adjustedRelative),
      pre_exposure_imbalance: adjustment.pre_exposure_p_value < alpha,
    };
  })();

  // Power at the configured split (so "more exposures" means more of the same traffic).
  const controlShare = split.control / (split.control + split.treatment);
  const k = varianceConstant(a.variance, b.variance, controlShare);
  const mde = minimumDetectableEffect(absolute.standard_error, alpha);
  const effect = input.detect_effect_absolute ?? defaultEffect(a.mean);
  const finite = (x: number) => (Number.isFinite(x) ? x : null);
  const needed = effect !== null && k > 0 ? finite(fixedExposuresNeeded(effect, k, alpha)) : null;
  const sequentialNeeded = effect !== null && k > 0 ? finite(sequentialExposuresNeeded(effect, k, alpha, tuning)) : null;

  const tooFew = control.n < minimum || treatment.n < minimum;
  const better = higherIsBetter ? absolute.estimate > 0 : absolute.estimate < 0;
  const verdict: Verdict = srm.flagged || tooFew ? 'invalid' : significant ? (better ? 'helped' : 'hurt') : 'inconclusive';

  let summary: string;
  if (srm.flagged) summary = `${srmWords(srm.expected_control_share, srm.observed_control_share, srm.p_value)}: ${conclusionWords('invalid')}`;
  else if (tooFew) summary = `${tooFewWords(control.n, treatment.n, minimum)}: ${conclusionWords('invalid')}`;
  else if (verdict === 'helped' || verdict === 'hurt') summary = `${effectWords(metric, absolute.estimate, input.metric_name)}, ${intervalWords(metric, alpha, seqAbsolute.lower, seqAbsolute.upper, 'always-valid')}: ${conclusionWords(verdict)}`;
  else {
    // Inconclusive: what was seen so far, then what it would take.
    const seen = `${effectWords(metric, absolute.estimate, input.metric_name)} so far, ${intervalWords(metric, alpha, seqAbsolute.lower, seqAbsolute.upper, 'always-valid')}`;
    const more = sequentialNeeded === null || effect === null ? ''
      : sequentialNeeded > total ? `; ${neededWords(metric, sequentialNeeded - total, effect)}` : `; ${enoughWords(metric, total, effect)}`;
    summary = `${conclusionWords('inconclusive')} (${seen})${more}`;
  }

  return {
    metric, alpha,
    groups: { control: group(control, a), treatment: group(treatment, b) },
    lift: { absolute: strip(absolute), relative: relative && strip(relative) },
    p_value: pValue,
    srm,
    sequential: { method: SEQUENTIAL_METHOD, tuning, absolute: seqAbsolute, relative: seqRelative, p_value: seqP, significant },
    cuped,
    verdict, verdict_basis: VERDICT_BASIS, summary,
    power: {
      power: DEFAULT_POWER,
      mde_absolute: mde,
      mde_relative: a.mean !== 0 ? mde / Math.abs(a.mean) : null,
      exposures_needed: needed,
      sequential_exposures_needed: sequentialNeeded,
      for_effect_absolute: effect,
    },
  };
}
