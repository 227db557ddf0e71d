// The client commands of the CLI, by name.
export type Command = (args: readonly string[]) => Promise<number>;

export const COMMANDS: Record<string, Command> = {};

export function usage(): string {
  return `usage: ifthen <command> [options]

  serve                     run the server (API, engine, dispatcher) on PORT with data in IFTHEN_DATA
`;
}
