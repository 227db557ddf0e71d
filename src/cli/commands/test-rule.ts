// `ifthen test`: runs a rule (saved, or a local file before it is applied) on one event and explains the result.
import { extname } from 'node:path';
import { parseArgs } from 'node:util';
import { segment } from './client.ts';
import { COMMON_OPTIONS, UsageError, clientFor, command, out, printJson } from './args.ts';
import { cell, indent } from './format.ts';
import { parseJson, parseYamlDocuments, readTextFile } from './input.ts';
import { checkLines, verdict, type TraceStep } from './trace-words.ts';

export const help = `usage: ifthen test <rule-id> (--event '<json>' | --event-file <event.json>) [-f <rule.yaml>] [--attributes '<json>']

  Runs the rule on one event without storing or sending anything: prints MATCHED or NOT MATCHED, each
  check with the values it saw, and what each action would do (secrets are shown by name).
  -f             test this local rule file instead of the saved rule (the id may then be left out)
  --attributes   subject attributes to use instead of the stored profile, as a JSON object`;

interface ActionResult { readonly index: number; readonly kind: string; readonly outcome: string; readonly detail?: string; readonly preview?: Readonly<Record<string, unknown>> }

interface TestResult {
  readonly matched: boolean;
  readonly firingId?: string;
  readonly trace: { readonly rule?: string; readonly version?: number; readonly steps?: readonly TraceStep[]; readonly actions?: readonly ActionResult[] };
  readonly emits?: readonly { readonly type?: string }[];
}

export const testRule = command('test', help, async (args) => {
  const { values, positionals } = parseArgs({
    args: [...args], allowPositionals: true,
    options: { ...COMMON_OPTIONS, file: { type: 'string', short: 'f' }, event: { type: 'string' }, 'event-file': { type: 'string' }, attributes: { type: 'string' } },
  });
  if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`);
  const eventFile = values['event-file'];
  if ((values.event === undefined) === (eventFile === undefined)) throw new UsageError('give the event with --event \'<json>\' or --event-file <file>');
  const event = eventFile === undefined ? parseJson(values.event ?? '', '--event') : parseJson(await readTextFile(eventFile), eventFile);
  const rule = values.file !== undefined ? await ruleFromFile(values.file, positionals[0]) : undefined;
  const id = positionals[0] ?? (typeof rule?.id === 'string' ? rule.id : undefined);
  if (!id) throw new UsageError('missing <rule-id>');
  const body = { event, ...(rule ? { rule } : {}), ...(values.attributes !== undefined ? { subject: parseJson(values.attributes, '--attributes') } : {}) };

  const result = await clientFor(values).post<TestResult>(`/v1/rules/${segment(id)}/test`, body);
  if (values.json) printJson(result);
  else out(explain(result, id, rule !== undefined));
});

export function explain(result: TestResult, id: string, local: boolean): string {
  const version = local ? ' (local file)' : result.trace.version ? ` v${result.trace.version}` : '';
  const steps = result.trace.steps ?? [];
  const lines = [`${result.matched ? 'MATCHED' : 'NOT MATCHED'}  ${id}${version}`, verdict(steps, result.matched), '', 'checks'];
  lines.push(...(steps.length ? checkLines(steps).map((line) => `  ${line}`) : ['  (none)']));
  if (result.matched) {
    lines.push('', 'actions (nothing was sent)');
    for (const action of result.trace.actions ?? []) lines.push(indent(actionText(action)));
    if (!result.trace.actions?.length) lines.push('  (none)');
    const emitted = (result.emits ?? []).map((e) => e.type).filter(Boolean);
    if (emitted.length) lines.push('', `emits: ${emitted.join(', ')}`);
  }
  return lines.join('\n');
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
