// `ifthen users add|ls|set|rm`: people who sign in to the console, with the admin token (the first admin is
// added this way: there is no default password). A password is read from the terminal without echo, or from
// standard input with --password-stdin (scripts); never from an argument, which `ps` and shell history show.
import { parseArgs } from 'node:util';
import { segment } from './client.ts';
import { COMMON_OPTIONS, UsageError, clientFor, err, group, out, positional, printJson, readStdin } from './args.ts';
import { table, time } from './format.ts';

export const help = `usage: ifthen users add <name> --role admin|editor|viewer [--password-stdin]
       ifthen users ls
       ifthen users set <name> [--role R] [--disable | --enable] [--password-stdin | --password]
       ifthen users rm <name>

  add      adds a person who signs in to the console; asks for the password (at least 10 characters),
           or reads it from standard input with --password-stdin
  ls       lists users and their roles (never passwords)
  set      changes a role, disables or enables a user (their sessions end at once), or sets a new password
  rm       deletes a user (the audit log keeps their name)`;

interface UserView { readonly username: string; readonly role: string; readonly disabled: boolean; readonly createdAt: string }

const parse = (args: readonly string[]) => parseArgs({
  args: [...args], allowPositionals: true,
  options: { ...COMMON_OPTIONS, role: { type: 'string' }, 'password-stdin': { type: 'boolean' }, password: { type: 'boolean' }, disable: { type: 'boolean' }, enable: { type: 'boolean' } },
});

const ROLES = ['admin', 'editor', 'viewer'];
function checkRole(role: string | undefined): void {
  if (role !== undefined && !ROLES.includes(role)) throw new UsageError(`--role: one of ${ROLES.join(', ')}, got "${role}"`);
}

/** The first line of standard input (a trailing newline is not part of the password). */
async function passwordFromStdin(): Promise<string> {
  return (await readStdin()).replace(/\r?\n$/, '');
}

/** Asks on the terminal without echoing what is typed. */
function ask(prompt: string): Promise<string> {
  const input = process.stdin;
  if (!input.isTTY) throw new UsageError('no terminal to ask for the password on: pipe it in with --password-stdin');
  process.stderr.write(prompt);
  input.setRawMode(true);
  input.resume();
  input.setEncoding('utf8');
  return new Promise((resolve, reject) => {
    let typed = '';
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n') { done(); resolve(typed); return; }
        if (char === '\u0003') { done(); reject(new UsageError('cancelled')); return; }
        if (char === '\u007f' || char === '\b') typed = typed.slice(0, -1);
        else typed += char;
      }
    };
    const done = () => { input.off('data', onData); input.setRawMode(false); input.pause(); process.stderr.write('\n'); };
    input.on('data', onData);
  });
}

async function newPassword(fromStdin: boolean | undefined): Promise<string> {
  if (fromStdin) return passwordFromStdin();
  const first = await ask('password (at least 10 characters): ');
  const again = await ask('the same password again: ');
  if (first !== again) throw new UsageError('the two passwords differ');
  return first;
}

export const users = group('users', help, {
  async add(args) {
    const { values, positionals } = parse(args);
    const [name] = positional(positionals, 'name');
    if (values.role === undefined) throw new UsageError('--role: admin, editor or viewer');
    checkRole(values.role);
    const password = await newPassword(values['password-stdin']);
    const user = await clientFor(values).post<UserView>('/v1/users', { username: name, password, role: values.role });
    if (values.json) return printJson(user);
    out(`added ${user.username} (${user.role}): they can sign in to the console now`);
  },

  async ls(args) {
    const { values, positionals } = parse(args);
    positional(positionals);
    const { items } = await clientFor(values).get<{ items: UserView[] }>('/v1/users');
    if (values.json) return printJson({ items });
    out(table(['USER', 'ROLE', 'STATE', 'CREATED'], items.map((u) => [u.username, u.role, u.disabled ? 'disabled' : 'active', time(u.createdAt)]), '(no users: add the first admin with "ifthen users add <name> --role admin")'));
  },

  async set(args) {
    const { values, positionals } = parse(args);
    const [name] = positional(positionals, 'name');
    checkRole(values.role);
    if (values.disable && values.enable) throw new UsageError('--disable and --enable together');
    const change: Record<string, unknown> = {};
    if (values.role !== undefined) change.role = values.role;
    if (values.disable) change.disabled = true;
    if (values.enable) change.disabled = false;
    if (values['password-stdin'] || values.password) change.password = await newPassword(values['password-stdin']);
    if (!Object.keys(change).length) throw new UsageError('nothing to change: give --role, --disable, --enable or --password');
    const { body } = await clientFor(values).request<UserView>('PATCH', `/v1/users/${segment(name)}`, { json: change });
    if (values.json) return printJson(body);
    out(`${body.username}: ${body.role}${body.disabled ? ', disabled' : ''}`);
  },

  async rm(args) {
    const { values, positionals } = parse(args);
    const [name] = positional(positionals, 'name');
    await clientFor(values).delete(`/v1/users/${segment(name)}`);
    err(`deleted ${name}`);
  },
});
