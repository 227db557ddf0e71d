// Ingest endpoints: ifthen's own events, CloudEvents structured mode, and Segment's track/identify/batch.
import type { FastifyInstance, FastifyReply } from 'fastify';
import fp from '../plugin.ts';
import type { ApiDeps } from '../deps.ts';
import { ApiError } from '../errors.ts';
import { ingest, type IngestReport } from '../../ingest/ingest.ts';
import { fromCloudEvents, fromEventsBody, fromSegmentBatch, fromSegmentCall, type Item } from '../../ingest/normalize.ts';
import { EventInputSchema } from '../../engine/event.ts';
import { ERRORS, ErrorAnswer, documentedOnly } from '../schemas/common.ts';
import { BatchBody, EventsContent, IdentifyBody, IngestReport as IngestReportAnswer, PageBody, TrackBody } from '../schemas/ingest.ts';

const ingestDoc = (summary: string, description: string, body: object) => ({
  tags: ['ingest'], summary, description, body, security: [{ bearer: [] as string[] }, { writeKey: [] as string[] }] as Array<Record<string, string[]>>,
  response: {
    200: { ...IngestReportAnswer, description: 'Every event stored (accepted or duplicate); per-event results' },
    207: { ...IngestReportAnswer, description: 'Some events rejected; the others stored' },
    400: { ...ErrorAnswer, description: 'No event could be stored; `error.details` holds the per-event results' },
    413: { ...ErrorAnswer, description: 'Over the body size or events-per-request limit' },
    ...ERRORS,
  },
});
// The body schemas document the shapes; the routes check each event themselves so that one bad event does not sink the batch.
const config = { access: 'ingest' as const };
const route = (summary: string, description: string, body: object) => ({ config, schema: ingestDoc(summary, description, body), validatorCompiler: documentedOnly });

export const ingestRoutes = (deps: ApiDeps) => fp(async (app: FastifyInstance) => {
  const send = async (reply: FastifyReply, source: string, items: Item[] | string, segment = false) => {
    if (typeof items === 'string') throw new ApiError('IFTHEN_ERR_INVALID_BODY', [items]);
    const max = deps.config.limits.eventsPerRequest;
    if (items.length > max) throw new ApiError('IFTHEN_ERR_TOO_MANY_EVENTS', [items.length, max]);
    if (!items.length) throw new ApiError('IFTHEN_ERR_INVALID_BODY', ['the request has no events']);
    const report = await ingest(items, deps.config.limits, deps.now(), (events) => deps.pipeline.append(events));
    count(source, report);
    const status = report.rejected === 0 ? 200 : report.rejected === items.length ? 400 : 207;
    if (status === 400) {
      const first = report.results.find((r) => r.status === 'rejected');
      const message = first && 'error' in first ? `${first.error.path}: ${first.error.message}` : 'no valid event';
      return reply.status(400).send({ error: { code: first && 'error' in first ? first.error.code : 'IFTHEN_ERR_INVALID_EVENT', message, details: report.results } });
    }
    return reply.status(status).send(segment ? { success: true, ...report } : report);
  };
  const count = (source: string, report: IngestReport) => {
    if (report.accepted) deps.metrics.ingested.inc({ source, status: 'accepted' }, report.accepted);
    if (report.duplicate) deps.metrics.ingested.inc({ source, status: 'duplicate' }, report.duplicate);
    if (report.rejected) deps.metrics.ingested.inc({ source, status: 'rejected' }, report.rejected);
  };
  app.addSchema({ ...EventInputSchema });

  app.post('/v1/events', route('Send events',
    'One event, an array of events, or {"batch": [...]}. Also CloudEvents structured mode (application/cloudevents+json, application/cloudevents-batch+json): `subject` is the subject, `data` the properties. A 2xx means durably stored; a 400 (no event stored) carries the per-event results in `error.details`.',
    EventsContent), async (request, reply) => {
    const type = String(request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type === 'application/cloudevents+json') return send(reply, 'cloudevents', fromCloudEvents(request.body, false));
    if (type === 'application/cloudevents-batch+json') return send(reply, 'cloudevents', fromCloudEvents(request.body, true));
    if (type !== 'application/json') throw new ApiError('IFTHEN_ERR_UNSUPPORTED_MEDIA_TYPE', [type || 'none', 'application/json or application/cloudevents(+batch)+json']);
    return send(reply, 'events', fromEventsBody(request.body));
  });

  app.post('/v1/track', route('Segment track', 'Segment-compatible: write key as the basic-auth user; userId or anonymousId is the subject; messageId the event id.', TrackBody),
    (request, reply) => send(reply, 'segment', [fromSegmentCall(request.body, '', 'track')], true));
  app.post('/v1/identify', route('Segment identify', 'Becomes an `identify` event whose traits are set on the subject.', IdentifyBody),
    (request, reply) => send(reply, 'segment', [fromSegmentCall(request.body, '', 'identify')], true));
  app.post('/v1/page', route('Segment page', 'Becomes a `page` event.', PageBody),
    (request, reply) => send(reply, 'segment', [fromSegmentCall(request.body, '', 'page')], true));
  app.post('/v1/screen', route('Segment screen', 'Becomes a `screen` event.', PageBody),
    (request, reply) => send(reply, 'segment', [fromSegmentCall(request.body, '', 'screen')], true));
  app.post('/v1/batch', route('Segment batch', '{"batch": [track|identify|page|screen calls]} as sent by Segment and RudderStack libraries.', BatchBody),
    (request, reply) => send(reply, 'segment', fromSegmentBatch(request.body), true));
});
