// The contracts of what people configure: rules and their versions, API keys, encrypted secrets and the
// webhook signing secrets. The API and the CLI depend on these interfaces, never on a backend's classes.
import type { RuleDocument } from '../engine/rule/schema.ts';

export interface RuleRecord {
  readonly id: string;
  readonly version: number;
  readonly enabled: boolean;
  readonly deletedAt: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly document: RuleDocument;
  readonly source: string | null;
}

export interface RuleVersionRecord {
  readonly version: number;
  readonly createdAt: number;
  readonly document: RuleDocument;
  readonly source: string | null;
}

/** What the processor needs of the rules: the enabled ones, and a number that changes when they may have. */
export interface RuleSource {
  generation(): Promise<number>;
  listEnabled(): Promise<readonly RuleRecord[]>;
}

export interface RuleStore extends RuleSource {
  /**
   * Saves a new version, or nothing when the document and the enabled state are unchanged. `enabled`
   * undefined keeps the stored state (a new rule starts enabled).
   */
  put(document: RuleDocument, source: string | null, now: number, enabled?: boolean): Promise<{ rule: RuleRecord; changed: boolean; created: boolean }>;
  get(id: string): Promise<RuleRecord | undefined>;
  list(): Promise<RuleRecord[]>;
  versions(id: string): Promise<RuleVersionRecord[]>;
  version(id: string, version: number): Promise<RuleVersionRecord | undefined>;
  setEnabled(id: string, enabled: boolean, now: number): Promise<RuleRecord | undefined>;
  delete(id: string, now: number): Promise<boolean>;
}

export type KeyRole = 'admin' | 'write';

export interface KeyRecord {
  readonly id: string;
  readonly name: string;
  readonly role: KeyRole;
  readonly createdAt: number;
  readonly revokedAt: number | null;
}

export interface KeyStore {
  /** Stores the token's hash; the token itself is never stored. */
  create(name: string, role: KeyRole, tokenHash: string, now: number): Promise<KeyRecord>;
  findByHash(tokenHash: string): Promise<KeyRecord | undefined>;
  hasAdmin(): Promise<boolean>;
  list(): Promise<KeyRecord[]>;
  revoke(id: string, now: number): Promise<boolean>;
}

export interface SecretInfo {
  readonly name: string;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface SecretStore {
  set(name: string, value: string, now: number): Promise<void>;
  delete(name: string): Promise<boolean>;
  list(): Promise<SecretInfo[]>;
  /** Every value, decrypted, for rendering at delivery time. */
  values(): Promise<Readonly<Record<string, string>>>;
}

/** A webhook signing secret (`whsec_…`) of one scope: the default, or one rule's own. */
export interface SigningSecret {
  readonly id: string;
  /** `default`, or `rule:<id>`. */
  readonly scope: string;
  readonly secret: string;
  readonly createdAt: number;
  /** Set when a newer secret replaced it: it keeps signing (beside the new one) until then. */
  readonly expiresAt: number | null;
}

export interface SigningSecretStore {
  /** The secrets still valid at `now` for each scope, newest first. */
  active(now: number): Promise<SigningSecret[]>;
  /**
   * Adds a new secret to the scope; the scope's current secrets stay valid until `now + overlapMs`
   * (rotation: receivers accept either while they switch).
   */
  rotate(scope: string, secret: string, now: number, overlapMs: number): Promise<SigningSecret>;
  /** Removes every secret of a scope (a rule's own secret; its deliveries fall back to the default). */
  remove(scope: string): Promise<number>;
}

/** Secret names: usable as `{{ secrets.NAME }}` in templates. */
export const SECRET_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,99}$/;

/** People who sign in to the console (issue 8): what each may do is their role (src/api/roles.ts). */
export type UserRole = 'admin' | 'editor' | 'viewer';
export const USER_ROLES: readonly UserRole[] = ['viewer', 'editor', 'admin'];
/** User names: letters, digits and . _ @ -, as typed at sign-in (compared exactly). */
export const USERNAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

export interface UserRecord {
  readonly username: string;
  readonly role: UserRole;
  readonly disabled: boolean;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface UserStore {
  /** Creates a user; false when the name is taken. `passwordHash` is the encoded scrypt hash, never the password. */
  create(username: string, role: UserRole, passwordHash: string, now: number): Promise<boolean>;
  get(username: string): Promise<UserRecord | undefined>;
  /** The stored password hash, for sign-in only. */
  passwordHash(username: string): Promise<string | undefined>;
  list(): Promise<UserRecord[]>;
  update(username: string, change: { role?: UserRole; passwordHash?: string; disabled?: boolean }, now: number): Promise<UserRecord | undefined>;
  delete(username: string): Promise<boolean>;
}

/** A signed-in session: the cookie holds a random token; only its hash is stored. */
export interface SessionRecord {
  readonly username: string;
  readonly role: UserRole;
  readonly csrfToken: string;
  readonly expiresAt: number;
}

export interface SessionStore {
  create(tokenHash: string, username: string, csrfToken: string, now: number, expiresAt: number): Promise<void>;
  /** The live session of an enabled user (expired ones and those of disabled users are none). */
  find(tokenHash: string, now: number): Promise<SessionRecord | undefined>;
  /** Slides the expiry forward to `expiresAt`, writing only when that moves it by more than `minStepMs`. */
  touch(tokenHash: string, expiresAt: number, minStepMs: number): Promise<void>;
  delete(tokenHash: string): Promise<void>;
  /** Ends every session of a user (disable, delete, password change). */
  deleteForUser(username: string): Promise<number>;
  deleteExpired(now: number): Promise<number>;
}

/** One recorded change: who did what to which rule, key or user (and sign-ins). */
export interface AuditEntry {
  readonly id: number;
  readonly at: number;
  /** `alice (admin)`, `IFTHEN_ADMIN_TOKEN`, or `key <name>`. */
  readonly actor: string;
  readonly action: string;
  /** `rule:<id>`, `key:<id>` or `user:<name>`. */
  readonly target: string;
  readonly detail: string;
  /** A rule save's unified diff against the previous version. */
  readonly diff: string | null;
}

export interface AuditQuery {
  /** Exact target, or every target with this prefix when it ends with ":" (`rule:`). */
  readonly target?: string;
  readonly actor?: string;
  /** Entries older than this id. */
  readonly beforeId?: number;
  /** Entries before this time (ms). */
  readonly beforeAt?: number;
  readonly limit: number;
}

export interface AuditLog {
  record(entry: Omit<AuditEntry, 'id'>): Promise<void>;
  list(query: AuditQuery): Promise<AuditEntry[]>;
}
