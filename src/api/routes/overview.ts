// GET /v1/overview: is the pipeline healthy right now? Samples what the pipeline already counts (its Prometheus
// counters and its lag) into two small in-memory rings: one point per 10 s for the last hour, one per 5 min for
// the day. Rates are differences between readings, so nothing new is counted on the hot path.
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import fp from '../plugin.ts';
import type { ApiDeps } from '../deps.ts';
import { ApiError } from '../errors.ts';
import { Answer, ERRORS } from '../schemas/common.ts';

/** Cumulative counts at one moment (counters since the threads started) plus the gauges of that moment. */
export interface Reading {
  readonly at: number;
  readonly ingested: number;
  readonly processed: number;
  readonly firings: number;
  readonly delivered: number;
  readonly retried: number;
  readonly died: number;
  readonly failedEvents: number;
  readonly ruleErrors: number;
  readonly lagSeconds: number;
  readonly lagEvents: number;
  readonly deadNow: number;
  readonly outboxDepth: number;
  /** Per kind of destination: total attempt seconds and attempts (the histogram's sum and count). */
  readonly latency: Readonly<Record<string, { sum: number; count: number }>>;
}

export interface OverviewPoint {
  readonly t: string;
  readonly eventsPerSecond: number;
  readonly firingsPerSecond: number;
  readonly delivered: number;
  readonly retried: number;
  readonly died: number;
  readonly lagSeconds: number;
}

const WINDOWS = { '1h': { stepMs: 10_000, points: 360 }, '24h': { stepMs: 300_000, points: 288 } } as const;
type WindowName = keyof typeof WINDOWS;

/** A fixed-size ring of readings taken at least `stepMs` apart. */
export class ReadingRing {
  readonly #items: Reading[] = [];
  constructor(readonly stepMs: number, readonly capacity: number) {}
  offer(reading: Reading): void {
    const last = this.#items.at(-1);
    if (last && reading.at - last.at < this.stepMs) return;
    this.#items.push(reading);
    if (this.#items.length > this.capacity + 1) this.#items.shift();
  }
  get items(): readonly Reading[] { return this.#items; }
}

/** Prometheus text → samples of the named metrics, with their labels. */
export function parseMetrics(text: string): Map<string, Array<{ labels: Record<string, string>; value: number }>> {
  const out = new Map<string, Array<{ labels: Record<string, string>; value: number }>>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]] = pair[2];
    const value = Number(match[3]);
    if (!Number.isFinite(value)) continue;
    const list = out.get(match[1]) ?? [];
    list.push({ labels, value });
    out.set(match[1], list);
  }
  return out;
}

export function readingOf(at: number, text: string, lag: { lagSeconds: number; lagEvents: number }): Reading {
  const metrics = parseMetrics(text);
  const sum = (name: string, where: (labels: Record<string, string>) => boolean = () => true) =>
    (metrics.get(name) ?? []).filter((s) => where(s.labels)).reduce((total, s) => total + s.value, 0);
  const latency: Record<string, { sum: number; count: number }> = {};
  for (const s of metrics.get('ifthen_delivery_duration_seconds_sum') ?? []) (latency[s.labels.kind ?? '?'] ??= { sum: 0, count: 0 }).sum += s.value;
  for (const s of metrics.get('ifthen_delivery_duration_seconds_count') ?? []) (latency[s.labels.kind ?? '?'] ??= { sum: 0, count: 0 }).count += s.value;
  return {
    at,
    ingested: sum('ifthen_events_ingested_total', (l) => l.status === 'accepted'),
    processed: sum('ifthen_events_processed_total'),
    firings: sum('ifthen_firings_total'),
    delivered: sum('ifthen_deliveries_total', (l) => l.outcome === 'delivered'),
    retried: sum('ifthen_deliveries_total', (l) => l.outcome === 'retry'),
    died: sum('ifthen_deliveries_total', (l) => l.outcome === 'dead'),
    failedEvents: sum('ifthen_events_failed_total'),
    ruleErrors: sum('ifthen_rule_errors_total'),
    lagSeconds: lag.lagSeconds,
    lagEvents: lag.lagEvents,
    deadNow: sum('ifthen_deliveries_dead'),
    outboxDepth: sum('ifthen_outbox_depth'),
    latency,
  };
}

// A counter that went down was reset (a thread was replaced): count from zero again, never a negative rate.
const grew = (now: number, before: number) => (now >= before ? now - before : now);

export function pointBetween(before: Reading, after: Reading): OverviewPoint {
  const seconds = Math.max((after.at - before.at) / 1000, 0.001);
  return {
    t: new Date(after.at).toISOString(),
    eventsPerSecond: grew(after.ingested, before.ingested) / seconds,
    firingsPerSecond: grew(after.firings, before.firings) / seconds,
    delivered: grew(after.delivered, before.delivered),
    retried: grew(after.retried, before.retried),
    died: grew(after.died, before.died),
    lagSeconds: after.lagSeconds,
  };
}

export type Problem = 'lag-growing' | 'dead-deliveries' | 'processing-errors' | 'rule-errors' | 'pipeline-unavailable';

/** What is wrong now, judged on the recent readings; each problem has a fix the console words. */
export function problemsOf(recent: readonly Reading[], current: Reading | undefined): Problem[] {
  if (!current) return ['pipeline-unavailable'];
  const problems: Problem[] = [];
  const minuteAgo = [...recent].reverse().find((r) => current.at - r.at >= 50_000) ?? recent[0];
  if (current.lagSeconds > 30 && (!minuteAgo || current.lagSeconds > minuteAgo.lagSeconds)) problems.push('lag-growing');
  if (current.deadNow > 0) problems.push('dead-deliveries');
  if (minuteAgo && grew(current.failedEvents, minuteAgo.failedEvents) > 0) problems.push('processing-errors');
  if (minuteAgo && grew(current.ruleErrors, minuteAgo.ruleErrors) > 0) problems.push('rule-errors');
  return problems;
}

const OverviewPointSchema = Answer({
  t: Type.String({ format: 'date-time' }), eventsPerSecond: Type.Number(), firingsPerSecond: Type.Number(),
  delivered: Type.Number(), retried: Type.Number(), died: Type.Number(), lagSeconds: Type.Number(),
});
const OverviewAnswer = Answer({
  window: Type.String(),
  stepSeconds: Type.Number(),
  now: Answer({
    at: Type.String({ format: 'date-time' }), healthy: Type.Boolean(), problems: Type.Array(Type.String()),
    eventsPerSecond: Type.Number({ description: 'Accepted events per second over the last minute (or since the first reading)' }),
    firingsPerSecond: Type.Number(), lagSeconds: Type.Number(), lagEvents: Type.Number(),
    deliveries: Answer({ delivered: Type.Number(), retried: Type.Number(), died: Type.Number() }, 'Delivery attempts by outcome over the window'),
    deadDeliveries: Type.Number({ description: 'Dead deliveries stored now (replayable)' }), outboxDepth: Type.Number(),
    totals: Answer({ ingested: Type.Number(), processed: Type.Number(), firings: Type.Number() }, 'Since the threads started'),
  }),
  slowestDestinations: Type.Array(Answer({ kind: Type.String(), averageSeconds: Type.Number(), attempts: Type.Number() }), { description: 'Kinds of destination by mean attempt time since start, slowest first' }),
  points: Type.Array(OverviewPointSchema),
}, 'The pipeline right now and over the window');

export const overviewRoutes = (deps: ApiDeps) => fp(async (app: FastifyInstance) => {
  const rings: Record<WindowName, ReadingRing> = { '1h': new ReadingRing(WINDOWS['1h'].stepMs, WINDOWS['1h'].points), '24h': new ReadingRing(WINDOWS['24h'].stepMs, WINDOWS['24h'].points) };
  let latest: Reading | undefined;

  async function read(): Promise<Reading | undefined> {
    try {
      const [own, workers, status] = await Promise.all([deps.registry.metrics(), deps.pipeline.metrics(), deps.pipeline.status()]);
      const reading = readingOf(deps.now(), `${own}\n${workers}`, status);
      latest = reading;
      for (const ring of Object.values(rings)) ring.offer(reading);
      return reading;
    } catch {
      return undefined; // the pipeline thread is being replaced: the answer says so (pipeline-unavailable)
    }
  }

  const timer = setInterval(() => { void read(); }, WINDOWS['1h'].stepMs);
  timer.unref();
  app.addHook('onReady', async () => { await read(); });
  app.addHook('onClose', async () => { clearInterval(timer); });

  app.get<{ Querystring: { window?: string } }>('/v1/overview', {
    schema: {
      tags: ['ops'], summary: 'The pipeline right now (rates, lag, deliveries by outcome, dead deliveries, problems) and its history over the last hour or day',
      querystring: Type.Object({ window: Type.Optional(Type.String({ description: '1h (a point per 10 s, default) or 24h (a point per 5 min)' })) }),
      response: { 200: OverviewAnswer, ...ERRORS },
    },
  }, async (request) => {
    const name = (request.query.window ?? '1h') as WindowName;
    if (!(name in WINDOWS)) throw new ApiError('IFTHEN_ERR_INVALID_QUERY', ['window: must be 1h or 24h']);
    const current = (await read()) ?? latest;
    const items = rings[name].items;
    const cutoff = deps.now() - WINDOWS[name].stepMs * WINDOWS[name].points;
    const inWindow = items.filter((r) => r.at >= cutoff);
    const points: OverviewPoint[] = [];
    for (let i = 1; i < inWindow.length; i++) points.push(pointBetween(inWindow[i - 1], inWindow[i]));
    // "Now" is measured over about the last minute, or since the first reading when the process is younger.
    const recent = rings['1h'].items;
    const base = current ? [...recent].reverse().find((r) => current.at - r.at >= 60_000) ?? recent[0] : undefined;
    const rate = current && base && current !== base ? pointBetween(base, current) : undefined;
    const first = inWindow[0];
    const problems = problemsOf(recent, current);
    return {
      window: name,
      stepSeconds: WINDOWS[name].stepMs / 1000,
      now: {
        at: new Date(current?.at ?? deps.now()).toISOString(),
        healthy: problems.length === 0,
        problems,
        eventsPerSecond: rate?.eventsPerSecond ?? 0,
        firingsPerSecond: rate?.firingsPerSecond ?? 0,
        lagSeconds: current?.lagSeconds ?? 0,
        lagEvents: current?.lagEvents ?? 0,
        deliveries: current && first ? { delivered: grew(current.delivered, first.delivered), retried: grew(current.retried, first.retried), died: grew(current.died, first.died) } : { delivered: 0, retried: 0, died: 0 },
        deadDeliveries: current?.deadNow ?? 0,
        outboxDepth: current?.outboxDepth ?? 0,
        totals: { ingested: current?.ingested ?? 0, processed: current?.processed ?? 0, firings: current?.firings ?? 0 },
      },
      slowestDestinations: Object.entries(current?.latency ?? {})
        .filter(([, l]) => l.count > 0)
        .map(([kind, l]) => ({ kind, averageSeconds: l.sum / l.count, attempts: l.count }))
        .sort((a, b) => b.averageSeconds - a.averageSeconds)
        .slice(0, 5),
      points,
    };
  });
});
