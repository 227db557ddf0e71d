// `ifthen dlq ls|replay`: the dead-letter list (deliveries that gave up) and replaying them.
import { parseArgs } from 'node:util';
import { type Client, segment } from './client.ts';
import { COMMON_OPTIONS, PAGE_OPTIONS, UsageError, clientFor, group, out, printJson } from './args.ts';
import { conflict, listDeliveries } from './deliveries.ts';
import { ApiError } from './problems.ts';
import { type DeliveryDetail, summary } from './run-views.ts';
import { plural } from './format.ts';

export const help = `usage: ifthen dlq ls [--rule R] [--limit N] [--all]
       ifthen dlq replay <delivery-id>
       ifthen dlq replay --all [--rule R] [--from ISO-time] [--to ISO-time]

  ls       deliveries that failed for good ("dead")
  replay   sends dead deliveries again (a fresh run of attempts, same idempotency key);
           --all replays every dead one of a rule and/or created in [from, to)`;

export const dlq = group('dlq', help, {
  async ls(args) {
    const { values, positionals } = parseArgs({ args: [...args], allowPositionals: true, options: { ...COMMON_OPTIONS, ...PAGE_OPTIONS, rule: { type: 'string' } } });
    if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    await listDeliveries(values, { rule: values.rule, status: 'dead' }, '(the dead-letter list is empty)');
  },

  async replay(args) {
    const { values, positionals } = parseArgs({
      args: [...args], allowPositionals: true,
      options: { ...COMMON_OPTIONS, all: { type: 'boolean' }, rule: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' } },
    });
    const client = clientFor(values);
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
