// API keys in SQLite, stored as SHA-256 hashes of their tokens: the admin token and write keys (ingest only).
import { randomUUID } from 'node:crypto';
import type { KeyRecord, KeyRole, KeyStore } from '../catalog.ts';
import type { SqliteDatabase } from './sqlite-database.ts';

interface Row { id: string; name: string; role: KeyRole; created_at: number; revoked_at: number | null }
const toRecord = (r: Row): KeyRecord => ({ id: r.id, name: r.name, role: r.role, createdAt: r.created_at, revokedAt: r.revoked_at });

export class SqliteKeyStore implements KeyStore {
  constructor(private readonly db: SqliteDatabase) {}

  async create(name: string, role: KeyRole, tokenHash: string, now: number): Promise<KeyRecord> {
    const id = `key_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
    this.db.prepare('INSERT INTO api_keys (id, name, role, hash, created_at) VALUES (?, ?, ?, ?, ?)').run(id, name, role, tokenHash, now);
    return { id, name, role, createdAt: now, revokedAt: null };
  }

  async findByHash(tokenHash: string): Promise<KeyRecord | undefined> {
    const row = this.db.prepare('SELECT id, name, role, created_at, revoked_at FROM api_keys WHERE hash = ? AND revoked_at IS NULL').get(tokenHash) as Row | undefined;
    return row && toRecord(row);
  }

  async hasAdmin(): Promise<boolean> {
    return this.db.prepare("SELECT 1 FROM api_keys WHERE role = 'admin' AND revoked_at IS NULL LIMIT 1").get() !== undefined;
  }

  async list(): Promise<KeyRecord[]> {
    return (this.db.prepare('SELECT id, name, role, created_at, revoked_at FROM api_keys ORDER BY created_at').all() as Row[]).map(toRecord);
  }

  async revoke(id: string, now: number): Promise<boolean> {
    return this.db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(now, id).changes > 0;
  }
}
