// Authentication: the admin token may do everything; a write key may only ingest; /metrics may have its own
// token. Tokens are compared by hash.
import type { FastifyRequest } from 'fastify';
import type { KeyRecord, KeyStore } from '../store/catalog.ts';
import { ApiError } from './errors.ts';
import { hashToken } from './tokens.ts';

export type Access = 'public' | 'ingest' | 'admin' | 'metrics';

export class Authenticator {
  readonly #cache = new Map<string, { key: KeyRecord | undefined; until: number }>();
  readonly #adminHash: string | undefined;
  readonly #metricsHash: string | undefined;

  constructor(private readonly keys: KeyStore, adminToken: string | undefined, metricsToken: string | undefined) {
    this.#adminHash = adminToken ? hashToken(adminToken) : undefined;
    this.#metricsHash = metricsToken ? hashToken(metricsToken) : undefined;
  }

  async check(request: FastifyRequest, access: Access): Promise<void> {
    if (access === 'public') return;
    // /metrics is open unless IFTHEN_METRICS_TOKEN is set; then that token (or the admin token) is needed.
    if (access === 'metrics' && !this.#metricsHash) return;
    const token = tokenOf(request);
    if (!token) throw new ApiError('IFTHEN_ERR_UNAUTHORIZED', ['missing credentials: send "Authorization: Bearer <token>" (or a write key as the basic-auth user)']);
    if (access === 'metrics' && hashToken(token) === this.#metricsHash) return;
    const key = await this.lookup(token);
    if (!key) throw new ApiError('IFTHEN_ERR_UNAUTHORIZED', ['the token or write key is not valid (unknown or revoked)']);
    if (access === 'admin' && key.role !== 'admin') throw new ApiError('IFTHEN_ERR_FORBIDDEN', ['a write key may only send events; this needs the admin token']);
    if (access === 'metrics' && key.role !== 'admin') throw new ApiError('IFTHEN_ERR_FORBIDDEN', ['/metrics needs IFTHEN_METRICS_TOKEN or the admin token']);
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
