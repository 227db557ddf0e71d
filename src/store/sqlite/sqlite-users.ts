// People and their sessions in SQLite (issue 8). Passwords are stored only as encoded scrypt hashes, session
// tokens only as SHA-256 hashes; a session of a disabled or deleted user is no session.
import type { SessionRecord, SessionStore, UserRecord, UserRole, UserStore } from '../catalog.ts';
import type { SqliteDatabase } from './sqlite-database.ts';

interface UserRow { username: string; role: UserRole; disabled: number; created_at: number; updated_at: number }
const toUser = (r: UserRow): UserRecord => ({ username: r.username, role: r.role, disabled: r.disabled === 1, createdAt: r.created_at, updatedAt: r.updated_at });
const USER_COLUMNS = 'username, role, disabled, created_at, updated_at';

export class SqliteUserStore implements UserStore {
  constructor(private readonly db: SqliteDatabase) {}

  async create(username: string, role: UserRole, passwordHash: string, now: number): Promise<boolean> {
    const result = this.db.prepare('INSERT INTO users (username, role, password_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (username) DO NOTHING')
      .run(username, role, passwordHash, now, now);
    return result.changes > 0;
  }

  async get(username: string): Promise<UserRecord | undefined> {
    const row = this.db.prepare(`SELECT ${USER_COLUMNS} FROM users WHERE username = ?`).get(username) as UserRow | undefined;
    return row && toUser(row);
  }

  async passwordHash(username: string): Promise<string | undefined> {
    const row = this.db.prepare('SELECT password_hash FROM users WHERE username = ?').get(username) as { password_hash: string } | undefined;
    return row?.password_hash;
  }

  async list(): Promise<UserRecord[]> {
    return (this.db.prepare(`SELECT ${USER_COLUMNS} FROM users ORDER BY username`).all() as UserRow[]).map(toUser);
  }

  async update(username: string, change: { role?: UserRole; passwordHash?: string; disabled?: boolean }, now: number): Promise<UserRecord | undefined> {
    const result = this.db.prepare(`UPDATE users SET role = coalesce(?, role), password_hash = coalesce(?, password_hash),
      disabled = coalesce(?, disabled), updated_at = ? WHERE username = ?`)
      .run(change.role ?? null, change.passwordHash ?? null, change.disabled === undefined ? null : Number(change.disabled), now, username);
    return result.changes > 0 ? this.get(username) : undefined;
  }

  async delete(username: string): Promise<boolean> {
    return this.db.transaction(() => {
      this.db.prepare('DELETE FROM sessions WHERE username = ?').run(username);
      return this.db.prepare('DELETE FROM users WHERE username = ?').run(username).changes > 0;
    })();
  }
}

interface SessionRow { username: string; role: UserRole; csrf_token: string; expires_at: number }

export class SqliteSessionStore implements SessionStore {
  constructor(private readonly db: SqliteDatabase) {}

  async create(tokenHash: string, username: string, csrfToken: string, now: number, expiresAt: number): Promise<void> {
    this.db.prepare('INSERT INTO sessions (token_hash, username, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)').run(tokenHash, username, csrfToken, now, expiresAt);
  }

  async find(tokenHash: string, now: number): Promise<SessionRecord | undefined> {
    const row = this.db.prepare(`SELECT s.username, u.role, s.csrf_token, s.expires_at FROM sessions s JOIN users u ON u.username = s.username
      WHERE s.token_hash = ? AND s.expires_at > ? AND u.disabled = 0`).get(tokenHash, now) as SessionRow | undefined;
    return row && { username: row.username, role: row.role, csrfToken: row.csrf_token, expiresAt: row.expires_at };
  }

  async touch(tokenHash: string, expiresAt: number, minStepMs: number): Promise<void> {
    this.db.prepare('UPDATE sessions SET expires_at = ? WHERE token_hash = ? AND expires_at < ?').run(expiresAt, tokenHash, expiresAt - minStepMs);
  }

  async delete(tokenHash: string): Promise<void> {
    this.db.prepare('DELETE FROM sessions WHERE token_hash = ?').run(tokenHash);
  }

  async deleteForUser(username: string): Promise<number> {
    return this.db.prepare('DELETE FROM sessions WHERE username = ?').run(username).changes;
  }

  async deleteExpired(now: number): Promise<number> {
    return this.db.prepare('DELETE FROM sessions WHERE expires_at <= ?').run(now).changes;
  }
}
