// Authentication: the admin token may do everything; a write key may only ingest. Tokens are compared by hash.
import type { FastifyRequest } from 'fastify';
import { hashToken, type KeyRecord, type SqliteKeyStore } from '../store/sqlite/sqlite-key-store.ts';
import { ApiError } from './errors.ts';

export type Access = 'public' | 'ingest' | 'admin';

export class Authenticator {
  readonly #cache = new Map<string, { key: KeyRecord | undefined; until: number }>();
  readonly #adminHash: string | undefined;

  constructor(private readonly keys: SqliteKeyStore, adminToken: string | undefined) {
    this.#adminHash = adminToken ? hashToken(adminToken) : undefined;
  }

  check(request: FastifyRequest, access: Access): void {
    if (access === 'public') return;
    const token = tokenOf(request);
    if (!token) throw new ApiError('IFTHEN_ERR_UNAUTHORIZED', ['missing credentials: send "Authorization: Bearer <token>" (or a write key as the basic-auth user)']);
    const key = this.lookup(token);
    if (!key) throw new ApiError('IFTHEN_ERR_UNAUTHORIZED', ['the token or write key is not valid (unknown or revoked)']);
    if (access === 'admin' && key.role !== 'admin') throw new ApiError('IFTHEN_ERR_FORBIDDEN', ['a write key may only send events; this needs the admin token']);
  }

  /** Revocation takes effect within five seconds; the cache keeps a hash lookup off every ingest request. */
  private lookup(token: string): KeyRecord | undefined {
    const hash = hashToken(token);
    if (hash === this.#adminHash) return { id: 'env-admin', name: 'IFTHEN_ADMIN_TOKEN', role: 'admin', createdAt: 0, revokedAt: null };
    const now = Date.now();
    const cached = this.#cache.get(hash);
    if (cached && cached.until > now) return cached.key;
    const key = this.keys.findByToken(token);
    if (this.#cache.size > 10_000) this.#cache.clear();
    this.#cache.set(hash, { key, until: now + 5000 });
    return key;
  }
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
