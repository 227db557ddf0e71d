// API tokens: random, shown once, stored and compared only as SHA-256 hashes.
import { createHash, randomBytes } from 'node:crypto';
import type { KeyRole } from '../store/catalog.ts';

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function newToken(role: KeyRole): string {
  return `${role === 'admin' ? 'ifa' : 'ifw'}_${randomBytes(24).toString('base64url')}`;
}
