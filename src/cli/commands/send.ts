// `ifthen send`: sends one event built from flags, or events from a JSON file or string, and reports each outcome.
import { parseArgs } from 'node:util';
import { ApiError } from './problems.ts';
import { COMMON_OPTIONS, UsageError, clientFor, command, out, printJson, readStdin } from './args.ts';
import { parseJson, readTextFile } from './input.ts';

export const help = `usage: ifthen send --type <type> --subject <subject> [--prop key=value ...] [--id <id>] [--time <ISO>]
       ifthen send -f <events.json>          (one event, a list, or {"batch": [...]}; "-f -" reads stdin)
       ifthen send --data '<json>'

  --prop values are read as JSON when they are JSON (30, true, ["a"], {"k": 1}), otherwise as text.
  Prints how many events were accepted, duplicate (already sent) or rejected, and why; exits 1 if any was rejected.`;

interface ItemResult {
  readonly index: number;
  readonly status: 'accepted' | 'duplicate' | 'rejected';
  readonly id?: string;
  readonly error?: { readonly code: string; readonly path: string; readonly message: string };
}

interface IngestReport {
  readonly accepted: number;
  readonly duplicate: number;
  readonly rejected: number;
  readonly results: readonly ItemResult[];
}

export const send = command('send', help, async (args) => {
  const { values, positionals } = parseArgs({
    args: [...args], allowPositionals: true,
    options: {
      ...COMMON_OPTIONS, type: { type: 'string' }, subject: { type: 'string' }, prop: { type: 'string', multiple: true },
      id: { type: 'string' }, time: { type: 'string' }, file: { type: 'string', short: 'f' }, data: { type: 'string' },
    },
  });
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const flags = values.type !== undefined || values.subject !== undefined || values.prop !== undefined || values.id !== undefined || values.time !== undefined;
  const sources = [flags, values.file !== undefined, values.data !== undefined].filter(Boolean).length;
  if (sources !== 1) throw new UsageError(sources ? 'use only one of --type/--subject/--prop, -f or --data' : 'nothing to send: give --type and --subject, -f <file> or --data <json>');

  let body: unknown;
  if (values.data !== undefined) body = parseJson(values.data, '--data');
  else if (values.file !== undefined) body = parseJson(values.file === '-' ? await readStdin() : await readTextFile(values.file), values.file === '-' ? 'stdin' : values.file);
  else {
    if (!values.type || !values.subject) throw new UsageError('an event needs both --type and --subject');
    body = { ...(values.id ? { id: values.id } : {}), type: values.type, subject: values.subject, ...(values.time ? { time: values.time } : {}), properties: properties(values.prop ?? []) };
  }

  const report = await post(body, values);
  if (values.json) printJson(report);
  else print(report);
  return report.rejected ? 1 : 0;
});

/** `key=value` pairs; a value is JSON when it parses as JSON, otherwise the text itself. */
export function properties(pairs: readonly string[]): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at < 1) throw new UsageError(`--prop needs key=value, not "${pair}"`);
    const text = pair.slice(at + 1);
    let value: unknown = text;
    try { value = JSON.parse(text); } catch { /* not JSON: keep the text */ }
    result[pair.slice(0, at)] = value;
  }
  return result;
}

/** A 400 that rejected every event still carries the per-event results: show them like a partial failure. */
async function post(body: unknown, values: { url?: string; token?: string }): Promise<IngestReport> {
  try {
    return await clientFor(values).post<IngestReport>('/v1/events', body);
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 400 || !Array.isArray(error.details)) throw error;
    const results = error.details as ItemResult[];
    const count = (status: ItemResult['status']) => results.filter((r) => r.status === status).length;
    return { accepted: count('accepted'), duplicate: count('duplicate'), rejected: count('rejected'), results };
  }
}

function print(report: IngestReport): void {
  const ids = report.results.filter((r) => r.id !== undefined);
  const idNote = ids.length === 1 ? ` (id ${ids[0].id})` : '';
  out(`accepted ${report.accepted}, duplicate ${report.duplicate}, rejected ${report.rejected}${idNote}`);
  for (const r of report.results) {
    if (r.status === 'rejected' && r.error) out(`  rejected ${r.error.path}: ${r.error.message}`);
  }
}
