// What every client command shares: the common options, usage errors, error reporting and sub-command groups.
import { ApiError, Client, ConnectionError, connectionFrom, detailLines } from './client.ts';

export type Command = (args: readonly string[]) => Promise<number>;

export const COMMON_OPTIONS = {
  url: { type: 'string' },
  token: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const PAGE_OPTIONS = {
  limit: { type: 'string' },
  all: { type: 'boolean' },
} as const;

/** A mistake in the command line itself: exit 2 with the command's help hint. */
export class UsageError extends Error {}

export const clientFor = (values: { readonly url?: string; readonly token?: string }): Client => new Client(connectionFrom(values));

export function out(text = ''): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

export function err(text: string): void {
  process.stderr.write(`${text}\n`);
}

export function printJson(value: unknown): void {
  out(JSON.stringify(value, null, 2));
}

/** Prints what went wrong the way a person can act on it; returns the exit code. */
export function report(error: unknown, name: string): number {
  if (error instanceof ApiError) {
    err(`ifthen: ${error.code}: ${error.message}`);
    for (const line of detailLines(error.details)) err(`  ${line}`);
    return 1;
  }
  // parseArgs reports unknown or malformed options as TypeErrors with an ERR_PARSE_ARGS_* code.
  const badOption = error instanceof TypeError && String((error as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS');
  if (error instanceof UsageError || badOption) {
    err(`ifthen: ${(error as Error).message}\nrun "ifthen ${name} --help" for usage`);
    return 2;
  }
  if (error instanceof ConnectionError) { err(`ifthen: ${error.message}`); return 1; }
  err(`ifthen: ${error instanceof Error ? error.message : String(error)}`);
  return 1;
}

/** Wraps a command body: `--help` prints its usage, every error becomes a message and an exit code. */
export function command(name: string, help: string, body: (args: readonly string[]) => Promise<number | void>): Command {
  return async (args) => {
    if (args.includes('--help') || args.includes('-h')) { out(help); return 0; }
    try {
      return (await body(args)) ?? 0;
    } catch (error) {
      return report(error, name);
    }
  };
}

/** `ifthen rules ls`, `ifthen dlq replay`…: the first argument picks the sub-command. */
export function group(name: string, help: string, subcommands: Readonly<Record<string, (args: readonly string[]) => Promise<number | void>>>): Command {
  return command(name, help, async (args) => {
    const [sub, ...rest] = args;
    const run = sub === undefined ? undefined : subcommands[sub];
    if (!run) throw new UsageError(sub === undefined ? `"${name}" needs a sub-command: ${Object.keys(subcommands).join(', ')}` : `unknown sub-command "${name} ${sub}"`);
    return run(rest);
  });
}

/** Exactly `count` positional arguments, named for the error message. */
export function positional(positionals: readonly string[], ...names: string[]): string[] {
  if (positionals.length < names.length) throw new UsageError(`missing ${names.slice(positionals.length).map((n) => `<${n}>`).join(' ')}`);
  if (positionals.length > names.length) throw new UsageError(`unexpected argument "${positionals[names.length]}"`);
  return [...positionals];
}

export function positiveInt(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive whole number, not "${value}"`);
  return n;
}

/** `--limit`/`--all` → query and whether to follow `next`; says so when more rows exist than shown. */
export function paging(values: { readonly limit?: string; readonly all?: boolean }): { limit?: number; all: boolean } {
  return { limit: positiveInt(values.limit, 'limit') ?? (values.all ? 500 : undefined), all: values.all ?? false };
}

export function moreHint(next: string | undefined): void {
  if (next !== undefined) err('(more rows: use --all to list every page, or --limit N)');
}

export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
