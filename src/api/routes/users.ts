// People (issue 8): admins add users with a role, change their role or password, disable or delete them. A
// password is stored only as its scrypt hash and never answered; disabling, deleting or a new password ends the
// user's sessions at once. The first admin is added with the admin token (no default password exists).
import type { FastifyInstance } from 'fastify';
import fp from '../plugin.ts';
import type { ApiDeps } from '../deps.ts';
import { ApiError } from '../errors.ts';
import { iso } from '../views.ts';
import { ERRORS, NoContent } from '../schemas/common.ts';
import { NewUser, User, UserChange, UserList } from '../schemas/users.ts';
import { USERNAME_PATTERN, type UserRecord, type UserRole } from '../../store/catalog.ts';
import { hashPassword, passwordProblem } from '../session-passwords.ts';
import { audit } from './audit.ts';

const userView = (u: UserRecord) => ({ username: u.username, role: u.role, disabled: u.disabled, createdAt: iso(u.createdAt), updatedAt: iso(u.updatedAt) });

function checkPassword(password: string): void {
  const problem = passwordProblem(password);
  if (problem) throw new ApiError('IFTHEN_ERR_INVALID_BODY', [problem]);
}

export const userRoutes = (deps: ApiDeps) => fp(async (app: FastifyInstance) => {
  const { users, sessions } = deps.stores;
  const find = async (username: string) => {
    const user = await users.get(username);
    if (!user) throw new ApiError('IFTHEN_ERR_NOT_FOUND', [`no user "${username}"`]);
    return user;
  };
  /** Refuses a change that would leave no enabled admin (nobody could manage users again but the admin token). */
  const keepAnAdmin = async (username: string, after: { role: UserRole; disabled: boolean } | undefined) => {
    if (after && after.role === 'admin' && !after.disabled) return;
    const admins = (await users.list()).filter((u) => u.role === 'admin' && !u.disabled && u.username !== username);
    const before = await users.get(username);
    if (before?.role === 'admin' && !before.disabled && admins.length === 0 && !deps.config.adminToken) {
      throw new ApiError('IFTHEN_ERR_CONFLICT', [`"${username}" is the last enabled admin and IFTHEN_ADMIN_TOKEN is not set: make another admin first`]);
    }
  };

  app.post<{ Body: { username: string; password: string; role: UserRole } }>('/v1/users', {
    schema: { tags: ['users'], summary: 'Add a user with a role and a password (at least 10 characters)', body: NewUser, response: { 201: User, ...ERRORS } },
  }, async (request, reply) => {
    const { username, password, role } = request.body;
    if (!USERNAME_PATTERN.test(username)) throw new ApiError('IFTHEN_ERR_INVALID_BODY', ['username: 1 to 64 letters, digits and . _ @ -, starting with a letter or digit']);
    checkPassword(password);
    if (!(await users.create(username, role, await hashPassword(password), deps.now()))) throw new ApiError('IFTHEN_ERR_CONFLICT', [`user "${username}" exists already`]);
    await audit(deps, request, 'user.create', `user:${username}`, `added as ${role}`);
    return reply.status(201).send(userView((await users.get(username))!));
  });

  app.get('/v1/users', { schema: { tags: ['users'], summary: 'List users (never their passwords)', response: { 200: UserList, ...ERRORS } } }, async () => ({ items: (await users.list()).map(userView) }));

  app.patch<{ Params: { username: string }; Body: { role?: UserRole; password?: string; disabled?: boolean } }>('/v1/users/:username', {
    schema: { tags: ['users'], summary: "Change a user's role, password or disabled state; a new password or disabling ends their sessions", body: UserChange, response: { 200: User, ...ERRORS } },
  }, async (request) => {
    const { username } = request.params;
    const { role, password, disabled } = request.body;
    const before = await find(username);
    if (password !== undefined) checkPassword(password);
    await keepAnAdmin(username, { role: role ?? before.role, disabled: disabled ?? before.disabled });
    const user = (await users.update(username, { role, disabled, passwordHash: password === undefined ? undefined : await hashPassword(password) }, deps.now()))!;
    if (password !== undefined || disabled === true) await sessions.deleteForUser(username);
    const target = `user:${username}`;
    if (role !== undefined && role !== before.role) await audit(deps, request, 'user.role', target, `role ${before.role} -> ${role}`);
    if (password !== undefined) await audit(deps, request, 'user.password', target, 'password changed; sessions ended');
    if (disabled !== undefined && disabled !== before.disabled) await audit(deps, request, disabled ? 'user.disable' : 'user.enable', target, disabled ? 'disabled; sessions ended' : 'enabled');
    return userView(user);
  });

  app.delete<{ Params: { username: string } }>('/v1/users/:username', {
    schema: { tags: ['users'], summary: 'Delete a user; their sessions end at once (the audit keeps their name)', response: { 204: NoContent, ...ERRORS } },
  }, async (request, reply) => {
    const { username } = request.params;
    const before = await find(username);
    await keepAnAdmin(username, undefined);
    await users.delete(username);
    await audit(deps, request, 'user.delete', `user:${username}`, `deleted (was ${before.role})`);
    return reply.status(204).send();
  });
});
