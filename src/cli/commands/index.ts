// The client commands of the CLI, by name, and the usage text that lists them all.
import type { Command } from './args.ts';
import { apply } from './apply.ts';
import { rules } from './rules.ts';
import { send } from './send.ts';
import { tail } from './tail.ts';
import { testRule } from './test-rule.ts';
import { explain } from './explain.ts';
import { firing, firings } from './firings.ts';
import { delivery, deliveries } from './deliveries.ts';
import { failures } from './failures.ts';
import { signingSecret } from './signing-secret.ts';
import { dlq } from './dlq.ts';
import { keys } from './keys.ts';
import { secrets } from './secrets.ts';
import { report } from './report.ts';
import { backtest } from './backtest.ts';
import { nearMisses } from './near-misses.ts';
import { stats } from './stats.ts';

export type { Command } from './args.ts';

export const COMMANDS: Record<string, Command> = {
  apply, rules, send, tail, test: testRule, explain, firings, firing, deliveries, delivery, failures, dlq, keys, secrets,
  'signing-secret': signingSecret, backtest, 'near-misses': nearMisses, stats, report,
};

export function usage(): string {
  return `usage: ifthen <command> [options]

  serve                               run the server (API, engine, dispatcher) on PORT with data in IFTHEN_DATA

rules
  apply -f <file-or-folder> [--dry-run]   save the rules in YAML/JSON files (folders recursively)
  rules ls                            list rules
  rules get <id> [-o yaml|json]       print a rule, with its newest run-time errors
  rules errors <id>                   the newest run-time errors of a rule
  rules rm <id>                       delete a rule
  rules enable|disable <id>           switch a rule on or off
  rules versions <id>                 every saved version of a rule
  test <rule-id> --event '<json>'     run a rule on one event and explain why it matched or not
                                      (-f <rule.yaml> tests a local file before it is applied;
                                      --events <earlier.jsonl> replays the subject's earlier events first)
  explain <subject> --rule <id>       why a rule did (not) fire for a subject, event by event
  backtest <rule-id|file> --from D --to D
                                      what a rule (saved, or a local file) would have done over stored
                                      events: firings, subjects, per day, suppressions, sample traces
  near-misses <rule-id> [--day D]     why subjects did not get a rule on a UTC day: per reason, and how
                                      far they were from passing each numeric comparison
  report <rule-id> [--from D --to D]  the rule's holdout report: groups, lift with intervals, sample-ratio
                                      check, guardrails, verdict (--json: the API's answer)
  stats compare --control X/N --treatment X/N [--split 50:50]
                                      compare two groups (or their values' sums): lift, intervals, checks, verdict

events and runs
  send --type T --subject S [--prop k=v ...] | -f events.json | --data '<json>'
                                      send events
  tail [--subject S] [--type T]       follow new events; --firings follows firings
  firings [--rule R] [--subject S]    when rules matched, the values their conditions saw, where each action stands
  firing <id>                         one firing: why it matched, check by check, and its deliveries now
  deliveries [--rule R] [--status S]  actions sent, with their status
  delivery <id>                       one delivery with every attempt: what was sent, what came back
  delivery retry|resend <id> [--wait] try a pending or dead delivery now; send a delivered one again
  failures                            events the processor recorded as failed and passed over
  dlq ls [--rule R]                   deliveries that failed for good
  dlq replay <id> | --all [--rule R] [--from ISO] [--to ISO]
                                      send dead deliveries again

administration
  keys create [--name N] | ls | rm <id>
                                      write keys (they may only send events)
  secrets set <NAME> [--value V] | ls | rm <NAME>
                                      secrets for templates ({{ secrets.NAME }})
  signing-secret [--rule R] | rotate [--rule R] | rm --rule R
                                      the secrets that sign webhooks, for receivers to verify them

options for every client command
  --url URL        the server (default $IFTHEN_URL or http://127.0.0.1:8787)
  --token TOKEN    the admin token or a write key (default $IFTHEN_TOKEN)
  --json           print the server's JSON instead of a table
  --limit N, --all one page of a list (default 50) or every page
  -h, --help       help for a command: ifthen <command> --help
`;
}
