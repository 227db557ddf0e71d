// `ifthen report`: a rule's holdout report in words: the groups, the lift with its intervals, the sample-ratio check,
// each guardrail, the verdict sentence and what limits it. --json prints the API's answer as it is.
import { parseArgs } from 'node:util';
import { segment } from './client.ts';
import { COMMON_OPTIONS, clientFor, command, out, positional, printJson } from './args.ts';
import { table, time } from './format.ts';

export const help = `usage: ifthen report <rule-id> [--from <day|time>] [--to <day|time>] [--json]

  Compares the rule's holdout group (no action sent) with the treatment group over the subjects whose goal window
  has fully elapsed: per group the exposed subjects and conversion rate (or mean value), the lift with its 95 %
  interval and the always-valid interval the verdict uses, the sample-ratio check, each guardrail, the verdict.
  --from, --to   exposures from (inclusive) / before (exclusive): a day (2026-11-01, 00:00 UTC) or an ISO 8601
                 time; default the whole current experiment (every exposure under the holdout's salt)`;

interface Interval { readonly lower: number; readonly upper: number }
interface Effect { readonly estimate: number; readonly interval: Interval; readonly p_value: number }
interface Group { readonly exposed: number; readonly converters?: number; readonly rate?: number; readonly mean: number; readonly variance: number }
interface Comparison {
  readonly metric: 'conversion' | 'value';
  readonly groups: { readonly control: Group; readonly treatment: Group };
  readonly lift: { readonly absolute: Effect; readonly relative: Effect | null };
  readonly p_value: number;
  readonly srm: { readonly p_value: number; readonly flagged: boolean; readonly expected_control_share: number; readonly observed_control_share: number };
  readonly sequential: { readonly absolute: Interval; readonly p_value: number };
  readonly cuped: null | { readonly variance_reduction: number; readonly absolute: Effect };
  readonly verdict: string;
  readonly summary: string;
}
interface MetricReport {
  readonly name: string; readonly within: string; readonly kind: 'conversion' | 'value';
  readonly matured: { readonly control: number; readonly treatment: number };
  readonly maturing: { readonly control: number; readonly treatment: number };
  readonly comparison: Comparison | null;
}
export interface ReportAnswer {
  readonly rule: { readonly id: string; readonly version: number };
  readonly experiment: { readonly salt: string; readonly percent: number; readonly since: string; readonly global_control: boolean; readonly expected_control_share: number };
  readonly period: { readonly from: string; readonly to: string | null };
  readonly as_of: string;
  readonly primary: MetricReport | null;
  readonly goals: readonly MetricReport[];
  readonly guardrails: readonly MetricReport[];
  readonly verdict: string;
  readonly summary: string;
  readonly warnings: readonly string[];
}

export const report = command('report', help, async (args) => {
  const { values, positionals } = parseArgs({ args: [...args], allowPositionals: true, options: { ...COMMON_OPTIONS, from: { type: 'string' }, to: { type: 'string' } } });
  const [ruleId] = positional(positionals, 'rule-id');
  const answer = await clientFor(values).get<ReportAnswer>(`/v1/rules/${segment(ruleId)}/report`, { from: values.from, to: values.to });
  if (values.json) printJson(answer);
  else out(reportText(answer));
});

const count = (n: number) => n.toLocaleString('en-US');
const percent = (share: number, digits = 1) => `${(share * 100).toFixed(digits)} %`;
const signed = (x: number, digits: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(digits)}`;
/** `p < 0.0001` or `p = 0.0123`. */
const pValue = (p: number) => (p < 0.0001 ? 'p < 0.0001' : `p = ${p.toFixed(4)}`);

/** An effect in the metric's unit: points of conversion, or the value's own unit. */
function effectText(kind: 'conversion' | 'value', x: number): string {
  return kind === 'conversion' ? `${signed(x * 100, 2)} points` : signed(x, 4);
}
function intervalText(kind: 'conversion' | 'value', i: Interval): string {
  const unit = (x: number) => (kind === 'conversion' ? (x * 100).toFixed(2) : x.toFixed(4));
  return `${unit(i.lower)} to ${unit(i.upper)}`;
}

function metricText(label: string, m: MetricReport): string[] {
  const c = m.comparison;
  const lines = [`${label} ${m.name} (${m.kind === 'conversion' ? 'conversion' : 'value per exposed subject'} within ${m.within})`];
  if (!c) {
    const maturing = m.maturing.control + m.maturing.treatment;
    lines.push(`matured: ${count(m.matured.control)} in the holdout, ${count(m.matured.treatment)} in the treatment${maturing ? ` (${count(maturing)} more still inside the ${m.within} window)` : ''}: too few to compare`);
    return lines;
  }
  const row = (name: string, g: Group) => (m.kind === 'conversion'
    ? [name, count(g.exposed), count(g.converters ?? 0), percent(g.rate ?? 0, 2)]
    : [name, count(g.exposed), g.mean.toFixed(4), Math.sqrt(g.variance).toFixed(4)]);
  lines.push(table(m.kind === 'conversion' ? ['GROUP', 'EXPOSED', 'CONVERTERS', 'RATE'] : ['GROUP', 'EXPOSED', 'MEAN', 'SD'], [row('holdout', c.groups.control), row('treatment', c.groups.treatment)]));
  const maturing = m.maturing.control + m.maturing.treatment;
  if (maturing) lines.push(`(${count(maturing)} more exposed subjects are still inside the ${m.within} window: not counted yet)`);
  const a = c.lift.absolute;
  const relative = c.lift.relative ? `; relative ${signed(c.lift.relative.estimate * 100, 1)} %` : '';
  lines.push(`lift       ${effectText(m.kind, a.estimate)}${relative}; 95 % interval ${intervalText(m.kind, a.interval)}, ${pValue(c.p_value)}`);
  lines.push(`always-valid interval ${intervalText(m.kind, c.sequential.absolute)} (what the verdict uses: safe to look every day)`);
  if (c.cuped) lines.push(`CUPED      ${effectText(m.kind, c.cuped.absolute.estimate)}, 95 % interval ${intervalText(m.kind, c.cuped.absolute.interval)} (variance ${signed(-c.cuped.variance_reduction * 100, 0)} % with the pre-exposure metric)`);
  const srm = c.srm;
  lines.push(`SRM        ${srm.flagged ? 'MISMATCH' : 'ok'}: ${percent(srm.observed_control_share)} held out, ${percent(srm.expected_control_share)} expected (${pValue(srm.p_value)})${srm.flagged ? ': the groups are not comparable' : ''}`);
  return lines;
}

/** The answer in words. */
export function reportText(a: ReportAnswer): string {
  const lines = [`REPORT     ${a.rule.id} v${a.rule.version}`];
  lines.push(`experiment holdout ${a.experiment.percent} %${a.experiment.global_control ? ' + the global control group' : ''} (expected ${percent(a.experiment.expected_control_share)} held out), salt ${a.experiment.salt} since ${time(a.experiment.since)}`);
  lines.push(`period     ${time(a.period.from)} → ${a.period.to ? time(a.period.to) : 'now'} (as of ${time(a.as_of)})`);
  if (!a.goals.length) lines.push('', 'no goal: add `goal: {event, within}` to the rule to measure what it changes');
  a.goals.forEach((goal, i) => lines.push('', ...metricText(i === 0 ? 'GOAL' : 'goal', goal)));
  for (const guardrail of a.guardrails) lines.push('', ...metricText('GUARDRAIL', guardrail));
  lines.push('', `VERDICT    ${a.verdict}: ${a.summary}`);
  for (const warning of a.warnings) lines.push(`warning: ${warning}`);
  return lines.join('\n');
}
