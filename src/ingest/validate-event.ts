// Checks one incoming event against the schema and the configured limits, and gives it an id and a time.
import { randomUUID } from 'node:crypto';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { EventInputSchema, IDENTIFY_EVENT_TYPE, type NewEvent } from '../engine/event.ts';
import { pointerToPath } from '../engine/schema-errors.ts';
import { schemaErrors } from '../engine/schema-errors.ts';

const check = TypeCompiler.Compile(EventInputSchema);

export interface EventLimits {
  readonly propertyDepth: number;
  readonly typeLength: number;
  /** What one subject's profile may hold; an identify that alone exceeds it is refused here. */
  readonly subjectAttributes: number;
  readonly subjectBytes: number;
}

export interface EventError {
  readonly code: 'IFTHEN_ERR_INVALID_EVENT' | 'IFTHEN_ERR_TOO_DEEP' | 'IFTHEN_ERR_TYPE_TOO_LONG' | 'IFTHEN_ERR_PROFILE_TOO_LARGE';
  readonly path: string;
  readonly message: string;
}

export function validateEvent(input: unknown, limits: EventLimits, receivedAt: number, base: string): { event: NewEvent } | { error: EventError } {
  if (!check.Check(input)) {
    const [first] = schemaErrors(EventInputSchema, input);
    const atRoot = !first || first.path === '(root)';
    const path = atRoot ? base || '(root)' : joinPath(base, first.path);
    const message = atRoot ? 'an event must be an object with type and subject' : first.message;
    return { error: { code: 'IFTHEN_ERR_INVALID_EVENT', path, message } };
  }
  if (input.type.length > limits.typeLength) {
    return { error: { code: 'IFTHEN_ERR_TYPE_TOO_LONG', path: joinPath(base, 'type'), message: `must be at most ${limits.typeLength} characters (limit IFTHEN_MAX_TYPE_LENGTH)` } };
  }
  const properties = input.properties ?? {};
  const deepPath = tooDeep(properties, limits.propertyDepth);
  if (deepPath !== undefined) {
    return { error: { code: 'IFTHEN_ERR_TOO_DEEP', path: joinPath(base, `properties${deepPath}`), message: `nesting is deeper than ${limits.propertyDepth} levels (limit IFTHEN_MAX_PROPERTY_DEPTH)` } };
  }
  if (input.type === IDENTIFY_EVENT_TYPE) {
    const attributes = Object.keys(properties).length;
    if (attributes > limits.subjectAttributes) {
      return { error: { code: 'IFTHEN_ERR_PROFILE_TOO_LARGE', path: joinPath(base, 'properties'), message: `sets ${attributes} attributes; a subject may have at most ${limits.subjectAttributes} (limit IFTHEN_MAX_SUBJECT_ATTRIBUTES)` } };
    }
  }
  const time = parseTime(input.time, receivedAt);
  if (time === undefined) return { error: { code: 'IFTHEN_ERR_INVALID_EVENT', path: joinPath(base, 'time'), message: 'must be an ISO 8601 time or epoch milliseconds' } };
  return {
    event: { id: input.id ?? randomUUID(), type: input.type, subject: input.subject, time, receivedAt, properties, depth: 0 },
  };
}

function joinPath(base: string, path: string): string {
  if (!base) return path;
  return path.startsWith('[') ? `${base}${path}` : `${base}.${path}`;
}

function parseTime(time: string | number | undefined, fallback: number): number | undefined {
  if (time === undefined) return fallback;
  const ms = typeof time === 'number' ? time : Date.parse(time);
  return Number.isFinite(ms) && ms >= 0 && ms < 8.64e15 ? Math.trunc(ms) : undefined;
}

/**
 * The path of the first value nested deeper than `limit`, or undefined. The walk never goes more than
 * `limit + 1` levels down, so hostile depth cannot overflow the stack; the path is built only on failure.
 */
function tooDeep(value: unknown, limit: number, depth = 1): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  if (depth > limit) return '';
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const below = tooDeep(value[i], limit, depth + 1);
      if (below !== undefined) return `[${i}]${below}`;
    }
    return undefined;
  }
  for (const key in value) {
    if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
    const below = tooDeep((value as Record<string, unknown>)[key], limit, depth + 1);
    if (below !== undefined) return `${pointerToPath(`/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`, 'x').slice(1)}${below}`;
  }
  return undefined;
}
