// `ifthen deliveries` and `ifthen delivery <id>|retry|resend`: each action sent, every attempt with what was sent and
// what came back, and moving a delivery on (try a pending one now, replay a dead one, resend a delivered one).
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { type Client, fetchList, segment } from './client.ts';
import { COMMON_OPTIONS, PAGE_OPTIONS, UsageError, clientFor, command, err, moreHint, out, paging, positional, printJson } from './args.ts';
import { ApiError, ConflictError } from './problems.ts';
import { fields, oneLine, plural, table, time, truncate } from './format.ts';
import { type DeliveryDetail, type DeliveryView, type SentRequest, deliveryState, nextStep, summary } from './run-views.ts';

export const help = `usage: ifthen deliveries [--rule R] [--subject S] [--status pending|delivering|delivered|dead] [--limit N] [--all]
       ifthen delivery <id>
       ifthen delivery retry <id> [--wait]
       ifthen delivery resend <id> [--wait]

  deliveries        each action sent (webhook, email, chat…): status and attempts; --status dead is the dead-letter list
  delivery <id>     one delivery: every attempt (time, HTTP status, latency, error), what the last one sent and got back
  delivery retry    a pending delivery waiting for its back-off: try it now; a dead one: replay it (a fresh run of attempts)
  delivery resend   a delivered one: send it once more (receivers that dedupe on Idempotency-Key ignore it)
  --wait            wait up to 30 s for the outcome and print it; exits 1 unless delivered`;

const STATUSES = ['pending', 'delivering', 'delivered', 'dead'];
const WAIT_MS = 30_000;

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

type Move = 'retry' | 'resend';

export const delivery = command('delivery', help, async (args) => {
  const { values, positionals } = parseArgs({ args: [...args], allowPositionals: true, options: { ...COMMON_OPTIONS, wait: { type: 'boolean' } } });
  const move = positionals[0] === 'retry' || positionals[0] === 'resend' ? positionals[0] : undefined;
  if (!move) {
    if (values.wait) throw new UsageError('--wait goes with "delivery retry" or "delivery resend"');
    const [id] = positional(positionals, 'delivery-id');
    const d = await clientFor(values).get<DeliveryDetail>(`/v1/deliveries/${segment(id)}`);
    if (values.json) return printJson(d);
    return out(deliveryText(d));
  }
  const [id] = positional(positionals.slice(1), 'delivery-id');
  return moveOn(clientFor(values), id, move, values);
});

async function moveOn(client: Client, id: string, move: Move, options: { json?: boolean; wait?: boolean }): Promise<number> {
  const before = await client.get<DeliveryDetail>(`/v1/deliveries/${segment(id)}`);
  let answer: unknown;
  try {
    answer = await client.post(`/v1/deliveries/${segment(id)}/${move}`);
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 409) throw error;
    throw conflict(summary(await client.get<DeliveryDetail>(`/v1/deliveries/${segment(id)}`)), move, error.message);
  }
  if (options.json && !options.wait) { printJson(answer); return 0; }
  if (!options.json) {
    out(move === 'resend' ? `resending ${id} now, with the same idempotency key (receivers that dedupe on it will ignore it)`
      : before.status === 'dead' ? `replaying ${id} now: it was dead after ${plural(before.attempts.length, 'attempt')}; a fresh run of attempts starts, with the same idempotency key`
        : `retrying ${id} now instead of waiting for its back-off`);
  }
  if (!options.wait) { err(`follow it with: ifthen delivery ${id}`); return 0; }
  const after = await outcome(client, id, before.attempts.length);
  if (options.json) printJson(after.delivery);
  else out(after.settled ? deliveryState(after.delivery) : `no outcome within ${WAIT_MS / 1000}s: ${deliveryState(after.delivery)}`);
  return after.delivery.status === 'delivered' ? 0 : 1;
}

/** Polls until a new attempt has finished (delivered, dead, or pending again after a failure), or the wait is over. */
async function outcome(client: Client, id: string, attemptsBefore: number): Promise<{ delivery: DeliveryView; settled: boolean }> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const delivery = summary(await client.get<DeliveryDetail>(`/v1/deliveries/${segment(id)}`));
    const settled = delivery.attempts > attemptsBefore && delivery.status !== 'delivering';
    if (settled || Date.now() > deadline) return { delivery, settled };
    await sleep(200);
  }
}

/** A 409 in the CLI's words: where the delivery stands and the command that applies to it. */
export function conflict(d: DeliveryView, wanted: Move | 'replay', serverMessage: string): ConflictError {
  const at = `delivery ${d.id}`;
  if (d.status === 'delivering') return new ConflictError(`${at} is being sent right now; look again in a moment: ifthen delivery ${d.id}`);
  if (d.status === 'delivered' && wanted !== 'resend') return new ConflictError(`${at} was already delivered (${time(d.deliveredAt)}); to send it again: ifthen delivery resend ${d.id}`);
  if (d.status === 'pending' && wanted !== 'retry') return new ConflictError(`${at} is not ${wanted === 'replay' ? 'dead' : 'delivered'} yet: it is ${deliveryState(d)}; to try it now: ifthen delivery retry ${d.id}`);
  if (d.status === 'dead' && wanted === 'resend') return new ConflictError(`${at} was never delivered: it is ${deliveryState(d)}; to replay it: ifthen delivery retry ${d.id}`);
  return new ConflictError(`${serverMessage}; look again: ifthen delivery ${d.id}`);
}

export function deliveryText(d: DeliveryDetail): string {
  const lines = [fields([
    ['delivery', d.id], ['rule', d.rule], ['subject', d.subject], ['firing', d.firingId], ['action', `${d.actionIndex + 1}. ${d.kind}`],
    ['destination', d.destination], ['status', d.status], ['created', time(d.createdAt)],
    ...(d.deliveredAt ? [['delivered', time(d.deliveredAt)] as const] : []),
    ...(d.nextAttemptAt ? [['next attempt', time(d.nextAttemptAt)] as const] : []),
    ...(d.lastError ? [['last error', d.lastError] as const] : []),
  ]), ''];
  lines.push(table(['#', 'TIME', 'STATUS', 'LATENCY', 'ERROR', 'RESPONSE'], d.attempts.map((a) => [
    a.attempt, time(a.startedAt), a.statusCode ?? '', `${a.latencyMs}ms`, a.error ? truncate(oneLine(a.error), 60) : '', a.response ? truncate(oneLine(a.response), 40) : '',
  ]), '(no attempts yet)'));
  const last = d.attempts[d.attempts.length - 1];
  if (last?.request) lines.push('', `attempt ${last.attempt} sent:`, ...requestLines(last.request));
  if (last && (last.statusCode !== null || last.response)) {
    lines.push('', last.request ? 'and got back:' : `attempt ${last.attempt} got back:`, `  ${last.statusCode ?? '(no status)'}`, ...(last.response ? last.response.split('\n').map((l) => `  ${l}`) : []));
  }
  const step = nextStep(d);
  if (step) lines.push('', step);
  return lines.join('\n');
}

/** The request as an HTTP message: method and URL, headers, a blank line, the body (as recorded, secrets redacted). */
export function requestLines(request: SentRequest): string[] {
  const lines = [`  ${request.method} ${request.url}`, ...Object.entries(request.headers).map(([name, value]) => `  ${name}: ${value}`)];
  if (request.body !== null && request.body !== '') {
    lines.push('', ...request.body.split('\n').map((l) => `  ${l}`));
    if (request.bodyTruncated) lines.push('  … (the body was longer; only its start is kept)');
  }
  return lines;
}
