// A subject's story: its timeline (events and firings, newest first, read from the subject timeline without
// scanning the log) and "why (not)?" for one rule over its recent events. (The profile is GET /v1/subjects/{id}.)
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import fp from '../plugin.ts';
import type { ApiDeps } from '../deps.ts';
import { ApiError } from '../errors.ts';
import { eventView, firingView, iso } from '../views.ts';
import { ERRORS } from '../schemas/common.ts';
import { SubjectExplanation } from '../schemas/explain.ts';
import { SubjectTimelinePage } from '../schemas/subjects.ts';
import { SandboxBusyError, SandboxTaskError, SandboxTimeoutError } from '../../sandbox/sandbox.ts';
import { compileRule } from '../../engine/rule/compile.ts';
import type { PositionedEvent } from '../../store/contracts.ts';
import type { FiringRecord } from '../../store/history.ts';
import { warmupMs, type ExplainSubjectInput, type ExplainSubjectResult } from '../../explain/explain-subject.ts';
import { suppressionView } from '../../explain/explain-replay.ts';
import { testCompanions } from '../../explain/save-warnings.ts';

const tags = ['subjects'];
const IdParams = Type.Object({ id: Type.String() });
/** At most this many events before the first one shown are replayed to warm the rule up. */
const MAX_WARMUP_EVENTS = 5000;
const PAGE = 500;

function limitOf(value: string | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1 || limit > max) throw new ApiError('IFTHEN_ERR_INVALID_QUERY', [`limit: must be an integer from 1 to ${max}`]);
  return limit;
}

/**
 * `<events>.<firings>`: where each of the two lists stands: a seq (continue before it), '' (from the newest)
 * or '-' (exhausted).
 */
function parseCursor(cursor: string | undefined): { events: string; firings: string } {
  if (cursor === undefined) return { events: '', firings: '' };
  const m = /^([0-9]*|-)\.([0-9]*|-)$/.exec(cursor);
  if (!m) throw new ApiError('IFTHEN_ERR_INVALID_QUERY', ['cursor: must be the `next` value of a previous page']);
  return { events: m[1], firings: m[2] };
}

const before = (side: string) => (side === '' ? undefined : side);

export const subjectRoutes = (deps: ApiDeps) => fp(async (app: FastifyInstance) => {
  const { history, rules, suppressions } = deps.stores;

  app.get<{ Params: { id: string }; Querystring: { cursor?: string; limit?: string } }>('/v1/subjects/:id/timeline', {
    schema: {
      tags, summary: "A subject's events and firings, newest first, paged (read from the subject timeline, without scanning the log)", params: IdParams,
      querystring: Type.Object({ cursor: Type.Optional(Type.String({ description: 'The `next` of the previous page' })), limit: Type.Optional(Type.String({ description: '1–500, default 50' })) }),
      response: { 200: SubjectTimelinePage, ...ERRORS },
    },
  }, async (request) => {
    const subject = request.params.id;
    const limit = limitOf(request.query.limit, 50, 500);
    const cursor = parseCursor(request.query.cursor);
    const none = { items: [] as never[], next: undefined };
    const events = cursor.events === '-' ? none : await history.events({ subject, before: before(cursor.events), limit: limit + 1 });
    const firings = cursor.firings === '-' ? none : await history.firings({ subject, before: before(cursor.firings), limit: limit + 1 });
    type Item = { kind: 'event'; at: number; event: PositionedEvent } | { kind: 'firing'; at: number; firing: FiringRecord };
    const merged: Item[] = [
      ...events.items.map((event): Item => ({ kind: 'event', at: event.receivedAt, event })),
      ...firings.items.map((firing): Item => ({ kind: 'firing', at: firing.time, firing })),
    ].sort((a, b) => b.at - a.at || (a.kind === b.kind ? 0 : a.kind === 'firing' ? -1 : 1));
    const page = merged.slice(0, limit);
    const items = page.map((item) => (item.kind === 'event'
      ? { kind: 'event' as const, time: iso(item.at), event: eventView(item.event) }
      : { kind: 'firing' as const, time: iso(item.at), firing: firingView(item.firing) }));
    // Each list fetched limit + 1: when the page holds everything fetched, both are exhausted.
    if (merged.length <= limit) return { items };
    const takenEvents = page.filter((i): i is Extract<Item, { kind: 'event' }> => i.kind === 'event');
    const takenFirings = page.length - takenEvents.length;
    const eventsNext = !takenEvents.length ? cursor.events
      : takenEvents.length < events.items.length ? String(takenEvents[takenEvents.length - 1].event.seq) : '-';
    // A firing record has no page key of its own: the page of exactly the firings taken gives it.
    const firingsNext = !takenFirings ? cursor.firings
      : takenFirings < firings.items.length ? (await history.firings({ subject, before: before(cursor.firings), limit: takenFirings })).next ?? '-' : '-';
    return { items, next: `${eventsNext}.${firingsNext}` };
  });

  app.get<{ Params: { id: string }; Querystring: { rule: string; limit?: string } }>('/v1/subjects/:id/explain', {
    schema: {
      tags, summary: "Why (not)? A rule over the subject's recent events: for each event what blocked it (condition false and which part, window not reached, waiting for a timer, cancelled, capped, quiet hours, rate-limited, deduped, disabled), with the suppressions and firings stored",
      params: IdParams,
      querystring: Type.Object({ rule: Type.String({ description: 'The rule id' }), limit: Type.Optional(Type.String({ description: 'Events shown, the newest: 1–500, default 50' })) }),
      response: { 200: SubjectExplanation, ...ERRORS },
    },
  }, async (request) => {
    const subject = request.params.id;
    const limit = limitOf(request.query.limit, 50, 500);
    const saved = await rules.get(request.query.rule);
    if (!saved) throw new ApiError('IFTHEN_ERR_NOT_FOUND', [`no rule "${request.query.rule}"`]);
    const compiled = compileRule(saved.document, saved.version);

    // The newest `limit` events, then the warm-up: those within the rule's longest window before the oldest shown.
    const shown = (await history.events({ subject, limit })).items;
    const warmup: PositionedEvent[] = [];
    let truncated = false;
    const reach = warmupMs(compiled);
    let before = shown.length === limit ? String(shown[shown.length - 1].seq) : undefined;
    if (reach > 0 && before !== undefined) {
      const from = shown[shown.length - 1].receivedAt - reach;
      for (;;) {
        const page = await history.events({ subject, before, limit: PAGE });
        const within = page.items.filter((e) => e.receivedAt >= from);
        warmup.push(...within);
        if (warmup.length >= MAX_WARMUP_EVENTS) { truncated = true; break; }
        if (within.length < page.items.length || !page.next) break;
        before = page.next;
      }
    } else if (before !== undefined) {
      truncated = (await history.events({ subject, before, limit: 1 })).items.length > 0;
    }
    const events = [...warmup.slice(0, MAX_WARMUP_EVENTS).reverse(), ...[...shown].reverse()].map(({ cursor: _c, ...e }) => e);
    const profile = await history.subject(subject);
    const enabled = await rules.listEnabled();
    const input: ExplainSubjectInput = {
      rule: { document: saved.document, version: saved.version, enabled: saved.enabled },
      companions: testCompanions(saved.document, enabled).map((r) => ({ document: r.document, version: r.version })),
      subject, attributes: profile?.attributes ?? {}, events, shownFrom: events.length - shown.length, now: deps.now(),
      engine: {
        maxEmitDepth: deps.config.engine.maxEmitDepth, condition: deps.config.condition, render: deps.config.render, memory: deps.config.memory,
        subject: { maxAttributes: deps.config.limits.subjectAttributes, maxBytes: deps.config.limits.subjectBytes },
        ...(deps.config.globalControl ? { globalControl: deps.config.globalControl } : {}),
      },
    };
    let result: ExplainSubjectResult;
    try {
      result = await deps.sandbox.run<ExplainSubjectResult>({ kind: 'explain-subject', input });
    } catch (error) {
      if (error instanceof SandboxTimeoutError) throw new ApiError('IFTHEN_ERR_EVALUATION_TOO_SLOW', [error.message]);
      if (error instanceof SandboxBusyError) throw new ApiError('IFTHEN_ERR_OVERLOADED', [error.message]);
      if (error instanceof SandboxTaskError) throw new ApiError('IFTHEN_ERR_INTERNAL', [error.message]);
      throw error;
    }
    const stored = await suppressions.ofSubject(subject, { ruleId: saved.id, limit: 50 });
    const firings = await history.firings({ subject, rule: saved.id, limit: 20 });
    const oldestShown = shown[shown.length - 1];
    return {
      subject, rule: { id: saved.id, version: saved.version, enabled: saved.enabled },
      from: oldestShown ? iso(oldestShown.receivedAt) : null,
      warmup: { events: events.length - shown.length, fromTime: events.length > shown.length ? iso(events[0].receivedAt) : null },
      decisions: result.decisions, waiting: result.waiting,
      suppressions: stored.map((s) => ({ rule: s.ruleId, ...suppressionView(s) })),
      firings: firings.items.map(firingView),
      truncated,
    };
  });
});
