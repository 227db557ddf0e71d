// `ifthen firings` and `ifthen firing <id>`: when rules matched, why (the values their conditions saw), and what
// became of each action: the deliveries' state now, not the `queued` recorded when the rule fired.
import { parseArgs } from 'node:util';
import { type Client, fetchList, segment } from './client.ts';
import { COMMON_OPTIONS, PAGE_OPTIONS, UsageError, clientFor, command, moreHint, out, paging, positional, printJson } from './args.ts';
import { fields, table, time, truncate } from './format.ts';
import { checkLines, reasonCell, verdict } from './trace-words.ts';
import { type ActionOutcome, type DeliveryView, type FiringDetail, type FiringView, deliveryState, nextStep } from './run-views.ts';

export const help = `usage: ifthen firings [--rule R] [--subject S] [--limit N] [--all]
       ifthen firing <id>          (also: ifthen firings <id>)

  firings   each time a rule matched: when, which rule, for whom, the values its condition saw,
            and where each action stands now (delivered, pending, dead…)
  firing    one firing in words: why it matched (each check with ✓ or ✗ and the value it saw),
            and each action's outcome with its delivery's current status, attempts and last error`;

/** Delivery states are looked up per firing (one request each): bounded so that `--all` stays quick. */
const LOOKUPS = 100;
const LOOKUP_CONCURRENCY = 8;

const OPTIONS = { ...COMMON_OPTIONS, ...PAGE_OPTIONS, rule: { type: 'string' }, subject: { type: 'string' } } as const;

export const firings = command('firings', help, async (args) => {
  const { values, positionals } = parseArgs({ args: [...args], allowPositionals: true, options: OPTIONS });
  if (positionals.length) {
    if (values.rule || values.subject || values.limit || values.all) throw new UsageError('give either a firing id or --rule/--subject/--limit/--all, not both');
    return showFiring(values, positional(positionals, 'firing-id')[0]);
  }
  const { limit, all } = paging(values);
  const client = clientFor(values);
  const page = await fetchList<FiringView>(client, '/v1/firings', { rule: values.rule, subject: values.subject, limit }, all);
  if (values.json) return printJson(page);
  const current = await currentDeliveries(client, page.items);
  out(table(['TIME', 'RULE', 'SUBJECT', 'CONDITION SAW', 'ACTIONS', 'ID'], page.items.map((f) => [
    time(f.time), `${f.rule} v${f.version}`, `${f.subject}${f.group === 'holdout' ? ' (holdout)' : ''}`,
    truncate(reasonCell(f.trace?.steps), 70), actionsCell(f.trace?.actions ?? [], current.get(f.id)), f.id,
  ]), '(no firings)'));
  moreHint(page.next);
});

export const firing = command('firing', help, async (args) => {
  const { values, positionals } = parseArgs({ args: [...args], allowPositionals: true, options: COMMON_OPTIONS });
  return showFiring(values, positional(positionals, 'firing-id')[0]);
});

async function showFiring(values: { url?: string; token?: string; json?: boolean }, id: string): Promise<void> {
  const f = await clientFor(values).get<FiringDetail>(`/v1/firings/${segment(id)}`);
  if (values.json) return printJson(f);
  out(firingText(f));
}

export function firingText(f: FiringDetail): string {
  const steps = f.trace?.steps ?? [];
  const lines = [
    fields([
      ['firing', f.id], ['rule', `${f.rule} v${f.version}`], ['subject', f.subject], ['event', (f.eventIds ?? []).join(', ')], ['time', time(f.time)],
      ...(f.group === 'holdout' ? [['group', 'holdout: the actions were recorded, not done'] as const] : []),
    ]),
    '',
    verdict(steps, true),
    ...checkLines(steps).map((line) => `  ${line}`),
    '',
    'actions',
  ];
  const actions = f.trace?.actions ?? [];
  const width = Math.max(0, ...actions.map((a) => a.kind.length));
  for (const action of actions) {
    const head = `  ${action.index + 1}. ${action.kind.padEnd(width)}  `;
    const delivery = f.deliveries.find((d) => d.actionIndex === action.index);
    if (!delivery) { lines.push(`${head}${action.outcome}${action.detail ? `: ${action.detail}` : ''}`); continue; }
    lines.push(`${head}${deliveryState(delivery)}`);
    const step = nextStep(delivery);
    lines.push(`${' '.repeat(head.length)}delivery ${delivery.id}${step ? `; ${step}` : ''}`);
  }
  if (!actions.length) lines.push('  (none)');
  return lines.join('\n');
}

/** "webhook delivered, emit applied": an action with a delivery shows the delivery's status now. */
function actionsCell(actions: readonly ActionOutcome[], deliveries: readonly DeliveryView[] | undefined): string {
  return actions.map((a) => {
    const delivery = deliveries?.find((d) => d.actionIndex === a.index);
    return `${a.kind} ${delivery ? delivery.status : a.outcome}`;
  }).join(', ');
}

/** The current deliveries of the firings that queued any, by firing id (the list answer has only the firing-time outcome). */
async function currentDeliveries(client: Client, items: readonly FiringView[]): Promise<Map<string, readonly DeliveryView[]>> {
  const wanted = items.filter((f) => f.trace?.actions?.some((a) => a.outcome === 'queued')).slice(0, LOOKUPS);
  const found = new Map<string, readonly DeliveryView[]>();
  let next = 0;
  const worker = async () => {
    while (next < wanted.length) {
      const f = wanted[next++];
      found.set(f.id, (await client.get<FiringDetail>(`/v1/firings/${segment(f.id)}`)).deliveries);
    }
  };
  await Promise.all(Array.from({ length: Math.min(LOOKUP_CONCURRENCY, wanted.length) }, worker));
  return found;
}
