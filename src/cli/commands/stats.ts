// `ifthen stats compare`: the statistics calculator (POST /v1/stats/compare) for numbers brought from elsewhere:
// two groups' conversions, or their values' sums, in, and the lift, intervals, checks and verdict out, in words.
import { parseArgs } from 'node:util';
import { COMMON_OPTIONS, UsageError, clientFor, group, out, printJson } from './args.ts';
import { table } from './format.ts';

export const help = `usage: ifthen stats compare --control X/N --treatment X/N [--split C:T] [options]
       ifthen stats compare --control-n N --control-sum S --control-sum-squares Q
                            --treatment-n N --treatment-sum S --treatment-sum-squares Q [options]

  Compares a control and a treatment group as a rule's report does: absolute and relative lift with 95 %
  intervals, the fixed-horizon p-value (two-proportion z-test for conversions, Welch for values), a
  sample-ratio check against the split, the always-valid interval the verdict uses, power, and the verdict.
  --control, --treatment    conversions: converters/exposed, e.g. 200/2000
  --*-n, --*-sum, --*-sum-squares
                            values: subjects, Σy and Σy² per group (e.g. revenue per exposed subject)
  --split C:T               the configured split, e.g. 10:90 for a 10 % holdout (default 50:50)
  --alpha A                 significance level (default 0.05)
  --lower-is-better         a guardrail (unsubscribes, complaints): an increase is harm
  --detect E                the absolute effect "more exposures are needed to detect" names (default 10 % of control)
  --min-per-group N         fewer subjects in a group make the verdict invalid (default 100)`;

interface Effect { readonly estimate: number; readonly standard_error: number; readonly interval: { readonly lower: number; readonly upper: number }; readonly p_value: number }
interface Group { readonly exposed: number; readonly converters?: number; readonly rate?: number; readonly mean: number; readonly variance: number }

export interface ComparisonAnswer {
  readonly metric: 'conversion' | 'value';
  readonly alpha: number;
  readonly groups: { readonly control: Group; readonly treatment: Group };
  readonly lift: { readonly absolute: Effect; readonly relative: Effect | null };
  readonly p_value: number;
  readonly srm: { readonly chi_square: number; readonly p_value: number; readonly flagged: boolean; readonly expected_control_share: number; readonly observed_control_share: number };
  readonly sequential: { readonly method: string; readonly tuning: number; readonly absolute: { readonly lower: number; readonly upper: number }; readonly p_value: number; readonly significant: boolean };
  readonly verdict: string;
  readonly summary: string;
  readonly power: { readonly power: number; readonly mde_absolute: number; readonly exposures_needed: number | null; readonly sequential_exposures_needed?: number | null; readonly for_effect_absolute: number | null };
}

const number = (value: string | undefined, name: string): number | undefined => {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${name}: must be a number, got "${value}"`);
  return n;
};

/** "200/2000" → { conversions: 200, n: 2000 }. */
function fraction(value: string, name: string): { n: number; conversions: number } {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(value);
  if (!m) throw new UsageError(`${name}: write converters/exposed, e.g. 200/2000; got "${value}"`);
  return { conversions: Number(m[1]), n: Number(m[2]) };
}

/** "10:90" → { control: 10, treatment: 90 }. */
function split(value: string): { control: number; treatment: number } {
  const m = /^\s*(\d+(?:\.\d+)?)\s*:\s*(\d+(?:\.\d+)?)\s*$/.exec(value);
  if (!m || !(Number(m[1]) > 0) || !(Number(m[2]) > 0)) throw new UsageError(`--split: write control:treatment weights, e.g. 50:50 or 10:90; got "${value}"`);
  return { control: Number(m[1]), treatment: Number(m[2]) };
}

const compare = async (args: readonly string[]) => {
  const { values, positionals } = parseArgs({
    args: [...args], allowPositionals: true,
    options: {
      ...COMMON_OPTIONS, control: { type: 'string' }, treatment: { type: 'string' }, split: { type: 'string' }, alpha: { type: 'string' },
      'lower-is-better': { type: 'boolean' }, detect: { type: 'string' }, 'min-per-group': { type: 'string' },
      'control-n': { type: 'string' }, 'control-sum': { type: 'string' }, 'control-sum-squares': { type: 'string' },
      'treatment-n': { type: 'string' }, 'treatment-sum': { type: 'string' }, 'treatment-sum-squares': { type: 'string' },
    },
  });
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const arm = (name: 'control' | 'treatment') => {
    const conversions = values[name];
    const n = number(values[`${name}-n`], `--${name}-n`);
    const sum = number(values[`${name}-sum`], `--${name}-sum`);
    const sumSquares = number(values[`${name}-sum-squares`], `--${name}-sum-squares`);
    if (conversions !== undefined) {
      if (sum !== undefined || sumSquares !== undefined || n !== undefined) throw new UsageError(`--${name}: give either converters/exposed or --${name}-n, --${name}-sum and --${name}-sum-squares, not both`);
      return fraction(conversions, `--${name}`);
    }
    if (n === undefined || sum === undefined || sumSquares === undefined) throw new UsageError(`give --${name} converters/exposed (e.g. 200/2000), or --${name}-n, --${name}-sum and --${name}-sum-squares`);
    return { n, sum, sum_squares: sumSquares };
  };
  const body = {
    control: arm('control'), treatment: arm('treatment'),
    ...(values.split !== undefined ? { expected_split: split(values.split) } : {}),
    ...(values.alpha !== undefined ? { alpha: number(values.alpha, '--alpha') } : {}),
    ...(values['lower-is-better'] ? { higher_is_better: false } : {}),
    ...(values.detect !== undefined ? { detect_effect: number(values.detect, '--detect') } : {}),
    ...(values['min-per-group'] !== undefined ? { minimum_per_arm: number(values['min-per-group'], '--min-per-group') } : {}),
  };
  const answer = await clientFor(values).post<ComparisonAnswer>('/v1/stats/compare', body);
  if (values.json) printJson(answer);
  else out(words(answer));
};

export const stats = group('stats', help, { compare });

const count = (n: number) => n.toLocaleString('en-US');
const percent = (x: number, digits = 1) => `${(x * 100).toFixed(digits)} %`;
const signed = (text: string, x: number) => (x > 0 ? `+${text}` : text);
const p = (x: number) => (x < 0.0001 ? '< 0.0001' : x.toPrecision(2));
const value = (x: number) => (Number.isInteger(x) ? count(x) : Math.abs(x) >= 100 ? x.toFixed(1) : x.toPrecision(3));

/** The answer in words: the groups as a table, each number on a line, then the verdict and its sentence. */
export function words(a: ComparisonAnswer): string {
  const conversion = a.metric === 'conversion';
  const level = `${Math.round((1 - a.alpha) * 100)} %`;
  // Conversion effects in points (percentage points), values in the metric's own unit.
  const abs = (x: number) => (conversion ? `${(x * 100).toFixed(1)}` : value(x));
  const unit = conversion ? ' points' : '';
  const groups = conversion
    ? table(['group', 'exposed', 'converters', 'rate'], (['control', 'treatment'] as const).map((g) => [g, count(a.groups[g].exposed), count(a.groups[g].converters ?? 0), percent(a.groups[g].rate ?? 0)]))
    : table(['group', 'exposed', 'mean', 'variance'], (['control', 'treatment'] as const).map((g) => [g, count(a.groups[g].exposed), value(a.groups[g].mean), value(a.groups[g].variance)]));
  const { absolute, relative } = a.lift;
  const lines = [`COMPARE  ${conversion ? 'conversion' : 'value per subject'}`, '', groups, ''];
  const rows: [string, string][] = [
    ['lift', `${signed(abs(absolute.estimate), absolute.estimate)}${unit}, ${level} interval ${abs(absolute.interval.lower)} to ${abs(absolute.interval.upper)}`],
    ['relative lift', relative ? `${signed(percent(relative.estimate), relative.estimate)}, ${level} interval ${percent(relative.interval.lower)} to ${percent(relative.interval.upper)} (delta method)` : '- (the control is 0)'],
    ['p-value', `${p(a.p_value)} (fixed horizon, ${conversion ? 'two-proportion z-test' : 'Welch t-test'})`],
    ['always-valid', `${abs(a.sequential.absolute.lower)} to ${abs(a.sequential.absolute.upper)}${unit}, p = ${p(a.sequential.p_value)} (what the verdict uses; N* = ${count(a.sequential.tuning)})`],
    ['sample ratio', `${percent(a.srm.observed_control_share)} in control, ${percent(a.srm.expected_control_share)} expected, p = ${p(a.srm.p_value)}${a.srm.flagged ? ': MISMATCH' : ': ok'}`],
  ];
  const effect = a.power.for_effect_absolute;
  const needed = a.power.sequential_exposures_needed ?? a.power.exposures_needed;
  rows.push(['power', `smallest effect detectable now ${abs(a.power.mde_absolute)}${unit} (fixed horizon, ${percent(a.power.power, 0)} power)${effect !== null && needed !== null ? `; ${count(needed)} exposures in all to detect ${signed(abs(effect), effect)}${unit} with the always-valid interval` : ''}`]);
  const width = Math.max(...rows.map(([k]) => k.length));
  lines.push(...rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`));
  lines.push('', `verdict  ${a.verdict.toUpperCase()}`, a.summary);
  return lines.join('\n');
}
