// GET /v1/events/stream: a live tail of arriving events as server-sent events. It follows the stored log (what
// every ingest path writes), newest first a page at a time, so it needs no hook in ingest. A slow reader is never
// buffered for without bound: while the socket's buffer is full, events are dropped and counted, and the reader is
// told "n skipped" once it drains. Heartbeats keep proxies from closing an idle stream.
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import fp from '../plugin.ts';
import type { ApiDeps } from '../deps.ts';
import { ApiError } from '../errors.ts';
import { eventView } from '../views.ts';
import type { PositionedEvent } from '../../store/contracts.ts';

const POLL_MS = 250;
const HEARTBEAT_MS = 15_000;
const PAGE = 500;
/** At most this many new events are read per poll; more than that within 250 ms is counted as skipped. */
const MAX_PER_POLL = 2_000;
/** Bytes waiting in the socket past which events are dropped (and counted) instead of queued. */
const HIGH_WATER_BYTES = 256 * 1024;
const REMEMBERED_IDS = 20_000;

export interface TailFilter {
  readonly type?: string;
  readonly subject?: string;
  /** A property path (dots for nesting) and the value it must have, compared as text. */
  readonly property?: { readonly path: string; readonly value: string };
}

export function propertyAt(properties: unknown, path: string): unknown {
  let value: unknown = properties;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

export function matchesProperty(event: PositionedEvent, filter: TailFilter): boolean {
  if (!filter.property) return true;
  const value = propertyAt(event.properties, filter.property.path);
  if (value === undefined) return false;
  return (typeof value === 'string' ? value : JSON.stringify(value)) === filter.property.value;
}

export function parsePropertyFilter(text: string | undefined): TailFilter['property'] {
  if (text === undefined || text === '') return undefined;
  const eq = text.indexOf('=');
  if (eq <= 0) throw new ApiError('IFTHEN_ERR_INVALID_QUERY', ['property: write it as path=value, e.g. plan=pro or address.city=Seoul']);
  return { path: text.slice(0, eq), value: text.slice(eq + 1) };
}

export const eventStreamRoutes = (deps: ApiDeps) => fp(async (app: FastifyInstance) => {
  const streams = new Set<() => void>();
  app.addHook('preClose', async () => { for (const end of [...streams]) end(); });

  app.get<{ Querystring: { type?: string; subject?: string; property?: string } }>('/v1/events/stream', {
    schema: {
      tags: ['runs'],
      summary: 'A live tail of arriving events (text/event-stream): `event: events` with a JSON array, `event: skipped` with {count} when a slow reader missed some, comments as heartbeats',
      querystring: Type.Object({
        type: Type.Optional(Type.String()), subject: Type.Optional(Type.String()),
        property: Type.Optional(Type.String({ description: 'path=value: only events whose property at path has this value (as text)' })),
      }),
      produces: ['text/event-stream'],
    },
  }, async (request, reply) => {
    const filter: TailFilter = {
      type: request.query.type || undefined, subject: request.query.subject || undefined, property: parsePropertyFilter(request.query.property),
    };
    const seen = new Set<string>();
    const remember = (id: string) => {
      seen.add(id);
      if (seen.size > REMEMBERED_IDS) seen.delete(seen.values().next().value as string);
    };
    // Only events that arrive after the stream opens: remember what is already there.
    const start = await deps.stores.history.events({ type: filter.type, subject: filter.subject, limit: PAGE });
    for (const e of start.items) remember(e.id);

    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no',
    });
    raw.write(`retry: 2000\n: connected\n\n`);

    let skipped = 0;
    let closed = false;
    let polling = false;
    const send = (chunk: string) => {
      if (closed) return;
      raw.write(chunk);
    };
    const congested = () => raw.writableLength > HIGH_WATER_BYTES;

    const poll = async () => {
      if (closed || polling) return;
      polling = true;
      try {
        const fresh: PositionedEvent[] = [];
        let cursor: string | undefined;
        let reachedSeen = false;
        while (fresh.length < MAX_PER_POLL) {
          const page = await deps.stores.history.events({ type: filter.type, subject: filter.subject, before: cursor, limit: PAGE });
          for (const e of page.items) {
            if (seen.has(e.id)) { reachedSeen = true; break; }
            fresh.push(e);
          }
          if (reachedSeen || page.next === undefined) break;
          cursor = page.next;
        }
        if (!reachedSeen && fresh.length >= MAX_PER_POLL) skipped += 1; // at least one more than we read: said as "some skipped"
        for (const e of fresh) remember(e.id);
        const matching = fresh.filter((e) => matchesProperty(e, filter)).reverse();
        if (matching.length === 0) return;
        if (congested()) { skipped += matching.length; return; }
        if (skipped > 0) { send(`event: skipped\ndata: ${JSON.stringify({ count: skipped })}\n\n`); skipped = 0; }
        send(`event: events\ndata: ${JSON.stringify(matching.map(eventView))}\n\n`);
      } catch (error) {
        request.log.warn({ err: error }, 'event stream poll failed');
      } finally {
        polling = false;
      }
    };

    const pollTimer = setInterval(() => { void poll(); }, POLL_MS);
    const heartbeat = setInterval(() => { if (!congested()) send(`: heartbeat\n\n`); }, HEARTBEAT_MS);
    const end = () => {
      if (closed) return;
      closed = true;
      clearInterval(pollTimer);
      clearInterval(heartbeat);
      streams.delete(end);
      raw.end();
    };
    streams.add(end);
    raw.on('close', end);
    request.raw.on('aborted', end);
  });
});
