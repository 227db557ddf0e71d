// OpenAPI answers of administration: write keys, secret names, webhook signing secrets; and of operations.
import { Type } from '@sinclair/typebox';
import { Answer, Nullable, Time } from './common.ts';

export const Key = Answer({
  id: Type.String(), name: Type.String(), role: Type.String({ description: 'write: may only send events' }), createdAt: Time(), revokedAt: Nullable(Time()),
});
export const CreatedKey = Answer({ ...Key.properties, key: Type.String({ description: 'The key itself: shown in this answer only' }) }, 'The new key');
export const KeyList = Answer({ items: Type.Array(Key) }, 'Keys (never their values)');

export const SecretList = Answer({ items: Type.Array(Answer({ name: Type.String(), createdAt: Time(), updatedAt: Time() })) }, 'Secret names (never values)');

export const Signing = Answer({
  scope: Type.String({ description: 'default, or rule:<id> for a rule with its own secrets' }),
  secret: Nullable(Type.String({ description: 'The newest secret' })),
  secrets: Type.Array(Answer({ id: Type.String(), secret: Type.String({ description: 'whsec_…' }), createdAt: Time(), expiresAt: Nullable(Time()) }), { description: 'Every secret that signs now, newest first' }),
}, 'The secrets that sign webhooks (Standard Webhooks)');

export const Health = Answer({ status: Type.String() }, 'Alive');
export const Readiness = Answer({ status: Type.String({ description: 'ready' }) }, 'Ready, with the processing lag');
export const Metrics = Type.String({ description: 'Prometheus text format' });
