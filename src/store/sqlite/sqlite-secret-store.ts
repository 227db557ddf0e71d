// Encrypted secrets in SQLite: values are sealed before they are written and never listed.
import type { SecretBox } from '../../secrets/secret-box.ts';
import type { SecretInfo, SecretStore } from '../catalog.ts';
import type { SqliteDatabase } from './sqlite-database.ts';

export class SqliteSecretStore implements SecretStore {
  #cache: { generation: number; values: Readonly<Record<string, string>> } | undefined;

  constructor(private readonly db: SqliteDatabase, private readonly box: SecretBox) {}

  async set(name: string, value: string, now: number): Promise<void> {
    const sealed = this.box.seal(name, value);
    this.db.transaction(() => {
      this.db.prepare(`INSERT INTO secrets (name, ciphertext, iv, tag, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (name) DO UPDATE SET ciphertext = excluded.ciphertext, iv = excluded.iv, tag = excluded.tag, updated_at = excluded.updated_at`)
        .run(name, sealed.ciphertext, sealed.iv, sealed.tag, now, now);
      this.#bump();
    }).immediate();
  }

  async delete(name: string): Promise<boolean> {
    return this.db.transaction(() => {
      const changes = this.db.prepare('DELETE FROM secrets WHERE name = ?').run(name).changes;
      if (changes) this.#bump();
      return changes > 0;
    }).immediate();
  }

  async list(): Promise<SecretInfo[]> {
    return (this.db.prepare('SELECT name, created_at, updated_at FROM secrets ORDER BY name').all() as { name: string; created_at: number; updated_at: number }[])
      .map((r) => ({ name: r.name, createdAt: r.created_at, updatedAt: r.updated_at }));
  }

  /** All values, decrypted; re-read only when a secret changed. For rendering templates at delivery time. */
  async values(): Promise<Readonly<Record<string, string>>> {
    const generation = Number(this.db.prepare("SELECT value FROM meta WHERE key = 'secrets_generation'").pluck().get() ?? 0);
    if (this.#cache?.generation === generation) return this.#cache.values;
    const values: Record<string, string> = Object.create(null);
    for (const row of this.db.prepare('SELECT name, ciphertext, iv, tag FROM secrets').all() as { name: string; ciphertext: Buffer; iv: Buffer; tag: Buffer }[]) {
      values[row.name] = this.box.open(row.name, row);
    }
    this.#cache = { generation, values };
    return values;
  }

  #bump(): void {
    this.db.prepare("INSERT INTO meta (key, value) VALUES ('secrets_generation', '1') ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1").run();
  }
}
