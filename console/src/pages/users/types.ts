// Shapes of the answers the users page reads: /v1/users, /v1/keys, /v1/audit (see /docs).
export type Role = 'admin' | 'editor' | 'viewer';
export interface UserItem { username: string; role: Role; disabled: boolean; createdAt: string; updatedAt: string }
export interface KeyItem { id: string; name: string; role: string; createdAt: string; revokedAt: string | null }
export interface CreatedKey extends KeyItem { key: string }
export interface AuditItem { id: number; at: string; actor: string; action: string; target: string; detail: string; diff?: string | null }
export interface AuditPage { items: AuditItem[]; next?: string }
