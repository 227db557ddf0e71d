// Run history: firings with traces, deliveries with attempts (retry now, resend, replay the dead), events,
// subjects, and the events the processor recorded as failed.
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import fp from '../plugin.ts';
import type { ApiDeps } from '../deps.ts';
import { ApiError } from '../errors.ts';
import type { HistoryQuery } from '../../store/history.ts';
import type { DeliveryStatus, ReplayFilter } from '../../store/contracts.ts';
import { attemptView, deliveryView, eventView, failureView, firingView, isoOrNull, pageView, subjectView } from '../views.ts';
import type { HistoryTable } from '../../store/retention.ts';
import { ERRORS } from '../schemas/common.ts';
import {
  DeliveryPage, DeliveryWithAttempts, DueNow, EventPage, FailurePage, FiringPage, FiringWithDeliveries, Replayed, ReplayPreviewAnswer, StoredEvent, Subject,
} from '../schemas/runs.ts';

const Paging = {
  cursor: Type.Optional(Type.String({ description: 'The `next` of the previous page' })),
  limit: Type.Optional(Type.String({ description: '1–500, default 50' })),
};
const IdParams = Type.Object({ id: Type.String() });
const STATUSES: readonly DeliveryStatus[] = ['pending', 'delivering', 'delivered', 'dead'];

type Query = Record<string, string | undefined>;
type ReplayBody = { ids?: string[]; rule?: string; from?: string; to?: string; dry_run?: boolean };
/** A person selects rows of one page: a page holds at most 500. */
const MAX_REPLAY_IDS = 500;

function historyQuery(query: Query): HistoryQuery {
  const limit = query.limit === undefined ? 50 : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new ApiError('IFTHEN_ERR_INVALID_QUERY', ['limit: must be an integer from 1 to 500']);
  if (query.cursor !== undefined && !/^[0-9]+$/.test(query.cursor)) throw new ApiError('IFTHEN_ERR_INVALID_QUERY', ['cursor: must be the `next` value of a previous page']);
  if (query.status !== undefined && !STATUSES.includes(query.status as DeliveryStatus)) throw new ApiError('IFTHEN_ERR_INVALID_QUERY', [`status: must be one of ${STATUSES.join(', ')}`]);
  return { rule: query.rule, subject: query.subject, status: query.status as DeliveryStatus | undefined, type: query.type, before: query.cursor, limit };
}

function time(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) throw new ApiError('IFTHEN_ERR_INVALID_QUERY', [`${name}: must be an ISO 8601 time`]);
  return ms;
}

export const runRoutes = (deps: ApiDeps) => fp(async (app: FastifyInstance) => {
  const { history, deliveries } = deps.stores;
  const found = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new ApiError('IFTHEN_ERR_NOT_FOUND', [what]);
    return value;
  };
  const delivery = async (id: string) => found(await history.delivery(id), `no delivery "${id}"`);
  const { pipeline } = deps;
  const changed = () => pipeline.notify('deliveries-changed');
  /** A history page with the time of the oldest row kept: a client paging back learns where retention cut it. */
  const withOldest = async <T>(page: T, table: HistoryTable) => ({ ...page, oldestStored: isoOrNull((await history.oldest())[table]) });

  app.get<{ Querystring: Query }>('/v1/firings', {
    schema: {
      tags: ['runs'], summary: 'Firings, newest first, with their traces', querystring: Type.Object({ rule: Type.Optional(Type.String()), subject: Type.Optional(Type.String()), ...Paging }),
      response: { 200: FiringPage, ...ERRORS },
    },
  }, async (request) => withOldest(pageView(await history.firings(historyQuery(request.query)), firingView), 'firings'));

  app.get<{ Params: { id: string } }>('/v1/firings/:id', { schema: { tags: ['runs'], summary: 'One firing with its deliveries', params: IdParams, response: { 200: FiringWithDeliveries, ...ERRORS } } }, async (request) => {
    const firing = found(await history.firing(request.params.id), `no firing "${request.params.id}"`);
    return { ...firingView(firing), deliveries: firing.deliveries.map(deliveryView) };
  });

  app.get<{ Querystring: Query }>('/v1/deliveries', {
    schema: {
      tags: ['runs'], summary: 'Deliveries, newest first; status=dead lists the dead-letter queue',
      querystring: Type.Object({ rule: Type.Optional(Type.String()), subject: Type.Optional(Type.String()), status: Type.Optional(Type.Union(STATUSES.map((s) => Type.Literal(s)))), ...Paging }),
      response: { 200: DeliveryPage, ...ERRORS },
    },
  }, async (request) => withOldest(pageView(await history.deliveries(historyQuery(request.query)), deliveryView), 'deliveries'));

  app.get<{ Params: { id: string } }>('/v1/deliveries/:id', {
    schema: { tags: ['runs'], summary: 'One delivery with every attempt: what was sent and what came back', params: IdParams, response: { 200: DeliveryWithAttempts, ...ERRORS } },
  }, async (request) => {
    const d = await delivery(request.params.id);
    return { ...deliveryView(d), attempts: d.attemptLog.map(attemptView) };
  });

  app.post<{ Params: { id: string } }>('/v1/deliveries/:id/replay', {
    schema: { tags: ['runs'], summary: 'Replay one dead delivery (a fresh run of attempts, same idempotency key); 409 when it is not dead', params: IdParams, response: { 200: Replayed, ...ERRORS } },
  }, async (request) => {
    const d = await delivery(request.params.id);
    if (d.status !== 'dead') throw new ApiError('IFTHEN_ERR_CONFLICT', [`delivery "${d.id}" is ${d.status}; only dead deliveries are replayed (use /retry for a pending one, /resend for a delivered one)`]);
    const replayed = await deliveries.replay({ id: d.id }, deps.now());
    changed();
    return { replayed };
  });

  app.post<{ Params: { id: string } }>('/v1/deliveries/:id/retry', {
    schema: { tags: ['runs'], summary: 'Try a delivery now: a pending one waiting for its back-off, or a dead one (replayed); same idempotency key; 409 otherwise', params: IdParams, response: { 200: DueNow, ...ERRORS } },
  }, async (request) => {
    const d = await delivery(request.params.id);
    let done = false;
    if (d.status === 'pending') done = await deliveries.retryNow(d.id, deps.now());
    else if (d.status === 'dead') done = (await deliveries.replay({ id: d.id }, deps.now())) > 0;
    else throw new ApiError('IFTHEN_ERR_CONFLICT', [`delivery "${d.id}" is ${d.status}; ${d.status === 'delivered' ? 'use /resend to send it again' : 'it is being sent now'}`]);
    if (!done) throw new ApiError('IFTHEN_ERR_CONFLICT', [`delivery "${d.id}" changed meanwhile; look again`]);
    changed();
    return { id: d.id, status: 'pending', due: 'now' };
  });

  app.post<{ Params: { id: string } }>('/v1/deliveries/:id/resend', {
    schema: { tags: ['runs'], summary: 'Send a delivered delivery once more, with the same idempotency key (receivers that dedupe ignore it); 409 otherwise', params: IdParams, response: { 200: DueNow, ...ERRORS } },
  }, async (request) => {
    const d = await delivery(request.params.id);
    if (d.status !== 'delivered') throw new ApiError('IFTHEN_ERR_CONFLICT', [`delivery "${d.id}" is ${d.status}; only delivered deliveries are resent (use /retry)`]);
    if (!(await deliveries.resend(d.id, deps.now()))) throw new ApiError('IFTHEN_ERR_CONFLICT', [`delivery "${d.id}" changed meanwhile; look again`]);
    changed();
    return { id: d.id, status: 'pending', due: 'now' };
  });

  app.post<{ Body: ReplayBody }>('/v1/deliveries/replay', {
    schema: {
      tags: ['runs'],
      summary: 'Replay the dead deliveries chosen by ids, a rule and/or a time range (creation time, [from, to)); with dry_run: true, say what that would do and change nothing',
      body: Type.Object({
        ids: Type.Optional(Type.Array(Type.String(), { minItems: 1, maxItems: MAX_REPLAY_IDS, description: `Chosen deliveries (at most ${MAX_REPLAY_IDS}); those not dead are left alone` })),
        rule: Type.Optional(Type.String()), from: Type.Optional(Type.String({ description: 'ISO 8601' })), to: Type.Optional(Type.String({ description: 'ISO 8601' })),
        dry_run: Type.Optional(Type.Boolean({ description: 'Answer what the replay would do (how many, where to, from which rule versions, over which time) and change nothing' })),
      }, { additionalProperties: false }),
      response: { 200: Type.Union([Replayed, ReplayPreviewAnswer]), ...ERRORS },
    },
  }, async (request) => {
    const body = request.body ?? {};
    const from = time(body.from, 'from');
    const filter = { ids: body.ids, ruleId: body.rule, from, to: time(body.to, 'to') };
    if (body.dry_run) return replayPreview(filter);
    const replayed = await deliveries.replay(filter, deps.now());
    if (replayed) changed();
    const oldest = from === undefined ? undefined : (await history.oldest()).deliveries;
    // The range reaches into what retention deleted: say where it really starts.
    return oldest !== undefined && (oldest === null || from! < oldest) ? { replayed, oldestStored: isoOrNull(oldest) } : { replayed };
  });

  /** What a replay would do: read in the same terms as the replay itself, with each rule's current version beside the ones that fired. */
  async function replayPreview(filter: ReplayFilter) {
    const preview = await deliveries.previewReplay(filter);
    const rulesNow = await Promise.all(preview.rules.map((r) => deps.stores.rules.get(r.ruleId)));
    return {
      dryRun: true as const, count: preview.count,
      ...(filter.ids ? { notDead: new Set(filter.ids).size - preview.count } : {}),
      destinations: preview.destinations,
      rules: preview.rules.map((r, i) => ({ id: r.ruleId, count: r.count, versions: r.versions, currentVersion: rulesNow[i]?.version ?? null })),
      oldest: isoOrNull(preview.oldest), newest: isoOrNull(preview.newest), answered2xx: preview.answered2xx,
      sameIdempotencyKey: true as const,
    };
  }

  app.get<{ Querystring: Query }>('/v1/events', {
    schema: {
      tags: ['runs'], summary: 'Stored events, newest first', querystring: Type.Object({ subject: Type.Optional(Type.String()), type: Type.Optional(Type.String()), ...Paging }),
      response: { 200: EventPage, ...ERRORS },
    },
  }, async (request) => withOldest(pageView(await history.events(historyQuery(request.query)), eventView), 'events'));

  app.get<{ Params: { id: string } }>('/v1/events/:id', { schema: { tags: ['runs'], summary: 'One stored event, by id: events accepted within the dedupe window (IFTHEN_DEDUPE_WINDOW_MS, IFTHEN_DEDUPE_MAX_IDS); older ones are listed, not found by id', params: IdParams, response: { 200: StoredEvent, ...ERRORS } } },
    async (request) => eventView(found(await pipeline.findEvent(request.params.id), `no event "${request.params.id}" within the dedupe window (events are found by id for IFTHEN_DEDUPE_WINDOW_MS after they arrive; list older ones with GET /v1/events?subject=…&type=…)`)));

  app.get<{ Querystring: Query }>('/v1/failures', {
    schema: {
      tags: ['runs'], summary: 'Events (and timers) the processor could not process: recorded with the error and passed over, newest first', querystring: Type.Object({ ...Paging }),
      response: { 200: FailurePage, ...ERRORS },
    },
  }, async (request) => pageView(await history.eventFailures(historyQuery(request.query)), failureView));

  app.get<{ Params: { id: string } }>('/v1/subjects/:id', { schema: { tags: ['runs'], summary: 'A subject profile (attributes set by identify and rules)', params: IdParams, response: { 200: Subject, ...ERRORS } } },
    async (request) => subjectView(found(await history.subject(request.params.id), `no subject "${request.params.id}"`)));
});
