// `ifthen test`: runs a rule (saved, or a local file before it is applied) on one event and explains the result.
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parseArgs } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { segment } from './client.ts';
import { COMMON_OPTIONS, UsageError, clientFor, command, out, printJson } from './args.ts';
import { cell, indent } from './format.ts';

export const help = `usage: ifthen test <rule-id> (--event '<json>' | --event-file <event.json>) [-f <rule.yaml>] [--attributes '<json>']

  Runs the rule on one event without storing or sending anything: prints MATCHED or NOT MATCHED, each
  check with the values it saw, and what each action would do (secrets are shown by name).
  -f             test this local rule file instead of the saved rule (the id may then be left out)
  --attributes   subject attributes to use instead of the stored profile, as a JSON object`;

type Step =
  | { readonly check: 'event'; readonly expected: readonly string[] | '*'; readonly actual: string; readonly passed: boolean }
  | { readonly check: 'where'; readonly expression: string; readonly values: Readonly<Record<string, unknown>>; readonly passed: boolean; readonly error?: string };

interface ActionResult { readonly index: number; readonly kind: string; readonly outcome: string; readonly detail?: string; readonly preview?: Readonly<Record<string, unknown>> }

interface TestResult {
  readonly matched: boolean;
  readonly firingId?: string;
  readonly trace: { readonly rule?: string; readonly version?: number; readonly steps?: readonly Step[]; readonly actions?: readonly ActionResult[] };
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
  const event = eventFile === undefined ? json(values.event ?? '', '--event') : json(await readFile(eventFile, 'utf8'), eventFile);
  const rule = values.file !== undefined ? await ruleFromFile(values.file, positionals[0]) : undefined;
  const id = positionals[0] ?? (typeof rule?.id === 'string' ? rule.id : undefined);
  if (!id) throw new UsageError('missing <rule-id>');
  const body = { event, ...(rule ? { rule } : {}), ...(values.attributes !== undefined ? { subject: json(values.attributes, '--attributes') } : {}) };

  const result = await clientFor(values).post<TestResult>(`/v1/rules/${segment(id)}/test`, body);
  if (values.json) printJson(result);
  else out(explain(result, id, rule !== undefined));
});

export function explain(result: TestResult, id: string, local: boolean): string {
  const version = local ? ' (local file)' : result.trace.version ? ` v${result.trace.version}` : '';
  const lines = [`${result.matched ? 'MATCHED' : 'NOT MATCHED'}  ${id}${version}`, '', 'checks:'];
  for (const step of result.trace.steps ?? []) lines.push(indent(stepText(step)));
  if (!result.trace.steps?.length) lines.push('  (none)');
  if (result.matched) {
    lines.push('', 'actions:');
    for (const action of result.trace.actions ?? []) lines.push(indent(actionText(action)));
    if (!result.trace.actions?.length) lines.push('  (none)');
    const emitted = (result.emits ?? []).map((e) => e.type).filter(Boolean);
    if (emitted.length) lines.push('', `emits: ${emitted.join(', ')}`);
  }
  return lines.join('\n');
}

function stepText(step: Step): string {
  const mark = step.passed ? '✓' : '✗';
  if (step.check === 'event') {
    const expected = step.expected === '*' ? 'any event' : step.expected.join(' or ');
    return `${mark} event type: expected ${expected}, got ${step.actual}`;
  }
  const lines = [`${mark} where: ${step.expression}`];
  for (const [name, value] of Object.entries(step.values ?? {})) lines.push(`    ${name} = ${value === undefined ? '(missing)' : JSON.stringify(value)}`);
  if (step.error) lines.push(`    error: ${step.error}`);
  return lines.join('\n');
}

function actionText(action: ActionResult): string {
  const lines = [`${action.index + 1}. ${action.kind}: ${action.outcome}${action.detail ? ` (${action.detail})` : ''}`];
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
  const text = await readFile(file, 'utf8');
  let documents: unknown[];
  if (extname(file).toLowerCase() === '.json') {
    const value = json(text, file);
    documents = Array.isArray(value) ? value : [value];
  } else {
    const parsed = parseAllDocuments(text);
    const list = Array.isArray(parsed) ? parsed : [];
    const broken = list.find((d) => d.errors.length);
    if (broken) throw new UsageError(`${file} is not valid YAML: ${broken.errors[0].message.split('\n')[0]}`);
    documents = list.map((d) => d.toJS()).filter((d) => d != null);
  }
  const objects = documents.filter((d): d is Record<string, unknown> => d !== null && typeof d === 'object' && !Array.isArray(d));
  const chosen = id === undefined ? (objects.length === 1 ? objects[0] : undefined) : objects.find((d) => d.id === id) ?? (objects.length === 1 ? objects[0] : undefined);
  if (!chosen) throw new UsageError(id === undefined ? `${file} holds ${objects.length} rules; name the one to test` : `${file} has no rule with id "${id}"`);
  return chosen;
}

function json(text: string, where: string): unknown {
  try { return JSON.parse(text); } catch (error) { throw new UsageError(`${where} is not valid JSON: ${(error as Error).message}`); }
}
