// The audit log in SQLite (issue 8): append-only rows, read newest first by target (or a target prefix such as
// `rule:`) or by actor.
import type { AuditEntry, AuditLog, AuditQuery } from '../catalog.ts';
import type { SqliteDatabase } from './sqlite-database.ts';

interface Row { id: number; at: number; actor: string; action: string; target: string; detail: string; diff: string | null }

/** The first string after every string that starts with `prefix` (its last character + 1). */
function prefixEnd(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

export class SqliteAuditLog implements AuditLog {
  constructor(private readonly db: SqliteDatabase) {}

  async record(entry: Omit<AuditEntry, 'id'>): Promise<void> {
    this.db.prepare('INSERT INTO audit (at, actor, action, target, detail, diff) VALUES (?, ?, ?, ?, ?, ?)')
      .run(entry.at, entry.actor, entry.action, entry.target, entry.detail, entry.diff);
  }

  async list(query: AuditQuery): Promise<AuditEntry[]> {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (query.target !== undefined) {
      if (query.target.endsWith(':')) { where.push('target >= ? AND target < ?'); args.push(query.target, prefixEnd(query.target)); }
      else { where.push('target = ?'); args.push(query.target); }
    }
    if (query.actor !== undefined) { where.push('actor = ?'); args.push(query.actor); }
    if (query.beforeId !== undefined) { where.push('id < ?'); args.push(query.beforeId); }
    if (query.beforeAt !== undefined) { where.push('at < ?'); args.push(query.beforeAt); }
    const sql = `SELECT id, at, actor, action, target, detail, diff FROM audit ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    return this.db.prepare(sql).all(...args, query.limit) as Row[];
  }
}
