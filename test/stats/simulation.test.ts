// Seeded simulations: a vector proves a formula, a simulation proves the procedure (issue 7). Every experiment is
// simulated with sums (binomial draws per arm and day), never per subject, so the whole file runs in seconds.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compare } from '../../src/stats/compare.ts';
import { foldAlwaysValidP } from '../../src/stats/sequential.ts';
import type { ArmStats } from '../../src/stats/types.ts';
import { mulberry32 } from '../support/random.ts';


/** Binomial(n, p) by inversion, in chunks of 500 trials so that qⁿ never underflows. */
function binomial(random: () => number, n: number, p: number): number {
  if (p > 0.5) return n - binomial(random, n, 1 - p);
  let total = 0;
  for (let left = n; left > 0; left -= 500) {
    const m = Math.min(500, left);
    const q = 1 - p;
    let probability = q ** m;
    let cdf = probability;
    let k = 0;
    const u = random();
    while (u > cdf && k < m) {
      probability *= ((m - k) / (k + 1)) * (p / q);
      k += 1;
      cdf += probability;
    }
    total += k;
  }
  return total;
}

/** A standard normal draw (Box–Muller). */
function normal(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/**
 * One arm of a value metric, normal(μ, σ²) per subject, drawn as its sums: Σy ~ N(nμ, nσ²), and, independently for
 * normal data, (n − 1)s²/σ² ~ χ²(n − 1), drawn by Wilson–Hilferty (exact enough for n in the hundreds).
 */
function valueArm(random: () => number, n: number, mean: number, sd: number): ArmStats {
  const sum = n * mean + Math.sqrt(n) * sd * normal(random);
  const k = n - 1;
  const chi = k * (1 - 2 / (9 * k) + normal(random) * Math.sqrt(2 / (9 * k))) ** 3;
  const variance = (sd * sd * chi) / k;
  return { n, sum, sum_squares: variance * k + (sum * sum) / n };
}

const conversions = (n: number, converters: number): ArmStats => ({ n, sum: converters, sum_squares: converters });
const share = (hits: number, runs: number) => hits / runs;

describe('simulations', () => {
  it('binomial draws have the right mean and variance (the simulations below rest on them)', () => {
    const random = mulberry32(1);
    const draws = Array.from({ length: 20_000 }, () => binomial(random, 1000, 0.1));
    const mean = draws.reduce((s, x) => s + x, 0) / draws.length;
    const variance = draws.reduce((s, x) => s + (x - mean) ** 2, 0) / (draws.length - 1);
    assert.ok(Math.abs(mean - 100) < 0.3, `mean ${mean}`);
    assert.ok(Math.abs(variance / 90 - 1) < 0.04, `variance ${variance}`);
  });

  it('2,000 A/A experiments: the fixed-horizon test is significant in 3.5 %–6.5 % of them at α = 0.05', (t) => {
    const random = mulberry32(7);
    let significant = 0;
    for (let run = 0; run < 2000; run += 1) {
      const r = compare({ metric: 'conversion', control: conversions(1000, binomial(random, 1000, 0.1)), treatment: conversions(1000, binomial(random, 1000, 0.1)) });
      if (r.p_value < 0.05) significant += 1;
    }
    const rate = share(significant, 2000);
    t.diagnostic(`A/A false-positive rate ${rate}`);
    assert.ok(rate >= 0.035 && rate <= 0.065, `false-positive rate ${rate}`);
  });

  it('2,000 A/A experiments of a value metric (Welch): significant in 3.5 %–6.5 %; with a true effect the interval covers it in 93 %–97 %', (t) => {
    const random = mulberry32(23);
    let significant = 0;
    let covered = 0;
    for (let run = 0; run < 2000; run += 1) {
      const aa = compare({ metric: 'value', control: valueArm(random, 400, 20, 15), treatment: valueArm(random, 400, 20, 15) });
      if (aa.p_value < 0.05) significant += 1;
      const effect = compare({ metric: 'value', control: valueArm(random, 400, 20, 15), treatment: valueArm(random, 400, 22, 18) });
      if (effect.lift.absolute.interval.lower <= 2 && 2 <= effect.lift.absolute.interval.upper) covered += 1;
    }
    t.diagnostic(`values: A/A false-positive rate ${share(significant, 2000)}, coverage ${share(covered, 2000)}`);
    assert.ok(share(significant, 2000) >= 0.035 && share(significant, 2000) <= 0.065, `false-positive rate ${share(significant, 2000)}`);
    assert.ok(share(covered, 2000) >= 0.93 && share(covered, 2000) <= 0.97, `coverage ${share(covered, 2000)}`);
  });

  it('looking every day for 30 days: the sequential test stays ≤ 5 %, the naive fixed test does not', (t) => {
    const random = mulberry32(11);
    const runs = 2000;
    let naive = 0;
    let sequential = 0;
    let verdicts = 0;
    for (let run = 0; run < runs; run += 1) {
      let a = 0; let b = 0; let n = 0;
      let naiveHit = false; let sequentialHit = false; let verdictHit = false;
      const pValues: number[] = [];
      for (let day = 0; day < 30; day += 1) {
        n += 100;
        a += binomial(random, 100, 0.1);
        b += binomial(random, 100, 0.1);
        const r = compare({ metric: 'conversion', control: conversions(n, a), treatment: conversions(n, b) });
        naiveHit ||= r.p_value < 0.05;
        sequentialHit ||= r.sequential.significant;
        verdictHit ||= r.verdict === 'helped' || r.verdict === 'hurt';
        pValues.push(r.sequential.p_value);
      }
      // The folded always-valid p-value crosses α exactly when some look's interval excluded 0.
      assert.equal(foldAlwaysValidP(pValues)[29] < 0.05, sequentialHit);
      if (naiveHit) naive += 1;
      if (sequentialHit) sequential += 1;
      if (verdictHit) verdicts += 1;
    }
    t.diagnostic(`peeking 30 days: sequential ${share(sequential, runs)}, naive ${share(naive, runs)}`);
    assert.ok(share(sequential, runs) <= 0.05, `sequential ${share(sequential, runs)}`);
    assert.ok(share(verdicts, runs) <= 0.05, `helped/hurt verdicts ${share(verdicts, runs)}`);
    assert.ok(share(naive, runs) >= 0.1, `naive peeking should visibly exceed 5 %: ${share(naive, runs)}`);
  });

  it('with a true effect (10 % → 12 %), the 95 % interval covers it in 93 %–97 % of 2,000 runs; the always-valid one in at least 95 %', (t) => {
    const random = mulberry32(13);
    let covered = 0;
    let sequentialCovered = 0;
    for (let run = 0; run < 2000; run += 1) {
      const r = compare({ metric: 'conversion', control: conversions(2000, binomial(random, 2000, 0.1)), treatment: conversions(2000, binomial(random, 2000, 0.12)) });
      const { lower, upper } = r.lift.absolute.interval;
      if (lower <= 0.02 && 0.02 <= upper) covered += 1;
      if (r.sequential.absolute.lower <= 0.02 && 0.02 <= r.sequential.absolute.upper) sequentialCovered += 1;
    }
    t.diagnostic(`coverage ${share(covered, 2000)}, always-valid ${share(sequentialCovered, 2000)}`);
    assert.ok(share(covered, 2000) >= 0.93 && share(covered, 2000) <= 0.97, `coverage ${share(covered, 2000)}`);
    assert.ok(share(sequentialCovered, 2000) >= 0.95, `sequential coverage ${share(sequentialCovered, 2000)}`);
  });

  it('an injected 52/48 split of 20,000 subjects is flagged as a sample-ratio mismatch in ≥ 95 % of 100 runs (and the verdict is invalid); 50/50 is not', (t) => {
    const random = mulberry32(17);
    let skewedFlagged = 0;
    let fairFlagged = 0;
    for (let run = 0; run < 100; run += 1) {
      const skewed = binomial(random, 20_000, 0.52);
      const r = compare({ metric: 'conversion', control: conversions(skewed, binomial(random, skewed, 0.1)), treatment: conversions(20_000 - skewed, binomial(random, 20_000 - skewed, 0.1)) });
      if (r.srm.flagged && r.verdict === 'invalid') skewedFlagged += 1;
      const fair = binomial(random, 20_000, 0.5);
      if (compare({ metric: 'conversion', control: conversions(fair, 2000), treatment: conversions(20_000 - fair, 2000) }).srm.flagged) fairFlagged += 1;
    }
    // Drawn at random, a 52 % arm of 20,000 lands under the p < 0.001 line about 1 % of the time (Φ(−2.37)).
    t.diagnostic(`SRM flagged: 52/48 ${skewedFlagged}/100, 50/50 ${fairFlagged}/100`);
    assert.ok(skewedFlagged >= 95, `52/48 flagged ${skewedFlagged} times in 100`);
    assert.ok(fairFlagged <= 1, `50/50 flagged ${fairFlagged} times in 100`);
  });
});
