// OpenAPI of GET /v1/rules/{id}/report: a rule's holdout experiment, each goal and guardrail compared between the
// holdout (control) and the treatment (src/report/report.ts), the primary goal's series per day, the verdict.
import { Type } from '@sinclair/typebox';
import { Answer, Nullable, Time } from './common.ts';
import { ComparisonAnswer } from './stats.ts';

export const ReportQuery = Type.Object({
  from: Type.Optional(Type.String({ description: 'Exposures from (inclusive): a day like 2026-11-01 (00:00 UTC) or an ISO 8601 time; default the experiment\'s first exposure' })),
  to: Type.Optional(Type.String({ description: 'Exposures before (exclusive), the same forms; default none' })),
});

const Groups = (description: string) => Answer({ control: Type.Integer(), treatment: Type.Integer() }, description);
const IntervalAnswer = Answer({ lower: Type.Number(), upper: Type.Number() });

const MetricReport = Answer({
  name: Type.String({ description: 'The metric (the goal\'s `name`, default its event type)' }),
  event: Type.String(),
  within: Type.String({ description: 'The goal window after exposure' }),
  kind: Type.Union([Type.Literal('conversion'), Type.Literal('value')], { description: 'conversion: did the goal event happen within the window; value: the goal\'s `value` summed per exposed subject (zeros included)' }),
  higher_is_better: Type.Boolean({ description: 'False for guardrails: an increase is harm' }),
  matured: Groups('Exposed subjects whose goal window has fully elapsed: the only ones counted'),
  maturing: Groups('Exposed subjects still inside their goal window (not counted yet)'),
  comparison: Nullable(ComparisonAnswer),
}, 'comparison is null while a group has fewer than 2 matured subjects (the verdict is then invalid)');

export const RuleReportAnswer = Answer({
  rule: Answer({ id: Type.String(), version: Type.Integer() }),
  experiment: Answer({
    salt: Type.String({ description: 'The assignment seed of the current experiment (a reshuffle starts a new one)' }),
    percent: Type.Number({ description: 'The holdout percent of the rule' }),
    since: Time('When this salt took effect'),
    global_control: Type.Boolean({ description: 'Subjects of the global control group are held out too' }),
    expected_control_share: Type.Number({ description: 'The share of exposures expected in the holdout: 1 − (1 − percent)(1 − global control percent when it applies); what the sample-ratio check compares with' }),
  }),
  period: Answer({ from: Time(), to: Nullable(Time()) }, 'Exposure times counted, [from, to); to null: up to now'),
  as_of: Time('The clock the maturity of exposures was judged by'),
  matured: Groups('Of the primary goal'),
  maturing: Groups('Of the primary goal'),
  primary: Nullable(MetricReport),
  goals: Type.Array(MetricReport, { description: 'Every goal, the primary first' }),
  guardrails: Type.Array(MetricReport, { description: 'Metrics where up is harm (unsubscribes, complaints)' }),
  over_time: Type.Array(Answer({
    day: Type.String({ description: 'The UTC day of exposure; figures are cumulative up to its end' }),
    control: Answer({ n: Type.Integer(), sum: Type.Number() }),
    treatment: Answer({ n: Type.Integer(), sum: Type.Number() }),
    lift: Nullable(Answer({ absolute: Type.Number(), interval: IntervalAnswer, sequential: IntervalAnswer }, 'The absolute lift, its fixed-horizon 95 % interval and its always-valid interval; null while a group has fewer than 2 subjects')),
  }), { description: 'The primary goal, cumulative per exposure day (for charts)' }),
  verdict: Type.Union(['helped', 'hurt', 'inconclusive', 'invalid'].map((v) => Type.Literal(v)), { description: 'The primary goal\'s verdict (always-valid interval); invalid: sample-ratio mismatch or too few matured subjects' }),
  summary: Type.String({ description: 'The verdict in plain words, and any guardrail that was hurt' }),
  warnings: Type.Array(Type.String(), { description: 'What limits the report: sample-ratio mismatch, exposures still maturing, a reshuffle, the global control' }),
  minimum_per_arm: Type.Integer({ description: 'Fewer matured subjects than this in a group make the verdict invalid (too few)' }),
  reshuffled: Type.Boolean({ description: 'The holdout was reshuffled before: this report covers only the current experiment (since experiment.since)' }),
  global_control_percent: Type.Number({ description: 'The global control percent counted in expected_control_share; 0 when the rule does not opt in' }),
}, "A rule's holdout report");
