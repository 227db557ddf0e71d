// A rule's holdout report (issue 7, GET /v1/rules/{id}/report, `ifthen report`): the current experiment's
// matured exposures per group for each goal and guardrail, compared by src/stats; the primary goal's cumulative
// series per exposure day; the verdict and the sentence. The store gives sums per day (report-reader.ts); final
// days come from memory (daily-cache.ts), so a console refreshing every few seconds reads only the open days.
import { compare, DEFAULT_MINIMUM_PER_ARM } from '../stats/compare.ts';
import { conclusionWords, tooFewWords } from '../stats/summary.ts';
import type { ArmStats, Comparison, Interval, Verdict } from '../stats/types.ts';
import type { RuleDocument } from '../engine/rule/schema.ts';
import { DailySumsCache, DEFAULT_DAILY_CACHE, type DailyCacheOptions } from './daily-cache.ts';
import { addSums, DAY_MS, ZERO_SUMS, type DaySums, type Experiment, type GroupSums, type ReportReader } from './report-reader.ts';
import { expectedControlShare, holdoutOf, metricsOf, type HoldoutSettings, type RuleMetric } from './rule-metrics.ts';

/** The rule has no holdout: nothing to compare (the route answers 409). */
export class NoHoldoutError extends Error {}

export interface ReportOptions {
  /** IFTHEN_GLOBAL_CONTROL_PERCENT: counted in the expected split of rules with `holdout.global_control`. */
  readonly globalControlPercent?: number;
  /** Fewer matured subjects than this in a group make the verdict `invalid` (default 100, src/stats). */
  readonly minimumPerArm?: number;
  readonly cache?: DailyCacheOptions;
}

export interface ReportRule {
  readonly id: string;
  readonly version: number;
  readonly createdAt: number;
  readonly document: RuleDocument;
}

export interface Period {
  /** Exposure times in [from, to); defaults: the experiment's start (or its first exposure if earlier), no end. */
  readonly from?: number;
  readonly to?: number;
}

interface GroupCounts { readonly control: number; readonly treatment: number }

export interface MetricReport {
  readonly name: string;
  readonly event: string;
  readonly within: string;
  readonly kind: RuleMetric['kind'];
  readonly higher_is_better: boolean;
  readonly matured: GroupCounts;
  readonly maturing: GroupCounts;
  /** Null while a group has fewer than 2 matured subjects: no variance, nothing to compare (verdict invalid). */
  readonly comparison: Comparison | null;
}

export interface OverTimePoint {
  /** The UTC day of exposure (YYYY-MM-DD); figures are cumulative from the period's start to the end of it. */
  readonly day: string;
  readonly control: { readonly n: number; readonly sum: number };
  readonly treatment: { readonly n: number; readonly sum: number };
  /** Null while a group has fewer than 2 matured subjects. */
  readonly lift: null | { readonly absolute: number; readonly interval: Interval; readonly sequential: Interval };
}

export interface RuleReport {
  readonly rule: { readonly id: string; readonly version: number };
  readonly experiment: {
    readonly salt: string; readonly percent: number; readonly since: number; readonly global_control: boolean;
    readonly expected_control_share: number;
  };
  readonly period: { readonly from: number; readonly to: number | null };
  readonly as_of: number;
  /** Of the primary goal (each metric has its own figures below). */
  readonly matured: GroupCounts;
  readonly maturing: GroupCounts;
  readonly primary: MetricReport | null;
  readonly goals: MetricReport[];
  readonly guardrails: MetricReport[];
  readonly over_time: OverTimePoint[];
  readonly verdict: Verdict;
  readonly summary: string;
  readonly warnings: string[];
  /** Below this many matured subjects in a group the verdict is `invalid`: the console says how many are still needed. */
  readonly minimum_per_arm: number;
  /** An older experiment (salt) of the rule exists: this report covers only the one since `experiment.since`. */
  readonly reshuffled: boolean;
  /** The global control percent counted in the expected split (0 when the rule does not opt in). */
  readonly global_control_percent: number;
}

const dayText = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);
const armOf = (s: GroupSums): ArmStats => ({
  n: s.n, sum: s.sum, sum_squares: s.sum_squares, pre: { sum: s.pre_sum, sum_squares: s.pre_sum_squares, sum_products: s.pre_sum_products },
});

export class RuleReporter {
  readonly #reader: ReportReader;
  readonly #cache: DailySumsCache;
  readonly #globalControlPercent: number;
  readonly #minimumPerArm: number;

  constructor(reader: ReportReader, options: ReportOptions = {}) {
    this.#reader = reader;
    this.#cache = new DailySumsCache(reader, options.cache ?? DEFAULT_DAILY_CACHE);
    this.#globalControlPercent = options.globalControlPercent ?? 0;
    this.#minimumPerArm = options.minimumPerArm ?? DEFAULT_MINIMUM_PER_ARM;
  }

  async report(rule: ReportRule, period: Period, now: number): Promise<RuleReport> {
    const holdout = holdoutOf(rule.document);
    if (!holdout) throw new NoHoldoutError(`rule ${rule.id} has no holdout group: add \`holdout: {percent: 10}\` (and a goal) to measure what it changes`);
    const experiments = await this.#reader.experiments(rule.id);
    // The document's salt is the one the pipeline assigns with now; its holdout_salts row says since when.
    const experiment = experiments.find((e) => e.salt === holdout.salt) ?? { salt: holdout.salt, since: rule.createdAt, changedBy: null, reason: null };
    // By default every exposure under the salt: an exposure's time is its event's, which may precede the salt's `since`.
    const first = await this.#reader.firstExposure(rule.id, experiment.salt);
    const from = period.from ?? Math.min(experiment.since, first ?? experiment.since);
    const to = period.to ?? Number.MAX_SAFE_INTEGER;
    const controlShare = expectedControlShare(holdout, this.#globalControlPercent);
    const { goals, guardrails } = metricsOf(rule.document);

    const metricReport = async (metric: RuleMetric) => {
      const { days } = await this.#cache.daily({ ruleId: rule.id, salt: experiment.salt, metric: metric.name, kind: metric.kind, from, to, now, windowMs: metric.windowMs });
      return { metric, days, report: this.#metricReport(metric, days, controlShare) };
    };
    const goalResults = [];
    for (const goal of goals) goalResults.push(await metricReport(goal));
    const guardrailResults = [];
    for (const guardrail of guardrails) guardrailResults.push(await metricReport(guardrail));
    const primary = goalResults[0] ?? null;

    const warnings = this.#warnings(holdout, experiment, experiments, primary?.report ?? null, controlShare);
    const { verdict, summary } = !primary
      ? { verdict: 'invalid' as const, summary: 'the rule has no goal: add `goal: {event, within}` to measure what it changes' }
      : primary.report.comparison
        ? { verdict: primary.report.comparison.verdict, summary: primary.report.comparison.summary }
        : { verdict: 'invalid' as const, summary: `${tooFewWords(primary.report.matured.control, primary.report.matured.treatment, this.#minimumPerArm)}: ${conclusionWords('invalid')}` };
    const harmed = guardrailResults.filter((g) => g.report.comparison?.verdict === 'hurt');
    const guardrailWords = harmed.map((g) => `guardrail ${g.metric.name}: ${g.report.comparison!.summary}`);

    return {
      rule: { id: rule.id, version: rule.version },
      experiment: { salt: experiment.salt, percent: holdout.percent, since: experiment.since, global_control: holdout.globalControl, expected_control_share: controlShare },
      period: { from, to: period.to ?? null },
      as_of: now,
      matured: primary?.report.matured ?? { control: 0, treatment: 0 },
      maturing: primary?.report.maturing ?? { control: 0, treatment: 0 },
      primary: primary?.report ?? null,
      goals: goalResults.map((g) => g.report),
      guardrails: guardrailResults.map((g) => g.report),
      over_time: primary ? this.#overTime(primary.metric, primary.days, controlShare) : [],
      verdict,
      summary: [summary, ...guardrailWords].join('; '),
      warnings,
      minimum_per_arm: this.#minimumPerArm,
      reshuffled: experiments.some((e) => e.salt !== experiment.salt && e.since < experiment.since),
      global_control_percent: holdout.globalControl ? Math.max(0, this.#globalControlPercent) : 0,
    };
  }

  #input(metric: RuleMetric, control: GroupSums, treatment: GroupSums, controlShare: number) {
    return {
      metric: metric.kind, control: armOf(control), treatment: armOf(treatment),
      expected_split: { control: controlShare, treatment: 1 - controlShare },
      higher_is_better: metric.higherIsBetter, minimum_per_arm: this.#minimumPerArm,
      ...(metric.kind === 'value' || !metric.higherIsBetter ? { metric_name: metric.name } : {}),
    };
  }

  #metricReport(metric: RuleMetric, days: readonly DaySums[], controlShare: number): MetricReport {
    let control = ZERO_SUMS;
    let treatment = ZERO_SUMS;
    for (const day of days) { control = addSums(control, day.control); treatment = addSums(treatment, day.treatment); }
    return {
      name: metric.name, event: metric.event, within: metric.within, kind: metric.kind, higher_is_better: metric.higherIsBetter,
      matured: { control: control.n, treatment: treatment.n },
      maturing: { control: control.maturing, treatment: treatment.maturing },
      comparison: control.n >= 2 && treatment.n >= 2 ? compare(this.#input(metric, control, treatment, controlShare)) : null,
    };
  }

  /** Cumulative per exposure day: what the report would have said at the end of each day (matured rows as of now). */
  #overTime(metric: RuleMetric, days: readonly DaySums[], controlShare: number): OverTimePoint[] {
    let control = ZERO_SUMS;
    let treatment = ZERO_SUMS;
    const points: OverTimePoint[] = [];
    for (const day of days) {
      control = addSums(control, day.control);
      treatment = addSums(treatment, day.treatment);
      let lift: OverTimePoint['lift'] = null;
      if (control.n >= 2 && treatment.n >= 2) {
        const c = compare({ ...this.#input(metric, control, treatment, controlShare), minimum_per_arm: 0 });
        lift = { absolute: c.lift.absolute.estimate, interval: c.lift.absolute.interval, sequential: c.sequential.absolute };
      }
      points.push({ day: dayText(day.day), control: { n: control.n, sum: control.sum }, treatment: { n: treatment.n, sum: treatment.sum }, lift });
    }
    return points;
  }

  #warnings(holdout: HoldoutSettings, experiment: Experiment, experiments: readonly Experiment[], primary: MetricReport | null, controlShare: number): string[] {
    const warnings: string[] = [];
    if (primary?.comparison?.srm.flagged) {
      const { expected_control_share: e, observed_control_share: o, p_value: p } = primary.comparison.srm;
      warnings.push(`sample-ratio mismatch: ${(o * 100).toFixed(1)} % of exposures are in the holdout where ${(e * 100).toFixed(1)} % are expected (p = ${p.toPrecision(2)}): the groups are not comparable, do not trust this report`);
    }
    const maturing = primary ? primary.maturing.control + primary.maturing.treatment : 0;
    if (maturing > 0) warnings.push(`${maturing} exposures are still inside their ${primary!.within} goal window and are not counted yet`);
    if (primary?.comparison?.cuped?.pre_exposure_imbalance) warnings.push('the groups differed before exposure (CUPED covariate): the adjusted figures lean on that correction');
    const older = experiments.filter((e) => e.salt !== experiment.salt && e.since < experiment.since);
    if (older.length) warnings.push(`the holdout was reshuffled (new salt) on ${new Date(experiment.since).toISOString()}: this report covers the experiment since then`);
    if (holdout.globalControl && this.#globalControlPercent > 0) {
      warnings.push(`the holdout includes the global control group (${this.#globalControlPercent} %): expected holdout share ${(controlShare * 100).toFixed(2)} % = 1 − (1 − ${holdout.percent} %)(1 − ${this.#globalControlPercent} %)`);
    }
    return warnings;
  }
}
