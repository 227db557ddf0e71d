// The workload of the "rules with memory" scenarios: stateful rule sets (threshold, sequence, absence) over the
// usual 20 event types, and the backtest's data set, written straight into a data directory with arrival times
// spread over days (ingest stamps arrival with the clock, a backtest needs history).
import { loadConfig } from '../src/config.ts';
import { openDatabase } from '../src/store/sqlite/sqlite-database.ts';
import { SqliteEventLog } from '../src/store/sqlite/sqlite-event-log.ts';
import { EVENT_TYPES, logRules, rng } from './workload.ts';

/** A rule document as the API takes it (rules with memory included). */
export type MemoryRuleDoc = { id: string; when: Record<string, unknown>; limits?: Record<string, unknown>; then: Array<Record<string, unknown>> };

const logAction = (i: number) => [{ log: { message: `memory rule ${i} fired for {{ event.subject }}`, level: 'info' } }];

/**
 * `count` rules, half stateless (logRules) and half with memory, in turn a threshold (3 events of a type within
 * 10 minutes), a sequence (one type then another within an hour) and an absence (a type not followed by another
 * within 5 minutes), over the 20 event types.
 */
export function memoryRules(count: number): MemoryRuleDoc[] {
  const stateless = logRules(Math.ceil(count / 2)) as MemoryRuleDoc[];
  const stateful: MemoryRuleDoc[] = [];
  for (let i = 0; stateful.length < Math.floor(count / 2); i++) {
    const a = EVENT_TYPES[i % EVENT_TYPES.length];
    const b = EVENT_TYPES[(i + 7) % EVENT_TYPES.length];
    const id = `mem-${i}`;
    switch (i % 3) {
      case 0: stateful.push({ id, when: { event: a, where: 'event.properties.n < 500', count: { at_least: 3, within: '10m' } }, then: logAction(i) }); break;
      case 1: stateful.push({ id, when: { event: b, where: 'event.properties.n < 200', after: { event: a, within: '1h' } }, limits: { per_subject: { max: 1, per: '1h' } }, then: logAction(i) }); break;
      default: stateful.push({ id, when: { event: a, where: 'event.properties.n < 50', unless: { event: b, within: '5m' } }, then: logAction(i) }); break;
    }
  }
  return [...stateless, ...stateful];
}

/** The open-windows scenario's rule: every subject's first event opens a 1-hour window that stays open. */
export function openWindowRule(type: string): MemoryRuleDoc {
  return { id: 'open-window', when: { event: type, count: { at_least: 2, within: '1h' } }, then: logAction(0) };
}

export const BACKTEST_TYPES = { viewed: 'page_viewed', cart: 'cart_updated', order: 'order_completed', signup: 'signed_up' } as const;

/** The backtest scenario's 10 rules: 5 stateless (one reads the profile, one a `change`), 5 with memory. */
export function backtestRules(): MemoryRuleDoc[] {
  const t = BACKTEST_TYPES;
  const log = logAction(0);
  return [
    { id: 'bt-big-order', when: { event: t.order, where: 'event.properties.total >= 300' }, then: log },
    { id: 'bt-pricing', when: { event: t.viewed, where: 'event.properties.path == "/pricing"' }, then: log },
    { id: 'bt-signup-pro', when: { event: t.signup, where: 'subject.plan == "pro"' }, then: log },
    { id: 'bt-downgrade', when: { change: { attribute: 'plan', from: 'pro' } }, then: log },
    { id: 'bt-big-cart', when: { event: t.cart, where: 'event.properties.total > 400' }, then: log },
    { id: 'bt-busy', when: { event: t.viewed, count: { at_least: 5, within: '10m' } }, limits: { per_subject: { max: 1, per: '1d' } }, then: log },
    { id: 'bt-spender', when: { event: t.order, sum: { of: 'event.properties.total', at_least: 1000, within: '7d' } }, then: log },
    { id: 'bt-first-order', when: { event: t.order, after: { event: t.signup, within: '7d' } }, then: log },
    { id: 'bt-abandoned', when: { event: t.cart, unless: { event: t.order, within: '1h' } }, limits: { dedupe: { within: '1d' } }, then: log },
    { id: 'bt-skus', when: { event: t.viewed, distinct: { of: 'event.properties.sku', at_least: 4, within: '1d' } }, then: log },
  ];
}

/**
 * Writes `count` events for `subjects` subjects into the data directory's log, arriving evenly over `days` days
 * ending at `end`: identify (5 %), page_viewed (40 %), cart_updated (20 %), order_completed (15 %), signed_up
 * (5 %) and types no rule reads (15 %). Returns the time range.
 */
export function writeBacktestEvents(dataDir: string, count: number, subjects: number, days: number, end: number): { from: number; to: number; seconds: number } {
  const random = rng(2026);
  const config = loadConfig({ IFTHEN_DATA: dataDir });
  const db = openDatabase(config.dbFile);
  const log = new SqliteEventLog(db, 'crash-safe');
  const from = end - days * 86_400_000;
  const step = (end - from) / count;
  const started = performance.now();
  const t = BACKTEST_TYPES;
  try {
    const chunk = 10_000;
    for (let done = 0; done < count; done += chunk) {
      const batch = [];
      for (let i = done; i < Math.min(count, done + chunk); i++) {
        const at = Math.floor(from + i * step);
        const r = random();
        const subject = `user_${Math.floor(random() * subjects)}`;
        const total = Math.floor(random() * 500);
        const [type, properties] = r < 0.05 ? ['identify', { plan: random() < 0.3 ? 'pro' : 'free', country: 'KR' }]
          : r < 0.45 ? [t.viewed, { path: random() < 0.1 ? '/pricing' : `/p/${Math.floor(random() * 50)}`, sku: `sku_${Math.floor(random() * 20)}` }]
          : r < 0.65 ? [t.cart, { total, sku: `sku_${Math.floor(random() * 20)}` }]
          : r < 0.80 ? [t.order, { total, order_id: `o_${i}` }]
          : r < 0.85 ? [t.signup, { source: 'ads' }]
          : [`other_${Math.floor(random() * 5)}`, { n: total }];
        batch.push({ id: `bt-${i}`, type, subject, time: at, receivedAt: at, properties: JSON.stringify(properties), depth: 0 });
      }
      log.insertCommitted(batch);
    }
  } finally {
    db.close();
  }
  return { from, to: end, seconds: (performance.now() - started) / 1000 };
}
