// `ifthen backtest`: what a rule would have done over stored events (a saved rule by id, or a local file before it
// is applied), in words: firings and subjects, a bar per day, suppressions by reason, sample firings explained.
import { existsSync } from 'node:fs';
import { extname } from 'node:path';
import { parseArgs } from 'node:util';
import { segment } from './client.ts';
import { COMMON_OPTIONS, UsageError, clientFor, command, out, printJson } from './args.ts';
import { plural, time } from './format.ts';
import { parseJson, parseYamlDocuments, readTextFile } from './input.ts';
import { verdict, type TraceStep } from './trace-words.ts';

export const help = `usage: ifthen backtest (<rule-id> | <rule.yaml>) --from <day|time> --to <day|time> [--sample N] [--rule ID]

  Replays the stored events of a range through the rule with a simulated clock, executing no action: how many
  times it would have fired, for how many subjects, per day, what its limits stopped, and sample firings with
  why they matched. A file is backtested as a draft (not saved); the cap group's enabled rules run alongside.
  --from, --to   a day (2026-11-01, 00:00 UTC) or an ISO 8601 time; from inclusive, to exclusive
  --sample       how many firings to show, spread over the range (default 5, at most 100)
  --rule         the rule to take from a file holding several`;

interface Trace { readonly steps?: readonly TraceStep[]; readonly matched?: boolean }

export interface BacktestAnswer {
  readonly rule: { readonly id: string; readonly version: number | null };
  readonly alongside: readonly string[];
  readonly requested: { readonly from: string; readonly to: string };
  readonly covered: { readonly from: string; readonly to: string } | null;
  readonly warmUp: { readonly from: string; readonly events: number };
  readonly events: number;
  readonly firings: number;
  readonly subjects: number;
  readonly suppressions: Readonly<Record<string, number>>;
  readonly perDay: ReadonlyArray<{ readonly day: string; readonly firings: number }>;
  readonly sample: ReadonlyArray<{ readonly id: string; readonly subject: string; readonly time: string; readonly trace: Trace }>;
  readonly emitsNotFedBack: number;
  readonly late: number;
  readonly errors: { readonly count: number; readonly first: readonly string[] };
  readonly warnings: readonly string[];
  readonly durationMs: number;
}

export const backtest = command('backtest', help, async (args) => {
  const { values, positionals } = parseArgs({
    args: [...args], allowPositionals: true,
    options: { ...COMMON_OPTIONS, from: { type: 'string' }, to: { type: 'string' }, sample: { type: 'string' }, rule: { type: 'string' } },
  });
  if (positionals.length !== 1) throw new UsageError(positionals.length ? `unexpected argument "${positionals[1]}"` : 'missing <rule-id> or <rule.yaml>');
  if (values.from === undefined || values.to === undefined) throw new UsageError('give the range with --from and --to (a day like 2026-11-01 or an ISO 8601 time)');
  const sample = values.sample === undefined ? 5 : Number(values.sample);
  if (!Number.isInteger(sample) || sample < 0 || sample > 100) throw new UsageError(`--sample: must be a whole number from 0 to 100, got "${values.sample}"`);
  const target = positionals[0];
  const client = clientFor(values);
  const isFile = /\.(ya?ml|json)$/i.test(target) || existsSync(target);
  const answer = isFile
    ? (await client.request<BacktestAnswer>('POST', '/v1/rules/backtest', { query: { from: values.from, to: values.to, sample }, json: await ruleFromFile(target, values.rule) })).body
    : await client.post<BacktestAnswer>(`/v1/rules/${segment(target)}/backtest`, { from: values.from, to: values.to, sample });
  if (values.json) printJson(answer);
  else out(summary(answer, isFile ? target : undefined));
});

const BAR_WIDTH = 40;
const count = (n: number) => n.toLocaleString('en-US');

/** The answer in words. */
export function summary(a: BacktestAnswer, file?: string): string {
  const which = file ? `${a.rule.id} (draft from ${file})` : `${a.rule.id} v${a.rule.version}`;
  const lines = [`BACKTEST  ${which}`];
  lines.push(`range     ${time(a.requested.from)} → ${time(a.requested.to)}`);
  lines.push(a.covered ? `covered   ${time(a.covered.from)} → ${time(a.covered.to)}` : 'covered   nothing: no stored events in the range');
  lines.push(`replayed  ${count(a.events)} events in ${(a.durationMs / 1000).toFixed(1)} s${a.warmUp.events ? `, after a warm-up of ${count(a.warmUp.events)} events from ${time(a.warmUp.from)}` : ''}; no action was executed`);
  if (a.alongside.length) lines.push(`alongside ${a.alongside.join(', ')} (same cap group: their firings count toward the cap)`);
  lines.push('', `${plural(a.firings, 'firing')} for ${plural(a.subjects, 'subject')}`);
  const stopped = Object.entries(a.suppressions).filter(([, n]) => n > 0).sort((x, y) => y[1] - x[1]);
  lines.push(stopped.length ? `suppressed: ${stopped.map(([reason, n]) => `${reason.replace(/_/g, ' ')} ${count(n)}`).join(', ')}` : 'suppressed: none');
  if (a.late) lines.push(`late events: ${count(a.late)} (ignored by windows, as live)`);
  if (a.errors.count) lines.push(`errors: ${count(a.errors.count)}, e.g. ${a.errors.first[0]}`);

  if (a.perDay.length) {
    lines.push('', 'per day');
    const most = Math.max(1, ...a.perDay.map((d) => d.firings));
    const width = Math.max(...a.perDay.map((d) => count(d.firings).length));
    for (const d of a.perDay) {
      const bar = '█'.repeat(Math.round((d.firings / most) * BAR_WIDTH)) || (d.firings ? '▏' : '');
      lines.push(`  ${d.day}  ${count(d.firings).padStart(width)}  ${bar}`);
    }
  }
  if (a.sample.length) {
    lines.push('', `sample (${a.sample.length} of ${count(a.firings)})`);
    for (const f of a.sample) {
      lines.push(`  ${time(f.time)}  ${f.subject}  ${f.id}`);
      lines.push(`    ${verdict(f.trace.steps ?? [], f.trace.matched ?? true)}`);
    }
  }
  if (a.emitsNotFedBack) lines.push('', `${plural(a.emitsNotFedBack, 'event')} would have been emitted; a backtest does not feed them back to the rules`);
  if (a.warnings.length) lines.push('', 'warnings', ...a.warnings.map((w) => `  ! ${w}`));
  return lines.join('\n');
}

/** The rule document in a local file: the one with `--rule` if the file holds several. */
async function ruleFromFile(file: string, id: string | undefined): Promise<Record<string, unknown>> {
  const text = await readTextFile(file);
  const documents: unknown[] = extname(file).toLowerCase() === '.json'
    ? [parseJson(text, file)].flat()
    : (await parseYamlDocuments(text, file)).map((d) => d.toJS()).filter((d) => d != null);
  const objects = documents.filter((d): d is Record<string, unknown> => d !== null && typeof d === 'object' && !Array.isArray(d));
  const chosen = id === undefined ? (objects.length === 1 ? objects[0] : undefined) : objects.find((d) => d.id === id);
  if (!chosen) throw new UsageError(id === undefined ? `${file} holds ${objects.length} rules; name the one to backtest with --rule` : `${file} has no rule with id "${id}"`);
  return chosen;
}
