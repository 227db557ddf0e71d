// OpenAPI request bodies of the ingest endpoints (ifthen's own events, CloudEvents, Segment calls) and their report.
// The routes read these bodies themselves, so that one bad event is reported on its own and the others are stored.
import { Type, type TProperties } from '@sinclair/typebox';
import { EventInputSchema } from '../../engine/event.ts';
import { Answer, Json } from './common.ts';

const EXAMPLE_EVENT = { id: 'evt-1', type: 'cart_updated', subject: 'u1', properties: { total: 42, items: [1, 2] } };

const Event = Type.Ref(EventInputSchema);

export const EventsBody = Type.Union([
  Event,
  Type.Array(Event, { description: 'Several events' }),
  Type.Object({ batch: Type.Array(Event) }, { description: 'Several events, as {"batch": [...]}' }),
], { description: 'One event, an array of events, or {"batch": [...]}', examples: [EXAMPLE_EVENT] });

const CloudEvent = Type.Object({
  specversion: Type.Literal('1.0'), id: Type.String({ description: 'The event id (idempotency key)' }),
  type: Type.String(), source: Type.String(), subject: Type.String({ description: 'The subject (usually a user id)' }),
  time: Type.Optional(Type.String({ format: 'date-time' })), data: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'Becomes the properties' })),
}, { additionalProperties: true, description: 'A CloudEvent in structured mode' });

const EXAMPLE_CLOUD_EVENT = { specversion: '1.0', id: 'evt-2', type: 'cart_updated', source: '/shop', subject: 'u1', data: { total: 42 } };

/** `POST /v1/events` by content type: ifthen's JSON, or CloudEvents (one, or a batch). */
export const EventsContent = {
  content: {
    'application/json': { schema: EventsBody },
    'application/cloudevents+json': { schema: { ...CloudEvent, examples: [EXAMPLE_CLOUD_EVENT] } },
    'application/cloudevents-batch+json': { schema: Type.Array(CloudEvent, { examples: [[EXAMPLE_CLOUD_EVENT]] }) },
  },
};

const segmentCall = (fields: TProperties, description: string, example: Record<string, unknown>) => Type.Object({
  userId: Type.Optional(Type.String({ description: 'The subject; or anonymousId' })),
  anonymousId: Type.Optional(Type.String()),
  messageId: Type.Optional(Type.String({ description: 'The event id (idempotency key)' })),
  timestamp: Type.Optional(Type.String({ format: 'date-time' })),
  ...fields,
}, { additionalProperties: true, description, examples: [example] });

export const TrackBody = segmentCall({ event: Type.String({ description: 'The event type' }), properties: Json('The event properties') },
  'A Segment track call', { userId: 'u1', event: 'cart_updated', properties: { total: 42 }, messageId: 'msg-1' });
export const IdentifyBody = segmentCall({ traits: Json('Set as attributes of the subject') },
  'A Segment identify call', { userId: 'u1', traits: { country: 'KR' } });
export const PageBody = segmentCall({ name: Type.Optional(Type.String()), properties: Json('The event properties') },
  'A Segment page or screen call', { userId: 'u1', name: 'Checkout', properties: { path: '/checkout' } });
export const BatchBody = Type.Object({
  batch: Type.Array(Type.Object({ type: Type.String({ description: 'track, identify, page or screen' }) }, { additionalProperties: true })),
}, { additionalProperties: true, description: 'Segment calls as sent by Segment and RudderStack libraries', examples: [{ batch: [{ type: 'track', userId: 'u1', event: 'cart_updated', properties: { total: 42 } }] }] });

const ItemResult = Answer({
  index: Type.Integer({ description: 'Position in the request' }),
  status: Type.String({ description: 'accepted, duplicate (already stored) or rejected' }),
  id: Type.Optional(Type.String({ description: 'The stored event id' })),
  error: Type.Optional(Answer({ code: Type.String(), path: Type.String({ description: 'Where in the request, e.g. [1].type' }), message: Type.String() })),
});

export const IngestReport = Answer({
  accepted: Type.Integer(), duplicate: Type.Integer(), rejected: Type.Integer(), results: Type.Array(ItemResult),
  success: Type.Optional(Type.Boolean({ description: 'Segment endpoints only: as Segment answers' })),
}, 'What became of each event');
