// GET /v1/event-types: the catalogue of event types, inferred from what arrived: per type how many of the newest
// events had it, first and last seen among them, and each property (dot paths for nested objects) with the JSON
// types seen and an example value. It reads only the newest `sample` stored events, and says so in the answer.
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import fp from '../plugin.ts';
import type { ApiDeps } from '../deps.ts';
import { ApiError } from '../errors.ts';
import { Answer, ERRORS, Json } from '../schemas/common.ts';
import type { PositionedEvent } from '../../store/contracts.ts';

const PAGE = 500;
const DEFAULT_SAMPLE = 5_000;
const MAX_DEPTH = 3;
const MAX_PROPERTIES = 200;

export interface PropertyInfo { path: string; types: string[]; example: unknown; seen: number }
export interface EventTypeInfo { type: string; count: number; firstSeen: string; lastSeen: string; properties: PropertyInfo[] }

const jsonType = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'number' ? (Number.isInteger(v) ? 'integer' : 'number') : typeof v);

/** Folds events (any order) into the catalogue, types by volume, properties by path. */
export function catalogueOf(events: readonly PositionedEvent[]): EventTypeInfo[] {
  const types = new Map<string, { count: number; first: number; last: number; props: Map<string, { types: Set<string>; example: unknown; exampleAt: number; seen: number }> }>();
  for (const e of events) {
    const entry = types.get(e.type) ?? { count: 0, first: e.receivedAt, last: e.receivedAt, props: new Map() };
    types.set(e.type, entry);
    entry.count += 1;
    entry.first = Math.min(entry.first, e.receivedAt);
    entry.last = Math.max(entry.last, e.receivedAt);
    const visit = (value: unknown, path: string, depth: number) => {
      if (value !== null && typeof value === 'object' && !Array.isArray(value) && depth < MAX_DEPTH) {
        for (const [k, v] of Object.entries(value)) visit(v, path ? `${path}.${k}` : k, depth + 1);
        return;
      }
      if (!path) return;
      let prop = entry.props.get(path);
      if (!prop) {
        if (entry.props.size >= MAX_PROPERTIES) return;
        prop = { types: new Set(), example: value, exampleAt: e.receivedAt, seen: 0 };
        entry.props.set(path, prop);
      }
      prop.types.add(jsonType(value));
      prop.seen += 1;
      // The newest value is the example: what a rule would see today.
      if (e.receivedAt >= prop.exampleAt) { prop.example = value; prop.exampleAt = e.receivedAt; }
    };
    visit(e.properties, '', 0);
  }
  return [...types.entries()]
    .map(([type, t]) => ({
      type, count: t.count, firstSeen: new Date(t.first).toISOString(), lastSeen: new Date(t.last).toISOString(),
      properties: [...t.props.entries()].map(([path, p]) => ({ path, types: [...p.types].sort(), example: p.example, seen: p.seen })).sort((a, b) => a.path.localeCompare(b.path)),
    }))
    .sort((a, b) => b.count - a.count || a.type.localeCompare(b.type));
}

const EventTypesAnswer = Answer({
  sampled: Type.Number({ description: 'How many of the newest stored events the catalogue was inferred from' }),
  items: Type.Array(Answer({
    type: Type.String(), count: Type.Number({ description: 'Events of this type among the sampled ones' }),
    firstSeen: Type.String({ format: 'date-time' }), lastSeen: Type.String({ format: 'date-time' }),
    properties: Type.Array(Answer({ path: Type.String(), types: Type.Array(Type.String()), example: Json('The newest value seen'), seen: Type.Number() })),
  })),
}, 'Event types inferred from the newest stored events');

export const eventTypeRoutes = (deps: ApiDeps) => fp(async (app: FastifyInstance) => {
  app.get<{ Querystring: { sample?: string } }>('/v1/event-types', {
    schema: {
      tags: ['runs'], summary: 'The event types seen among the newest stored events, with their properties, JSON types and example values',
      querystring: Type.Object({ sample: Type.Optional(Type.String({ description: `How many of the newest events to read, 1–50000 (default ${DEFAULT_SAMPLE})` })) }),
      response: { 200: EventTypesAnswer, ...ERRORS },
    },
  }, async (request) => {
    const sample = request.query.sample === undefined ? DEFAULT_SAMPLE : Number(request.query.sample);
    if (!Number.isInteger(sample) || sample < 1 || sample > 50_000) throw new ApiError('IFTHEN_ERR_INVALID_QUERY', ['sample: must be an integer from 1 to 50000']);
    const events: PositionedEvent[] = [];
    let cursor: string | undefined;
    while (events.length < sample) {
      const page = await deps.stores.history.events({ before: cursor, limit: Math.min(PAGE, sample - events.length) });
      events.push(...page.items);
      if (page.next === undefined) break;
      cursor = page.next;
    }
    return { sampled: events.length, items: catalogueOf(events) };
  });
});
