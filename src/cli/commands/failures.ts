// `ifthen failures`: events (and timers) the processor could not process; each was recorded with its error and
// passed over so that the events behind it kept flowing.
import { parseArgs } from 'node:util';
import { fetchList } from './client.ts';
import { COMMON_OPTIONS, PAGE_OPTIONS, clientFor, command, moreHint, out, paging, positional, printJson } from './args.ts';
import { oneLine, table, time, truncate } from './format.ts';

export const help = `usage: ifthen failures [--limit N] [--all]

  Events the processor recorded as failed and passed over, newest first, with the stage that failed:
    step     evaluating the rules threw (a bug, or a rule over its limits)
    commit   the event's changes could not be stored
    stall    the event blocked the processor longer than IFTHEN_STALL_TIMEOUT_MS`;

interface FailureView { readonly eventId: string; readonly partition: number; readonly position: string | null; readonly stage: string; readonly error: string; readonly at: string }

export const failures = command('failures', help, async (args) => {
  const { values, positionals } = parseArgs({ args: [...args], allowPositionals: true, options: { ...COMMON_OPTIONS, ...PAGE_OPTIONS } });
  positional(positionals);
  const { limit, all } = paging(values);
  const page = await fetchList<FailureView>(clientFor(values), '/v1/failures', { limit }, all);
  if (values.json) return printJson(page);
  out(table(['AT', 'STAGE', 'EVENT', 'ERROR'], page.items.map((f) => [time(f.at), f.stage, f.eventId, truncate(oneLine(f.error), 100)]),
    '(no failed events: every event was processed)'));
  moreHint(page.next);
});
