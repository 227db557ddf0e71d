// The client commands of the CLI, by name, and the usage text that lists them all.
import type { Command } from './args.ts';
import { apply } from './apply.ts';
import { rules } from './rules.ts';
import { send } from './send.ts';
import { tail } from './tail.ts';
import { testRule } from './test-rule.ts';
import { delivery, deliveries, firings } from './runs.ts';
import { dlq } from './dlq.ts';
import { keys } from './keys.ts';
import { secrets } from './secrets.ts';
import { notYet } from './not-yet.ts';

export type { Command } from './args.ts';

export const COMMANDS: Record<string, Command> = {
  apply, rules, send, tail, test: testRule, firings, deliveries, delivery, dlq, keys, secrets, backtest: notYet, report: notYet,
};

export function usage(): string {
  return `usage: ifthen <command> [options]

  serve                               run the server (API, engine, dispatcher) on PORT with data in IFTHEN_DATA

rules
  apply -f <file-or-folder> [--dry-run]   save the rules in YAML/JSON files (folders recursively)
  rules ls                            list rules
  rules get <id> [-o yaml|json]       print a rule
  rules rm <id>                       delete a rule
  rules enable|disable <id>           switch a rule on or off
  rules versions <id>                 every saved version of a rule
  test <rule-id> --event '<json>'     run a rule on one event and explain why it matched or not
                                      (-f <rule.yaml> tests a local file before it is applied)
  backtest, report                    not available yet (they arrive with holdouts)

events and runs
  send --type T --subject S [--prop k=v ...] | -f events.json | --data '<json>'
                                      send events
  tail [--subject S] [--type T]       follow new events; --firings follows firings
  firings [--rule R] [--subject S]    when rules matched and what their actions did
  deliveries [--rule R] [--status S]  actions sent, with their status
  delivery <id>                       one delivery with every attempt
  dlq ls [--rule R]                   deliveries that failed for good
  dlq replay <id> | --all [--rule R] [--from ISO] [--to ISO]
                                      send dead deliveries again

administration
  keys create [--name N] | ls | rm <id>          write keys (may only send events)
  secrets set <NAME> [--value V] | ls | rm <NAME>   secrets for templates ({{ secrets.NAME }})

options for every client command
  --url URL        the server (default $IFTHEN_URL or http://127.0.0.1:8787)
  --token TOKEN    the admin token or a write key (default $IFTHEN_TOKEN)
  --json           print the server's JSON instead of a table
  --limit N, --all one page of a list (default 50) or every page
  -h, --help       help for a command: ifthen <command> --help
`;
}
