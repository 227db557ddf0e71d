// `ifthen firings`, `deliveries`, `delivery <id>`: what the rules did, and what became of each action.
import { parseArgs } from 'node:util';
import { fetchList, segment } from './client.ts';
import { COMMON_OPTIONS, PAGE_OPTIONS, UsageError, clientFor, command, moreHint, out, paging, positional, printJson } from './args.ts';
import { fields, oneLine, table, time, truncate } from './format.ts';

export const help = `usage: ifthen firings [--rule R] [--subject S] [--limit N] [--all]
       ifthen deliveries [--rule R] [--subject S] [--status pending|delivering|delivered|dead] [--limit N] [--all]
       ifthen delivery <id>

  firings      each time a rule matched: when, which rule and version, for whom, what each action did
  deliveries   each action sent (webhook, email, chat…): status and attempts; --status dead is the dead-letter list
  delivery     one delivery with every attempt: time, HTTP status, latency, error, start of the response`;

export interface FiringView {
  readonly id: string; readonly rule: string; readonly version: number; readonly subject: string; readonly group: string; readonly time: string;
  readonly trace?: { readonly actions?: readonly { readonly kind: string; readonly outcome: string }[] };
}

export interface DeliveryView {
  readonly id: string; readonly firingId: string; readonly rule: string; readonly subject: string; readonly actionIndex: number; readonly kind: string;
  readonly destination?: string; readonly status: string; readonly attempts: number; readonly lastError: string | null; readonly createdAt: string;
  readonly nextAttemptAt: string | null; readonly deliveredAt: string | null;
}

interface AttemptView { readonly attempt: number; readonly startedAt: string; readonly latencyMs: number; readonly statusCode: number | null; readonly error: string | null; readonly response: string | null }

const STATUSES = ['pending', 'delivering', 'delivered', 'dead'];

export const firings = command('firings', help, async (args) => {
  const { values, positionals } = parseArgs({ args: [...args], allowPositionals: true, options: { ...COMMON_OPTIONS, ...PAGE_OPTIONS, rule: { type: 'string' }, subject: { type: 'string' } } });
  positional(positionals);
  const { limit, all } = paging(values);
  const page = await fetchList<FiringView>(clientFor(values), '/v1/firings', { rule: values.rule, subject: values.subject, limit }, all);
  if (values.json) return printJson(page);
  out(table(['TIME', 'RULE', 'VERSION', 'SUBJECT', 'GROUP', 'ACTIONS', 'ID'], page.items.map((f) => [
    time(f.time), f.rule, f.version, f.subject, f.group, (f.trace?.actions ?? []).map((a) => `${a.kind}:${a.outcome}`).join(' '), f.id,
  ]), '(no firings)'));
  moreHint(page.next);
});

export const deliveries = command('deliveries', help, async (args) => {
  const { values, positionals } = parseArgs({ args: [...args], allowPositionals: true, options: { ...COMMON_OPTIONS, ...PAGE_OPTIONS, rule: { type: 'string' }, subject: { type: 'string' }, status: { type: 'string' } } });
  positional(positionals);
  if (values.status !== undefined && !STATUSES.includes(values.status)) throw new UsageError(`--status must be one of ${STATUSES.join(', ')}`);
  await listDeliveries(values, { rule: values.rule, subject: values.subject, status: values.status }, '(no deliveries)');
});

/** Shared by `deliveries` and `dlq ls`. */
export async function listDeliveries(
  values: { url?: string; token?: string; json?: boolean; limit?: string; all?: boolean },
  filter: { rule?: string; subject?: string; status?: string },
  empty: string,
): Promise<void> {
  const { limit, all } = paging(values);
  const page = await fetchList<DeliveryView>(clientFor(values), '/v1/deliveries', { ...filter, limit }, all);
  if (values.json) return printJson(page);
  out(table(['CREATED', 'ID', 'RULE', 'SUBJECT', 'ACTION', 'STATUS', 'ATTEMPTS', 'LAST ERROR'], page.items.map((d) => [
    time(d.createdAt), d.id, d.rule, d.subject, d.kind, d.status, d.attempts, d.lastError ? truncate(oneLine(d.lastError), 60) : '',
  ]), empty));
  moreHint(page.next);
}

export const delivery = command('delivery', help, async (args) => {
  const { values, positionals } = parseArgs({ args: [...args], allowPositionals: true, options: COMMON_OPTIONS });
  const [id] = positional(positionals, 'delivery-id');
  const d = await clientFor(values).get<Omit<DeliveryView, 'attempts'> & { attempts: readonly AttemptView[] }>(`/v1/deliveries/${segment(id)}`);
  if (values.json) return printJson(d);
  out(fields([
    ['delivery', d.id], ['rule', d.rule], ['subject', d.subject], ['firing', d.firingId], ['action', `${d.actionIndex + 1}. ${d.kind}`],
    ['destination', d.destination], ['status', d.status], ['created', time(d.createdAt)],
    ...(d.deliveredAt ? [['delivered', time(d.deliveredAt)] as const] : []),
    ...(d.nextAttemptAt ? [['next attempt', time(d.nextAttemptAt)] as const] : []),
    ...(d.lastError ? [['last error', d.lastError] as const] : []),
  ]));
  out();
  out(table(['#', 'TIME', 'STATUS', 'LATENCY', 'ERROR', 'RESPONSE'], d.attempts.map((a) => [
    a.attempt, time(a.startedAt), a.statusCode ?? '', `${a.latencyMs}ms`, a.error ? truncate(oneLine(a.error), 60) : '', a.response ? truncate(oneLine(a.response), 60) : '',
  ]), '(no attempts yet)'));
  if (d.status === 'dead') out(`\nreplay it with: ifthen dlq replay ${d.id}`);
});
