// Runs the `ifthen` CLI as a child process, as a person would, against a real server (test/support/server.ts).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { join } from 'node:path';
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

function environment(options: CliOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.IFTHEN_URL;
  delete env.IFTHEN_TOKEN;
  if (options.url !== undefined) env.IFTHEN_URL = options.url;
  const token = options.token === undefined ? ADMIN_TOKEN : options.token;
  if (token !== null) env.IFTHEN_TOKEN = token;
  return env;
}

export function startCli(args: readonly string[], options: CliOptions = {}): ChildProcessWithoutNullStreams & { output(): CliResult } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: ROOT, env: environment(options), stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => { stdout += text; });
  child.stderr.setEncoding('utf8').on('data', (text: string) => { stderr += text; });
  return Object.assign(child, { output: () => ({ code: child.exitCode, stdout, stderr }) });
}

/** `ifthen <args>` to its end. */
export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  const child = startCli(args, options);
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
