// Administration: write keys (ingest only), encrypted secrets, and webhook signing secrets with rotation.
// Tokens and secret values are never listed; signing secrets are shown to the admin, for receivers.
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import fp from '../plugin.ts';
import type { ApiDeps } from '../deps.ts';
import { ApiError } from '../errors.ts';
import { SECRET_NAME_PATTERN, type KeyRecord, type SigningSecret } from '../../store/catalog.ts';
import { hashToken, newToken } from '../tokens.ts';
import { iso } from '../views.ts';
import { newSigningSecret } from '../../actions/index.ts';
import { ERRORS, NoContent } from '../schemas/common.ts';
import { audit } from './audit.ts';
import { CreatedKey, KeyList, SecretList, Signing } from '../schemas/admin.ts';

const keyView = (k: KeyRecord) => ({ id: k.id, name: k.name, role: k.role, createdAt: iso(k.createdAt), revokedAt: k.revokedAt ? iso(k.revokedAt) : null });
const signingView = (s: SigningSecret) => ({ id: s.id, secret: s.secret, createdAt: iso(s.createdAt), expiresAt: s.expiresAt === null ? null : iso(s.expiresAt) });
const RuleQuery = Type.Object({ rule: Type.Optional(Type.String({ description: "A rule id: that rule's own secrets (else the default ones)" })) });

export const adminRoutes = (deps: ApiDeps) => fp(async (app: FastifyInstance) => {
  const { keys, secrets, signing, rules } = deps.stores;

  app.post<{ Body: { name?: string } }>('/v1/keys', {
    schema: { tags: ['admin'], summary: 'Create a write key (may only send events); the key is shown in this response only', body: Type.Object({ name: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false }), response: { 201: CreatedKey, ...ERRORS } },
  }, async (request, reply) => {
    const token = newToken('write');
    const key = await keys.create(request.body?.name ?? 'write key', 'write', hashToken(token), deps.now());
    await audit(deps, request, 'key.create', `key:${key.id}`, `write key "${key.name}" created`);
    return reply.status(201).send({ ...keyView(key), key: token });
  });
  app.get('/v1/keys', { schema: { tags: ['admin'], summary: 'List keys (never their values)', response: { 200: KeyList, ...ERRORS } } }, async () => ({ items: (await keys.list()).map(keyView) }));
  app.delete<{ Params: { id: string } }>('/v1/keys/:id', { schema: { tags: ['admin'], summary: 'Revoke a key', response: { 204: NoContent, ...ERRORS } } }, async (request, reply) => {
    if (!(await keys.revoke(request.params.id, deps.now()))) throw new ApiError('IFTHEN_ERR_NOT_FOUND', [`no active key "${request.params.id}"`]);
    const name = (await keys.list()).find((k) => k.id === request.params.id)?.name;
    await audit(deps, request, 'key.revoke', `key:${request.params.id}`, `key "${name ?? request.params.id}" revoked`);
    return reply.status(204).send();
  });

  const checkName = (name: string) => {
    if (!SECRET_NAME_PATTERN.test(name)) throw new ApiError('IFTHEN_ERR_INVALID_BODY', ['name: must be letters, digits and "_", starting with a letter or "_"']);
  };
  app.put<{ Params: { name: string }; Body: { value: string } }>('/v1/secrets/:name', {
    schema: { tags: ['admin'], summary: 'Set a secret, used in templates as {{ secrets.NAME }}; stored encrypted (AES-256-GCM)', body: Type.Object({ value: Type.String({ minLength: 1, maxLength: 65536 }) }, { additionalProperties: false }), response: { 204: NoContent, ...ERRORS } },
  }, async (request, reply) => {
    checkName(request.params.name);
    await secrets.set(request.params.name, request.body.value, deps.now());
    return reply.status(204).send();
  });
  app.get('/v1/secrets', { schema: { tags: ['admin'], summary: 'List secret names (never values)', response: { 200: SecretList, ...ERRORS } } }, async () => ({
    items: (await secrets.list()).map((s) => ({ name: s.name, createdAt: iso(s.createdAt), updatedAt: iso(s.updatedAt) })),
  }));
  app.delete<{ Params: { name: string } }>('/v1/secrets/:name', { schema: { tags: ['admin'], summary: 'Delete a secret', response: { 204: NoContent, ...ERRORS } } }, async (request, reply) => {
    if (!(await secrets.delete(request.params.name))) throw new ApiError('IFTHEN_ERR_NOT_FOUND', [`no secret "${request.params.name}"`]);
    return reply.status(204).send();
  });

  /** The secrets that sign a rule's deliveries: its own if it has any, else the default ones. */
  const signingFor = async (rule: string | undefined) => {
    const active = await signing.active(deps.now());
    const own = rule === undefined ? [] : active.filter((s) => s.scope === `rule:${rule}`);
    if (own.length) return { scope: `rule:${rule}`, secrets: own };
    const fromEnv: SigningSecret[] = deps.config.signing.secret ? [{ id: 'env', scope: 'default', secret: deps.config.signing.secret, createdAt: 0, expiresAt: null }] : [];
    return { scope: 'default', secrets: [...fromEnv, ...active.filter((s) => s.scope === 'default')] };
  };
  const checkRule = async (rule: string | undefined) => {
    if (rule !== undefined && !(await rules.get(rule))) throw new ApiError('IFTHEN_ERR_NOT_FOUND', [`no rule "${rule}"`]);
  };

  app.get<{ Querystring: { rule?: string } }>('/v1/signing-secret', {
    schema: { tags: ['admin'], summary: 'The Standard Webhooks secrets (whsec_…) that sign webhooks, newest first; give them to receivers', querystring: RuleQuery, response: { 200: Signing, ...ERRORS } },
  }, async (request) => {
    await checkRule(request.query.rule);
    const { scope, secrets: list } = await signingFor(request.query.rule);
    return { scope, secret: list[0]?.secret ?? null, secrets: list.map(signingView) };
  });

  app.post<{ Body: { rule?: string } }>('/v1/signing-secret/rotate', {
    schema: {
      tags: ['admin'], summary: 'Make a new signing secret (for a rule: its own); the previous ones keep signing beside it for IFTHEN_SIGNING_ROTATION_OVERLAP_MS (24 h)',
      body: Type.Object({ rule: Type.Optional(Type.String()) }, { additionalProperties: false }),
      response: { 201: Signing, ...ERRORS },
    },
  }, async (request, reply) => {
    const rule = request.body?.rule;
    await checkRule(rule);
    if (rule === undefined && deps.config.signing.secret) throw new ApiError('IFTHEN_ERR_CONFLICT', ['the default signing secret is set by IFTHEN_SIGNING_SECRET; change it there (or rotate a rule\'s own secret)']);
    const scope = rule === undefined ? 'default' : `rule:${rule}`;
    await signing.rotate(scope, newSigningSecret(), deps.now(), deps.config.signing.rotationOverlapMs);
    const { secrets: list } = await signingFor(rule);
    return reply.status(201).send({ scope, secret: list[0].secret, secrets: list.map(signingView) });
  });

  app.delete<{ Querystring: { rule?: string } }>('/v1/signing-secret', {
    schema: { tags: ['admin'], summary: "Remove a rule's own signing secrets: its deliveries are signed with the default ones again", querystring: RuleQuery, response: { 204: NoContent, ...ERRORS } },
  }, async (request, reply) => {
    const rule = request.query.rule;
    if (rule === undefined) throw new ApiError('IFTHEN_ERR_INVALID_QUERY', ['rule: name the rule whose own signing secrets to remove (the default ones can only be rotated)']);
    if (!(await signing.remove(`rule:${rule}`))) throw new ApiError('IFTHEN_ERR_NOT_FOUND', [`rule "${rule}" has no signing secret of its own`]);
    return reply.status(204).send();
  });
});
