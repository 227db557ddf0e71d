// Authentication and authorization of every request (issue 8). Who: a bearer token (the admin token, an admin
// key, a write key: compared by hash) or the session cookie of a signed-in person. What they may do: the route's
// entry in roles.ts. A request on a session cookie that changes something must also carry the session's CSRF
// token in `x-csrf-token`; bearer tokens need none (a browser never sends them on its own).
import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { KeyRecord, KeyStore, SessionStore, UserRole } from '../store/catalog.ts';
import { ApiError } from './errors.ts';
import { hashToken } from './tokens.ts';
import { refusal, roleAllows, type RouteRule } from './roles.ts';

export type Access = 'public' | 'ingest' | 'admin' | 'metrics';

export const SESSION_COOKIE = 'ifthen_session';

/** Who made a request. `actor` is how the audit log names them. */
export type Principal =
  | { readonly kind: 'token'; readonly role: UserRole | 'write'; readonly actor: string }
  | { readonly kind: 'session'; readonly role: UserRole; readonly actor: string; readonly username: string; readonly tokenHash: string; readonly csrfToken: string };

declare module 'fastify' {
  interface FastifyRequest { principal?: Principal }
}

export const actorOf = (username: string, role: UserRole) => `${username} (${role})`;

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export class Authenticator {
  readonly #cache = new Map<string, { key: KeyRecord | undefined; until: number }>();
  readonly #adminHash: string | undefined;
  readonly #metricsHash: string | undefined;

  constructor(
    private readonly keys: KeyStore,
    private readonly sessions: SessionStore,
    adminToken: string | undefined,
    metricsToken: string | undefined,
    private readonly options: { sessionTtlMs: number; now: () => number },
  ) {
    this.#adminHash = adminToken ? hashToken(adminToken) : undefined;
    this.#metricsHash = metricsToken ? hashToken(metricsToken) : undefined;
  }

  async check(request: FastifyRequest, rule: RouteRule): Promise<void> {
    if (rule.need === 'public') {
      // Sign-in is public, but a caller already signed in is still known (GET /v1/session is not public).
      return;
    }
    // /metrics is open unless IFTHEN_METRICS_TOKEN is set; then that token (or the admin token) is needed.
    if (rule.need === 'metrics' && !this.#metricsHash) return;
    const token = tokenOf(request);
    if (token !== undefined) {
      if (rule.need === 'metrics' && hashToken(token) === this.#metricsHash) return;
      const key = await this.lookup(token);
      if (!key) throw new ApiError('IFTHEN_ERR_UNAUTHORIZED', ['the token or write key is not valid (unknown or revoked)']);
      const actor = key.id === 'env-admin' ? 'IFTHEN_ADMIN_TOKEN' : `key ${key.name}`;
      request.principal = { kind: 'token', role: key.role === 'admin' ? 'admin' : 'write', actor };
    } else {
      const session = await this.session(request);
      if (!session) throw new ApiError('IFTHEN_ERR_UNAUTHORIZED', ['missing credentials: sign in, or send "Authorization: Bearer <token>" (or a write key as the basic-auth user)']);
      request.principal = session;
      if (!SAFE_METHODS.has(request.method) && !sameToken(request.headers['x-csrf-token'], session.csrfToken)) {
        throw new ApiError('IFTHEN_ERR_CSRF', []);
      }
    }
    authorize(request.principal, rule);
  }

  /** The signed-in person behind the request's session cookie, if the session is live; slides its expiry. */
  async session(request: FastifyRequest): Promise<Extract<Principal, { kind: 'session' }> | undefined> {
    const cookie = cookieValue(request.headers.cookie, SESSION_COOKIE);
    if (!cookie) return undefined;
    const tokenHash = hashToken(cookie);
    const now = this.options.now();
    const found = await this.sessions.find(tokenHash, now);
    if (!found) return undefined;
    // Sliding expiry, written at most about once a minute per session (less often than every request).
    await this.sessions.touch(tokenHash, now + this.options.sessionTtlMs, Math.min(60_000, this.options.sessionTtlMs / 10));
    return { kind: 'session', role: found.role, actor: actorOf(found.username, found.role), username: found.username, tokenHash, csrfToken: found.csrfToken };
  }

  /** Revocation takes effect within five seconds; the cache keeps a hash lookup off every ingest request. */
  private async lookup(token: string): Promise<KeyRecord | undefined> {
    const hash = hashToken(token);
    if (hash === this.#adminHash) return { id: 'env-admin', name: 'IFTHEN_ADMIN_TOKEN', role: 'admin', createdAt: 0, revokedAt: null };
    const now = Date.now();
    const cached = this.#cache.get(hash);
    if (cached && cached.until > now) return cached.key;
    const key = await this.keys.findByHash(hash);
    if (this.#cache.size > 10_000) this.#cache.clear();
    this.#cache.set(hash, { key, until: now + 5000 });
    return key;
  }
}

function authorize(principal: Principal, rule: RouteRule): void {
  const { need } = rule;
  if (need === 'public') return;
  if (principal.role === 'write') {
    if (need === 'ingest') return;
    throw new ApiError('IFTHEN_ERR_FORBIDDEN', [need === 'metrics' ? '/metrics needs IFTHEN_METRICS_TOKEN or the admin token' : 'a write key may only send events; this needs the admin token']);
  }
  if (need === 'metrics') {
    if (principal.role === 'admin') return;
    throw new ApiError('IFTHEN_ERR_FORBIDDEN', ['/metrics needs IFTHEN_METRICS_TOKEN or the admin token']);
  }
  if (!roleAllows(principal.role, need === 'ingest' ? 'editor' : need)) throw new ApiError('IFTHEN_ERR_FORBIDDEN', [refusal(principal.role, rule)]);
}

function sameToken(given: string | string[] | undefined, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim() || undefined;
  }
  return undefined;
}

/** The session cookie: HttpOnly, SameSite=Strict, Path=/; Secure over https or when told (behind a TLS proxy). */
export function setSessionCookie(reply: FastifyReply, value: string, secure: boolean): void {
  reply.header('set-cookie', `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`);
}

export function clearSessionCookie(reply: FastifyReply, secure: boolean): void {
  reply.header('set-cookie', `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${secure ? '; Secure' : ''}`);
}

function tokenOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const [scheme, value] = header.split(' ', 2);
  if (!value) return undefined;
  if (scheme.toLowerCase() === 'bearer') return value.trim();
  if (scheme.toLowerCase() === 'basic') {
    // Segment's libraries send the write key as the user name with an empty password.
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return (colon === -1 ? decoded : decoded.slice(0, colon)) || undefined;
  }
  return undefined;
}
