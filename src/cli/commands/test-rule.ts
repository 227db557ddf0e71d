// `ifthen test`: runs a rule (saved, or a local file before it is applied) on one event and explains the result.
import { extname } from 'node:path';
import { parseArgs } from 'node:util';
import { segment } from './client.ts';
import { COMMON_OPTIONS, UsageError, clientFor, command, out, printJson } from './args.ts';
import { cell, indent, time } from './format.ts';
import { parseJson, parseYamlDocuments, readTextFile } from './input.ts';
import { checkLines, verdict, type TraceStep } from './trace-words.ts';

export const help = `usage: ifthen test <rule-id> (--event '<json>' | --event <event.json> | --event-file <event.json>) [-f <rule.yaml>]
                   [--events <earlier.jsonl>] [--attributes '<json>']
       ifthen test <rule.yaml> --event <event.json> [--events <earlier.jsonl>]

  Runs the rule on one event without storing or sending anything: prints MATCHED or NOT MATCHED, each
  check with the values it saw, what blocked the rule (a window not reached, a timer waiting, a cap…),
  and what each action would do (secrets are shown by name).
  -f             test this local rule file instead of the saved rule (the id may then be left out);
                 a first argument ending in .yaml, .yml or .json is the same
  --event        the event as JSON, or a file holding it
  --events       the subject's earlier events, oldest first: a file of one JSON event per line (or a JSON
                 array), replayed before the event (windows, sequences, absences, caps); each is explained
  --attributes   subject attributes to use instead of the stored profile, as a JSON object`;

interface ActionResult { readonly index: number; readonly kind: string; readonly outcome: string; readonly detail?: string; readonly preview?: Readonly<Record<string, unknown>> }

interface Decision {
  readonly input: { readonly kind: string; readonly id: string; readonly type?: string; readonly time?: string; readonly dueAt?: string };
  readonly outcome: string;
  readonly because: string;
  readonly conditions?: readonly string[];
}

interface TestResult {
  readonly matched: boolean;
  readonly fired?: boolean;
  readonly decision?: { readonly outcome: string; readonly because: string };
  readonly waiting?: readonly { readonly because: string }[];
  readonly suppressions?: readonly { readonly reason: string; readonly detail: string }[];
  readonly earlier?: readonly Decision[];
  readonly firingId?: string;
  readonly trace: { readonly rule?: string; readonly version?: number; readonly steps?: readonly TraceStep[]; readonly actions?: readonly ActionResult[] };
  readonly emits?: readonly { readonly type?: string }[];
}

export const testRule = command('test', help, async (args) => {
  const { values, positionals } = parseArgs({
    args: [...args], allowPositionals: true,
    options: { ...COMMON_OPTIONS, file: { type: 'string', short: 'f' }, event: { type: 'string' }, 'event-file': { type: 'string' }, events: { type: 'string' }, attributes: { type: 'string' } },
  });
  if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`);
  // `ifthen test rules/x.yaml …`: a first argument that names a rule file is -f.
  if (values.file === undefined && positionals[0] !== undefined && /\.(ya?ml|json)$/i.test(positionals[0])) {
    values.file = positionals.shift();
  }
  if ((values.event === undefined) === (values['event-file'] === undefined)) throw new UsageError('give the event with --event \'<json>\', --event <file> or --event-file <file>');
  // --event takes the JSON itself or a file that holds it.
  const eventFile = values['event-file'] ?? (values.event!.trimStart().startsWith('{') ? undefined : values.event);
  const event = eventFile === undefined ? parseJson(values.event ?? '', '--event') : parseJson(await readTextFile(eventFile), eventFile);
  const events = values.events === undefined ? undefined : parseEvents(await readTextFile(values.events), values.events);
  const rule = values.file !== undefined ? await ruleFromFile(values.file, positionals[0]) : undefined;
  const id = positionals[0] ?? (typeof rule?.id === 'string' ? rule.id : undefined);
  if (!id) throw new UsageError('missing <rule-id>');
  const body = { event, ...(events ? { events } : {}), ...(rule ? { rule } : {}), ...(values.attributes !== undefined ? { subject: parseJson(values.attributes, '--attributes') } : {}) };

  const result = await clientFor(values).post<TestResult>(`/v1/rules/${segment(id)}/test`, body);
  if (values.json) printJson(result);
  else out(explain(result, id, rule !== undefined));
});

export function explain(result: TestResult, id: string, local: boolean): string {
  const version = local ? ' (local file)' : result.trace.version ? ` v${result.trace.version}` : '';
  const steps = result.trace.steps ?? [];
  // The condition held but the rule did not fire: a window, a sequence, a timer or a limit stopped it.
  const stoppedLater = !result.matched && result.decision && !CONDITION_OUTCOMES.has(result.decision.outcome);
  const lines = [`${result.matched ? 'MATCHED' : 'NOT MATCHED'}  ${id}${version}`, stoppedLater ? `did not fire: ${result.decision!.because}` : verdict(steps, result.matched)];
  if (result.earlier?.length) {
    lines.push('', 'earlier events');
    for (const d of result.earlier) lines.push(`  ${inputText(d.input)}  ${d.because}`);
  }
  lines.push('', 'checks');
  lines.push(...(steps.length ? checkLines(steps).map((line) => `  ${line}`) : ['  (none)']));
  if (result.suppressions?.length) lines.push('', 'limits', ...result.suppressions.map((s) => `  ${s.reason}: ${s.detail}`));
  if (result.waiting?.length) lines.push('', 'waiting', ...result.waiting.map((w) => `  ${w.because}`));
  if (result.matched) {
    lines.push('', 'actions (nothing was sent)');
    for (const action of result.trace.actions ?? []) lines.push(indent(actionText(action)));
    if (!result.trace.actions?.length) lines.push('  (none)');
    const emitted = (result.emits ?? []).map((e) => e.type).filter(Boolean);
    if (emitted.length) lines.push('', `emits: ${emitted.join(', ')}`);
  }
  return lines.join('\n');
}

/** Outcomes the checks above already explain. */
const CONDITION_OUTCOMES = new Set(['fired', 'event_type', 'condition_false', 'condition_error']);

/** One input of a replay in a few words: `2026-11-01 10:01:00Z cart_updated small`, `timer due 2026-…`. */
export function inputText(input: Decision['input']): string {
  if (input.kind === 'timer') return `timer due ${time(input.dueAt)}`;
  return `${time(input.time)}  ${input.type ?? ''} ${input.id}`;
}

/** Events of a JSON-lines file (or a JSON array). */
function parseEvents(text: string, file: string): unknown[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    const value = parseJson(trimmed, file);
    if (!Array.isArray(value)) throw new UsageError(`${file}: must hold a JSON array or one JSON event per line`);
    return value;
  }
  return text.split('\n').map((line, i) => [line.trim(), i] as const).filter(([line]) => line.length > 0).map(([line, i]) => parseJson(line, `${file} line ${i + 1}`));
}

/** A test sends nothing: the outcomes are what a real firing would do. */
const WOULD: Readonly<Record<string, string>> = { queued: 'would be sent', applied: 'would be applied' };

function actionText(action: ActionResult): string {
  const lines = [`${action.index + 1}. ${action.kind}: ${WOULD[action.outcome] ?? action.outcome}${action.detail ? ` (${action.detail})` : ''}`];
  const preview = action.preview ?? {};
  if (typeof preview.url === 'string' && action.kind === 'webhook') lines.push(`     ${cell(preview.method ?? 'POST')} ${preview.url}`);
  for (const [key, value] of Object.entries(preview)) {
    if (value === undefined || (action.kind === 'webhook' && (key === 'url' || key === 'method'))) continue;
    if (value !== null && typeof value === 'object' && !Object.keys(value).length) continue;
    lines.push(`     ${key}: ${cell(value)}`);
  }
  return lines.join('\n');
}

/** The rule document in a local file: the one with `id` if the file holds several. */
async function ruleFromFile(file: string, id: string | undefined): Promise<Record<string, unknown>> {
  const text = await readTextFile(file);
  let documents: unknown[];
  if (extname(file).toLowerCase() === '.json') {
    const value = parseJson(text, file);
    documents = Array.isArray(value) ? value : [value];
  } else {
    documents = (await parseYamlDocuments(text, file)).map((d) => d.toJS()).filter((d) => d != null);
  }
  const objects = documents.filter((d): d is Record<string, unknown> => d !== null && typeof d === 'object' && !Array.isArray(d));
  const chosen = id === undefined ? (objects.length === 1 ? objects[0] : undefined) : objects.find((d) => d.id === id) ?? (objects.length === 1 ? objects[0] : undefined);
  if (!chosen) throw new UsageError(id === undefined ? `${file} holds ${objects.length} rules; name the one to test` : `${file} has no rule with id "${id}"`);
  return chosen;
}
