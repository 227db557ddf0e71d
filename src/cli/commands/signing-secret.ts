// `ifthen signing-secret [rotate|rm]`: the secrets that sign webhooks (Standard Webhooks, whsec_…), for receivers to
// verify them; the default ones, or a rule's own. The secrets go to stdout (one a line), the explanation to stderr.
import { parseArgs } from 'node:util';
import { COMMON_OPTIONS, UsageError, clientFor, command, err, out, printJson } from './args.ts';
import { time } from './format.ts';

export const help = `usage: ifthen signing-secret [--rule R]
       ifthen signing-secret rotate [--rule R]
       ifthen signing-secret rm --rule R

  (none)   prints the secrets that sign webhooks, newest first: a rule's own with --rule (else the default ones);
           receivers verify webhook signatures with any of them
  rotate   makes a new secret (with --rule: the rule's own); the previous ones keep signing beside it for a day
           (IFTHEN_SIGNING_ROTATION_OVERLAP_MS), so receivers can switch without losing a webhook
  rm       removes a rule's own secrets: its webhooks are signed with the default ones again`;

interface SigningAnswer {
  readonly scope: string;
  readonly secret: string | null;
  readonly secrets: readonly { readonly id: string; readonly secret: string; readonly createdAt: string; readonly expiresAt: string | null }[];
}

const SUBCOMMANDS = new Set(['show', 'rotate', 'rm']);

export const signingSecret = command('signing-secret', help, async (args) => {
  const { values, positionals } = parseArgs({ args: [...args], allowPositionals: true, options: { ...COMMON_OPTIONS, rule: { type: 'string' } } });
  const [sub = 'show', ...rest] = positionals;
  if (!SUBCOMMANDS.has(sub)) throw new UsageError(`unknown sub-command "signing-secret ${sub}" (rotate or rm)`);
  if (rest.length) throw new UsageError(`unexpected argument "${rest[0]}"${rest[0] === values.rule ? '' : '; name a rule with --rule'}`);
  const client = clientFor(values);
  const rule = values.rule;

  if (sub === 'rm') {
    if (rule === undefined) throw new UsageError('name the rule: ifthen signing-secret rm --rule <id> (the default secrets can be rotated, not removed)');
    await client.request('DELETE', '/v1/signing-secret', { query: { rule } });
    if (values.json) return printJson({ removed: rule });
    return out(`removed the signing secrets of rule ${rule}: its webhooks are signed with the default secrets again`);
  }

  const answer = sub === 'rotate'
    ? await client.post<SigningAnswer>('/v1/signing-secret/rotate', rule === undefined ? {} : { rule })
    : await client.get<SigningAnswer>('/v1/signing-secret', { rule });
  if (values.json) return printJson(answer);
  const own = answer.scope !== 'default';
  const name = own ? `rule ${rule}'s own signing secret` : 'the default signing secret';
  const until = answer.secrets.map((s) => s.expiresAt).filter((t): t is string => t !== null).sort().pop();
  if (sub === 'rotate') {
    out(answer.secrets[0].secret);
    return err(`rotated ${name}: webhooks are signed with the new one${until ? ` and, until ${time(until)}, the previous one too, so receivers can switch in between` : ''}`);
  }
  for (const s of answer.secrets) out(s.secret);
  if (!answer.secrets.length) return err('no signing secret: make one with "ifthen signing-secret rotate"');
  const several = answer.secrets.length > 1;
  if (rule !== undefined && !own) return err(`rule ${rule} has no signing secret of its own: its webhooks are signed with the default one${several ? 's' : ''} above`);
  err(several
    ? `${name}s, newest first: webhooks carry a signature by each until ${until ? time(until) : 'the older ones expire'}`
    : `${name}: receivers verify webhook signatures with it`);
});
