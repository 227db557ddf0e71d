// Building blocks of the OpenAPI answers. Fastify serialises each answer with its schema, so every object here keeps
// fields it does not list (additionalProperties) and every field that may be null says so: a schema documents, never trims.
import { Type, type TObject, type TProperties, type TSchema } from '@sinclair/typebox';

/** An object answer; fields beyond the listed ones are kept. */
export const Answer = <T extends TProperties>(properties: T, description?: string): TObject<T> =>
  Type.Object(properties, { additionalProperties: true, ...(description ? { description } : {}) });

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const Time = (description?: string) => Type.String({ format: 'date-time', ...(description ? { description } : {}) });

/** Any JSON value, written as it is. */
export const Json = (description?: string) => Type.Unknown(description ? { description } : {});

/** A list page, newest first; `next` is the cursor of the following page and absent on the last one. */
export const PageOf = <T extends TSchema>(item: T, description: string) => Answer({
  items: Type.Array(item),
  next: Type.Optional(Type.String({ description: 'Pass as `cursor` to get the next (older) page; absent on the last page' })),
}, description);

export const ErrorAnswer = Answer({
  error: Answer({
    code: Type.String({ description: 'IFTHEN_ERR_…, one per kind of problem' }),
    message: Type.String({ description: 'What went wrong, with the field path where there is one' }),
    details: Type.Optional(Json('Per-field or per-event problems: [{path, message}] for rules, the per-event results for ingest')),
  }),
}, 'An error: {"error": {"code", "message", "details?"}}');

/** Every route may answer a client error (401 without a valid token, 404, 400…) or a server one (503 while busy). */
export const ERRORS = { '4xx': ErrorAnswer, '5xx': ErrorAnswer } as const;

export const NoContent = Type.Null({ description: 'Done; no body' });

/** Documents a request body without validating it here: the route reads it itself and reports each problem its own way. */
export const documentedOnly = () => (data: unknown) => ({ value: data });
