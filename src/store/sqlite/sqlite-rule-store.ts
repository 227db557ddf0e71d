// Rules and their versions in SQLite. Every save is a new version; delete hides the rule but keeps history.
import type { RuleDocument } from '../../engine/rule/schema.ts';
import type { RuleRecord, RuleStore, RuleVersionRecord } from '../catalog.ts';
import { writeTransaction, type SqliteDatabase } from './sqlite-database.ts';

interface Row { id: string; version: number; enabled: number; deleted_at: number | null; created_at: number; updated_at: number; document: string; source: string | null }

const SELECT = `SELECT r.id, r.version, r.enabled, r.deleted_at, r.created_at, r.updated_at, v.document, v.source
  FROM rules r JOIN rule_versions v ON v.rule_id = r.id AND v.version = r.version`;

function toRecord(row: Row): RuleRecord {
  return {
    id: row.id, version: row.version, enabled: row.enabled === 1, deletedAt: row.deleted_at,
    createdAt: row.created_at, updatedAt: row.updated_at, document: JSON.parse(row.document), source: row.source,
  };
}

export class SqliteRuleStore implements RuleStore {
  constructor(private readonly db: SqliteDatabase) {}

  async put(document: RuleDocument, source: string | null, now: number, enabled?: boolean) {
    return writeTransaction(this.db, () => {
      const current = this.#get(document.id, true);
      const live = current && current.deletedAt === null ? current : undefined;
      const nextEnabled = enabled ?? live?.enabled ?? true;
      const json = JSON.stringify(document);
      if (live && JSON.stringify(live.document) === json && live.enabled === nextEnabled) return { rule: live, changed: false, created: false };
      if (live && JSON.stringify(live.document) === json) {
        // Only the enabled state changed: no new version.
        this.db.prepare('UPDATE rules SET enabled = ?, updated_at = ? WHERE id = ?').run(nextEnabled ? 1 : 0, now, document.id);
      } else {
        const version = ((this.db.prepare('SELECT MAX(version) FROM rule_versions WHERE rule_id = ?').pluck().get(document.id) as number | null) ?? 0) + 1;
        this.db.prepare('INSERT INTO rule_versions (rule_id, version, document, source, created_at) VALUES (?, ?, ?, ?, ?)').run(document.id, version, json, source, now);
        this.db.prepare(`INSERT INTO rules (id, version, enabled, deleted_at, created_at, updated_at) VALUES (?, ?, ?, NULL, ?, ?)
          ON CONFLICT (id) DO UPDATE SET version = excluded.version, enabled = excluded.enabled, deleted_at = NULL, updated_at = excluded.updated_at`)
          .run(document.id, version, nextEnabled ? 1 : 0, now, now);
      }
      this.#bumpGeneration();
      return { rule: this.#get(document.id)!, changed: true, created: !live };
    });
  }

  async get(id: string): Promise<RuleRecord | undefined> {
    return this.#get(id);
  }

  #get(id: string, includeDeleted = false): RuleRecord | undefined {
    const row = this.db.prepare(`${SELECT} WHERE r.id = ?`).get(id) as Row | undefined;
    if (!row || (row.deleted_at !== null && !includeDeleted)) return undefined;
    return toRecord(row);
  }

  async list(): Promise<RuleRecord[]> {
    return (this.db.prepare(`${SELECT} WHERE r.deleted_at IS NULL ORDER BY r.id`).all() as Row[]).map(toRecord);
  }

  async listEnabled(): Promise<RuleRecord[]> {
    return (this.db.prepare(`${SELECT} WHERE r.deleted_at IS NULL AND r.enabled = 1 ORDER BY r.id`).all() as Row[]).map(toRecord);
  }

  async versions(id: string): Promise<RuleVersionRecord[]> {
    const rows = this.db.prepare('SELECT version, created_at, document, source FROM rule_versions WHERE rule_id = ? ORDER BY version DESC').all(id) as Row[];
    return rows.map((r) => ({ version: r.version, createdAt: r.created_at, document: JSON.parse(r.document), source: r.source }));
  }

  async version(id: string, version: number): Promise<RuleVersionRecord | undefined> {
    const row = this.db.prepare('SELECT version, created_at, document, source FROM rule_versions WHERE rule_id = ? AND version = ?').get(id, version) as Row | undefined;
    return row && { version: row.version, createdAt: row.created_at, document: JSON.parse(row.document), source: row.source };
  }

  async setEnabled(id: string, enabled: boolean, now: number): Promise<RuleRecord | undefined> {
    return writeTransaction(this.db, () => {
      const changes = this.db.prepare('UPDATE rules SET enabled = ?, updated_at = ? WHERE id = ? AND deleted_at IS NULL AND enabled != ?').run(enabled ? 1 : 0, now, id, enabled ? 1 : 0).changes;
      if (changes) this.#bumpGeneration();
      return this.#get(id);
    });
  }

  async delete(id: string, now: number): Promise<boolean> {
    return writeTransaction(this.db, () => {
      const changes = this.db.prepare('UPDATE rules SET deleted_at = ?, enabled = 0, updated_at = ? WHERE id = ? AND deleted_at IS NULL').run(now, now, id).changes;
      if (changes) this.#bumpGeneration();
      return changes > 0;
    });
  }

  /** Changes whenever the set of enabled rules may have changed; the processor reloads when it does. */
  async generation(): Promise<number> {
    return this.generationSync();
  }

  generationSync(): number {
    return Number(this.db.prepare("SELECT value FROM meta WHERE key = 'rules_generation'").pluck().get() ?? 0);
  }

  #bumpGeneration(): void {
    this.db.prepare("INSERT INTO meta (key, value) VALUES ('rules_generation', '1') ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1").run();
  }
}
