// `ifthen secrets set|ls|rm`: values used in templates as {{ secrets.NAME }}; stored encrypted, never listed.
import { parseArgs } from 'node:util';
import { segment } from './client.ts';
import { COMMON_OPTIONS, UsageError, clientFor, group, out, positional, printJson, readStdin } from './args.ts';
import { table, time } from './format.ts';

export const help = `usage: ifthen secrets set <NAME> [--value V]
       ifthen secrets ls
       ifthen secrets rm <NAME>

  set   without --value the value is read from stdin (echo -n "$TOKEN" | ifthen secrets set PUSH_TOKEN),
        or asked for without echo in a terminal; one trailing newline is dropped
  ls    lists secret names (never values)
  rm    deletes a secret`;

const parse = (args: readonly string[]) => parseArgs({ args: [...args], allowPositionals: true, options: { ...COMMON_OPTIONS, value: { type: 'string' } } });

export const secrets = group('secrets', help, {
  async set(args) {
    const { values, positionals } = parse(args);
    const [name] = positional(positionals, 'NAME');
    const value = values.value ?? (process.stdin.isTTY ? await promptHidden(`value of ${name}: `) : dropNewline(await readStdin()));
    if (!value) throw new UsageError('the secret value is empty');
    await clientFor(values).put(`/v1/secrets/${segment(name)}`, { value });
    out(`set secret ${name}`);
  },

  async ls(args) {
    const { values, positionals } = parse(args);
    positional(positionals);
    const { items } = await clientFor(values).get<{ items: { name: string; createdAt: string; updatedAt: string }[] }>('/v1/secrets');
    if (values.json) return printJson({ items });
    out(table(['NAME', 'CREATED', 'UPDATED'], items.map((s) => [s.name, time(s.createdAt), time(s.updatedAt)]), '(no secrets)'));
  },

  async rm(args) {
    const { values, positionals } = parse(args);
    const [name] = positional(positionals, 'NAME');
    await clientFor(values).delete(`/v1/secrets/${segment(name)}`);
    out(`deleted secret ${name}`);
  },
});

/** `echo x | …` adds a newline that is not part of the secret. */
const dropNewline = (text: string): string => text.replace(/\r?\n$/, '');

/** Reads one line from the terminal without echoing it. */
function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(question);
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  return new Promise((resolve, reject) => {
    let value = '';
    const done = (error?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (error) reject(error); else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n' || char === '\u0004') return done();
        if (char === '\u0003') return done(new Error('cancelled'));
        if (char === '\u007f' || char === '\b') value = value.slice(0, -1);
        else value += char;
      }
    };
    stdin.on('data', onData);
  });
}
