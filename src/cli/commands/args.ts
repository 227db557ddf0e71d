// What every client command shares: the common options, output helpers, paging and sub-command groups.
import { Client, connectionFrom } from './client.ts';
import { UsageError, report } from './problems.ts';

export { UsageError } from './problems.ts';

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
