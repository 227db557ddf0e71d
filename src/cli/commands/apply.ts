// `ifthen apply -f`: saves every rule document found in files and folders, one PUT each, and reports each (like kubectl apply).
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { type Client, segment } from './client.ts';
import { COMMON_OPTIONS, UsageError, clientFor, command, err, out, printJson, readStdin } from './args.ts';
import { ConnectionError, SetupError, report } from './problems.ts';
import { parseJson, yamlError } from './input.ts';

export const help = `usage: ifthen apply -f <file-or-folder> [-f ...] [--dry-run]

  Saves every rule in .yaml, .yml and .json files (folders are read recursively; a YAML file may hold
  several rules separated by "---"; "-f -" reads YAML from stdin). Each rule needs an "id".
  Prints created, updated or unchanged for each rule; exits 1 if any rule failed.
  A rule that was disabled stays disabled unless its file says "enabled: true".

  --dry-run   only validate on the server; nothing is saved
  --json      print the server's answer for each rule`;

const EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

/** One rule document as it will be sent, or why it cannot be. */
interface RuleDocument {
  readonly where: string;
  readonly id?: string;
  readonly body: string;
  readonly contentType: 'application/yaml' | 'application/json';
  /** Why the document cannot be sent, in full ("rules/a.yaml is not valid YAML at line 3…"). */
  readonly problem?: string;
}

interface SaveAnswer {
  readonly version?: number;
  readonly changed?: boolean;
  readonly enabled?: boolean;
}

export const apply = command('apply', help, async (args) => {
  const { values, positionals } = parseArgs({
    args: [...args], allowPositionals: true,
    options: { ...COMMON_OPTIONS, file: { type: 'string', short: 'f', multiple: true }, 'dry-run': { type: 'boolean' } },
  });
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"; name files with -f`);
  if (!values.file?.length) throw new UsageError('missing -f <file-or-folder>');
  const documents: RuleDocument[] = [];
  for (const path of values.file) documents.push(...(await documentsIn(path)));
  if (!documents.length) throw new UsageError(`no .yaml, .yml or .json rule files in ${values.file.join(', ')}`);

  const client = clientFor(values);
  let failed = 0;
  for (const document of documents) {
    const ok = await save(client, document, values['dry-run'] ?? false, values.json ?? false);
    if (!ok) failed++;
  }
  if (failed && documents.length > 1) process.stderr.write(`${failed} of ${documents.length} rules failed\n`);
  return failed ? 1 : 0;
});

async function save(client: Client, document: RuleDocument, dryRun: boolean, json: boolean): Promise<boolean> {
  const label = document.id ?? document.where;
  if (document.problem !== undefined || document.id === undefined) {
    out(`failed ${label}`);
    err(`ifthen: ${document.problem ?? `${document.where}: the rule has no "id"`}`);
    return false;
  }
  try {
    const { status, body } = await client.request<SaveAnswer>('PUT', `/v1/rules/${segment(document.id)}`, {
      text: document.body, contentType: document.contentType, query: dryRun ? { dry_run: 'true' } : undefined,
    });
    if (json) printJson(body);
    else if (dryRun) out(`valid ${document.id} (dry run, not saved)`);
    else out(`${status === 201 ? 'created' : body.changed === false ? 'unchanged' : 'updated'} ${document.id} v${body.version}${body.enabled === false ? ' (disabled)' : ''}`);
    return true;
  } catch (error) {
    // Without a server, or with a refused token, every other rule would fail the same way: stop and say it once.
    if (error instanceof ConnectionError || error instanceof SetupError) throw error;
    out(`failed ${label} (${document.where})`);
    report(error, 'apply');
    return false;
  }
}

async function documentsIn(path: string): Promise<RuleDocument[]> {
  if (path === '-') return yamlDocuments('stdin', await readStdin());
  const info = await stat(path).catch(() => { throw new UsageError(`${path}: no such file or folder`); });
  if (info.isDirectory()) {
    const found: RuleDocument[] = [];
    for (const file of await filesUnder(path)) found.push(...(await documentsIn(file)));
    return found;
  }
  const extension = extname(path).toLowerCase();
  if (!EXTENSIONS.has(extension)) throw new UsageError(`${path}: not a .yaml, .yml or .json file`);
  const text = await readFile(path, 'utf8');
  return extension === '.json' ? jsonDocuments(path, text) : yamlDocuments(path, text);
}

/** Rule files under a folder, recursively, in name order; hidden entries (.git) are skipped. */
async function filesUnder(folder: string): Promise<string[]> {
  const entries = (await readdir(folder, { withFileTypes: true })).filter((e) => !e.name.startsWith('.')).sort((a, b) => a.name.localeCompare(b.name));
  const files: string[] = [];
  for (const entry of entries) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) files.push(...(await filesUnder(path)));
    else if (EXTENSIONS.has(extname(entry.name).toLowerCase())) files.push(path);
  }
  return files;
}

async function yamlDocuments(file: string, text: string): Promise<RuleDocument[]> {
  // Loaded here only: the commands that read no YAML start faster without it.
  const { parseAllDocuments } = await import('yaml');
  const documents = parseAllDocuments(text);
  if (!Array.isArray(documents)) return [];
  const found = documents.filter((d) => d.errors.length > 0 || d.toJS() != null);
  return found.map((document, i) => {
    const where = found.length > 1 ? `${file} (document ${i + 1})` : file;
    if (document.errors.length) return { where, body: '', contentType: 'application/yaml', problem: yamlError(text, file, document.errors[0]).message };
    // One document is sent exactly as written; one of several is re-serialised on its own, comments kept.
    return { where, id: idOf(document.toJS()), body: found.length > 1 ? document.toString() : text, contentType: 'application/yaml' };
  });
}

function jsonDocuments(file: string, text: string): RuleDocument[] {
  let value: unknown;
  try { value = parseJson(text, file); } catch (error) {
    return [{ where: file, body: '', contentType: 'application/json', problem: (error as Error).message }];
  }
  if (!Array.isArray(value)) return [{ where: file, id: idOf(value), body: text, contentType: 'application/json' }];
  return value.map((item, i) => ({ where: `${file} (item ${i + 1})`, id: idOf(item), body: JSON.stringify(item), contentType: 'application/json' }));
}

function idOf(value: unknown): string | undefined {
  const id = value !== null && typeof value === 'object' ? (value as { id?: unknown }).id : undefined;
  return typeof id === 'string' && id ? id : undefined;
}
