// `ifthen rules ls|get|rm|enable|disable|versions`: read and manage saved rules.
import { parseArgs } from 'node:util';
import { segment } from './client.ts';
import { COMMON_OPTIONS, UsageError, clientFor, group, out, positional, printJson } from './args.ts';
import { cell, oneLine, table, time } from './format.ts';

export const help = `usage: ifthen rules <sub-command>

  rules ls                          list rules: id, version, enabled, events, name
  rules get <id> [-o yaml|json]     print a rule (YAML by default), headed by its newest run-time errors
  rules errors <id>                 the newest run-time errors of a rule: a condition that read a missing property
                                    or compared a number with a string, a template over its limits…
  rules rm <id>                     delete a rule (its versions and history are kept)
  rules enable <id>                 switch a rule on
  rules disable <id>                switch a rule off
  rules versions <id>               every saved version of a rule, newest first`;

interface RuleView {
  readonly id: string;
  readonly version: number;
  readonly enabled: boolean;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly document: RuleDocument;
}

interface RuleDocument {
  readonly id: string;
  readonly name?: string;
  readonly when?: { readonly event?: string | readonly string[] };
  readonly [key: string]: unknown;
}

interface RuleErrorView {
  readonly eventId: string;
  readonly message: string;
  readonly at: string;
}

interface VersionView {
  readonly version: number;
  readonly createdAt: string;
  readonly document: RuleDocument;
}

const parse = (args: readonly string[]) => parseArgs({ args: [...args], allowPositionals: true, options: COMMON_OPTIONS });

/** The event types a rule listens to, as one cell ("-" for triggers without one, such as a subject change). */
const events = (document: RuleDocument): string => {
  const event = document.when?.event;
  return Array.isArray(event) ? event.join(', ') : cell(event);
};

export const rules = group('rules', help, {
  async ls(args) {
    const { values, positionals } = parse(args);
    positional(positionals);
    const { items } = await clientFor(values).get<{ items: RuleView[] }>('/v1/rules');
    if (values.json) return printJson({ items });
    out(table(['ID', 'VERSION', 'ENABLED', 'EVENTS', 'NAME'], items.map((r) => [r.id, r.version, r.enabled ? 'yes' : 'no', events(r.document), r.document.name]), '(no rules yet: save one with "ifthen apply -f <file>")'));
  },

  async get(args) {
    const { values, positionals } = parseArgs({ args: [...args], allowPositionals: true, options: { ...COMMON_OPTIONS, output: { type: 'string', short: 'o' } } });
    const [id] = positional(positionals, 'id');
    const format = values.json ? 'json' : values.output ?? 'yaml';
    if (format !== 'yaml' && format !== 'json') throw new UsageError(`-o must be yaml or json, not "${format}"`);
    const rule = await clientFor(values).get<RuleView & { errors?: readonly RuleErrorView[] }>(`/v1/rules/${segment(id)}`);
    if (format === 'json') return printJson(rule);
    // The errors are YAML comments, so that the output stays a rule file that "ifthen apply -f" takes back.
    out(`# version ${rule.version}, ${rule.enabled ? 'enabled' : 'disabled'}, updated ${time(rule.updatedAt)}`);
    out(errorComments(rule.errors ?? []));
    out((await import('yaml')).stringify(rule.document, { lineWidth: 0 }));
  },

  async errors(args) {
    const { values, positionals } = parse(args);
    const [id] = positional(positionals, 'id');
    const { items } = await clientFor(values).get<{ items: RuleErrorView[] }>(`/v1/rules/${segment(id)}/errors`);
    if (values.json) return printJson({ items });
    out(table(['AT', 'EVENT', 'ERROR'], items.map((e) => [time(e.at), e.eventId, e.message]), `(no run-time errors for ${id})`));
  },

  async rm(args) {
    const { values, positionals } = parse(args);
    const [id] = positional(positionals, 'id');
    await clientFor(values).delete(`/v1/rules/${segment(id)}`);
    out(`deleted ${id}`);
  },

  enable: (args) => setEnabled(args, 'enable'),
  disable: (args) => setEnabled(args, 'disable'),

  async versions(args) {
    const { values, positionals } = parse(args);
    const [id] = positional(positionals, 'id');
    const { items } = await clientFor(values).get<{ items: VersionView[] }>(`/v1/rules/${segment(id)}/versions`);
    if (values.json) return printJson({ items });
    out(table(['VERSION', 'SAVED', 'EVENTS', 'NAME'], items.map((v) => [v.version, time(v.createdAt), events(v.document), v.document.name])));
  },
});

/** Newest first, as the API lists them. */
function errorComments(errors: readonly RuleErrorView[]): string {
  if (!errors.length) return '# no run-time errors';
  const lines = [`# ${errors.length === 1 ? '1 run-time error' : `${errors.length} run-time errors, newest first`}:`];
  for (const e of errors) lines.push(`#   ${time(e.at)}  event ${e.eventId}: ${oneLine(e.message)}`);
  return lines.join('\n');
}

async function setEnabled(args: readonly string[], action: 'enable' | 'disable'): Promise<void> {
  const { values, positionals } = parse(args);
  const [id] = positional(positionals, 'id');
  const rule = await clientFor(values).post<RuleView>(`/v1/rules/${segment(id)}/${action}`);
  if (values.json) return printJson(rule);
  out(`${action}d ${rule.id} v${rule.version}`);
}
