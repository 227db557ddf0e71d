// `ifthen tail`: follows new events (or firings) by polling, printing each once, until Ctrl-C.
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { Client, Page, Query } from './client.ts';
import { ConnectionError } from './problems.ts';
import { COMMON_OPTIONS, UsageError, clientFor, command, err, out, positiveInt } from './args.ts';
import { compact, time, truncate } from './format.ts';
import type { FiringView } from './run-views.ts';
import { reasonCell } from './trace-words.ts';

export const help = `usage: ifthen tail [--subject S] [--type T] [--interval 1s] [--last N]
       ifthen tail --firings [--rule R] [--subject S]

  Shows the last few events (or firings), then each new one as it arrives, until Ctrl-C.
  --interval   how often to ask the server: 500ms, 1s, 5s… (default 1s)
  --last       how many recent ones to show first (default 10; 0 shows only new ones)
  --json       one JSON object per line`;

interface EventView { readonly seq: number; readonly id: string; readonly type: string; readonly subject: string; readonly time: string; readonly properties: unknown }

/** What a followed stream needs: where to read, how to tell items apart, how to print one. */
interface Stream<T> {
  readonly path: string;
  readonly query: Query;
  readonly key: (item: T) => string;
  readonly line: (item: T) => string;
}

const PAGE = 100;
const REMEMBERED = 5_000;
const MAX_PAGES_PER_POLL = 10;

export const tail = command('tail', help, async (args) => {
  const { values, positionals } = parseArgs({
    args: [...args], allowPositionals: true,
    options: {
      ...COMMON_OPTIONS, subject: { type: 'string' }, type: { type: 'string' }, rule: { type: 'string' }, firings: { type: 'boolean' },
      interval: { type: 'string', default: '1s' }, last: { type: 'string', default: '10' },
    },
  });
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const interval = duration(values.interval);
  const last = values.last === '0' ? 0 : positiveInt(values.last, 'last') ?? 10;
  const json = values.json ?? false;
  const client = clientFor(values);
  if (values.firings) {
    if (values.type) throw new UsageError('--type filters events; with --firings use --rule or --subject');
    return follow<FiringView>(client, { path: '/v1/firings', query: { rule: values.rule, subject: values.subject }, key: (f) => f.id, line: json ? JSON.stringify : firingLine }, interval, last);
  }
  if (values.rule) throw new UsageError('--rule filters firings; add --firings');
  return follow<EventView>(client, { path: '/v1/events', query: { subject: values.subject, type: values.type }, key: (e) => e.id, line: json ? JSON.stringify : eventLine }, interval, last);
});

const eventLine = (e: EventView) => `${time(e.time)}  ${e.type}  ${e.subject}  ${e.id}  ${compact(e.properties, 100)}`;

/** A firing's line: a queued action's fate is not known yet (and not shown), "ifthen firing <id>" tells it later. */
const firingLine = (f: FiringView) => {
  const actions = (f.trace?.actions ?? []).map((a) => (a.outcome === 'queued' ? a.kind : `${a.kind} ${a.outcome}`)).join(', ') || 'no actions';
  return `${time(f.time)}  ${f.rule} v${f.version}  ${f.subject}${f.group === 'holdout' ? ' (holdout)' : ''}  ${truncate(reasonCell(f.trace?.steps), 70)}  ${actions}  ${f.id}`;
};

/** Polls the newest page; prints, oldest first, what has not been printed. Lists are newest first. */
async function follow<T>(client: Client, stream: Stream<T>, interval: number, last: number): Promise<number> {
  const stopped = new AbortController();
  process.once('SIGINT', () => stopped.abort());
  const seen = new Set<string>();
  const remember = (item: T) => {
    seen.add(stream.key(item));
    if (seen.size > REMEMBERED) seen.delete(seen.values().next().value as string);
  };
  const first = await client.get<Page<T>>(stream.path, { ...stream.query, limit: PAGE });
  first.items.slice().reverse().forEach(remember);
  for (const item of first.items.slice(0, last).reverse()) out(stream.line(item));

  let unreachable = false;
  while (!stopped.signal.aborted) {
    try { await sleep(interval, undefined, { signal: stopped.signal }); } catch { break; }
    let fresh: T[];
    try {
      fresh = await unseen(client, stream, seen);
    } catch (error) {
      // A restarting server should not end the tail; anything else (auth, a bad filter) does.
      if (!(error instanceof ConnectionError)) throw error;
      if (!unreachable) err(`ifthen: ${error.message}; retrying…`);
      unreachable = true;
      continue;
    }
    if (unreachable) { err('ifthen: reconnected'); unreachable = false; }
    for (const item of fresh) { remember(item); out(stream.line(item)); }
  }
  return 0;
}

/** New items, oldest first; reads older pages while a whole page is new (a burst between two polls). */
async function unseen<T>(client: Client, stream: Stream<T>, seen: ReadonlySet<string>): Promise<T[]> {
  const fresh: T[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < MAX_PAGES_PER_POLL; pages++) {
    const page = await client.get<Page<T>>(stream.path, { ...stream.query, limit: PAGE, cursor });
    const news = page.items.filter((item) => !seen.has(stream.key(item)));
    fresh.push(...news);
    if (news.length < page.items.length || page.next === undefined) break;
    cursor = page.next;
  }
  return fresh.reverse();
}

/** `500ms`, `1s`, `2m`, or a plain number of seconds. */
export function duration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!match) throw new UsageError(`--interval must look like 500ms, 1s or 2m, not "${text}"`);
  const ms = Number(match[1]) * (match[2] === 'ms' ? 1 : match[2] === 'm' ? 60_000 : 1000);
  if (ms < 100) throw new UsageError('--interval must be at least 100ms');
  return ms;
}
