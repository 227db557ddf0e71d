// Signing in and out of the console (issue 8): a server-side session row per sign-in, named by a random token
// in an HttpOnly, SameSite=Strict cookie; the answer carries the CSRF token the page sends on every change.
// Wrong credentials answer one message whatever was wrong; failures are rate-limited per name and per address.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from '../plugin.ts';
import type { ApiDeps } from '../deps.ts';
import { ApiError } from '../errors.ts';
import { actorOf, clearSessionCookie, setSessionCookie, type Authenticator } from '../auth.ts';
import { hashToken } from '../tokens.ts';
import { decoyHash, verifyPassword } from '../session-passwords.ts';
import { SignInLimiter } from '../session-limiter.ts';
import { ERRORS, NoContent } from '../schemas/common.ts';
import { SessionAnswer, SignIn } from '../schemas/users.ts';

const WRONG = 'wrong user name or password';

export const sessionRoutes = (deps: ApiDeps, auth: Authenticator) => fp(async (app: FastifyInstance) => {
  const { users, sessions, audit } = deps.stores;
  const settings = deps.config.session;
  const limiter = new SignInLimiter(settings);
  const secure = (request: FastifyRequest) => settings.cookieSecure || request.protocol === 'https';

  app.post<{ Body: { username: string; password: string } }>('/v1/session', {
    schema: { tags: ['session'], summary: 'Sign in with a user name and password: sets the session cookie and answers the CSRF token', security: [], body: SignIn, response: { 200: SessionAnswer, ...ERRORS } },
  }, async (request, reply) => {
    const { username, password } = request.body;
    const now = deps.now();
    const wait = limiter.retryAfterMs(username, request.ip, now);
    if (wait > 0) {
      const seconds = Math.ceil(wait / 1000);
      reply.header('retry-after', String(seconds));
      throw new ApiError('IFTHEN_ERR_RATE_LIMITED', [`too many failed sign-ins: try again in ${seconds} s`]);
    }
    // Counted as a failure until it succeeds: sign-ins sent at once cannot all pass the limit while they hash.
    limiter.failed(username, request.ip, now);
    const user = await users.get(username);
    const stored = user ? await users.passwordHash(username) : undefined;
    // The same scrypt work whether or not the user exists, so the time taken does not tell.
    const matches = await verifyPassword(password, stored ?? await decoyHash());
    if (!user || !stored || !matches || user.disabled) {
      // An unknown name is not recorded: people type their password into the name field.
      const why = !user ? 'unknown user name' : user.disabled ? 'user disabled' : 'wrong password';
      const target = user ? `user:${user.username}` : 'user:(unknown)';
      await audit.record({ at: now, actor: 'anonymous', action: 'session.signin_failed', target, detail: `failed sign-in from ${request.ip}: ${why}`, diff: null });
      throw new ApiError('IFTHEN_ERR_UNAUTHORIZED', [WRONG]);
    }
    limiter.succeeded(username, request.ip, now);
    const token = randomBytes(32).toString('base64url');
    const csrf = randomBytes(32).toString('base64url');
    await sessions.deleteExpired(now);
    await sessions.create(hashToken(token), user.username, csrf, now, now + settings.ttlMs);
    await audit.record({ at: now, actor: actorOf(user.username, user.role), action: 'session.signin', target: `user:${user.username}`, detail: `signed in from ${request.ip}`, diff: null });
    setSessionCookie(reply, token, secure(request));
    return { user: { username: user.username, role: user.role }, csrf_token: csrf };
  });

  app.get('/v1/session', {
    schema: { tags: ['session'], summary: 'Who is signed in (with the CSRF token); 401 when the session has ended', response: { 200: SessionAnswer, ...ERRORS } },
  }, async (request) => {
    const session = request.principal?.kind === 'session' ? request.principal : await auth.session(request);
    if (!session || session.kind !== 'session') throw new ApiError('IFTHEN_ERR_UNAUTHORIZED', ['not signed in (this answers for the session cookie, not for tokens)']);
    return { user: { username: session.username, role: session.role }, csrf_token: session.csrfToken };
  });

  app.delete('/v1/session', {
    schema: { tags: ['session'], summary: 'Sign out: the session ends at once', response: { 204: NoContent, ...ERRORS } },
  }, async (request, reply) => {
    const session = request.principal;
    if (session?.kind === 'session') await sessions.delete(session.tokenHash);
    clearSessionCookie(reply, secure(request));
    return reply.status(204).send();
  });
});
