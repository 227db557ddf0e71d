// Run history: firings with traces, deliveries with attempts, dead-letter replay, events and subjects.
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import fp from '../plugin.ts';
import type { ApiDeps } from '../deps.ts';
import { ApiError } from '../errors.ts';
import type { HistoryFilter } from '../../store/sqlite/sqlite-history.ts';

const Paging = {
  cursor: Type.Optional(Type.String({ description: 'The `next` of the previous page' })),
  limit: Type.Optional(Type.String({ description: '1–500, default 50' })),
};
const IdParams = Type.Object({ id: Type.String() });

type Query = Record<string, string | undefined>;

function filter(query: Query): HistoryFilter {
  const limit = query.limit === undefined ? 50 : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new ApiError('IFTHEN_ERR_INVALID_QUERY', ['limit: must be an integer from 1 to 500']);
  if (query.cursor !== undefined && !/^[0-9]+$/.test(query.cursor)) throw new ApiError('IFTHEN_ERR_INVALID_QUERY', ['cursor: must be the `next` value of a previous page']);
  return { rule: query.rule, subject: query.subject, status: query.status, type: query.type, cursor: query.cursor, limit };
}

function time(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) throw new ApiError('IFTHEN_ERR_INVALID_QUERY', [`${name}: must be an ISO 8601 time`]);
  return ms;
}

export const runRoutes = (deps: ApiDeps) => fp(async (app: FastifyInstance) => {
  const found = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new ApiError('IFTHEN_ERR_NOT_FOUND', [what]);
    return value;
  };

  app.get<{ Querystring: Query }>('/v1/firings', {
    schema: { tags: ['runs'], summary: 'Firings, newest first, with their traces', querystring: Type.Object({ rule: Type.Optional(Type.String()), subject: Type.Optional(Type.String()), ...Paging }) },
  }, async (request) => deps.history.firings(filter(request.query)));

  app.get<{ Params: { id: string } }>('/v1/firings/:id', { schema: { tags: ['runs'], summary: 'One firing with its deliveries', params: IdParams } },
    async (request) => found(deps.history.firing(request.params.id), `no firing "${request.params.id}"`));

  app.get<{ Querystring: Query }>('/v1/deliveries', {
    schema: {
      tags: ['runs'], summary: 'Deliveries, newest first; status=dead lists the dead-letter queue',
      querystring: Type.Object({ rule: Type.Optional(Type.String()), subject: Type.Optional(Type.String()), status: Type.Optional(Type.Union([Type.Literal('pending'), Type.Literal('delivering'), Type.Literal('delivered'), Type.Literal('dead')])), ...Paging }),
    },
  }, async (request) => deps.history.deliveries(filter(request.query)));

  app.get<{ Params: { id: string } }>('/v1/deliveries/:id', { schema: { tags: ['runs'], summary: 'One delivery with every attempt', params: IdParams } },
    async (request) => found(deps.history.delivery(request.params.id), `no delivery "${request.params.id}"`));

  app.post<{ Params: { id: string } }>('/v1/deliveries/:id/replay', { schema: { tags: ['runs'], summary: 'Replay one dead delivery', params: IdParams } }, async (request) => {
    const delivery = found(deps.history.delivery(request.params.id), `no delivery "${request.params.id}"`);
    if (delivery.status !== 'dead') throw new ApiError('IFTHEN_ERR_INVALID_BODY', [`delivery "${delivery.id}" is ${delivery.status}; only dead deliveries are replayed`]);
    const replayed = deps.outbox.replay({ id: delivery.id }, deps.now());
    deps.pipeline.notify('deliveries-replayed');
    return { replayed };
  });

  app.post<{ Body: { rule?: string; from?: string; to?: string } }>('/v1/deliveries/replay', {
    schema: {
      tags: ['runs'], summary: 'Replay all dead deliveries of a rule and/or a time range (creation time, [from, to))',
      body: Type.Object({ rule: Type.Optional(Type.String()), from: Type.Optional(Type.String({ description: 'ISO 8601' })), to: Type.Optional(Type.String({ description: 'ISO 8601' })) }, { additionalProperties: false }),
    },
  }, async (request) => {
    const body = request.body ?? {};
    const replayed = deps.outbox.replay({ ruleId: body.rule, from: time(body.from, 'from'), to: time(body.to, 'to') }, deps.now());
    if (replayed) deps.pipeline.notify('deliveries-replayed');
    return { replayed };
  });

  app.get<{ Querystring: Query }>('/v1/events', {
    schema: { tags: ['runs'], summary: 'Stored events, newest first', querystring: Type.Object({ subject: Type.Optional(Type.String()), type: Type.Optional(Type.String()), ...Paging }) },
  }, async (request) => deps.history.events(filter(request.query)));

  app.get<{ Params: { id: string } }>('/v1/events/:id', { schema: { tags: ['runs'], summary: 'One stored event', params: IdParams } },
    async (request) => found(deps.history.event(request.params.id), `no event "${request.params.id}"`));

  app.get<{ Params: { id: string } }>('/v1/subjects/:id', { schema: { tags: ['runs'], summary: 'A subject profile (attributes set by identify and rules)', params: IdParams } },
    async (request) => found(deps.history.subject(request.params.id), `no subject "${request.params.id}"`));
});
