// The synthetic workload shared by the load generator, the preloader and the scenarios: event types,
// subjects, properties and the 100 rules that the processing and latency scenarios install.
import { randomUUID } from 'node:crypto';

export const EVENT_TYPES = Array.from({ length: 20 }, (_, k) => `ev_${k}`);
export const HOOK_EVENT_TYPE = 'checkout';
export const SUBJECTS = 100_000;
const COUNTRIES = ['KR', 'US', 'DE', 'FR', 'BR'];

export interface BenchEvent {
  id: string;
  type: string;
  subject: string;
  properties: { n: number; country: string; amount: number; sent_at: number; plan: string };
}

/** A cheap deterministic generator (xorshift32), so runs are comparable and the load generator stays light. */
export function rng(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

export interface EventFactoryOptions {
  /** Prefix of every event id; ids are `${prefix}-${counter}` and unique within a run. */
  readonly prefix: string;
  /** Share of events of the webhook rule's type (latency scenario). */
  readonly hookFraction?: number;
  readonly seed?: number;
  /** 'uuid': random v4 ids (what Segment's SDKs send as messageId) instead of `${prefix}-${counter}`. */
  readonly ids?: 'sequential' | 'uuid';
}

export function eventFactory(options: EventFactoryOptions) {
  const random = rng(options.seed ?? 12345);
  const hookFraction = options.hookFraction ?? 0;
  let counter = 0;
  return (sentAt: number): BenchEvent => {
    const hook = hookFraction > 0 && random() < hookFraction;
    return {
      id: options.ids === 'uuid' ? randomUUID() : `${options.prefix}-${counter++}`,
      type: hook ? HOOK_EVENT_TYPE : EVENT_TYPES[Math.floor(random() * EVENT_TYPES.length)],
      subject: `user_${Math.floor(random() * SUBJECTS)}`,
      properties: {
        n: Math.floor(random() * 1000),
        country: COUNTRIES[Math.floor(random() * COUNTRIES.length)],
        amount: Math.floor(random() * 50_000),
        sent_at: Math.round(sentAt),
        plan: random() < 0.3 ? 'pro' : 'free',
      },
    };
  };
}

export interface RuleDoc {
  id: string;
  when: { event: string; where?: string };
  then: Array<Record<string, unknown>>;
}

/**
 * `count` match rules spread evenly over the 20 event types (5 per type for 100). Rule j of a type
 * matches `n` in [20j, 20j+20) plus two always-true clauses, so each rule matches 2% of its type and
 * ~10% of all events match exactly one rule (with 5 rules per type). Actions are `log` (cheap at
 * LOG_LEVEL=warn, but still a firing, an outbox row and a dispatcher attempt).
 */
export function logRules(count: number): RuleDoc[] {
  const rules: RuleDoc[] = [];
  for (let i = 0; i < count; i++) {
    const type = EVENT_TYPES[i % EVENT_TYPES.length];
    const j = Math.floor(i / EVENT_TYPES.length);
    const lo = j * 20;
    rules.push({
      id: `bench-${type}-${j}`,
      when: {
        event: type,
        where: `event.properties.n >= ${lo} && event.properties.n < ${lo + 20} && event.properties.country != "XX" && event.properties.amount >= 0`,
      },
      then: [{ log: { message: `bench rule ${i} fired for {{ event.subject }}`, level: 'info' } }],
    });
  }
  return rules;
}

/** The latency scenario's rule: every `checkout` event fires a webhook to the loopback receiver. */
export function hookRule(url: string): RuleDoc {
  return {
    id: 'bench-hook',
    when: { event: HOOK_EVENT_TYPE, where: 'event.properties.amount >= 0' },
    then: [{ webhook: { url, body: { event_id: '{{ event.id }}', sent_at: '{{ event.properties.sent_at }}' } } }],
  };
}

/**
 * The many-subjects stream: every other event identifies a new subject (`member_<k>`, with a plan, a
 * country and an email) until `subjects` are known; the others are the usual track events, each for a
 * random subject already identified. Rules that read `subject.plan` load each event's profile from disk.
 */
export function manySubjectsFactory(prefix: string, subjects: number, seed = 4242) {
  const random = rng(seed);
  const track = eventFactory({ prefix: `${prefix}-t`, seed: seed + 1 });
  let known = 0;
  let counter = 0;
  return (sentAt: number): BenchEvent | { id: string; type: 'identify'; subject: string; properties: Record<string, unknown> } => {
    counter++;
    if (known < subjects && (counter % 2 === 1 || known === 0)) {
      const k = known++;
      return {
        id: `${prefix}-i-${k}`, type: 'identify', subject: `member_${k}`,
        properties: { plan: random() < 0.3 ? 'pro' : 'free', country: COUNTRIES[Math.floor(random() * COUNTRIES.length)], email: `member_${k}@example.com`, signed_up_at: Math.round(sentAt) },
      };
    }
    const event = track(sentAt);
    event.subject = `member_${Math.floor(random() * known)}`;
    return event;
  };
}

/** logRules, each also reading the subject's profile (true for every identified subject: same firings). */
export function subjectRules(count: number): RuleDoc[] {
  return logRules(count).map((r) => ({ ...r, id: `${r.id}-s`, when: { ...r.when, where: `${r.when.where} && subject.plan != "none"` } }));
}
