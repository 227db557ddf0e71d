// Runs the `ifthen` CLI as a child process, as a person would, against a real server (test/support/server.ts).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { ADMIN_TOKEN } from '../support/server.ts';

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  /** The server; IFTHEN_URL is left unset when absent. */
  readonly url?: string;
  /** IFTHEN_TOKEN: the admin token unless given; null leaves it unset. */
  readonly token?: string | null;
  /** Written to stdin, which is then closed. */
  readonly stdin?: string;
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SOURCES = join(ROOT, 'src', 'cli');
const COMPILED = join(ROOT, 'dist', '.cli-test');

const sourceFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [])).sort();

/**
 * The CLI compiled to JavaScript by TypeScript (types stripped, as `npm start` compiles the server), once per version
 * of its sources: a run then starts in about a third of the CPU time a run through tsx takes, which keeps the ~70 runs
 * of these tests quick on a shared machine. Kept in dist/ (ignored by git) so that `yaml` resolves from node_modules.
 */
async function compileCli(): Promise<string> {
  const files = sourceFiles(SOURCES);
  const hash = createHash('sha256');
  for (const file of files) hash.update(relative(SOURCES, file)).update(readFileSync(file));
  const dir = join(COMPILED, hash.digest('hex').slice(0, 16));
  const main = join(dir, 'cli', 'main.js');
  if (existsSync(main)) return main;
  const { default: ts } = await import('typescript');
  const temp = `${dir}.${process.pid}`;
  for (const file of files) {
    const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), {
      fileName: file,
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true, rewriteRelativeImportExtensions: true },
    });
    const target = join(temp, 'cli', relative(SOURCES, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, outputText);
  }
  // Test files run in parallel processes: the first to finish wins; older versions are removed.
  try { renameSync(temp, dir); } catch { rmSync(temp, { recursive: true, force: true }); }
  for (const old of readdirSync(COMPILED)) if (join(COMPILED, old) !== dir && !old.includes('.')) rmSync(join(COMPILED, old), { recursive: true, force: true });
  return main;
}

let compiled: Promise<string> | undefined;

function environment(options: CliOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.IFTHEN_URL;
  delete env.IFTHEN_TOKEN;
  if (options.url !== undefined) env.IFTHEN_URL = options.url;
  const token = options.token === undefined ? ADMIN_TOKEN : options.token;
  if (token !== null) env.IFTHEN_TOKEN = token;
  return env;
}

export async function startCli(args: readonly string[], options: CliOptions = {}): Promise<ChildProcessWithoutNullStreams & { output(): CliResult }> {
  compiled ??= compileCli();
  const child = spawn(process.execPath, [await compiled, ...args], { cwd: ROOT, env: environment(options), stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => { stdout += text; });
  child.stderr.setEncoding('utf8').on('data', (text: string) => { stderr += text; });
  return Object.assign(child, { output: () => ({ code: child.exitCode, stdout, stderr }) });
}

/** `ifthen <args>` to its end. */
export async function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  const child = await startCli(args, options);
  // A command that reads no stdin may have exited before it is written: that closed pipe is no failure.
  child.stdin.on('error', () => {});
  child.stdin.end(options.stdin ?? '');
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ ...child.output(), code }));
  });
}

/** How many times the CLI reported an error: each report is one line starting "ifthen: ". */
export const errorReports = (stderr: string): number => stderr.split('\n').filter((line) => line.startsWith('ifthen: ')).length;

/**
 * Rows the engine will record once it reports run-time errors and failed events (the lead is finishing it): written
 * into the server's own SQLite file, so that the CLI is tested against what the real API answers for them.
 */
export function recordInHistory(dataDir: string, rows: { ruleErrors?: readonly { rule: string; eventId: string; message: string; at: number }[]; failures?: readonly { eventId: string; stage: string; error: string; at: number }[] }): void {
  const db = new Database(join(dataDir, 'ifthen.db'), { timeout: 10_000 });
  try {
    for (const e of rows.ruleErrors ?? []) db.prepare('INSERT INTO rule_errors (rule_id, event_id, message, at) VALUES (?, ?, ?, ?)').run(e.rule, e.eventId, e.message, e.at);
    for (const f of rows.failures ?? []) db.prepare('INSERT INTO event_failures (event_id, partition, cursor, stage, error, at) VALUES (?, 0, ?, ?, ?, ?)').run(f.eventId, '1', f.stage, f.error, f.at);
  } finally {
    db.close();
  }
}
