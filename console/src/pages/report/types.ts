// Shapes of GET /v1/rules/{id}/report (src/api/schemas/report.ts) as far as this page reads them.
export interface Interval { lower: number; upper: number }
export interface Effect { estimate: number; standard_error: number; interval: Interval; p_value: number }
export type Verdict = 'helped' | 'hurt' | 'inconclusive' | 'invalid';
export type MetricKind = 'conversion' | 'value';

export interface GroupResult { exposed: number; converters?: number; rate?: number; mean: number; variance: number }

export interface Comparison {
  metric: MetricKind;
  alpha: number;
  groups: { control: GroupResult; treatment: GroupResult };
  lift: { absolute: Effect; relative: Effect | null };
  p_value: number;
  srm: { chi_square: number; p_value: number; flagged: boolean; expected_control_share: number; observed_control_share: number };
  sequential: { method: string; tuning: number; absolute: Interval; relative: Interval | null; p_value: number; significant: boolean };
  cuped: null | { theta: number; variance_reduction: number; absolute: Effect; relative: Effect | null; pre_exposure_imbalance: boolean };
  verdict: Verdict;
  summary: string;
  power: {
    power: number; mde_absolute: number; mde_relative: number | null;
    exposures_needed: number | null; sequential_exposures_needed: number | null; for_effect_absolute: number | null;
  };
}

export interface Groups { control: number; treatment: number }

export interface MetricReport {
  name: string;
  event: string;
  within: string;
  kind: MetricKind;
  higher_is_better: boolean;
  matured: Groups;
  maturing: Groups;
  comparison: Comparison | null;
}

export interface OverTimePoint {
  day: string;
  control: { n: number; sum: number };
  treatment: { n: number; sum: number };
  lift: null | { absolute: number; interval: Interval; sequential: Interval };
}

export interface RuleReport {
  rule: { id: string; version: number };
  experiment: { salt: string; percent: number; since: string; global_control: boolean; expected_control_share: number };
  period: { from: string; to: string | null };
  as_of: string;
  matured: Groups;
  maturing: Groups;
  primary: MetricReport | null;
  goals: MetricReport[];
  guardrails: MetricReport[];
  over_time: OverTimePoint[];
  verdict: Verdict;
  summary: string;
  warnings: string[];
  minimum_per_arm: number;
  reshuffled: boolean;
  global_control_percent: number;
}

export interface RuleSummary {
  id: string;
  version: number;
  enabled: boolean;
  updatedAt: string;
  document: {
    name?: string;
    holdout?: { percent?: number };
    goal?: { event?: string | string[]; name?: string };
    goals?: Array<{ event?: string | string[]; name?: string }>;
  };
}
