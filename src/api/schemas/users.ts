// OpenAPI shapes of people, sessions and the audit log (issue 8). A password is never in an answer.
import { Type } from '@sinclair/typebox';
import { Answer, Nullable, Time } from './common.ts';

export const RoleName = Type.Union([Type.Literal('admin'), Type.Literal('editor'), Type.Literal('viewer')], { description: 'viewer reads; editor also changes rules, sends events, replays deliveries; admin also manages users, keys and secrets' });

export const User = Answer({ username: Type.String(), role: Type.String(), disabled: Type.Boolean(), createdAt: Time(), updatedAt: Time() }, 'A person who signs in');
export const UserList = Answer({ items: Type.Array(User) }, 'Users (never their passwords)');

export const NewUser = Type.Object({
  username: Type.String({ minLength: 1, maxLength: 64, description: 'Letters, digits and . _ @ -' }),
  password: Type.String({ minLength: 1, maxLength: 1024, description: 'At least 10 characters' }),
  role: RoleName,
}, { additionalProperties: false });

export const UserChange = Type.Object({
  role: Type.Optional(RoleName),
  password: Type.Optional(Type.String({ minLength: 1, maxLength: 1024, description: 'At least 10 characters; ends the user\'s sessions' })),
  disabled: Type.Optional(Type.Boolean({ description: 'true: the user cannot sign in and their sessions end at once' })),
}, { additionalProperties: false });

export const SignIn = Type.Object({ username: Type.String({ maxLength: 200 }), password: Type.String({ maxLength: 1024 }) }, { additionalProperties: false });

export const SessionAnswer = Answer({
  user: Answer({ username: Type.String(), role: Type.String() }),
  csrf_token: Type.String({ description: 'Send as the x-csrf-token header on every request that changes something' }),
}, 'Signed in; the session cookie (ifthen_session) is set');

export const AuditItem = Answer({
  id: Type.Integer(),
  at: Time(),
  actor: Type.String({ description: '"alice (admin)", "IFTHEN_ADMIN_TOKEN" or "key <name>"' }),
  action: Type.String({ description: 'e.g. rule.save, rule.enable, key.revoke, user.role, session.signin' }),
  target: Type.String({ description: 'rule:<id>, key:<id>, user:<name>' }),
  detail: Type.String(),
  diff: Type.Optional(Nullable(Type.String({ description: 'A rule save: unified diff against the previous version' }))),
});
export const AuditList = Answer({
  items: Type.Array(AuditItem),
  next: Type.Optional(Type.String({ description: 'Pass as `before` to get the next (older) page; absent on the last page' })),
}, 'Audit entries, newest first');

export const AuditQuery = Type.Object({
  target: Type.Optional(Type.String({ description: 'rule:<id>, key:<id>, user:<name>; or a prefix ending in ":" (rule:)' })),
  actor: Type.Optional(Type.String()),
  before: Type.Optional(Type.String({ description: 'An entry id (the `next` of a page) or an ISO time: older entries only' })),
  limit: Type.Optional(Type.String({ description: '1 to 500; default 100' })),
});
