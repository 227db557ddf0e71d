// The event: the one schema for what flows in, what the log stores and what the engine reads.
import { Type, type Static } from '@sinclair/typebox';

export const EVENT_ID_MAX = 200;

export const EventInputSchema = Type.Object(
  {
    id: Type.Optional(Type.String({ minLength: 1, maxLength: EVENT_ID_MAX, description: 'Idempotency key; a repeated id is a duplicate, never a second event.' })),
    type: Type.String({ minLength: 1, description: 'What happened, e.g. cart_updated. `identify` merges its properties into the subject.' }),
    subject: Type.String({ minLength: 1, maxLength: 500, description: 'The entity the event is about, usually a user id.' }),
    time: Type.Optional(Type.Union([Type.String({ minLength: 1 }), Type.Number()], { description: 'Event time, ISO 8601 or epoch milliseconds; defaults to arrival.' })),
    properties: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'Anything; nested up to the depth limit.' })),
  },
  { additionalProperties: false, $id: 'EventInput' },
);
export type EventInput = Static<typeof EventInputSchema>;

/** An event as stored in the log and seen by the engine. Times are epoch milliseconds. */
export interface LoggedEvent {
  readonly seq: number;
  readonly id: string;
  readonly type: string;
  readonly subject: string;
  readonly time: number;
  readonly receivedAt: number;
  readonly properties: Readonly<Record<string, unknown>>;
  /** Id of the event whose rule emitted this one; absent for events from outside. */
  readonly causationId?: string;
  /** How many emit hops led here: 0 for events from outside. */
  readonly depth: number;
}

/** A new event ready to be appended: validated, id and time assigned. */
export type NewEvent = Omit<LoggedEvent, 'seq'>;

/** The reserved event type whose properties set subject attributes (Segment's identify). */
export const IDENTIFY_EVENT_TYPE = 'identify';
