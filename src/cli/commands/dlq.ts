// `ifthen dlq ls|replay`: the dead-letter list (deliveries that gave up) and replaying them.
import { parseArgs } from 'node:util';
import { type Client, segment } from './client.ts';
import { COMMON_OPTIONS, PAGE_OPTIONS, UsageError, clientFor, group, out, printJson } from './args.ts';
import { conflict, listDeliveries } from './deliveries.ts';
import { ApiError } from './problems.ts';
import { type DeliveryDetail, summary } from './run-views.ts';
import { plural } from './format.ts';

export const help = `usage: ifthen dlq ls [--rule R] [--limit N] [--all]
       ifthen dlq replay <delivery-id> [--dry-run]
       ifthen dlq replay --all [--rule R] [--from ISO-time] [--to ISO-time] [--dry-run]

  ls       deliveries that failed for good ("dead")
  replay   sends dead deliveries again (a fresh run of attempts, same idempotency key);
           --all replays every dead one of a rule and/or created in [from, to);
           --dry-run says what the replay would do (how many, where to, from which rule
           versions, over which time) and changes nothing`;

/** The answer of POST /v1/deliveries/replay with dry_run. */
interface ReplayPreview {
  count: number; notDead?: number; oldest: string | null; newest: string | null; answered2xx: number;
  destinations: Array<{ destination: string; kind: string; count: number }>;
  rules: Array<{ id: string; count: number; versions: number[]; currentVersion: number | null }>;
}

/** The preview in words, one fact a line: what a person checks before replaying. */
export function previewLines(p: ReplayPreview): string[] {
  if (p.count === 0) return [`would replay nothing: no dead delivery matches${p.notDead ? ` (${plural(p.notDead, 'given delivery is', 'given deliveries are')} not dead)` : ''}`];
  const lines = [`would replay ${plural(p.count, 'delivery', 'deliveries')} to ${plural(p.destinations.length, 'destination', 'destinations')}:`];
  for (const d of p.destinations) lines.push(`  ${d.destination} (${d.kind}): ${d.count}`);
  for (const r of p.rules) {
    const versions = r.versions.map((v) => `v${v}`).join(', ') || 'unknown versions (their firings were deleted by retention)';
    const now = r.currentVersion === null ? '; the rule has been deleted since'
      : r.versions.some((v) => v !== r.currentVersion) ? `; the rule is now at v${r.currentVersion}: the replay sends what ${versions} said` : '';
    lines.push(`made by rule ${r.id} (${r.count}) at ${versions}${now}`);
  }
  if (p.oldest && p.newest) lines.push(`created from ${p.oldest} to ${p.newest}`);
  if (p.answered2xx) lines.push(`${plural(p.answered2xx, 'of them was', 'of them were')} already answered 2xx once: the receiver gets it again`);
  if (p.notDead) lines.push(`${plural(p.notDead, 'given delivery is', 'given deliveries are')} not dead and left alone`);
  lines.push('each keeps its idempotency key; nothing was replayed (run again without --dry-run)');
  return lines;
}

export const dlq = group('dlq', help, {
  async ls(args) {
    const { values, positionals } = parseArgs({ args: [...args], allowPositionals: true, options: { ...COMMON_OPTIONS, ...PAGE_OPTIONS, rule: { type: 'string' } } });
    if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    await listDeliveries(values, { rule: values.rule, status: 'dead' }, '(the dead-letter list is empty)');
  },

  async replay(args) {
    const { values, positionals } = parseArgs({
      args: [...args], allowPositionals: true,
      options: { ...COMMON_OPTIONS, all: { type: 'boolean' }, rule: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, 'dry-run': { type: 'boolean' } },
    });
    const client = clientFor(values);
    if (values['dry-run']) {
      if (values.all && positionals.length) throw new UsageError('give either a delivery id or --all, not both');
      if (!values.all && (values.rule || values.from || values.to)) throw new UsageError('--rule, --from and --to go with --all');
      if (!values.all && positionals.length !== 1) throw new UsageError(positionals.length ? `unexpected argument "${positionals[1]}"` : 'missing <delivery-id> (or --all)');
      const body = values.all ? { rule: values.rule, from: values.from, to: values.to } : { ids: [positionals[0]] };
      const preview = await client.post<ReplayPreview>('/v1/deliveries/replay', { ...body, dry_run: true });
      if (values.json) return printJson(preview);
      for (const line of previewLines(preview)) out(line);
      return;
    }
    let answer: { replayed: number };
    if (values.all) {
      if (positionals.length) throw new UsageError('give either a delivery id or --all, not both');
      answer = await client.post<{ replayed: number }>('/v1/deliveries/replay', { rule: values.rule, from: values.from, to: values.to });
    } else {
      if (values.rule || values.from || values.to) throw new UsageError('--rule, --from and --to go with --all');
      if (positionals.length !== 1) throw new UsageError(positionals.length ? `unexpected argument "${positionals[1]}"` : 'missing <delivery-id> (or --all)');
      answer = await replayOne(client, positionals[0]);
    }
    if (values.json) return printJson(answer);
    out(`replayed ${plural(answer.replayed, 'delivery', 'deliveries')}`);
  },
});

async function replayOne(client: Client, id: string): Promise<{ replayed: number }> {
  try {
    return await client.post<{ replayed: number }>(`/v1/deliveries/${segment(id)}/replay`);
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 409) throw error;
    throw conflict(summary(await client.get<DeliveryDetail>(`/v1/deliveries/${segment(id)}`)), 'replay', error.message);
  }
}
