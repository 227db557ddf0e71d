// Webhook signing secrets in SQLite, sealed like the other secrets (the id is the associated data), with
// rotation: a new secret joins a scope and the older ones keep signing until their overlap ends.
import { randomUUID } from 'node:crypto';
import type { SecretBox } from '../../secrets/secret-box.ts';
import type { SigningSecret, SigningSecretStore } from '../catalog.ts';
import { writeTransaction, type SqliteDatabase } from './sqlite-database.ts';

interface Row { id: string; scope: string; ciphertext: Buffer; iv: Buffer; tag: Buffer; created_at: number; expires_at: number | null }

export class SqliteSigningSecretStore implements SigningSecretStore {
  #cache: { generation: number; all: SigningSecret[] } | undefined;

  constructor(private readonly db: SqliteDatabase, private readonly box: SecretBox) {}

  /** Decrypted once per change (the dispatcher asks at every look at the outbox). */
  async active(now: number): Promise<SigningSecret[]> {
    const generation = Number(this.db.prepare("SELECT value FROM meta WHERE key = 'signing_generation'").pluck().get() ?? 0);
    if (this.#cache?.generation !== generation) {
      const rows = this.db.prepare('SELECT * FROM signing_secrets ORDER BY scope, created_at DESC, id').all() as Row[];
      const all = rows.map((r) => ({ id: r.id, scope: r.scope, secret: this.box.open(r.id, r), createdAt: r.created_at, expiresAt: r.expires_at }));
      this.#cache = { generation, all };
    }
    return this.#cache.all.filter((s) => s.expiresAt === null || s.expiresAt > now);
  }

  async rotate(scope: string, secret: string, now: number, overlapMs: number): Promise<SigningSecret> {
    const id = `ss_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
    const sealed = this.box.seal(id, secret);
    writeTransaction(this.db, () => {
      this.db.prepare('UPDATE signing_secrets SET expires_at = ? WHERE scope = ? AND (expires_at IS NULL OR expires_at > ?)').run(now + overlapMs, scope, now + overlapMs);
      this.db.prepare('DELETE FROM signing_secrets WHERE expires_at IS NOT NULL AND expires_at <= ?').run(now);
      this.db.prepare('INSERT INTO signing_secrets (id, scope, ciphertext, iv, tag, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, NULL)')
        .run(id, scope, sealed.ciphertext, sealed.iv, sealed.tag, now);
      this.#bump();
    });
    return { id, scope, secret, createdAt: now, expiresAt: null };
  }

  async remove(scope: string): Promise<number> {
    return writeTransaction(this.db, () => {
      const changes = this.db.prepare('DELETE FROM signing_secrets WHERE scope = ?').run(scope).changes;
      if (changes) this.#bump();
      return changes;
    });
  }

  #bump(): void {
    this.db.prepare("INSERT INTO meta (key, value) VALUES ('signing_generation', '1') ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1").run();
  }

  /** Before issue 5 the default secret sat in plain text in `meta`: seal it as the default scope's secret. */
  adoptLegacySecret(now: number): void {
    writeTransaction(this.db, () => {
      const legacy = this.db.prepare("SELECT value FROM meta WHERE key = 'signing_secret'").pluck().get() as string | undefined;
      if (legacy === undefined) return;
      const id = `ss_legacy_${now}`;
      // It was whsec_ + base64url; Standard Webhooks libraries decode whsec_ + standard base64.
      const secret = `whsec_${Buffer.from(legacy.replace(/^whsec_/, ''), 'base64url').toString('base64')}`;
      const sealed = this.box.seal(id, secret);
      this.db.prepare("INSERT INTO signing_secrets (id, scope, ciphertext, iv, tag, created_at, expires_at) VALUES (?, 'default', ?, ?, ?, ?, NULL)")
        .run(id, sealed.ciphertext, sealed.iv, sealed.tag, now);
      this.db.prepare("DELETE FROM meta WHERE key = 'signing_secret'").run();
      this.#bump();
    });
  }
}
