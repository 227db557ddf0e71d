// `ifthen near-misses`: for a saved rule and one UTC day, why subjects did not get it: how many each reason stopped,
// and for each numeric comparison the condition requires, how far they were from passing.
import { parseArgs } from 'node:util';
import { segment } from './client.ts';
import { COMMON_OPTIONS, UsageError, clientFor, command, out, printJson } from './args.ts';

export const help = `usage: ifthen near-misses <rule-id> [--day 2026-11-03]

  Replays one UTC day (default yesterday) with explanations on, executing no action: per reason, how many
  subjects the rule stopped, and for each numeric comparison its condition requires, how many subjects it
  stopped and how far they were from passing ("1,234 subjects stopped at event.properties.total >= 30; median
  total 27").
  --day   a UTC day like 2026-11-03 (default: yesterday)`;

interface NearMissAnswer {
  readonly rule: { readonly id: string; readonly version: number };
  readonly day: string;
  readonly covered: { readonly from: string; readonly to: string } | null;
  readonly events: number;
  readonly fired: { readonly firings: number; readonly subjects: number };
  readonly reasons: ReadonlyArray<{ readonly reason: string; readonly subjects: number; readonly times: number; readonly window?: { readonly median: number; readonly bound: number } }>;
  readonly comparisons: ReadonlyArray<{ readonly comparison: string; readonly subjects: number; readonly median: number; readonly closest: readonly number[] }>;
  readonly summary: readonly string[];
  readonly warnings: readonly string[];
  readonly cached: boolean;
  readonly durationMs: number;
}

export const nearMisses = command('near-misses', help, async (args) => {
  const { values, positionals } = parseArgs({ args: [...args], allowPositionals: true, options: { ...COMMON_OPTIONS, day: { type: 'string' } } });
  if (positionals.length !== 1) throw new UsageError(positionals.length ? `unexpected argument "${positionals[1]}"` : 'missing <rule-id>');
  if (values.day !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(values.day)) throw new UsageError(`--day: must be a day like 2026-11-03, got "${values.day}"`);
  const answer = await clientFor(values).get<NearMissAnswer>(`/v1/rules/${segment(positionals[0])}/near-misses`, { day: values.day });
  if (values.json) printJson(answer);
  else out(words(answer));
});

const count = (n: number) => n.toLocaleString('en-US');

/** The answer in words: the server's sentences (what fired, each reason, each comparison), then the closest values. */
export function words(a: NearMissAnswer): string {
  const lines = [`NEAR MISSES  ${a.rule.id} v${a.rule.version}  ${a.day} (UTC)`];
  lines.push(a.covered ? `replayed     ${count(a.events)} events${a.cached ? ' (a past day, from the cache)' : ''}; no action was executed` : 'replayed     nothing: no stored events that day');
  lines.push('', ...(a.summary.length ? a.summary : ['nothing fired and nothing was stopped that day']));
  const close = a.comparisons.filter((c) => c.closest.length);
  if (close.length) lines.push('', 'closest to passing', ...close.map((c) => `  ${c.comparison}: ${c.closest.map(count).join(', ')}`));
  if (a.warnings.length) lines.push('', 'warnings', ...a.warnings.map((w) => `  ! ${w}`));
  return lines.join('\n');
}
