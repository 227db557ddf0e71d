// The `ifthen` command line: `serve` runs the server; the other commands talk to a running one over its API.
import { COMMANDS, usage } from './commands/index.ts';

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  // Loaded only for `serve`: the client commands start three times faster without the server's modules.
  if (name === 'serve') { await (await import('./commands/serve.ts')).serve(); return -1; }
  if (!name || name === 'help' || name === '--help' || name === '-h') { process.stdout.write(usage()); return 0; }
  const command = COMMANDS[name];
  if (!command) { process.stderr.write(`ifthen: unknown command "${name}"\n\n${usage()}`); return 2; }
  return command(rest);
}

main(process.argv.slice(2)).then(
  (code) => { if (code >= 0) process.exitCode = code; },
  (error: Error) => { process.stderr.write(`ifthen: ${error.message}\n`); process.exitCode = 1; },
);
