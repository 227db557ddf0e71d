// `ifthen keys create|ls|rm`: write keys, which may only send events (for apps and SDKs).
import { parseArgs } from 'node:util';
import { segment } from './client.ts';
import { COMMON_OPTIONS, clientFor, err, group, out, positional, printJson } from './args.ts';
import { table, time } from './format.ts';

export const help = `usage: ifthen keys create [--name N]
       ifthen keys ls
       ifthen keys rm <id>

  create   makes a write key (it may only send events) and prints it once: it cannot be shown again
  ls       lists keys (never their values)
  rm       revokes a key (within a few seconds)`;

interface KeyView { readonly id: string; readonly name: string; readonly role: string; readonly createdAt: string; readonly revokedAt: string | null }

const parse = (args: readonly string[]) => parseArgs({ args: [...args], allowPositionals: true, options: { ...COMMON_OPTIONS, name: { type: 'string' } } });

export const keys = group('keys', help, {
  async create(args) {
    const { values, positionals } = parse(args);
    positional(positionals);
    const key = await clientFor(values).post<KeyView & { key: string }>('/v1/keys', values.name !== undefined ? { name: values.name } : {});
    if (values.json) return printJson(key);
    out(key.key);
    err(`created write key "${key.name}" (id ${key.id}).\nCopy it now: it will not be shown again.`);
  },

  async ls(args) {
    const { values, positionals } = parse(args);
    positional(positionals);
    const { items } = await clientFor(values).get<{ items: KeyView[] }>('/v1/keys');
    if (values.json) return printJson({ items });
    out(table(['ID', 'NAME', 'ROLE', 'CREATED', 'REVOKED'], items.map((k) => [k.id, k.name, k.role, time(k.createdAt), k.revokedAt ? time(k.revokedAt) : '']), '(no keys)'));
  },

  async rm(args) {
    const { values, positionals } = parse(args);
    const [id] = positional(positionals, 'id');
    await clientFor(values).delete(`/v1/keys/${segment(id)}`);
    out(`revoked ${id}`);
  },
});
