// OpenAPI answers of the run history: events, firings with their traces, deliveries with their attempts, failures.
import { Type, type TSchema } from '@sinclair/typebox';
import { Answer, Json, Nullable, PageOf, Time } from './common.ts';

export const StoredEvent = Answer({
  position: Type.String({ description: 'Position in the log' }),
  id: Type.String(), type: Type.String(), subject: Type.String(), time: Time('Event time'), receivedAt: Time(),
  properties: Json('The event properties'),
  causationId: Type.Optional(Type.String({ description: 'The event whose rule emitted this one' })),
  depth: Type.Integer({ description: 'Emit hops that led here; 0 for events from outside' }),
}, 'A stored event');

export const Trace = Answer({
  rule: Type.String(), version: Type.Integer(), event: Type.String({ description: 'The event id' }), matched: Type.Boolean(),
  steps: Type.Array(Json('{check: "event", expected, actual, passed} or {check: "where", expression, values, passed, error?}: each check with the values it read')),
  actions: Type.Optional(Type.Array(Answer({
    index: Type.Integer(), kind: Type.String(),
    outcome: Type.String({ description: 'queued (a delivery was made), applied, skipped or failed: at firing time; the delivery says what became of it' }),
    detail: Type.Optional(Type.String()),
  }))),
}, 'Why the rule matched: each check with the values it saw, and what each action did at firing time');

export const Firing = Answer({
  id: Type.String(), rule: Type.String(), version: Type.Integer({ description: 'The rule version that fired' }), subject: Type.String(),
  eventIds: Type.Array(Type.String()), group: Type.String({ description: 'treatment or holdout' }), time: Time(), trace: Trace,
}, 'One time a rule matched for a subject');

export const Delivery = Answer({
  id: Type.String({ description: '<firing id>.<action index>; also the Idempotency-Key' }), firingId: Type.String(), rule: Type.String(), subject: Type.String(),
  actionIndex: Type.Integer(), kind: Type.String({ description: 'webhook, chat, email or log' }), destination: Type.String(),
  status: Type.String({ description: 'pending, delivering, delivered or dead' }), attempts: Type.Integer({ description: 'Attempts made so far' }),
  lastError: Nullable(Type.String()), createdAt: Time(), nextAttemptAt: Nullable(Time('When a pending delivery is tried next')), deliveredAt: Nullable(Time()),
}, 'One action of one firing, until delivered or dead');

export const SentRequest = Answer({
  method: Type.String(), url: Type.String(), headers: Type.Record(Type.String(), Type.String()),
  body: Nullable(Type.String({ description: 'The first 1 KiB' })), bodyTruncated: Type.Optional(Type.Boolean()),
}, 'What the attempt sent, secrets redacted');

export const Attempt = Answer({
  attempt: Type.Integer(), startedAt: Time(), latencyMs: Type.Number(), statusCode: Nullable(Type.Integer()),
  error: Nullable(Type.String()), response: Nullable(Type.String({ description: 'The first 1 KiB of the response' })),
  request: Type.Optional(Nullable(SentRequest)),
});

export const DeliveryWithAttempts = Answer({ ...Delivery.properties, attempts: Type.Array(Attempt, { description: 'Every attempt, oldest first' }) }, 'A delivery with every attempt');
export const FiringWithDeliveries = Answer({ ...Firing.properties, deliveries: Type.Array(Delivery, { description: 'The deliveries as they stand now' }) }, 'A firing with its deliveries now');

export const Failure = Answer({
  eventId: Type.String(), partition: Type.Integer(), position: Nullable(Type.String()),
  stage: Type.String({ description: 'step (the engine threw), commit (its changes could not be stored), stall (it blocked the processor) or profile (an identify over the subject profile bound was not applied)' }),
  error: Type.String(), at: Time(),
}, 'An event the processor recorded as failed and passed over');

export const Subject = Answer({ id: Type.String(), attributes: Json('Attributes set by identify events and rules'), updatedAt: Time() }, 'A subject profile');

export const Replayed = Answer({
  replayed: Type.Integer({ description: 'How many dead deliveries were replayed' }),
  oldestStored: Type.Optional(Nullable(Time('Given when `from` reaches before the oldest delivery still stored: dead deliveries older than the retention period (IFTHEN_RETENTION_DEAD_MS) were deleted, so the range replayed really starts here'))),
});
export const ReplayPreviewAnswer = Answer({
  dryRun: Type.Literal(true),
  count: Type.Integer({ description: 'How many dead deliveries the replay would send again' }),
  notDead: Type.Optional(Type.Integer({ description: 'With `ids`: the ids given that are not dead (delivered, pending or unknown), left alone' })),
  destinations: Type.Array(Answer({ destination: Type.String({ description: 'A host, smtp or log' }), kind: Type.String(), count: Type.Integer() }), { description: 'Where they go, most first' }),
  rules: Type.Array(Answer({
    id: Type.String(), count: Type.Integer(),
    versions: Type.Array(Type.Integer(), { description: 'The rule versions whose firings made them: a replay sends what those versions said, not the current one' }),
    currentVersion: Nullable(Type.Integer({ description: 'The rule as saved now; null when it was deleted' })),
  }), { description: 'Which rules made them, most first' }),
  oldest: Nullable(Time('Creation time of the oldest')), newest: Nullable(Time('Creation time of the newest')),
  answered2xx: Type.Integer({ description: 'Deliveries a receiver already answered 2xx at an earlier attempt: they would arrive again (receivers that dedupe on the key ignore them)' }),
  sameIdempotencyKey: Type.Literal(true, { description: 'A replay sends each delivery under its own id as the Idempotency-Key, the same as before' }),
}, 'What a replay would do (dry_run: true); nothing was changed');

export const DueNow = Answer({ id: Type.String(), status: Type.String({ description: 'pending' }), due: Type.String({ description: 'now' }) }, 'The delivery will be tried now');

/** A page of history that retention trims: it says from when the history is kept. */
const HistoryPageOf = <T extends TSchema>(item: T, description: string) => Answer({
  ...PageOf(item, description).properties,
  oldestStored: Nullable(Time('The oldest row of this history still stored (null when there is none): anything older was deleted by retention (GET /v1/retention) or never existed, so paging ends there')),
}, description);

export const FiringPage = HistoryPageOf(Firing, 'Firings, newest first');
export const DeliveryPage = HistoryPageOf(Delivery, 'Deliveries, newest first');
export const EventPage = HistoryPageOf(StoredEvent, 'Events, newest first');
export const FailurePage = PageOf(Failure, 'Failed events, newest first');
