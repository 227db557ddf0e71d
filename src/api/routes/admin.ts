// Administration: write keys (ingest only) and encrypted secrets. Tokens and secret values are never listed.
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import fp from '../plugin.ts';
import type { ApiDeps } from '../deps.ts';
import { ApiError } from '../errors.ts';
import { SECRET_NAME_PATTERN } from '../../store/sqlite/sqlite-secret-store.ts';

const keyView = (k: { id: string; name: string; role: string; createdAt: number; revokedAt: number | null }) => ({
  id: k.id, name: k.name, role: k.role, createdAt: new Date(k.createdAt).toISOString(), revokedAt: k.revokedAt ? new Date(k.revokedAt).toISOString() : null,
});

export const adminRoutes = (deps: ApiDeps) => fp(async (app: FastifyInstance) => {
  app.post<{ Body: { name?: string } }>('/v1/keys', {
    schema: { tags: ['admin'], summary: 'Create a write key (may only send events); the key is shown in this response only', body: Type.Object({ name: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false }) },
  }, async (request, reply) => {
    const { key, token } = deps.keys.create(request.body?.name ?? 'write key', 'write', deps.now());
    return reply.status(201).send({ ...keyView(key), key: token });
  });
  app.get('/v1/keys', { schema: { tags: ['admin'], summary: 'List keys (never their values)' } }, async () => ({ items: deps.keys.list().map(keyView) }));
  app.delete<{ Params: { id: string } }>('/v1/keys/:id', { schema: { tags: ['admin'], summary: 'Revoke a key' } }, async (request, reply) => {
    if (!deps.keys.revoke(request.params.id, deps.now())) throw new ApiError('IFTHEN_ERR_NOT_FOUND', [`no active key "${request.params.id}"`]);
    return reply.status(204).send();
  });

  const checkName = (name: string) => {
    if (!SECRET_NAME_PATTERN.test(name)) throw new ApiError('IFTHEN_ERR_INVALID_BODY', ['name: must be letters, digits and "_", starting with a letter or "_"']);
  };
  app.put<{ Params: { name: string }; Body: { value: string } }>('/v1/secrets/:name', {
    schema: { tags: ['admin'], summary: 'Set a secret, used in templates as {{ secrets.NAME }}; stored encrypted (AES-256-GCM)', body: Type.Object({ value: Type.String({ minLength: 1, maxLength: 65536 }) }, { additionalProperties: false }) },
  }, async (request, reply) => {
    checkName(request.params.name);
    deps.secrets.set(request.params.name, request.body.value, deps.now());
    return reply.status(204).send();
  });
  app.get('/v1/secrets', { schema: { tags: ['admin'], summary: 'List secret names (never values)' } }, async () => ({
    items: deps.secrets.list().map((s) => ({ name: s.name, createdAt: new Date(s.createdAt).toISOString(), updatedAt: new Date(s.updatedAt).toISOString() })),
  }));
  app.delete<{ Params: { name: string } }>('/v1/secrets/:name', { schema: { tags: ['admin'], summary: 'Delete a secret' } }, async (request, reply) => {
    if (!deps.secrets.delete(request.params.name)) throw new ApiError('IFTHEN_ERR_NOT_FOUND', [`no secret "${request.params.name}"`]);
    return reply.status(204).send();
  });

  app.get('/v1/signing-secret', { schema: { tags: ['admin'], summary: 'The secret that signs webhook requests (X-Ifthen-Signature); give it to receivers' } },
    async () => ({ secret: deps.signingSecret }));
});
