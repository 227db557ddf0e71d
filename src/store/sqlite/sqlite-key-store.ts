// API keys in SQLite, stored as SHA-256 hashes: the admin token and write keys (ingest only).
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { SqliteDatabase } from './sqlite-database.ts';

export type KeyRole = 'admin' | 'write';

export interface KeyRecord {
  readonly id: string;
  readonly name: string;
  readonly role: KeyRole;
  readonly createdAt: number;
  readonly revokedAt: number | null;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function newToken(role: KeyRole): string {
  return `${role === 'admin' ? 'ifa' : 'ifw'}_${randomBytes(24).toString('base64url')}`;
}

interface Row { id: string; name: string; role: KeyRole; created_at: number; revoked_at: number | null }
const toRecord = (r: Row): KeyRecord => ({ id: r.id, name: r.name, role: r.role, createdAt: r.created_at, revokedAt: r.revoked_at });

export class SqliteKeyStore {
  constructor(private readonly db: SqliteDatabase) {}

  /** Creates a key and returns its token, which is shown this once and never stored. */
  create(name: string, role: KeyRole, now: number, token = newToken(role)): { key: KeyRecord; token: string } {
    const id = `key_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
    this.db.prepare('INSERT INTO api_keys (id, name, role, hash, created_at) VALUES (?, ?, ?, ?, ?)').run(id, name, role, hashToken(token), now);
    return { key: { id, name, role, createdAt: now, revokedAt: null }, token };
  }

  findByToken(token: string): KeyRecord | undefined {
    const row = this.db.prepare('SELECT id, name, role, created_at, revoked_at FROM api_keys WHERE hash = ? AND revoked_at IS NULL').get(hashToken(token)) as Row | undefined;
    return row && toRecord(row);
  }

  hasAdmin(): boolean {
    return this.db.prepare("SELECT 1 FROM api_keys WHERE role = 'admin' AND revoked_at IS NULL LIMIT 1").get() !== undefined;
  }

  list(): KeyRecord[] {
    return (this.db.prepare('SELECT id, name, role, created_at, revoked_at FROM api_keys ORDER BY created_at').all() as Row[]).map(toRecord);
  }

  revoke(id: string, now: number): boolean {
    return this.db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(now, id).changes > 0;
  }
}
