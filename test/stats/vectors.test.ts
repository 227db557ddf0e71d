// Worked examples with known answers (../shared/STATS.md V1–V11 except V9, the assignment hash, which the holdout
// assignment's tests own), plus two published textbook examples. Each expected value is written as stated by its
// source; `stated` allows half a unit of its last digit, so every figure is matched to all the digits given (≥ 4
// significant).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { proportionMoments, valueMoments } from '../../src/stats/moments.ts';
import { welchAbsolute, welchRelative } from '../../src/stats/welch.ts';
import { pearsonChiSquare2x2, pooledZTest, differenceInterval } from '../../src/stats/proportions.ts';
import { mixtureRho, sequentialHalfWidth, sequentialInterval, alwaysValidP } from '../../src/stats/sequential.ts';
import { chiSquareGoodnessOfFit, checkSrm } from '../../src/stats/srm.ts';
import { cupedAdjust } from '../../src/stats/cuped.ts';
import { compare } from '../../src/stats/compare.ts';
import { effectOf } from '../../src/stats/welch.ts';
import type { ArmStats } from '../../src/stats/types.ts';

/** Asserts `actual` equals `expected` (a decimal as its source prints it) to half a unit of its last digit. */
function stated(actual: number, expected: string, what = expected): void {
  const decimals = expected.includes('.') ? expected.split('.')[1].length : 0;
  const tolerance = 0.5 * 10 ** -decimals;
  assert.ok(Math.abs(actual - Number(expected)) <= tolerance * (1 + 1e-9), `${what}: got ${actual}, expected ${expected} (±${tolerance})`);
}

/** Asserts agreement to `digits` significant digits (for a source whose last digits follow a slightly different estimator). */
function significant(actual: number, expected: number, digits = 4): void {
  const scale = 10 ** (Math.floor(Math.log10(Math.abs(expected))) - digits + 1);
  assert.ok(Math.abs(actual - expected) <= 0.5 * scale, `got ${actual}, expected ${expected} to ${digits} significant digits`);
}

// V1/V2: gbstats tests/frequentist/test_tests.py, two-sided tests; x̄ = 0.41, s² = 15.21 (n 3407) vs 0.70, 38.44 (n 3461).
const v1A = valueMoments({ n: 3407, sum: 1396.87, sum_squares: 52377.9767 });
const v1B = valueMoments({ n: 3461, sum: 2422.7, sum_squares: 134698.29 });
// V4/V5: the same sums with n_A = 3000 (gbstats TestOneSidedGreaterTTest).
const v4A = valueMoments({ n: 3000, sum: 1396.87, sum_squares: 52377.9767 });

describe('Welch (gbstats test_tests.py)', () => {
  it('V1: absolute, two-sided', () => {
    const r = welchAbsolute(v1A, v1B);
    stated(v1A.variance, '15.21', 's²_A'); stated(v1B.variance, '38.44', 's²_B');
    stated(r.estimate, '0.29'); stated(r.standard_error, '0.12478'); stated(r.degrees_of_freedom, '5841.74');
    stated(r.interval.lower, '0.04538'); stated(r.interval.upper, '0.53462'); stated(r.p_value, '0.02016');
  });
  it('V2: relative by the delta method, two-sided (a larger p than the absolute one on the same data)', () => {
    const r = welchRelative(v1A, v1B)!;
    stated(r.estimate, '0.70732'); stated(r.standard_error, '0.37879');
    stated(r.interval.lower, '-0.03526'); stated(r.interval.upper, '1.44989'); stated(r.p_value, '0.06191');
    assert.ok(r.p_value > welchAbsolute(v1A, v1B).p_value);
  });
  it('V3: proportions 14/28 vs 16/30, relative, with the Bernoulli variance p(1 − p)', () => {
    const r = welchRelative(proportionMoments(28, 14), proportionMoments(30, 16))!;
    stated(r.degrees_of_freedom, '55.71'); stated(r.estimate, '0.06667'); stated(r.standard_error, '0.2717');
    stated(r.interval.lower, '-0.47767'); stated(r.interval.upper, '0.61101'); stated(r.p_value, '0.80707');
  });
  it('V4: one-sided (B > A), relative', () => {
    const r = welchRelative(v4A, v1B, { alternative: 'greater' })!;
    stated(r.estimate, '0.50336'); stated(r.standard_error, '0.33341');
    stated(r.interval.lower, '-0.045137'); assert.equal(r.interval.upper, Infinity); stated(r.p_value, '0.065583');
  });
  it('V5: one-sided (B > A), absolute; and B < A is its complement', () => {
    const r = welchAbsolute(v4A, v1B, { alternative: 'greater' });
    stated(r.estimate, '0.234377'); stated(r.standard_error, '0.129831'); stated(r.p_value, '0.035543');
    stated(r.interval.lower, '0.020791');
    stated(welchAbsolute(v4A, v1B, { alternative: 'less' }).p_value, '0.964457');
  });
  it('gbstats TestOneSidedLesserTTest: B < A, relative and absolute', () => {
    const relative = welchRelative(v4A, v1B, { alternative: 'less' })!;
    assert.equal(relative.interval.lower, -Infinity);
    stated(relative.interval.upper, '1.051859'); stated(relative.p_value, '0.934417');
    const absolute = welchAbsolute(v4A, v1B, { alternative: 'less' });
    stated(absolute.interval.upper, '0.447962'); stated(absolute.p_value, '0.964457');
  });
});

describe('sequential (gbstats test_tests.py)', () => {
  it('V6: proportions 1396/3000 vs 2422/3461, relative, N* = 5000', () => {
    const r = welchRelative(proportionMoments(3000, 1396), proportionMoments(3461, 2422))!;
    stated(r.estimate, '0.50386'); stated(r.standard_error, '0.03386');
    stated(mixtureRho(0.05, 5000), '0.039840');
    stated(sequentialHalfWidth(r.standard_error, 6461, 0.05, 5000), '0.102885');
    const ci = sequentialInterval(r.estimate, r.standard_error, 6461, 0.05, 5000);
    stated(ci.lower, '0.40098'); stated(ci.upper, '0.60675');
  });
  it('V7: means of V4, relative, N* = 1000: a wide interval and an always-valid p of 1', () => {
    const r = welchRelative(v4A, v1B)!;
    const ci = sequentialInterval(r.estimate, r.standard_error, 6461, 0.05, 1000);
    stated(r.estimate, '0.50336'); stated(ci.lower, '-0.55844'); stated(ci.upper, '1.56516');
    assert.equal(alwaysValidP(r.estimate, r.standard_error, 6461, 0.05, 1000), 1);
  });
  it('gbstats test_sequential_test_tuning_as_expected: N* far below n is wider than far above, and N* ≈ n is the narrowest', () => {
    const r = welchRelative(v4A, v1B)!;
    const width = (tuning: number) => 2 * sequentialHalfWidth(r.standard_error, 6461, 0.05, tuning);
    assert.ok(width(10) > width(10_000) && width(10_000) > width(6461));
  });
  it('gbstats test_sequential_test_runs_ra: CUPED, relative, sequential, to 4 significant digits', () => {
    // gbstats' last digits differ (0.50338 vs 0.50339): its θ is estimated slightly differently; 4 digits agree.
    const a: ArmStats = { n: 3000, sum: 1396.87, sum_squares: 52377.9767, pre: { sum: 16.87, sum_squares: 527.9767, sum_products: 1 } };
    const b: ArmStats = { n: 3461, sum: 2422.7, sum_squares: 134698.29, pre: { sum: 22.7, sum_squares: 1348.29, sum_products: 1 } };
    const cuped = cupedAdjust(a, b, valueMoments)!;
    const r = welchRelative(cuped.control.adjusted, cuped.treatment.adjusted)!;
    significant(r.estimate, 0.50338); significant(r.standard_error, 0.33341);
    const ci = sequentialInterval(r.estimate, r.standard_error, 6461, 0.05, 5000);
    significant(ci.lower, -0.50969); significant(ci.upper, 1.51646);
  });
  it('the always-valid p-value is below α exactly when the interval excludes 0', () => {
    for (const estimate of [0.01, 0.05, 0.08, 0.1, 0.2]) {
      const ci = sequentialInterval(estimate, 0.03, 6000, 0.05, 5000);
      assert.equal(alwaysValidP(estimate, 0.03, 6000, 0.05, 5000) < 0.05, ci.lower > 0, `estimate ${estimate}`);
    }
  });
});

describe('two proportions', () => {
  it('V8: pooled z-test 10/10057 vs 8/10003 equals the uncorrected 2×2 χ²', () => {
    const a = { n: 10057, converters: 10 };
    const b = { n: 10003, converters: 8 };
    const z = pooledZTest(a, b);
    stated(z.pooled * 100, '0.0897', 'p̂ in %'); stated(z.standard_error * 100, '0.04228', 'SE in %');
    stated(z.z, '-0.4602'); stated(z.p_value, '0.6454');
    const chi = pearsonChiSquare2x2(a, b);
    stated(chi.chi_square, '0.21178'); stated(chi.p_value, '0.6454');
    assert.ok(Math.abs(chi.chi_square - z.z ** 2) < 1e-9 && Math.abs(chi.p_value - z.p_value) < 1e-9);
  });
  it('V10: 200/1000 vs 250/1000', () => {
    const z = pooledZTest({ n: 1000, converters: 200 }, { n: 1000, converters: 250 });
    stated(z.z, '2.6774'); stated(z.p_value, '0.00742');
  });
  it('textbook: OpenStax Introductory Statistics §10.3 (two medications for hives, 20/200 vs 12/200): z ≈ 1.47, p-value 0.1404', () => {
    const z = pooledZTest({ n: 200, converters: 20 }, { n: 200, converters: 12 });
    stated(z.pooled, '0.08'); stated(Math.abs(z.z), '1.474'); stated(z.p_value, '0.1404');
    // The unpooled interval of the difference, by hand: −0.04 ± 1.95996·√(0.1·0.9/200 + 0.06·0.94/200).
    const ci = differenceInterval({ n: 200, converters: 20 }, { n: 200, converters: 12 }, 0.05);
    stated(ci.lower, '-0.09303'); stated(ci.upper, '0.01303');
  });
});

describe('chi-square goodness of fit', () => {
  it("textbook: Mendel's dihybrid cross, 315/108/101/32 against 9:3:3:1 (P. McClean, NDSU PLSC 431, 'The Chi-Square Test'): χ² = 0.47, df 3, p > 0.90", () => {
    const r = chiSquareGoodnessOfFit([315, 108, 101, 32], [9, 3, 3, 1]);
    stated(r.chi_square, '0.47');
    assert.ok(r.p_value > 0.9);
    // To 4 digits by hand: Σ(O−E)²/E with E = 312.75, 104.25, 104.25, 34.75; for 3 df the survival has the closed
    // form 2(1 − Φ(√x)) + √(2x/π)·e^(−x/2) = 0.49296 + 0.43245.
    stated(r.chi_square, '0.4700'); stated(r.p_value, '0.9254');
  });
  it('SRM: 10,400 / 9,600 against 50:50 is flagged; 10,050 / 9,950 is not; under 8 in an arm never is', () => {
    const skewed = checkSrm(10400, 9600);
    stated(skewed.chi_square, '32.00'); assert.ok(skewed.p_value < 1e-7); assert.equal(skewed.flagged, true);
    stated(skewed.observed_control_share, '0.52');
    assert.equal(checkSrm(10050, 9950).flagged, false);
    assert.equal(checkSrm(1, 7, { control: 1, treatment: 1000 }).flagged, false);
  });
  it('SRM against a 10:90 holdout split', () => {
    const r = checkSrm(1000, 9000, { control: 10, treatment: 90 });
    assert.equal(r.chi_square, 0); assert.equal(r.flagged, false); stated(r.expected_control_share, '0.1');
    assert.equal(checkSrm(1200, 8800, { control: 10, treatment: 90 }).flagged, true);
  });
});

describe('CUPED', () => {
  // V11: control pre [1,2,3,4,5], post [2,4,5,4,6]; treatment pre [2,3,4,5,6], post [4,5,7,7,9].
  const arm = (pre: number[], post: number[]): ArmStats => ({
    n: post.length, sum: post.reduce((s, y) => s + y, 0), sum_squares: post.reduce((s, y) => s + y * y, 0),
    pre: { sum: pre.reduce((s, x) => s + x, 0), sum_squares: pre.reduce((s, x) => s + x * x, 0), sum_products: pre.reduce((s, x, i) => s + x * post[i], 0) },
  });
  const control = arm([1, 2, 3, 4, 5], [2, 4, 5, 4, 6]);
  const treatment = arm([2, 3, 4, 5, 6], [4, 5, 7, 7, 9]);

  it('V11: pooled θ, the raw and the adjusted difference (z p-values)', () => {
    const raw = welchAbsolute(valueMoments(control), valueMoments(treatment), { distribution: 'normal' });
    stated(raw.estimate, '2.2'); stated(raw.standard_error, '1.09545'); stated(raw.p_value, '0.0446');
    const cuped = cupedAdjust(control, treatment, valueMoments)!;
    stated(cuped.theta, '1.13333');
    const adjusted = welchAbsolute(cuped.control.adjusted, cuped.treatment.adjusted, { distribution: 'normal' });
    stated(adjusted.estimate, '1.06667'); stated(adjusted.standard_error, '0.46667'); stated(adjusted.p_value, '0.0223');
    stated(cuped.variance_reduction, '0.81852', 'variance reduction 1 − 0.21778/1.2');
    // The pre-exposure means (3 vs 4) differ by design here; with 5 per arm Welch does not call it significant.
    stated(cuped.pre_exposure_p_value, '0.3466');
  });
  it('no covariate, or a constant one, gives no adjustment', () => {
    assert.equal(cupedAdjust({ n: 5, sum: 1, sum_squares: 1 }, { n: 5, sum: 1, sum_squares: 1 }, valueMoments), null);
    const flat = { sum: 5, sum_squares: 5, sum_products: 3 };
    assert.equal(cupedAdjust({ n: 5, sum: 3, sum_squares: 3, pre: flat }, { n: 5, sum: 3, sum_squares: 3, pre: flat }, valueMoments), null);
  });
  it('compare() reports it, and flags a pre-exposure imbalance', () => {
    const big = (shift: number): ArmStats => ({ n: 1000, sum: 1000 * (5 + shift), sum_squares: 1000 * ((5 + shift) ** 2 + 4), pre: { sum: 1000 * (3 + shift), sum_squares: 1000 * ((3 + shift) ** 2 + 2), sum_products: 1000 * ((3 + shift) * (5 + shift) + 2.5) } });
    const r = compare({ metric: 'value', control: big(0), treatment: big(0.5) });
    assert.ok(r.cuped && r.cuped.variance_reduction > 0.5 && r.cuped.pre_exposure_imbalance);
    assert.equal(compare({ metric: 'value', control: big(0), treatment: big(0.001) }).cuped?.pre_exposure_imbalance, false);
  });
});

describe('the sentence', () => {
  it('inconclusive with enough subjects for the named effect says the effect is likely smaller, not "0 more exposures"', () => {
    const r = compare({ metric: 'conversion', control: { n: 100_000, sum: 10_000, sum_squares: 10_000 }, treatment: { n: 100_000, sum: 10_050, sum_squares: 10_050 } });
    assert.equal(r.verdict, 'inconclusive');
    assert.match(r.summary, /^no detectable effect yet \(\+0\.1 points of conversion so far, 95 % always-valid interval -0\.\d to 0\.\d\); 200,000 exposures would have detected \+1 point in most runs, so any effect is likely smaller$/);
  });
  it('a guardrail names its metric, and an increase hurts', () => {
    const r = compare({ metric: 'conversion', metric_name: 'unsubscribes', higher_is_better: false, control: { n: 10_000, sum: 100, sum_squares: 100 }, treatment: { n: 10_000, sum: 200, sum_squares: 200 } });
    assert.equal(r.verdict, 'hurt');
    assert.match(r.summary, /^\+1\.0 points of unsubscribes, 95 % always-valid interval 0\.\d to 1\.\d: the rule hurts$/);
  });
});

describe('degenerate input', () => {
  it('empty groups and groups without spread give numbers, never NaN, and an invalid or inconclusive verdict', () => {
    const arm = (n: number, x: number): ArmStats => ({ n, sum: x, sum_squares: x });
    for (const [a, b, verdict] of [[arm(0, 0), arm(0, 0), 'invalid'], [arm(0, 0), arm(100, 5), 'invalid'], [arm(1000, 0), arm(1000, 0), 'inconclusive'], [arm(1000, 1000), arm(1000, 1000), 'inconclusive']] as const) {
      const r = compare({ metric: 'conversion', control: a, treatment: b });
      assert.equal(r.verdict, verdict);
      assert.doesNotMatch(JSON.stringify(r), /null,"upper"|"lower":null/, 'intervals are numbers');
      assert.ok(Number.isFinite(r.sequential.absolute.lower) && Number.isFinite(r.lift.absolute.interval.upper));
    }
  });
});

describe('effects', () => {
  it('a zero standard error gives p = 1 and a point interval rather than NaN', () => {
    const r = effectOf(0, 0, 10);
    assert.deepEqual([r.p_value, r.interval.lower, r.interval.upper], [1, 0, 0]);
  });
});
