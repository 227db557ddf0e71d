// `ifthen explain <subject> --rule <id>`: why a rule did (not) fire for one subject, event by event, in words.
import { parseArgs } from 'node:util';
import { segment } from './client.ts';
import { COMMON_OPTIONS, UsageError, clientFor, command, out, positional, printJson } from './args.ts';
import { time } from './format.ts';

export const help = `usage: ifthen explain <subject> --rule <rule-id> [--limit N]

  Replays the subject's recent events (the newest N, default 50) through the rule, and says for each one
  what the rule did: fired, or what blocked it (a condition part false and the value it saw, a window not
  reached, waiting for a timer, cancelled by an event, capped, quiet hours, rate-limited, deduped, the
  rule disabled). Then the timers still waiting, and the suppressions and firings the server recorded.`;

interface Decision {
  readonly input: { readonly kind: string; readonly id: string; readonly type?: string; readonly receivedAt?: string; readonly dueAt?: string };
  readonly outcome: string;
  readonly because: string;
  readonly conditions?: readonly string[];
}

interface Explanation {
  readonly subject: string;
  readonly rule: { readonly id: string; readonly version: number; readonly enabled: boolean };
  readonly warmup: { readonly events: number; readonly fromTime: string | null };
  readonly decisions: readonly Decision[];
  readonly waiting: readonly { readonly because: string }[];
  readonly suppressions: readonly { readonly reason: string; readonly at: string; readonly detail: string; readonly event: string }[];
  readonly firings: readonly { readonly id: string; readonly time: string; readonly eventIds: readonly string[] }[];
  readonly truncated: boolean;
}

export const explain = command('explain', help, async (args) => {
  const { values, positionals } = parseArgs({ args: [...args], allowPositionals: true, options: { ...COMMON_OPTIONS, rule: { type: 'string', short: 'r' }, limit: { type: 'string' } } });
  const [subject] = positional(positionals, 'subject');
  if (!values.rule) throw new UsageError('missing --rule <rule-id>');
  const query = new URLSearchParams({ rule: values.rule, ...(values.limit ? { limit: values.limit } : {}) });
  const result = await clientFor(values).get<Explanation>(`/v1/subjects/${segment(subject)}/explain?${query}`);
  if (values.json) return printJson(result);
  out(explanationText(result));
});

export function explanationText(r: Explanation): string {
  const fired = r.decisions.filter((d) => d.outcome === 'fired').length;
  const lines = [
    `${r.rule.id} v${r.rule.version} for ${r.subject}${r.rule.enabled ? '' : ' (the rule is disabled)'}: ${r.decisions.length ? `fired ${fired} of ${r.decisions.length} times` : 'no recent events'}`,
  ];
  if (r.warmup.events) lines.push(`(${r.warmup.events} earlier events since ${time(r.warmup.fromTime)} replayed first, for the rule's windows and caps)`);
  if (r.truncated) lines.push('(older events not shown: --limit shows more)');
  lines.push('');
  for (const d of r.decisions) {
    const when = time(d.input.kind === 'timer' ? d.input.dueAt : d.input.receivedAt);
    const what = d.input.kind === 'timer' ? 'timer' : `${d.input.type} ${d.input.id}`;
    lines.push(`${when}  ${what}`, `  ${d.outcome === 'fired' ? '✓' : '✗'} ${d.because}`);
    if (d.outcome !== 'fired' && d.outcome !== 'event_type' && d.conditions?.length) {
      for (const c of d.conditions) if (!c.startsWith('✓ event type')) lines.push(`      ${c}`);
    }
  }
  if (r.waiting.length) lines.push('', 'waiting', ...r.waiting.map((w) => `  ${w.because}`));
  if (r.suppressions.length) lines.push('', 'suppressions recorded', ...r.suppressions.map((s) => `  ${time(s.at)}  ${s.reason}: ${s.detail} (event ${s.event})`));
  if (r.firings.length) lines.push('', 'firings recorded', ...r.firings.map((f) => `  ${time(f.time)}  ${f.id} (event ${f.eventIds.join(', ')})`));
  return lines.join('\n');
}
